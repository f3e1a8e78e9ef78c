import { HypernodeError, type LoadedModule, type Logger } from '@hypernode/core';
import { failedModuleCheck, hashCode, sealOf, type ClassCatalog, type ModuleSource, type ModuleVersion, type Registry } from '@hypernode/core/runtime';
import type { ModuleCache } from './module-cache';
import type { CheckedModule, CodeToCheck } from './module-check';
import { validateInChild } from './module-validator';

/** A module as the client sends it for `load`: made by core's `bundleModuleFile`. */
export interface ModuleUpload {
  name: string;
  code: string;
  hash: string;
  origin?: string;
}

/** Evaluates and checks module code somewhere other than the cluster daemon (default: {@link validateInChild}). */
export type ValidateCode = (modules: CodeToCheck[]) => Promise<CheckedModule[]>;

/**
 * The cluster daemon's side of `load`: checks uploaded modules, stores their versions in the registry (sealed
 * with the cluster's `modules` key when it has a secret), and keeps a copy of every stored version so that it can
 * store them again when Redis comes back empty: in memory, and on disk when given a {@link ModuleCache} (so that
 * they survive Redis losing its data while the cluster daemon is down too, design 029).
 *
 * It never runs uploaded code: the code is evaluated and its classes checked in a short-lived validator process
 * (module-validator.ts); this side checks only fields, names and hashes. It does not tell workers about a new
 * version (the admin service announces it).
 */
