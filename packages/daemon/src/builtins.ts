import { Root, Supervisor, type ProcessClass } from '@hypernode/core';

/**
 * The modules every worker has without loading anything: the same set as core's embedded cluster (core's
 * `builtinModules()` is not exported; keep the two lists equal).
 */
export function builtinClasses(): Record<string, ProcessClass> {
  return { Root, Supervisor };
}
