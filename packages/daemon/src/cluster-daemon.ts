import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import * as core from '@hypernode/core';
import {
  builtinModules,
  ClassCatalog,
  decode,
  encode,
  HypernodeError,
  Inbox,
  ModuleTable,
  systemClock,
  WorkerRuntime,
  type LoadedModule,
  type Logger,
  type MemberInfo,
  type ProcessInfo,
  type Subscription,
  type WorkerStats,
} from '@hypernode/core';
import { Placer, workerLoadsFromMembers } from '@hypernode/scheduler';
import { connectAdapters, every, within, type Adapters } from './adapters';

import { DEFAULT_AMQP_URL, DEFAULT_CLUSTER, DEFAULT_REDIS_URL, type Connection } from './config';
import { daemonLogger } from './logger';
import { callRpc, serveRpc } from './rpc';
import type { NodeStatus } from './node-daemon';
import { HEARTBEAT_MS, MEMBER_TTL_MS, ROOT_WORKER } from './worker-daemon';

/** The root process's name: the same after every restart of the cluster daemon. */
export const ROOT_NAME = `${ROOT_WORKER}:1`;
/** The registry value where the cluster daemon keeps what it needs to take its role back. */
const STATE_KEY = 'cluster-daemon';
/** A value the cluster daemon writes once and checks every second: when it is gone, Redis lost its data. */
const EPOCH_KEY = 'cluster-daemon-epoch';
/** How long the cluster daemon waits for a worker or node daemon to answer a forwarded request. */
const FANOUT_TIMEOUT_MS = 3000;

/** Options of {@link startCluster}. */
export interface ClusterDaemonOptions extends Partial<Connection> {
  /** Default: lines on stdout/stderr tagged with the cluster name. */
  logger?: Logger;
}

/** A module as the client sends it for `load`: made by core's `bundleModuleFile`. */
export interface ModuleUpload {
  name: string;
  code: string;
  hash: string;
  origin?: string;
}

/** One worker in `status`. */
export interface WorkerStatus {
  id: string;
  node: string | null;
  pid: number | null;
  startedAt: number;
  draining: boolean;
  load: MemberInfo['load'] | null;
  /** Its counters, or null when it did not answer in time. */
  stats: WorkerStats | null;
  /** The workers its scheduler currently places children on (it learns of new ones within a second). */
  placesOn: string[] | null;
}

/** One node in `status` and `nodes`. */
export interface NodeSummary {
  id: string;
  host: string | null;
  pid: number | null;
  startedAt: number;
  workers: string[];
  meta: Record<string, string | number | boolean>;
}

/** What `status` answers. */
export interface ClusterStatus {
  cluster: string;
  root: string;
  daemon: { pid: number; host: string; startedAt: number };
  workers: WorkerStatus[];
  nodes: NodeSummary[];
  /** Every live member as the registry lists it. */
  members: MemberInfo[];
}

/** A process and its descendants, as `tree` answers. */
export interface ProcessTree {
  name: string;
  module: string;
  worker: string;
  children: ProcessTree[];
}

/** What the cluster daemon records in the registry (under `cluster-daemon`). */
interface DaemonRecord {
  root: string;
  pid: number;
  host: string;
  startedAt: number;
  /** Workers alive at the last check: a restarted daemon announces those that vanished meanwhile. */
  workers: string[];
}

/** A running cluster daemon. */
export interface ClusterDaemon {
  readonly cluster: string;
  readonly root: string;
  readonly runtime: WorkerRuntime;
  /** Stops answering and leaves; running processes keep running (the root comes back with the next daemon). */
  stop(): Promise<void>;
  readonly stopped: Promise<void>;
}

/**
 * Starts the cluster daemon: hosts the root process (`root:1`) in a worker runtime with id `root`, answers
 * admin requests (service `admin`: status, nodes, modules, load, spawn, send, call, ps, kill, stats, tree,
 * workers-add, workers-remove, nodes-remove) and watches membership: a worker whose heartbeat stopped
 * without its node daemon announcing it is announced lost (`'its heartbeat stopped'`).
 *
 * Losing it stops no process: the workers treat `root` as resilient, so children of the root keep running,
 * and a restarted daemon takes the root's name back (messages sent to it meanwhile wait in its inbox queue
 * for up to 60 s). Rejects with `INVALID_ARGUMENT` when another cluster daemon already runs for the cluster.
 */
