import type { ProcessClass } from './process';
import { Root } from './root';
import { Supervisor } from './supervisor';

/** The modules every cluster has without loading anything. */
export function builtinModules(): Record<string, ProcessClass> {
  return { Root, Supervisor };
}
