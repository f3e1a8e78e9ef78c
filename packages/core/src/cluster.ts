import { resolve as resolvePath } from 'node:path';
import { systemClock, type Clock } from './clock';
import { copyData } from './codec';
import { HypernodeError } from './errors';
import { Inbox } from './inbox';
import { consoleLogger, type Logger } from './logger';
import { MemoryNetwork } from './memory-transport';
import { MemoryRegistry } from './memory-registry';
import { bundleModuleFile, evaluateModule, moduleNameOf } from './module-loader';
import { ClassCatalog, ModuleTable } from './modules';
import { isProcessClass, type ProcessClass } from './process';
import type { Registry } from './registry';
import { Root } from './root';
import { builtinModules } from './builtins';
import { LoadPlacer } from './placement';
import { WorkerRuntime, type ProcessInfo, type WorkerStats } from './worker';
import * as core from './index';

const builtinModuleNames = new Set(Object.keys(builtinModules()));

/** Options of {@link createCluster}. */
export interface ClusterOptions {
  /** The cluster's name, used in messages and to keep clusters apart. Default `'embedded'`. */
  name?: string;
  /** Simulated workers in this Node process. Default 2. */
  workers?: number;
  /** The root process's module (default: the built-in `Root`). */
  root?: ProcessClass;
  /** The root process's initial state. */
  rootState?: unknown;
  /** Modules to load before the root process starts: file paths or Process classes. */
  modules?: (string | ProcessClass)[];
  /** Where crashes and warnings go. Default: the console. */
  logger?: Logger;
  /** Time source (tests pass a `ManualClock`). */
  clock?: Clock;
  /** How long `stop()` waits for every `processWillExit` before closing anyway (with a warning). Default 10000. */
  stopTimeoutMs?: number;
}

/** A module as stored: name, version and content hash. */
export interface LoadedModule {
  name: string;
  version: number;
  hash: string;
  origin?: string;
}

/**
 * A running cluster, seen from outside its processes. The embedded cluster and a client connected to a
 * distributed one share this surface.
 */
export interface Cluster {
  readonly name: string;
  /** The root process's name. */
  readonly root: string;
  /**
   * Loads (or reloads, as a new version) the module(s) of a source file, or a Process class. Running
   * processes of a reloaded module switch to the new code from their next message.
   */
  load(source: string | ProcessClass): Promise<LoadedModule[]>;
  /** Spawns a child of the root process; rejects with `MODULE_NOT_FOUND` for an unknown module. */
  spawn(moduleName: string, initialState?: unknown): Promise<string>;
  /** Sends a message from outside (the sender name is `from`, default the cluster's own outside name). */
  send(to: string, message: unknown, from?: string): void;
  /** Sends a message as a call and resolves with the reply. */
  call<R = unknown>(to: string, message: unknown, timeoutMs?: number): Promise<R>;
  /** A mailbox outside any process that processes can send to by `inbox.name`. */
  inbox(): Inbox;
  /** Every process of the cluster. */
  ps(): Promise<ProcessInfo[]>;
  /** Ends a process as if it called `exit(reason)` (default `'killed'`); false when there is no such process. */
  kill(name: string, reason?: unknown): Promise<boolean>;
  /** The latest version of every loaded module. */
  modules(): Promise<LoadedModule[]>;
  /** Per-worker counters. */
  stats(): Promise<(WorkerStats & { worker: string })[]>;
  /** Ends every process (each runs `processWillExit`), then closes. Idempotent. */
  stop(): Promise<void>;
}

const OUTSIDE = '$outside';
const EMBEDDED_LOAD_HINT = 'Load it with cluster.load(<file or class>) (with hypernode-cli run, name its file on the command line).';

/**
 * Starts an embedded cluster: every role in this Node process, several simulated workers joined by an
 * in-memory transport that carries encoded frames exactly as RabbitMQ would, and an in-memory registry.
 */
export async function createCluster(options: ClusterOptions = {}): Promise<EmbeddedCluster> {
  const cluster = new EmbeddedCluster(options);
  await cluster.start(options);
  return cluster;
}

/** The embedded cluster (see {@link createCluster}). */
export class EmbeddedCluster implements Cluster {
  readonly name: string;
  root = '';
  private readonly network: MemoryNetwork;
  private readonly registry: Registry;
  private readonly catalog = new ClassCatalog();
  private readonly workers: WorkerRuntime[] = [];
  private readonly logger: Logger;
  private readonly clock: Clock;
  private readonly placer: LoadPlacer;
  private stopping: Promise<void> | null = null;
  private readonly stopTimeoutMs: number;
  private inboxes = new Set<Inbox>();

