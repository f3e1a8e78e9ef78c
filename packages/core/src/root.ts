import { Process } from './process';

/**
 * The default root process: the ancestor of every process of a cluster. It keeps no state of its own and
 * ignores what it receives (including `CHILD_PROCESS_EXIT` of top-level processes, which the worker already
 * logged if they crashed). Replace it with `createCluster({ root: MyRoot })`.
 */
export class Root extends Process<Record<string, unknown>> {
  static override moduleName = 'Root';
}
