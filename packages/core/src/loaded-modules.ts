import type { ClassCatalog } from './modules';
import type { Registry } from './registry';

/** A module as stored: name, version and content hash. */
export interface LoadedModule {
  name: string;
  version: number;
  hash: string;
  origin?: string;
}

/** The closing sentence of {@link moduleNotLoadedMessage} in a distributed cluster (a daemon's worker or admin service). */
export const DISTRIBUTED_LOAD_HINT = "Load it with 'hypernode-cli load <file>' (or connectCluster().load(file)).";

/**
 * The sentence of a `MODULE_NOT_FOUND` error, the same wherever a module is looked up and missing (an embedded
 * or connected cluster's `spawn`, a worker starting a process):
 * `Module 'X' is not loaded in cluster 'Y'; loaded modules: A, B. <hint>`, with `(none)` for an empty list.
 *
 * `known` is printed in the order given (callers pass `ModuleTable.known()`, which is sorted). `hint` is the
 * closing sentence telling the reader how to load a module where they are; it is appended as given.
 */
export function moduleNotLoadedMessage(module: string, cluster: string, known: readonly string[], hint: string): string {
  return `Module '${module}' is not loaded in cluster '${cluster}'; loaded modules: ${known.join(', ') || '(none)'}. ${hint}`;
}

/**
 * The latest version of every module a host knows: the classes of `catalog` (built-ins and class-loaded
 * modules) and the file-loaded modules of `registry`, one entry per name (the registry's wins), sorted by name.
 * `origin` is present only for file-loaded modules.
 *
 * Does not: catch a registry failure (it rejects with the registry's error), or say which workers have
 * evaluated a module.
 */
export async function listLoadedModules(catalog: ClassCatalog, registry: Pick<Registry, 'listModules'>): Promise<LoadedModule[]> {
  const out = new Map<string, LoadedModule>();
  for (const name of catalog.names()) {
    const c = catalog.get(name)!;
    out.set(name, { name, version: c.version, hash: c.hash });
  }
  for (const m of await registry.listModules()) {
    const entry: LoadedModule = { name: m.name, version: m.version, hash: m.hash };
    if (m.origin !== undefined) entry.origin = m.origin;
    out.set(m.name, entry);
  }
  return [...out.values()].sort((a, b) => a.name.localeCompare(b.name));
}