  constructor(options: ClusterOptions) {
    const count = options.workers ?? 2;
    if (!Number.isInteger(count) || count < 1 || count > 256) {
      throw new HypernodeError('INVALID_OPTIONS', `createCluster() got workers: ${String(options.workers)}; give a whole number from 1 to 256.`);
    }
    this.name = options.name ?? 'embedded';
    this.stopTimeoutMs = options.stopTimeoutMs ?? 10_000;
    if (!(this.stopTimeoutMs > 0)) {
      throw new HypernodeError('INVALID_OPTIONS', `createCluster() got stopTimeoutMs: ${String(options.stopTimeoutMs)}; give a number of milliseconds above 0.`);
    }
    this.logger = options.logger ?? consoleLogger;
    this.clock = options.clock ?? systemClock;
    this.network = new MemoryNetwork({ cluster: this.name, clock: this.clock });
    this.registry = new MemoryRegistry({ clock: this.clock });
    for (const [name, cls] of Object.entries(builtinModules())) this.catalog.add(name, cls);
    this.placer = new LoadPlacer(() => this.workers.map((w) => ({ id: w.id, load: w.load() })));
    const evaluate = (code: string, origin: string) => evaluateModule(code, origin, core) as Record<string, unknown>;
    for (let i = 1; i <= count; i++) {
      this.workers.push(
        new WorkerRuntime({
          id: `w${i}`,
          cluster: this.name,
          transport: this.network.connect(),
          registry: this.registry,
          modules: new ModuleTable(this.catalog, this.registry, evaluate),
          clock: this.clock,
          logger: this.logger,
          place: (parentWorker) => this.placer.place(parentWorker),
          loadHint: EMBEDDED_LOAD_HINT,
        }),
      );
    }
  }

  async start(options: ClusterOptions): Promise<void> {
    await Promise.all(this.workers.map((w) => w.start()));
    for (const source of options.modules ?? []) await this.load(source);
    const rootClass = options.root ?? Root;
    if (!isProcessClass(rootClass)) {
      throw new HypernodeError('INVALID_OPTIONS', `createCluster() got a root that is not a class extending Process; pass a Process subclass as 'root'.`);
    }
    const rootName = moduleNameOf(undefined, rootClass);
    this.catalog.add(rootName, rootClass);
    this.root = this.first.spawnRoot(rootName, options.rootState ?? {});
  }

  private get first(): WorkerRuntime {
    return this.workers[0]!;
  }

  private live(): void {
    if (this.stopping) {
      throw new HypernodeError('CLUSTER_STOPPED', `Cluster '${this.name}' is stopped; create a new one with createCluster().`);
    }
  }

  async load(source: string | ProcessClass): Promise<LoadedModule[]> {
    this.live();
    if (typeof source === 'function') {
      if (!isProcessClass(source)) {
        throw new HypernodeError('MODULE_INVALID', `cluster.load() got the function '${(source as { name: string }).name}', which does not extend Process; pass a class declared as 'class X extends Process'.`);
      }
      const name = moduleNameOf(undefined, source);
      if (await this.registry.getModuleVersion(name)) {
        throw new HypernodeError(
          'MODULE_INVALID',
          `Module '${name}' was loaded from a file in cluster '${this.name}'; load its new version from a file too (a module name belongs to a file or to a class, not both), or give the class another name.`,
        );
      }
      if (builtinModuleNames.has(name)) {
        throw new HypernodeError('MODULE_INVALID', `Module '${name}' is built in and cannot be replaced; give the class another name (or a static moduleName).`);
      }
      const version = this.catalog.add(name, source);
      this.first.announceModule(name, version);
      return [{ name, version, hash: this.catalog.get(name)!.hash }];
    }
    if (typeof source !== 'string' || source.length === 0) {
      throw new HypernodeError('INVALID_ARGUMENT', `cluster.load() needs a file path or a Process class; got ${typeof source}.`);
    }
    const bundled = await bundleModuleFile(resolvePath(source), core);
    for (const m of bundled) {
      if (this.catalog.get(m.name)) {
        throw new HypernodeError(
          'MODULE_INVALID',
          builtinModuleNames.has(m.name)
            ? `Module '${m.name}' is built in and cannot be replaced; rename the class in '${m.origin}' (or its '@hypernode-module' comment).`
            : `Module '${m.name}' was loaded as a class in cluster '${this.name}'; load its new version as a class too (a module name belongs to a file or to a class, not both), or rename the module in '${m.origin}'.`,
        );
      }
    }
    const loaded: LoadedModule[] = [];
    for (const m of bundled) {
      const stored = await this.registry.addModuleVersion(m.name, { code: m.code, hash: m.hash, origin: m.origin });
      this.first.announceModule(m.name, stored.version);
      loaded.push({ name: m.name, version: stored.version, hash: stored.hash, origin: m.origin });
    }
    return loaded;
  }

