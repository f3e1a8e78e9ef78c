import { builtinModules } from './builtins';
import { moduleApi } from './module-api';
import { evaluateModule } from './module-loader';
import { ClassCatalog, ModuleTable } from './modules';
import { WorkerRuntime, type WorkerOptions } from './worker';

/** Options of {@link createWorkerRuntime}: a worker's options, with the module table made for you. */
export interface WorkerRuntimeSetup extends Omit<WorkerOptions, 'modules'> {
  /**
   * `'host'` (the default) runs module code: the built-in modules, the classes of `catalog`, and module versions
   * read from the registry, evaluated with hypernode's own API. `'client'` hosts only inboxes and never runs a
   * module (a program connected with `connectCluster`).
   */
  role?: 'host' | 'client';
  /**
   * Classes known without loading them, shared by the runtimes of one Node process (the embedded cluster's
   * workers). The built-in modules are added to it. Default: a catalog of its own.
   */
  catalog?: ClassCatalog;
}

/**
 * Assembles a worker runtime the way every hypernode host does (the embedded cluster's workers, the worker and
 * cluster daemons, `connectCluster`'s client): its module table over the class catalog (with the built-in
 * modules) and the registry, and module code evaluated against hypernode's API. The runtime is not started:
 * call `start()`.
 *
 * Does not: connect a transport or registry (pass them in), or choose a placement policy (pass `place`).
 */
export function createWorkerRuntime(setup: WorkerRuntimeSetup): WorkerRuntime {
  const { role = 'host', catalog = new ClassCatalog(), ...options } = setup;
  if (role === 'client') {
    return new WorkerRuntime({ ...options, modules: new ModuleTable(new ClassCatalog(), undefined, undefined) });
  }
  for (const [name, cls] of Object.entries(builtinModules())) {
    if (!catalog.get(name)) catalog.add(name, cls);
  }
  const evaluate = (code: string, origin: string) => evaluateModule(code, origin, moduleApi) as Record<string, unknown>;
  return new WorkerRuntime({ ...options, modules: new ModuleTable(catalog, options.registry, evaluate) });
}
