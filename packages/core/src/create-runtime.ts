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
   * module (a program connected with `connectCluster`). `'control'` runs the built-in modules and the classes of
   * `catalog` but never evaluates code read from the registry (the cluster daemon: a loaded module's code never
   * runs in it; spawning one there fails with `MODULE_NOT_FOUND` naming the reason).
   */
  role?: 'host' | 'client' | 'control';
  /**
   * Classes known without loading them, shared by the runtimes of one Node process (the embedded cluster's
   * workers). The built-in modules are added to it. Default: a catalog of its own.
   */
  catalog?: ClassCatalog;
  /**
   * The cluster's `modules` key (`moduleSealKey(secret, cluster)`) when it has a secret: code read from the
   * registry is run only when its record's seal checks out. Without it only the code's hash is checked. Either
   * way a record that fails is logged as an integrity alert and refused with `MODULE_TAMPERED`.
   */
  moduleKey?: Uint8Array | null;
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
  const { role = 'host', catalog = new ClassCatalog(), moduleKey = null, ...options } = setup;
  if (role === 'client') {
    return new WorkerRuntime({ ...options, modules: new ModuleTable(new ClassCatalog(), undefined, undefined) });
  }
  for (const [name, cls] of Object.entries(builtinModules())) {
    if (!catalog.get(name)) catalog.add(name, cls);
  }
  if (role === 'control') {
    return new WorkerRuntime({ ...options, modules: new ModuleTable(catalog, options.registry, undefined) });
  }
  const evaluate = (code: string, origin: string) => evaluateModule(code, origin, moduleApi) as Record<string, unknown>;
  const verification = { key: moduleKey, logger: options.logger, where: `worker '${options.id}' of cluster '${options.cluster}'` };
  return new WorkerRuntime({ ...options, modules: new ModuleTable(catalog, options.registry, evaluate, verification) });
}
