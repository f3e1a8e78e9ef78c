/** The checks of a process's `spawn` before anything is created (kernel.ts). */
import { describeArg } from './describe-arg';
import { HypernodeError } from './errors';
import { moduleNameOf } from './module-loader';
import { isProcessClass, type ProcessClass } from './process';
import { ENDED, type ProcRecord } from './process-record';

/**
 * The module name `parent` spawns: `module` itself, or a class's module name. Throws `PROCESS_EXITED` when `parent`
 * has ended, and a `TypeError` when `module` is neither a non-empty string nor a `Process` class.
 */
export function spawnedModule(parent: ProcRecord, module: string | ProcessClass): string {
  if (parent.status === ENDED) {
    throw new HypernodeError(
      'PROCESS_EXITED',
      `Process '${parent.name}' has ended and cannot spawn '${typeof module === 'string' ? module : describeArg(module)}'; spawn from a living process.`,
    );
  }
  const moduleName = typeof module === 'function' && isProcessClass(module) ? moduleNameOf(undefined, module) : module;
  if (typeof moduleName !== 'string' || moduleName.length === 0) {
    throw new TypeError(`spawn() needs a module name (a non-empty string) as its first argument; got ${describeArg(moduleName)}.`);
  }
  return moduleName;
}
