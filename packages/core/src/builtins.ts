import type { ProcessClass } from './process';
import { Root } from './root';

/** The modules every cluster has without loading anything. */
export function builtinModules(): Record<string, ProcessClass> {
  return { Root };
}
