import { HypernodeError, type LoadedModule, type Logger } from '@hypernode/core';
import { evaluateModule, hashCode, moduleApi, type ClassCatalog, type ModuleSource, type ModuleVersion, type Registry } from '@hypernode/core/runtime';

/** A module as the client sends it for `load`: made by core's `bundleModuleFile`. */
export interface ModuleUpload {
  name: string;
  code: string;
  hash: string;
  origin?: string;
}

/**
 * The cluster daemon's side of `load`: checks uploaded modules, stores their versions in the registry, and
 * keeps a copy of every stored version so that it can store them again when Redis comes back empty.
 *
 * It does not tell workers about a new version (the admin service announces it), and it evaluates uploaded
 * code in the cluster daemon's own process to check it (not sandboxed).
 */
export class ModuleUploads {
  /** Every stored version of every loaded module, to store again if Redis comes back empty. */
  private readonly mirror = new Map<string, ModuleVersion[]>();

  constructor(
    private readonly registry: Registry,
    private readonly catalog: ClassCatalog,
    private readonly logger: Logger,
  ) {}

  /** How many module versions {@link restore} would store. */
  get versionCount(): number {
    return [...this.mirror.values()].reduce((n, v) => n + v.length, 0);
  }

  /** Reads every version of every module already in the registry (after a restart of the cluster daemon). */
  async readStored(): Promise<void> {
    for (const latest of await this.registry.listModules()) {
      const versions: ModuleVersion[] = [];
      for (let v = 1; v <= latest.version; v++) {
        const version = await this.registry.getModuleVersion(latest.name, v);
        if (version) versions.push(version);
      }
      this.mirror.set(latest.name, versions);
    }
  }

  /**
   * Checks every module of an upload before anything is stored: its fields, that it does not replace a built-in
   * module, that its hash matches its code, that its code evaluates and defines a class of its name, and that
   * the class constructs once. Throws `INVALID_ARGUMENT`, `MODULE_INVALID` or `MODULE_LOAD_FAILED` naming the
   * module; returns nothing.
   */
  validate(modules: ModuleUpload[]): void {
    if (!Array.isArray(modules) || modules.length === 0) {
      throw new HypernodeError('INVALID_ARGUMENT', `load needs the bundled modules of a file (bundleModuleFile's result); got none.`);
    }
    const evaluated = new Map<string, Record<string, unknown>>();
    for (const m of modules) {
      if (typeof m?.name !== 'string' || typeof m.code !== 'string' || typeof m.hash !== 'string') {
        throw new HypernodeError('INVALID_ARGUMENT', `load got a module without name, code and hash; bundle the file with bundleModuleFile.`);
      }
      if (this.catalog.get(m.name)) {
        throw new HypernodeError('MODULE_INVALID', `Module '${m.name}' is built in and cannot be replaced; rename the class (or its '@hypernode-module' comment).`);
      }
      if (hashCode(m.code) !== m.hash) {
        throw new HypernodeError('MODULE_INVALID', `Module '${m.name}' arrived with a hash that does not match its code; bundle it again with bundleModuleFile.`);
      }
      const origin = m.origin ?? `${m.name}.js`;
      let classes = evaluated.get(m.hash);
      if (!classes) {
        try {
          classes = evaluateModule(m.code, origin, moduleApi) as Record<string, unknown>;
        } catch (err) {
          throw new HypernodeError('MODULE_LOAD_FAILED', `Module '${m.name}' from '${origin}' failed to load in the cluster daemon: ${(err as Error).message} Nothing was stored.`, { cause: err });
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
    }
  }

  /** Stores one validated module as a new version (the registry numbers it), keeps a copy, and logs it. */
  async store(m: ModuleUpload): Promise<LoadedModule> {
    const stored = await this.registry.addModuleVersion(m.name, sourceOf(m));
    const versions = this.mirror.get(m.name) ?? [];
    if (!versions.some((v) => v.version === stored.version)) versions.push(stored);
    this.mirror.set(m.name, versions);
    const entry: LoadedModule = { name: m.name, version: stored.version, hash: stored.hash };
    if (stored.origin !== undefined) entry.origin = stored.origin;
    this.logger.info(`loaded module '${m.name}' version ${stored.version} (${stored.hash.slice(0, 12)}) from '${stored.origin ?? '?'}'`);
    return entry;
  }

  /** Stores every kept version again, module by module in version order, so their numbers stay the same. */
  async restore(): Promise<void> {
    for (const [name, versions] of this.mirror) {
      for (const v of versions) await this.registry.addModuleVersion(name, sourceOf(v));
    }
  }
}

function sourceOf(m: { code: string; hash: string; origin?: string | undefined }): ModuleSource {
  const source: ModuleSource = { code: m.code, hash: m.hash };
  if (m.origin !== undefined) source.origin = m.origin;
  return source;
}

function describeError(err: unknown): string {
  return err instanceof Error ? `${err.name}: ${err.message}` : String(err);
}
