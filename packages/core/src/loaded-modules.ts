import { HypernodeError } from './errors';
import type { ClassCatalog } from './modules';
import type { Registry } from './registry';

/** A module as stored: name, version and content hash. */
export interface LoadedModule {
  name: string;
  version: number;
  hash: string;
  origin?: string;
}

/** Options of a cluster's `load`. */
export interface LoadOptions {
  /**
   * Store the file's modules even when a module of the same name is loaded from another file: its running
   * processes switch to the new file's code. Default false: such a load is refused (`MODULE_INVALID`).
   */
  replace?: boolean;
}

/**
 * Refuses (with `MODULE_INVALID`) to store module `name` from `origin` when its latest version came from
 * another file, unless `replace`: a module of the same name in an unrelated file would otherwise silently
 * switch the running processes to unrelated code. `replaceHint` says how to replace on purpose where the
 * caller is (a CLI flag, an option).
 */
export function checkSameOrigin(
  cluster: string,
  name: string,
  origin: string | undefined,
  latest: { version: number; origin?: string | undefined } | undefined,
  replace: boolean | undefined,
  replaceHint: string,
): void {
  if (replace === true || latest === undefined || latest.origin === undefined || origin === undefined || latest.origin === origin) return;
  throw new HypernodeError(
    'MODULE_INVALID',
    `Module '${name}' of cluster '${cluster}' is loaded from '${latest.origin}' (v${latest.version}), and '${origin}' defines another module of that name; storing it would switch the running processes to unrelated code, so nothing was stored. Rename one of the modules (the class or its '@hypernode-module' comment), or replace it on purpose: ${replaceHint}.`,
  );
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
