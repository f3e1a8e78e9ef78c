import { HypernodeError } from '@hypernode/core';
import { evaluateModule, moduleApi } from '@hypernode/core/runtime';

/** One module of an upload as the validator checks it: the code arrives already hash-checked by the cluster daemon. */
export interface CodeToCheck {
  name: string;
  code: string;
  hash: string;
  origin?: string;
}

/** What the validator found for one module: its name and the class it found for it. */
export interface CheckedModule {
  name: string;
  /** The class's own name (`class Foo` gives `Foo`), for the log. */
  className: string;
}

/**
 * Evaluates the code of every module of an upload, finds the class of each module's name and constructs it once.
 * Runs in the validator's own short-lived process (module-validator-entry.ts), never in the cluster daemon: the
 * module's top-level code and constructor run here. Throws `MODULE_LOAD_FAILED` (the code does not compile, its
 * top level or constructor throws) or `MODULE_INVALID` (no Process class, none of the module's name) naming the
 * module and the fix; returns the modules found.
 */
export function checkModuleCode(modules: CodeToCheck[]): CheckedModule[] {
  const evaluated = new Map<string, Record<string, unknown>>();
  const out: CheckedModule[] = [];
  for (const m of modules) {
    const origin = m.origin ?? `${m.name}.js`;
    let classes = evaluated.get(m.hash);
    if (!classes) {
      try {
        classes = evaluateModule(m.code, origin, moduleApi) as Record<string, unknown>;
      } catch (err) {
        if (HypernodeError.is(err, 'MODULE_INVALID')) throw err;
        throw new HypernodeError('MODULE_LOAD_FAILED', `Module '${m.name}' from '${origin}' failed to load in the module validator: ${(err as Error).message} Nothing was stored.`, { cause: err });
      }
      evaluated.set(m.hash, classes);
    }
    const cls = classes[m.name];
    if (typeof cls !== 'function') {
      throw new HypernodeError('MODULE_INVALID', `The code uploaded for module '${m.name}' defines no module of that name (it defines ${Object.keys(classes).join(', ') || 'none'}); bundle the file again. Nothing was stored.`);
    }
    try {
      new (cls as new () => unknown)();
    } catch (err) {
      throw new HypernodeError(
        'MODULE_LOAD_FAILED',
        `Module '${m.name}' from '${origin}' throws in its constructor: ${describeError(err)}; every spawn would crash, so nothing was stored. Fix the constructor (keep setup in processWillRun) and load it again.`,
        { cause: err },
      );
    }
    out.push({ name: m.name, className: cls.name });
  }
  return out;
}

function describeError(err: unknown): string {
  return err instanceof Error ? `${err.name}: ${err.message}` : String(err);
}
