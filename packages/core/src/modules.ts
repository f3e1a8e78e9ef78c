import { HypernodeError } from './errors';
import { consoleLogger, type Logger } from './logger';
import { verifyModuleRecord } from './module-seal';
import { isProcessClass, type ProcessClass } from './process';
import type { Registry } from './registry';

/** A module as a worker runs it: one version of one class. */
export interface ModuleEntry {
  name: string;
  version: number;
  hash: string;
  cls: ProcessClass;
  /** Set when a newer version was loaded: processes switch to it before their next message. */
  superseded: boolean;
}

/**
 * Classes available in-process without going through the registry: the built-in modules and, in embedded
 * mode, classes handed to `cluster.load(Class)`. Shared by the simulated workers of one process.
 */
export class ClassCatalog {
  private readonly entries = new Map<string, { cls: ProcessClass; version: number; hash: string }>();
  /** Every version added, by module then version: a relocated process keeps its version (design 031). */
  private readonly history = new Map<string, Map<number, ProcessClass>>();

  /** Adds (or replaces, as a new version) the class for `name`; returns the version. */
  add(name: string, cls: ProcessClass): number {
    const prev = this.entries.get(name);
    if (prev && prev.cls === cls) return prev.version;
    const version = (prev?.version ?? 0) + 1;
    this.entries.set(name, { cls, version, hash: `class:${name}:${version}` });
    let versions = this.history.get(name);
    if (!versions) this.history.set(name, (versions = new Map()));
    versions.set(version, cls);
    return version;
  }

  /** Version `version` of `name` as it was added, or undefined. */
  getVersion(name: string, version: number): { cls: ProcessClass; version: number; hash: string } | undefined {
    const cls = this.history.get(name)?.get(version);
    return cls && { cls, version, hash: `class:${name}:${version}` };
  }

  get(name: string): { cls: ProcessClass; version: number; hash: string } | undefined {
    return this.entries.get(name);
  }

  names(): string[] {
    return [...this.entries.keys()];
  }
}

/** Evaluates bundled module code and returns its exports. */
export type Evaluate = (code: string, origin: string) => Record<string, unknown>;

/**
 * How a module table checks a record read from the registry before evaluating it (module-seal.ts): the code's
 * hash always, the seal when `key` is set; a failure is logged to `logger` and refused with `MODULE_TAMPERED`.
 */
export interface ModuleVerification {
  /** The cluster's `modules` key (`moduleSealKey`), or null when the cluster has no secret (hash check only). */
  key: Uint8Array | null;
  logger: Logger;
  /** Names the checker in alerts and errors, e.g. "worker 'w1'". */
  where: string;
}

/**
 * A worker's view of the cluster's modules: a cache of evaluated versions, filled from the in-process
 * catalog or the registry on first use.
 */
export class ModuleTable {
  private readonly cache = new Map<string, ModuleEntry>();
  private readonly inflight = new Map<string, Promise<ModuleEntry | undefined>>();
  /** The newest version announced of each module. */
  private readonly newest = new Map<string, number>();
  /** Versions kept by processes whose upgrade failed, by module, by `<kept version>><failed version>`. */
  private readonly pins = new Map<string, Map<string, { entry: ModuleEntry; failed: number }>>();

  constructor(
    private readonly catalog: ClassCatalog,
    private readonly registry: Registry | undefined,
    private readonly evaluate: Evaluate | undefined,
    private readonly verification?: ModuleVerification,
  ) {}

  /** The current entry when it is already at hand. */
  get(name: string): ModuleEntry | undefined {
    return this.cache.get(name);
  }

  /** Finds, evaluates and caches the latest version of `name`; `undefined` when no such module exists. */
  fetch(name: string): Promise<ModuleEntry | undefined> {
    const hit = this.cache.get(name);
    if (hit) return Promise.resolve(hit);
    let pending = this.inflight.get(name);
    if (!pending) {
      pending = this.load(name).finally(() => this.inflight.delete(name));
      this.inflight.set(name, pending);
    }
    return pending;
  }

  /** Resolves synchronously from the catalog when possible (built-ins and class-loaded modules). */
  resolveNow(name: string): ModuleEntry | undefined {
    const hit = this.cache.get(name);
    if (hit) return hit;
    const local = this.catalog.get(name);
    if (!local) return undefined;
    const entry: ModuleEntry = { name, version: local.version, hash: local.hash, cls: local.cls, superseded: false };
    this.cache.set(name, entry);
    return entry;
  }

