import { resolve as resolvePath } from 'node:path';
import { builtinModules } from './builtins';
import { systemClock, type Clock } from './clock';
import { ClusterBase } from './cluster-base';
import { copyData } from './codec';
import { isolateProcessCrashes } from './crash-isolation';
import { createWorkerRuntime } from './create-runtime';
import { HypernodeError } from './errors';
import { checkSameOrigin, listLoadedModules, moduleNotLoadedMessage, type LoadedModule, type LoadOptions } from './loaded-modules';
import { asLogger, consoleLogger, type Logger } from './logger';
import { MemoryNetwork } from './memory-transport';
import { DELIVERY_TRAILER_MAX } from './reliable-delivery';
import { MemoryRegistry } from './memory-registry';
import { maxMessageBytesOf } from './message-size';
import { moduleApi } from './module-api';
import { checkModuleMaxMailbox, spawnBound, type ProcessSpawnOptions } from './mailbox-bound';
import type { MemoryGuardOptions } from './memory-guard';
import { bundleModuleFile, moduleNameOf } from './module-loader';
import { ClassCatalog } from './modules';
import { LoadPlacer } from './placement';
import { isProcessClass, type ProcessClass } from './process';
import type { Registry } from './registry';
import { Root } from './root';
import type { RecentOptions } from './cluster-base';
import { newestRecords as newest, recentArgs, type DeadLetterRecord, type ExitRecord } from './live-stats';
import { byBusiest, type TopSnapshot } from './top-sampler';
import type { ProcessInfo, WorkerRuntime, WorkerStats } from './worker';
import type { ModuleRef, SpawnArgs, SpawnedName } from './typed-names';
import type { MoveOutcome } from './relocation';
import { describeArg } from './describe-arg';
import { loadScore } from './load-score';

export type { Cluster } from './cluster-base';
export type { LoadedModule } from './loaded-modules';

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
  /**
   * The largest message between two workers, in bytes (default 64 MiB): a `send`, `call`, `spawn` initial state
   * or `reply` too large for it throws `MESSAGE_TOO_LARGE` at the sender. Messages within one worker have no limit.
   */
  maxMessageBytes?: number;
  /** How long `stop()` waits for every `processWillExit` before closing anyway (with a warning). Default 10000. */
  stopTimeoutMs?: number;
  /** Each worker's mailbox warning size (default 10 000): see `WorkerOptions.mailboxWarn`. */
  mailboxWarn?: number;
  /** Each worker's memory guard (off unless given): see `WorkerOptions.memoryGuard`. */
  memoryGuard?: MemoryGuardOptions | false;
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
export class EmbeddedCluster extends ClusterBase {
  root = '';
  private readonly network: MemoryNetwork;
  private readonly registry: Registry;
  private readonly catalog = new ClassCatalog();
  private readonly workers: WorkerRuntime[] = [];
  private readonly logger: Logger;
  private readonly placer: LoadPlacer;
  private readonly stopTimeoutMs: number;
  /** Uninstalls this cluster's share of the crash isolation handler (crash-isolation.ts). */
  private endIsolation: () => void = () => {};