export async function startCluster(options: ClusterDaemonOptions = {}): Promise<ClusterDaemon> {
  const conn: Connection = {
    cluster: options.cluster ?? DEFAULT_CLUSTER,
    amqpUrl: options.amqpUrl ?? DEFAULT_AMQP_URL,
    redisUrl: options.redisUrl ?? DEFAULT_REDIS_URL,
  };
  const logger = options.logger ?? daemonLogger(`cluster ${conn.cluster}`);
  const adapters = await connectAdapters(conn, logger);
  const daemon = new ClusterDaemonImpl(conn.cluster, logger, adapters);
  try {
    await daemon.start();
  } catch (err) {
    await daemon.stop();
    throw err;
  }
  return daemon;
}

class ClusterDaemonImpl implements ClusterDaemon {
  readonly root = ROOT_NAME;
  readonly runtime: WorkerRuntime;
  readonly stopped: Promise<void>;
  private resolveStopped!: () => void;
  private readonly placer = new Placer();
  private readonly lost = new Set<string>();
  private readonly catalog = new ClassCatalog();
  private members: MemberInfo[] = [];
  private knownWorkers = new Set<string>();
  /** Every stored version of every loaded module, to store again if Redis comes back empty. */
  private readonly mirror = new Map<string, core.ModuleVersion[]>();
  private readonly epoch = randomUUID();
  private graceUntil = 0;
  private forcedWorker: string | undefined;
  private readonly startedAt = Date.now();
  private ticker: { stop(): void } | null = null;
  private server: Subscription | null = null;
  private stopping: Promise<void> | null = null;
  private registryWarned = false;
  private rootStarted = false;

  constructor(
    readonly cluster: string,
    private readonly logger: Logger,
    private readonly adapters: Adapters,
  ) {
    this.stopped = new Promise((resolve) => (this.resolveStopped = resolve));
    for (const [name, cls] of Object.entries(builtinModules())) this.catalog.add(name, cls);
    const evaluate = (code: string, origin: string) => core.evaluateModule(code, origin, core) as Record<string, unknown>;
    this.runtime = new WorkerRuntime({
      id: ROOT_WORKER,
      cluster,
      transport: adapters.transport,
      registry: adapters.registry,
      modules: new ModuleTable(this.catalog, adapters.registry, evaluate),
      logger,
      // Names only grow across restarts: a name made before a restart is never made again.
      seqStart: Date.now(),
      place: () => this.place(),
      onWorkerLost: (worker) => {
        this.lost.add(worker);
        this.placer.remove(worker);
      },
    });
  }

  async start(): Promise<void> {
    const record = await this.readRecord();
    if (record) this.knownWorkers = new Set(record.workers);
    try {
      await this.runtime.start();
    } catch (err) {
      if (HypernodeError.is(err, 'INVALID_ARGUMENT')) {
        throw new HypernodeError(
          'INVALID_ARGUMENT',
          `Another cluster daemon already runs for cluster '${this.cluster}'${record ? ` (pid ${record.pid} on ${record.host})` : ''}: it holds the root's inbox; stop it first, or start this one with another --cluster.`,
          { cause: err },
        );
      }
      throw err;
    }
    await this.mirrorModules();
    await this.adapters.registry.setValue(EPOCH_KEY, Buffer.from(this.epoch));
    this.runtime.spawnRoot('Root', {}, ROOT_NAME);
    this.rootStarted = true;
    await this.heartbeat();
    await this.check();
    await this.writeRecord();
    this.server = await serveRpc(this.adapters.transport, 'admin', this.handlers());
    this.ticker = every(HEARTBEAT_MS, async () => {
      await this.heartbeat();
      await this.check();
    });
    this.logger.info(
      `cluster daemon of cluster '${this.cluster}' is up (pid ${process.pid}): root process '${ROOT_NAME}', ${this.liveWorkers().length} workers${record ? `; took the role back from pid ${record.pid}` : ''}`,
    );
  }

  // ---------------------------------------------------------------- membership

  private place(): string {
    if (this.forcedWorker !== undefined) return this.forcedWorker;
    return this.placer.place(undefined);
  }

  private liveWorkers(): MemberInfo[] {
    return this.members.filter((m) => m.role === 'worker' && !this.lost.has(m.id));
  }