export class ModuleUploads {
  /** Every stored version of every loaded module, to store again if Redis comes back empty. */
  private readonly mirror = new Map<string, ModuleVersion[]>();
  /** Loads store one after another, so a seal is made for the version number the registry then gives. */
  private storing: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly registry: Registry,
    private readonly catalog: ClassCatalog,
    private readonly logger: Logger,
    /** The cluster's `modules` key (`moduleSealKey`), or null without a secret: versions are stored unsealed. */
    private readonly sealKey: Uint8Array | null = null,
    private readonly validateCode: ValidateCode = (modules) => validateInChild(modules),
    /** The state directory's copy of every version; none: versions are kept in memory only. */
    private readonly cache: ModuleCache | null = null,
  ) {}

  /** How many module versions {@link restore} would store. */
  get versionCount(): number {
    return [...this.mirror.values()].reduce((n, v) => n + v.length, 0);
  }

  /**
   * Reads every version of every module already in the registry (after a restart of the cluster daemon), then the
   * cache on disk: a module of which the cache holds more versions than the registry (Redis lost its data while
   * the daemon was down) is kept with the cache's versions, which {@link restore} stores again. Versions in the
   * registry but not in the cache are written to the cache.
   */
  async readStored(): Promise<void> {
    for (const latest of await this.registry.listModules()) {
      const versions: ModuleVersion[] = [];
      for (let v = 1; v <= latest.version; v++) {
        const version = await this.registry.getModuleVersion(latest.name, v);
        if (version) versions.push(version);
      }
      this.mirror.set(latest.name, versions);
    }
    if (!this.cache) return;
    const cached = await this.cache.load();
    for (const [name, versions] of cached) {
      if (versions.length > (this.mirror.get(name)?.length ?? 0)) this.mirror.set(name, versions);
    }
    for (const [name, versions] of this.mirror) {
      const have = cached.get(name)?.length ?? 0;
      for (const v of versions.slice(have)) await this.cache.save(v);
    }
  }

  /** How many kept versions the registry lacks (each module's versions past its latest there). */
  async missingCount(): Promise<number> {
    let n = 0;
    for (const [name, versions] of this.mirror) {
      const latest = (await this.registry.getModuleVersion(name))?.version ?? 0;
      n += versions.filter((v) => v.version > latest).length;
    }
    return n;
  }

  /**
   * Checks every module of an upload before anything is stored: its fields, that it does not replace a built-in
   * module and that its hash matches its code (here); that its code evaluates and defines a class of its name,
   * and that the class constructs once (in the validator process). Rejects with `INVALID_ARGUMENT`,
   * `MODULE_INVALID` or `MODULE_LOAD_FAILED` naming the module; resolves with what the validator found.
   */
  async validate(modules: ModuleUpload[]): Promise<CheckedModule[]> {
    if (!Array.isArray(modules) || modules.length === 0) {
      throw new HypernodeError('INVALID_ARGUMENT', `load needs the bundled modules of a file (bundleModuleFile's result); got none.`);
    }
    const code: CodeToCheck[] = [];
    for (const m of modules) {
      if (typeof m?.name !== 'string' || typeof m.code !== 'string' || typeof m.hash !== 'string' || (m.origin !== undefined && typeof m.origin !== 'string')) {
        throw new HypernodeError('INVALID_ARGUMENT', `load got a module without name, code and hash; bundle the file with bundleModuleFile.`);
      }
      if (this.catalog.get(m.name)) {
        throw new HypernodeError('MODULE_INVALID', `Module '${m.name}' is built in and cannot be replaced; rename the class (or its '@hypernode-module' comment).`);
      }
      if (hashCode(m.code) !== m.hash) {
        throw new HypernodeError('MODULE_INVALID', `Module '${m.name}' arrived with a hash that does not match its code; bundle it again with bundleModuleFile.`);
      }
      const one: CodeToCheck = { name: m.name, code: m.code, hash: m.hash };
      if (m.origin !== undefined) one.origin = m.origin;
      code.push(one);
    }
    return this.validateCode(code);
  }

  /**
   * Stores one validated module as a new version (the registry numbers it), sealed when the cluster has a secret,
   * keeps a copy, and logs it. The latest version is kept, not stored again, only when its stored code, hash and
   * seal are still the ones this upload would store: a version whose record was changed in the registry (or that
   * was sealed with another secret, or not at all) is stored anew, so reloading from the source repairs it.
   */
  store(m: ModuleUpload): Promise<LoadedModule> {
    const next = this.storing.then(() => this.storeNow(m));
    this.storing = next.catch(() => undefined);
    return next;
  }

  private async storeNow(m: ModuleUpload): Promise<LoadedModule> {
    const source = sourceOf(m);
    if (this.sealKey) {
      const latest = await this.registry.getModuleVersion(m.name);
      const same = latest !== undefined && latest.hash === m.hash && latest.code === m.code && latest.origin === m.origin && failedModuleCheck(latest, this.sealKey) === undefined;
      const version = same ? latest.version : (latest?.version ?? 0) + 1;
      source.seal = sealOf(this.sealKey, m.name, version, m.hash, m.origin);
    }
    const stored = await this.registry.addModuleVersion(m.name, source);
    if (this.sealKey && stored.seal !== sealOf(this.sealKey, m.name, stored.version, stored.hash, stored.origin)) {
      this.logger.error(
        `module '${m.name}' was stored as version ${stored.version}, not the version its seal was made for: another program stores module versions in this cluster's registry; workers will refuse this version. Find that program, then reload the module.`,
      );
    }
    const versions = this.mirror.get(m.name) ?? [];
    if (!versions.some((v) => v.version === stored.version)) {
      versions.push(stored);
      await this.cache?.save(stored);
    }
    this.mirror.set(m.name, versions);
    const entry: LoadedModule = { name: m.name, version: stored.version, hash: stored.hash };
    if (stored.origin !== undefined) entry.origin = stored.origin;
    this.logger.info(`loaded module '${m.name}' version ${stored.version} (${stored.hash.slice(0, 12)}) from '${stored.origin ?? '?'}'`);
    return entry;
  }

  /**
   * Stores again every kept version the registry lacks (those past each module's latest version there), module
   * by module in version order, so their numbers, and so their seals, stay the same. Resolves with how many it
   * stored; a version that got another number is logged (workers would refuse its seal).
   */
  async restore(): Promise<number> {
    let restored = 0;
    for (const [name, versions] of this.mirror) {
      const latest = (await this.registry.getModuleVersion(name))?.version ?? 0;
      for (const v of versions) {
        if (v.version <= latest) continue;
        const stored = await this.registry.addModuleVersion(name, sourceOf(v));
        restored++;
        if (stored.version !== v.version) {
          this.logger.error(
            `module '${name}' version ${v.version} was stored again as version ${stored.version}: the registry held other versions of it; reload the module from its source ('hypernode-cli reload <file>').`,
          );
        }
      }
    }
    return restored;
  }
}

function sourceOf(m: { code: string; hash: string; origin?: string | undefined; seal?: string | undefined }): ModuleSource {
  const source: ModuleSource = { code: m.code, hash: m.hash };
  if (m.origin !== undefined) source.origin = m.origin;
  if (m.seal !== undefined) source.seal = m.seal;
  return source;
}