  constructor(options: ClusterOptions) {
    const name = options.name ?? 'embedded';
    const clock = options.clock ?? systemClock;
    super(name, {
      outsideName: OUTSIDE,
      clock,
      stoppedMessage: `Cluster '${name}' is stopped; create a new one with createCluster().`,
    });
    const count = options.workers ?? 2;
    if (!Number.isInteger(count) || count < 1 || count > 256) {
      throw new HypernodeError('INVALID_OPTIONS', `createCluster() got workers: ${String(options.workers)}; give a whole number from 1 to 256.`);
    }
    this.stopTimeoutMs = options.stopTimeoutMs ?? 10_000;
    if (!(this.stopTimeoutMs > 0)) {
      throw new HypernodeError('INVALID_OPTIONS', `createCluster() got stopTimeoutMs: ${String(options.stopTimeoutMs)}; give a number of milliseconds above 0.`);
    }
    this.logger = asLogger(options.logger ?? consoleLogger);
    const maxMessageBytes = maxMessageBytesOf(options.maxMessageBytes, 'createCluster()');
    // A frame of up to the message limit, plus the delivery layer's trailer (design 028).
    this.network = new MemoryNetwork({ cluster: name, clock, maxFrameBytes: maxMessageBytes + DELIVERY_TRAILER_MAX });
    this.registry = new MemoryRegistry({ clock });
    this.placer = new LoadPlacer(() => this.workers.map((w) => ({ id: w.id, load: w.load() })));
    for (let i = 1; i <= count; i++) {
      this.workers.push(
        createWorkerRuntime({
          id: `w${i}`,
          cluster: name,
          transport: this.network.connect(),
          registry: this.registry,
          catalog: this.catalog,
          clock,
          logger: this.logger,
          place: (parentWorker) => this.placer.place(parentWorker),
          processEnded: (worker) => this.placer.ended(worker),
          loadHint: EMBEDDED_LOAD_HINT,
          workerExists: (id) => this.workers.some((w) => w.id === id),
          maxMessageBytes,
          mailboxWarn: options.mailboxWarn,
          memoryGuard: options.memoryGuard,
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
    // From here until stop(), an error in a callback a process started ends that process, not this program.
    this.endIsolation = isolateProcessCrashes(this.logger);
    this.root = this.runtime.spawnRoot(rootName, options.rootState ?? {});
  }

  /** The first worker: it hosts the root process and the inboxes, and sends on behalf of the outside. */
  protected get runtime(): WorkerRuntime {
    return this.workers[0]!;
  }

  async load(source: string | ProcessClass, options: LoadOptions = {}): Promise<LoadedModule[]> {
    this.live();
    if (typeof source === 'function') {
      if (!isProcessClass(source)) {
        throw new HypernodeError('MODULE_INVALID', `cluster.load() got the function '${(source as { name: string }).name}', which does not extend Process; pass a class declared as 'class X extends Process'.`);
      }
      const name = moduleNameOf(undefined, source);
      checkModuleMaxMailbox(source);
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
      this.runtime.announceModule(name, version);
      return [{ name, version, hash: this.catalog.get(name)!.hash }];
    }
    if (typeof source !== 'string' || source.length === 0) {
      throw new HypernodeError('INVALID_ARGUMENT', `cluster.load() needs a file path or a Process class; got ${typeof source}.`);
    }
    const bundled = await bundleModuleFile(resolvePath(source), moduleApi);
    for (const m of bundled) {
      if (this.catalog.get(m.name)) {
        throw new HypernodeError(
          'MODULE_INVALID',
          builtinModuleNames.has(m.name)
            ? `Module '${m.name}' is built in and cannot be replaced; rename the class in '${m.origin}' (or its '@hypernode-module' comment).`
            : `Module '${m.name}' was loaded as a class in cluster '${this.name}'; load its new version as a class too (a module name belongs to a file or to a class, not both), or rename the module in '${m.origin}'.`,
        );
      }
      checkSameOrigin(this.name, m.name, m.origin, await this.registry.getModuleVersion(m.name), options.replace, 'cluster.load(file, { replace: true })');
    }
    const loaded: LoadedModule[] = [];
    for (const m of bundled) {
      const stored = await this.registry.addModuleVersion(m.name, { code: m.code, hash: m.hash, origin: m.origin });
      this.runtime.announceModule(m.name, stored.version);
      loaded.push({ name: m.name, version: stored.version, hash: stored.hash, origin: m.origin });
    }
    return loaded;
  }

  spawn<M extends ModuleRef>(module: M, ...initialState: SpawnArgs<M>): Promise<SpawnedName<M>>;
  spawn<M extends ModuleRef>(module: M, initialState: SpawnArgs<M>[0], options: ProcessSpawnOptions): Promise<SpawnedName<M>>;
  async spawn<M extends ModuleRef>(module: M, ...args: unknown[]): Promise<SpawnedName<M>> {
    this.live();
    const moduleName = this.spawnedModuleName(module);
    const initialState: unknown = args[0];
    const options = args[1] as ProcessSpawnOptions | undefined;
    spawnBound(options, moduleName);
    // Snapshot now: the caller may change its object while the module is looked up.
    const state = copyData(initialState === undefined ? {} : initialState, 'initialState');
    const worker = this.runtime;
    const entry = await worker.modules.fetch(moduleName);
    if (!entry) {
      const known = await worker.modules.known();
      throw new HypernodeError('MODULE_NOT_FOUND', moduleNotLoadedMessage(moduleName, this.name, known, EMBEDDED_LOAD_HINT));
    }
    return worker.spawnAsChild(this.root, moduleName, state, undefined, options) as SpawnedName<M>;
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

  override async move(name: string, options: { to?: string } = {}): Promise<MoveOutcome> {
    this.live();
    if (typeof name !== 'string' || name.length === 0) {
      throw new HypernodeError('INVALID_ARGUMENT', `move() needs a process name (a non-empty string); got ${describeArg(name)}.`);
    }
    const to = options?.to;
    if (to !== undefined && !this.workers.some((w) => w.id === to)) {
      throw new HypernodeError('INVALID_ARGUMENT', `Cannot move '${name}' to worker ${describeArg(to)}: cluster '${this.name}' has workers ${this.workerIds.map((id) => `'${id}'`).join(', ')}; give one of them.`);
    }
    const pid = name.includes(':') ? name : this.runtime.whereis(name);
    const from = pid === undefined ? undefined : this.workers.find((w) => w.has(pid));
    if (pid === undefined || from === undefined) {
      return { name, moved: false, reason: 'not-found', message: `No process '${name}' runs in cluster '${this.name}'; check the name with ps().` };
    }
    if (pid === this.root) return { name: pid, moved: false, reason: 'not-movable', message: `The root process '${pid}' never moves.` };
    let target = to;
    if (target === undefined) {
      // The least-loaded other worker, by the placer's score.
      let best = Infinity;
      for (const w of this.workers) {
        const score = w === from ? Infinity : loadScore(w.load());
        if (score < best) [best, target] = [score, w.id];
      }
      if (target === undefined) return { name: pid, moved: false, reason: 'target-unavailable', message: `Cluster '${this.name}' has no other worker to move '${pid}' to; create it with workers: 2 or more.` };
    }
    return from.moveProcess(pid, target);
  }

  modules(): Promise<LoadedModule[]> {
    return listLoadedModules(this.catalog, this.registry);
  }

  async stats(): Promise<(WorkerStats & { worker: string })[]> {
    return this.workers.map((w) => ({ worker: w.id, ...w.stats() }));
  }

  /** Every simulated worker (they share this Node process: CPU and memory are the process's), its busiest processes. */
  async top(): Promise<TopSnapshot> {
    this.live();
    const samples = this.workers.map((w) => w.top());
    return {
      at: this.runtime.clock.now(),
      workers: samples.map(({ top: _top, at: _at, ...w }) => ({ ...w, node: null, pid: process.pid, draining: false, stalled: false })),
      processes: samples.flatMap((s) => s.top).sort(byBusiest),
    };
  }

  async deadLetters(options: RecentOptions = {}): Promise<DeadLetterRecord[]> {
    const { since, limit } = recentArgs(options, 'cluster.deadLetters()');
    return newest(this.workers.flatMap((w) => w.recentDeadLetters(since, limit)), limit);
  }

  async exits(options: RecentOptions = {}): Promise<ExitRecord[]> {
    const { since, limit } = recentArgs(options, 'cluster.exits()');
    return newest(this.workers.flatMap((w) => w.recentExits(since, limit)), limit);
  }

  /** The simulated workers (for tests and tools). */
  get workerIds(): string[] {
    return this.workers.map((w) => w.id);
  }

  /** Kills the root with `'shutdown'` and waits (up to `stopTimeoutMs`) for every process to end. */
  protected override async endProcesses(): Promise<void> {
    this.runtime.kill(this.root, 'shutdown');
    this.runtime.flushNow();
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
  }

  /** Closes the workers, then the registry. */
  protected async release(): Promise<void> {
    try {
      for (const w of this.workers) await w.close();
      await this.registry.close();
    } finally {
      this.endIsolation();
    }
  }
}