  private async heartbeat(): Promise<void> {
    try {
      await this.adapters.registry.putMember(
        { id: ROOT_WORKER, role: 'cluster', host: hostname(), pid: process.pid, startedAt: this.startedAt, meta: { root: ROOT_NAME } },
        MEMBER_TTL_MS,
      );
      if (this.registryWarned) this.logger.info(`cluster daemon reaches the registry again`);
      this.registryWarned = false;
    } catch (err) {
      if (!this.registryWarned) this.logger.warn(`cluster daemon could not heartbeat: ${(err as Error).message}`);
      this.registryWarned = true;
    }
  }

  /** Reads every version of every module already in the registry (after a restart of this daemon). */
  private async mirrorModules(): Promise<void> {
    for (const latest of await this.adapters.registry.listModules()) {
      const versions: core.ModuleVersion[] = [];
      for (let v = 1; v <= latest.version; v++) {
        const version = await this.adapters.registry.getModuleVersion(latest.name, v);
        if (version) versions.push(version);
      }
      this.mirror.set(latest.name, versions);
    }
  }

  /**
   * Redis came back without its data (a restart without persistence): stores every module version again,
   * in order so their numbers stay the same, and this daemon's record, so new workers can still spawn them;
   * then every worker registers its processes' names again.
   */
  private async restoreRegistry(): Promise<void> {
    const count = [...this.mirror.values()].reduce((n, v) => n + v.length, 0);
    this.logger.warn(
      `the registry of cluster '${this.cluster}' lost its data (Redis restarted without persistence?); storing again ${count} module version(s) and the cluster daemon's record`,
    );
    for (const [name, versions] of this.mirror) {
      for (const v of versions) {
        const source: core.ModuleSource = { code: v.code, hash: v.hash };
        if (v.origin !== undefined) source.origin = v.origin;
        await this.adapters.registry.addModuleVersion(name, source);
      }
    }
    await this.writeRecord();
    await this.adapters.registry.setValue(EPOCH_KEY, Buffer.from(this.epoch));
    // Workers register their processes' names again.
    this.runtime.announceRegistryRestored();
    this.logger.info(`the registry of cluster '${this.cluster}' is restored`);
  }

  /** Reads members, feeds the placer, and announces workers whose heartbeat stopped unannounced. */
  private async check(): Promise<void> {
    let members: MemberInfo[];
    try {
      if (!(await this.adapters.registry.getValue(EPOCH_KEY))) {
        await this.restoreRegistry();
        // Members come back with their next heartbeat: none of them is lost for having been wiped.
        this.graceUntil = Date.now() + MEMBER_TTL_MS;
      }
      members = await this.adapters.registry.listMembers();
    } catch {
      return; // heartbeat() reports the registry being down; never announce losses from a failed read.
    }
    this.members = members;
    const live = new Set(members.filter((m) => m.role === 'worker').map((m) => m.id));
    if (Date.now() < this.graceUntil) return;
    for (const id of this.knownWorkers) {
      if (!live.has(id) && !this.lost.has(id)) {
        this.logger.warn(`worker '${id}' stopped heartbeating and no node daemon announced it; announcing it lost`);
        this.runtime.announceWorkerLost(id, 'its heartbeat stopped');
        this.lost.add(id);
      }
    }
    this.placer.sync(workerLoadsFromMembers(members).filter((w) => !this.lost.has(w.id)));
    const changed = live.size !== this.knownWorkers.size || [...live].some((id) => !this.knownWorkers.has(id));
    this.knownWorkers = live;
    if (changed) await this.writeRecord();
  }

  private async readRecord(): Promise<DaemonRecord | undefined> {
    const bytes = await this.adapters.registry.getValue(STATE_KEY);
    if (!bytes) return undefined;
    try {
      return decode(bytes) as DaemonRecord;
    } catch {
      this.logger.warn(`the registry value '${STATE_KEY}' is unreadable; starting afresh`);
      return undefined;
    }
  }

  private async writeRecord(): Promise<void> {
    const record: DaemonRecord = { root: ROOT_NAME, pid: process.pid, host: hostname(), startedAt: this.startedAt, workers: [...this.knownWorkers] };
    await this.adapters.registry.setValue(STATE_KEY, encode(record)).catch((err: Error) => this.logger.warn(`could not record the daemon's state: ${err.message}`));
  }

  // ---------------------------------------------------------------- admin