  async spawn(moduleName: string, initialState?: unknown): Promise<string> {
    this.live();
    // Snapshot now: the caller may change its object while the module is looked up.
    const state = copyData(initialState === undefined ? {} : initialState, 'initialState');
    const worker = this.first;
    const entry = await worker.modules.fetch(moduleName);
    if (!entry) {
      const known = await worker.modules.known();
      throw new HypernodeError(
        'MODULE_NOT_FOUND',
        `Module '${moduleName}' is not loaded in cluster '${this.name}'; loaded modules: ${known.join(', ') || '(none)'}. ${EMBEDDED_LOAD_HINT}`,
      );
    }
    return worker.spawnAsChild(this.root, moduleName, state);
  }

  send(to: string, message: unknown, from: string = OUTSIDE): void {
    this.live();
    this.first.sendFrom(from, to, message, null);
    this.first.flushNow();
  }

  async call<R = unknown>(to: string, message: unknown, timeoutMs?: number): Promise<R> {
    this.live();
    const inbox = this.inbox();
    const done = this.first.call(inbox.name, to, message, timeoutMs) as Promise<R>;
    this.first.flushNow();
    return done.finally(() => inbox.close());
  }

  inbox(): Inbox {
    this.live();
    const inbox = new Inbox(this.first, this.clock, () => this.inboxes.delete(inbox));
    this.inboxes.add(inbox);
    return inbox;
  }

  async ps(): Promise<ProcessInfo[]> {
    return this.workers.flatMap((w) => w.ps());
  }

  async kill(name: string, reason: unknown = 'killed'): Promise<boolean> {
    this.live();
    if (name === this.root) {
      throw new HypernodeError('INVALID_ARGUMENT', `The root process '${this.root}' cannot be killed; kill its children, or stop the cluster with cluster.stop().`);
    }
    for (const w of this.workers) if (w.kill(name, reason)) return true;
    return false;
  }

  async modules(): Promise<LoadedModule[]> {
    const out = new Map<string, LoadedModule>();
    for (const name of this.catalog.names()) {
      const c = this.catalog.get(name)!;
      out.set(name, { name, version: c.version, hash: c.hash });
    }
    for (const m of await this.registry.listModules()) out.set(m.name, { name: m.name, version: m.version, hash: m.hash, origin: m.origin });
    return [...out.values()].sort((a, b) => a.name.localeCompare(b.name));
  }

  async stats(): Promise<(WorkerStats & { worker: string })[]> {
    return this.workers.map((w) => ({ worker: w.id, ...w.stats() }));
  }

  /** The simulated workers (for tests and tools). */
  get workerIds(): string[] {
    return this.workers.map((w) => w.id);
  }

  stop(): Promise<void> {
    this.stopping ??= this.shutdown();
    return this.stopping;
  }

  private async shutdown(): Promise<void> {
    this.first.kill(this.root, 'shutdown');
    this.first.flushNow();
    const empty = Promise.all(this.workers.map((w) => w.whenEmpty()));
    let timer: ReturnType<typeof setTimeout> | undefined;
    const late = new Promise<'late'>((resolve) => {
      timer = setTimeout(() => resolve('late'), this.stopTimeoutMs);
    });
    if ((await Promise.race([empty, late])) === 'late') {
      const left = (await this.ps()).map((p) => `'${p.name}' (${p.module}, ${p.status})`);
      this.logger.warn(
        `cluster '${this.name}' stopped after ${this.stopTimeoutMs} ms with ${left.length} process(es) still ending: ${left.slice(0, 10).join(', ')}${left.length > 10 ? ', ...' : ''}; a processWillExit that never settles keeps its process from ending.`,
      );
    }
    clearTimeout(timer);
    for (const inbox of [...this.inboxes]) inbox.close();
    for (const w of this.workers) await w.close();
    await this.registry.close();
  }
}
