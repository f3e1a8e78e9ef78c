/**
 * The module validator: a short-lived process the cluster daemon forks for each `load` (module-validator.ts). It
 * receives the upload over IPC, evaluates and checks it (module-check.ts), sends back the result as data, and
 * exits. The module's top-level code and constructor run here, with this process's pid and memory, never the
 * cluster daemon's.
 */
import { HypernodeError } from '@hypernode/core';
import { checkModuleCode, type CodeToCheck } from './module-check';
import type { ValidatorReply } from './module-validator';

function reply(message: ValidatorReply): void {
  // The cluster daemon kills this process once it has the reply, whatever timers the module's top level left.
  process.send?.(message);
}

// Without the cluster daemon there is no one to answer: end (timers the module left would keep it alive).
process.on('disconnect', () => process.exit(0));

process.on('message', (message: { modules?: CodeToCheck[] }) => {
  try {
    reply({ ok: true, modules: checkModuleCode(message.modules ?? []) });
  } catch (err) {
    const known = err instanceof HypernodeError;
    reply({ ok: false, code: known ? err.code : 'MODULE_LOAD_FAILED', message: known ? err.message : `The module validator failed: ${String(err)}` });
  }
});
process.send?.({ ready: true });