  private handlers() {
    return {
      status: () => this.status(),
      nodes: () => this.nodes(),
      modules: () => this.modules(),
      load: (args: { modules: ModuleUpload[] }) => this.load(args.modules),
      spawn: (args: { module: string; state?: unknown; worker?: string }) => this.spawn(args.module, args.state, args.worker),
      send: (args: { to: string; message: unknown; from?: string }) => {
        this.runtime.sendFrom(args.from ?? `${ROOT_WORKER}:admin`, args.to, args.message, null);
        this.runtime.flushNow();
        return null;
      },
      call: (args: { to: string; message: unknown; timeoutMs?: number }) => this.call(args.to, args.message, args.timeoutMs),
      ps: () => this.ps(),
      kill: (args: { name: string; reason?: unknown }) => this.kill(args.name, args.reason),
      stats: () => this.stats(),
      tree: () => this.tree(),
      'workers-add': (args: { node: string; n: number }) => this.forwardToNode(args.node, 'addWorkers', { n: args.n }, 60_000),
      'workers-remove': (args: { id: string }) => this.removeWorker(args.id),
      'nodes-remove': (args: { node: string }) => this.forwardToNode(args.node, 'drain', null, FANOUT_TIMEOUT_MS),
    };
  }

  private async status(): Promise<ClusterStatus> {
    const members = await this.adapters.registry.listMembers();
    const workers = members.filter((m) => m.role === 'worker');
    const stats = await Promise.all(workers.map((w) => this.askWorker<WorkerStats & { worker: string; placesOn?: string[] }>(w.id, 'stats')));
    return {
      cluster: this.cluster,
      root: ROOT_NAME,
      daemon: { pid: process.pid, host: hostname(), startedAt: this.startedAt },
      workers: workers.map((w, i) => ({
        id: w.id,
        node: w.node ?? null,
        pid: w.pid ?? null,
        startedAt: w.startedAt,
        draining: w.meta?.draining === true,
        load: w.load ?? null,
        stats: stats[i] ? stripStats(stats[i]!) : null,
        placesOn: stats[i]?.placesOn ?? null,
      })),
      nodes: nodeSummaries(members),
      members,
    };
  }

  private async nodes(): Promise<NodeSummary[]> {
    return nodeSummaries(await this.adapters.registry.listMembers());
  }

  private async modules(): Promise<LoadedModule[]> {
    const out = new Map<string, LoadedModule>();
    for (const name of this.catalog.names()) {
      const c = this.catalog.get(name)!;
      out.set(name, { name, version: c.version, hash: c.hash });
    }
    for (const m of await this.adapters.registry.listModules()) {
      const entry: LoadedModule = { name: m.name, version: m.version, hash: m.hash };
      if (m.origin !== undefined) entry.origin = m.origin;
      out.set(m.name, entry);
    }
    return [...out.values()].sort((a, b) => a.name.localeCompare(b.name));
  }