  /** A newer version of `name` exists: the cached one is marked superseded and dropped. */
  invalidate(name: string, version: number): void {
    if (version > (this.newest.get(name) ?? 0)) this.newest.set(name, version);
    const hit = this.cache.get(name);
    if (hit && hit.version < version) {
      hit.superseded = true;
      this.cache.delete(name);
    }
    const pins = this.pins.get(name);
    if (pins) {
      for (const [key, pin] of pins) {
        if (pin.failed >= version) continue;
        pin.entry.superseded = true;
        pins.delete(key);
      }
    }
  }

  /** The newest version of `name` announced to this worker (0 when none was). */
  announced(name: string): number {
    return this.newest.get(name) ?? 0;
  }

  /**
   * The entry a process keeps after its upgrade from `from` to version `failed` failed (upgrades.ts): `from`,
   * not superseded until a version after `failed` is announced. Processes that failed alike share one entry.
   */
  pin(from: ModuleEntry, failed: number): ModuleEntry {
    let pins = this.pins.get(from.name);
    if (!pins) this.pins.set(from.name, (pins = new Map()));
    const key = `${from.version}>${failed}`;
    let pin = pins.get(key);
    if (!pin) pins.set(key, (pin = { entry: { ...from, superseded: false }, failed }));
    return pin.entry;
  }

  /**
   * Exactly version `version` of `name`, whose code hashes to `hash` (a relocated process never changes version:
   * design 031): from this worker's cache, the class catalog, or the registry. Undefined when that version is
   * gone or its hash differs. `superseded` is set when a newer version has been announced here.
   */
  async fetchExact(name: string, version: number, hash: string): Promise<ModuleEntry | undefined> {
    const current = this.cache.get(name) ?? (await this.fetch(name).catch(() => undefined));
    if (current && current.version === version && current.hash === hash) return current;
    const stale = version < this.announced(name) || (current !== undefined && current.version > version);
    const local = this.catalog.get(name)?.hash.startsWith('class:') ? this.catalog.getVersion(name, version) : undefined;
    if (local) return local.hash === hash ? { name, version, hash, cls: local.cls, superseded: stale } : undefined;
    if (!this.registry || !this.evaluate) return undefined;
    const record = await this.registry.getModuleVersion(name, version);
    if (!record || record.hash !== hash) return undefined;
    const v = this.verification;
    verifyModuleRecord(record, v?.key, v?.logger ?? consoleLogger, v?.where ?? 'this worker');
    const cls = pickClass(this.evaluate(record.code, record.origin ?? `${name}.js`), name);
    return cls && { name, version, hash, cls, superseded: stale };
  }

  /** Names of every module this worker can spawn, for error messages. */
  async known(): Promise<string[]> {
    const names = new Set(this.catalog.names());
    if (this.registry) {
      try {
        for (const m of await this.registry.listModules()) names.add(m.name);
      } catch {
        // the list only decorates an error message
      }
    }
    return [...names].sort();
  }

  private async load(name: string): Promise<ModuleEntry | undefined> {
    const local = this.resolveNow(name);
    if (local) return local;
    if (!this.registry) return undefined;
    const fromRegistry = await this.registry.getModuleVersion(name);
    if (!fromRegistry) return undefined;
    if (!this.evaluate) {
      throw new HypernodeError(
        'MODULE_NOT_FOUND',
        `Module '${name}' is loaded, but this runtime runs only built-in modules (the cluster daemon never runs loaded code); spawn it on a worker.`,
      );
    }
    const v = this.verification;
    verifyModuleRecord(fromRegistry, v?.key, v?.logger ?? consoleLogger, v?.where ?? 'this worker');
    const exports = this.evaluate(fromRegistry.code, fromRegistry.origin ?? `${name}.js`);
    const cls = pickClass(exports, name);
    if (!cls) {
      throw new HypernodeError(
        'MODULE_INVALID',
        `Module '${name}' version ${fromRegistry.version} exports no Process subclass named '${name}'; reload it from a file whose default export extends Process.`,
      );
    }
    const entry: ModuleEntry = { name, version: fromRegistry.version, hash: fromRegistry.hash, cls, superseded: false };
    const current = this.cache.get(name);
    if (!current || current.version < entry.version) this.cache.set(name, entry);
    return this.cache.get(name);
  }
}

/** Chooses the class for module `name` among a bundle's exports. */
export function pickClass(exports: Record<string, unknown>, name: string): ProcessClass | undefined {
  const named = exports[name];
  if (isProcessClass(named)) return named;
  const classes = Object.entries(exports).filter(([, v]) => isProcessClass(v)) as [string, ProcessClass][];
  if (classes.length === 1) return classes[0]![1];
  for (const [, cls] of classes) if ((Object.hasOwn(cls, 'moduleName') ? cls.moduleName : cls.name) === name) return cls;
  const def = exports.default;
  return isProcessClass(def) ? def : undefined;
}
