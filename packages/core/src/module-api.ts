import { systemClock, ManualClock } from './clock';
import { checkData, copyData } from './codec';
import { HypernodeError } from './errors';
import { Inbox } from './inbox';
import { consoleLogger, silentLogger } from './logger';
import { isProcessClass, Process } from './process';
import { Root } from './root';
import { Supervisor } from './supervisor';

/**
 * What `require('hypernode')`, `require('@hypernode/core')` and their `import` forms give module code that a
 * runtime evaluates (pass it as the `core` argument of `evaluateModule` and `bundleModuleFile`): the values of
 * `@hypernode/core`'s public surface that module code uses, with the same classes the runtime uses, so that a
 * loaded class extends the runtime's own `Process`.
 *
 * Promises: `Process`, `isProcessClass`, `Root`, `Supervisor`, `Inbox`, `HypernodeError`, `copyData`,
 * `checkData`, `systemClock`, `ManualClock`, `consoleLogger` and `silentLogger`, frozen. Types need no value:
 * every type of the public surface may be imported by module code.
 *
 * Leaves out: `createCluster`/`EmbeddedCluster` and `connectCluster` (starting a cluster is the embedding
 * program's business, not a module's; leaving them out also keeps this file free of the cluster, so that the
 * cluster can import it without an import cycle), and everything of `@hypernode/core/runtime`.
 */
export const moduleApi = Object.freeze({
  Process,
  isProcessClass,
  Root,
  Supervisor,
  Inbox,
  HypernodeError,
  copyData,
  checkData,
  systemClock,
  ManualClock,
  consoleLogger,
  silentLogger,
});

/** The type of {@link moduleApi}. */
export type ModuleApi = typeof moduleApi;