  /**
   * Validates every module first (evaluates its code, finds its class, constructs it once), then stores
   * and announces each: a module that fails validation stores nothing of the upload.
   */
  private async load(modules: ModuleUpload[]): Promise<LoadedModule[]> {
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
      if (core.hashCode(m.code) !== m.hash) {
        throw new HypernodeError('MODULE_INVALID', `Module '${m.name}' arrived with a hash that does not match its code; bundle it again with bundleModuleFile.`);
      }
      const origin = m.origin ?? `${m.name}.js`;
      let classes = evaluated.get(m.hash);
      if (!classes) {
        try {
          classes = core.evaluateModule(m.code, origin, core) as Record<string, unknown>;
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
    const loaded: LoadedModule[] = [];
    for (const m of modules) {
      const source: core.ModuleSource = { code: m.code, hash: m.hash };
      if (m.origin !== undefined) source.origin = m.origin;
      const stored = await this.adapters.registry.addModuleVersion(m.name, source);
      const versions = this.mirror.get(m.name) ?? [];
      if (!versions.some((v) => v.version === stored.version)) versions.push(stored);
      this.mirror.set(m.name, versions);
      this.runtime.announceModule(m.name, stored.version);
      const entry: LoadedModule = { name: m.name, version: stored.version, hash: stored.hash };
      if (stored.origin !== undefined) entry.origin = stored.origin;
      loaded.push(entry);
      this.logger.info(`loaded module '${m.name}' version ${stored.version} (${stored.hash.slice(0, 12)}) from '${stored.origin ?? '?'}'`);
    }
    // The broadcast reaches every worker eventually; asking each one directly means that once `load`
    // resolves, the next message to a running process of the module is handled by the new version.
    const workers = this.liveWorkers();
    await Promise.all(workers.flatMap((w) => loaded.map((m) => this.askWorker(w.id, 'module', { name: m.name, version: m.version }))));
    return loaded;
  }

  private async spawn(moduleName: string, state: unknown, worker?: string): Promise<string> {
    if (typeof moduleName !== 'string' || moduleName === '') {
      throw new HypernodeError('INVALID_ARGUMENT', `spawn needs a module name; got ${typeof moduleName}.`);
    }
    const entry = await this.runtime.modules.fetch(moduleName);
    if (!entry) {
      const known = await this.runtime.modules.known();
      throw new HypernodeError(
        'MODULE_NOT_FOUND',
        `Module '${moduleName}' is not loaded in cluster '${this.cluster}'; loaded modules: ${known.join(', ') || '(none)'}. Load it with 'hypernode-cli load <file>' or cluster.load().`,
      );
    }
    let live = this.liveWorkers();
    if (live.length === 0 || (worker !== undefined && !live.some((w) => w.id === worker))) {
      // A worker that joined since the last check: read the members now.
      await this.check();
      live = this.liveWorkers();
    }
    if (live.length === 0) {
      throw new HypernodeError(
        'INVALID_ARGUMENT',
        `No worker is running in cluster '${this.cluster}', so '${moduleName}' cannot be spawned; start a node daemon with 'hypernode-node --cluster ${this.cluster}'.`,
      );
    }
    if (worker !== undefined && !live.some((w) => w.id === worker)) {
      throw new HypernodeError('INVALID_ARGUMENT', `Worker '${worker}' is not a live worker of cluster '${this.cluster}'; live workers: ${live.map((w) => w.id).join(', ')}.`);
    }
    this.forcedWorker = worker;
    try {
      return this.runtime.spawnAsChild(ROOT_NAME, moduleName, state);
    } catch (err) {
      if (HypernodeError.is(err, 'INVALID_ARGUMENT') && worker === undefined) {
        throw new HypernodeError('INVALID_ARGUMENT', `No worker of cluster '${this.cluster}' can take '${moduleName}' now: ${err.message}`, { cause: err });
      }
      throw err;
    } finally {
      this.forcedWorker = undefined;
    }
  }

  private async call(to: string, message: unknown, timeoutMs = 5000): Promise<unknown> {
    const inbox = new Inbox(this.runtime, systemClock, () => undefined);
    try {
      const reply = this.runtime.call(inbox.name, to, message, timeoutMs);
      this.runtime.flushNow();
      return await reply;
    } finally {
      inbox.close();
    }
  }

  private async askWorker<T>(worker: string, op: string, args: unknown = null): Promise<T | undefined> {
    try {
      return await callRpc<T>(this.adapters.transport, `worker.${worker}`, op, args, FANOUT_TIMEOUT_MS);
    } catch (err) {
      this.logger.debug(`worker '${worker}' did not answer '${op}': ${(err as Error).message}`);
      return undefined;
    }
  }

  private async ps(): Promise<ProcessInfo[]> {
    const members = await this.adapters.registry.listMembers();
    const workers = members.filter((m) => m.role === 'worker' && !this.lost.has(m.id));
    const lists = await Promise.all(workers.map((w) => this.askWorker<ProcessInfo[]>(w.id, 'ps')));
    const all = [...this.runtime.ps(), ...lists.flatMap((l) => l ?? [])];
    return all.sort((a, b) => (a.worker === b.worker ? 0 : a.worker === ROOT_WORKER ? -1 : b.worker === ROOT_WORKER ? 1 : a.worker < b.worker ? -1 : 1));
  }

  private async stats(): Promise<(WorkerStats & { worker: string })[]> {
    const members = await this.adapters.registry.listMembers();
    const workers = members.filter((m) => m.role === 'worker' && !this.lost.has(m.id));
    const lists = await Promise.all(workers.map((w) => this.askWorker<WorkerStats & { worker: string }>(w.id, 'stats')));
    return [{ worker: ROOT_WORKER, ...this.runtime.stats() }, ...lists.filter((s) => s !== undefined).map((s) => ({ worker: s.worker, ...stripStats(s) }))];
  }

  private async tree(): Promise<ProcessTree> {
    const list = await this.ps();
    const nodes = new Map<string, ProcessTree>();
    for (const p of list) nodes.set(p.name, { name: p.name, module: p.module, worker: p.worker, children: [] });
    const root = nodes.get(ROOT_NAME) ?? { name: ROOT_NAME, module: 'Root', worker: ROOT_WORKER, children: [] };
    for (const p of list) {
      if (p.name === ROOT_NAME) continue;
      // A process whose parent is gone (or unreachable) is shown under the root.
      const parent = (p.parent !== null && nodes.get(p.parent)) || root;
      parent.children.push(nodes.get(p.name)!);
    }
    return root;
  }

  private async kill(name: string, reason: unknown = 'killed'): Promise<boolean> {
    if (typeof name !== 'string' || name === '') throw new HypernodeError('INVALID_ARGUMENT', `kill needs a process name; got ${typeof name}.`);
    const pid = name.includes(':') ? name : await this.adapters.registry.lookupName(name);
    if (pid === undefined) return false;
    if (pid === ROOT_NAME) {
      throw new HypernodeError('INVALID_ARGUMENT', `The root process '${ROOT_NAME}' cannot be killed; kill its children, or stop the cluster daemon.`);
    }
    const worker = pid.slice(0, pid.indexOf(':'));
    if (worker === ROOT_WORKER) {
      const killed = this.runtime.kill(pid, reason);
      this.runtime.flushNow();
      return killed;
    }
    return (await this.askWorker<boolean>(worker, 'kill', { name: pid, reason })) ?? false;
  }

  private async forwardToNode(node: string, op: string, args: unknown, timeoutMs: number): Promise<unknown> {
    const members = await this.adapters.registry.listMembers();
    if (!members.some((m) => m.role === 'node' && m.id === node)) {
      const nodes = members.filter((m) => m.role === 'node').map((m) => m.id);
      throw new HypernodeError('INVALID_ARGUMENT', `Node '${node}' is not a live node of cluster '${this.cluster}'; live nodes: ${nodes.join(', ') || '(none)'}.`);
    }
    return callRpc(this.adapters.transport, `node.${node}`, op, args, timeoutMs);
  }

  private async removeWorker(id: string): Promise<boolean> {
    const members = await this.adapters.registry.listMembers();
    const member = members.find((m) => m.role === 'worker' && m.id === id);
    if (!member) {
      const ids = members.filter((m) => m.role === 'worker').map((m) => m.id);
      throw new HypernodeError('INVALID_ARGUMENT', `Worker '${id}' is not a live worker of cluster '${this.cluster}'; live workers: ${ids.join(', ') || '(none)'}.`);
    }
    if (member.node !== undefined && members.some((m) => m.role === 'node' && m.id === member.node)) {
      return callRpc<boolean>(this.adapters.transport, `node.${member.node}`, 'removeWorker', { id }, 30_000);
    }
    // A worker started on its own (no node daemon): ask it to drain itself.
    await callRpc(this.adapters.transport, `worker.${id}`, 'drain', null, FANOUT_TIMEOUT_MS);
    return true;
  }

  // ---------------------------------------------------------------- stop

  stop(): Promise<void> {
    this.stopping ??= this.shutdown().finally(() => this.resolveStopped());
    return this.stopping;
  }

  private async shutdown(): Promise<void> {
    this.ticker?.stop();
    await this.server?.close().catch(() => undefined);
    // The root is not ended: its children keep running and the next cluster daemon takes the root back.
    if (this.rootStarted) await within(this.adapters.registry.removeMember(ROOT_WORKER).catch(() => undefined), 2000);
    await this.runtime.close();
    await this.adapters.transport.close().catch(() => undefined);
    await this.adapters.registry.close().catch(() => undefined);
    if (this.rootStarted) this.logger.info(`cluster daemon of cluster '${this.cluster}' stopped; running processes keep running`);
  }
}

function stripStats(s: WorkerStats & { worker?: string; node?: string | null; load?: unknown }): WorkerStats {
  return {
    processes: s.processes,
    spawned: s.spawned,
    exited: s.exited,
    crashed: s.crashed,
    delivered: s.delivered,
    deadLetters: s.deadLetters,
    badFrames: s.badFrames,
    backlog: s.backlog,
  };
}

function nodeSummaries(members: MemberInfo[]): NodeSummary[] {
  return members
    .filter((m) => m.role === 'node')
    .map((n) => ({
      id: n.id,
      host: n.host ?? null,
      pid: n.pid ?? null,
      startedAt: n.startedAt,
      workers: members.filter((m) => m.role === 'worker' && m.node === n.id).map((m) => m.id),
      meta: n.meta ?? {},
    }));
}

function describeError(err: unknown): string {
  return err instanceof Error ? `${err.name}: ${err.message}` : String(err);
}

export type { NodeStatus };
