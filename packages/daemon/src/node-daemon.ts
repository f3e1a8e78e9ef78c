import { fork, type ChildProcess, type ForkOptions } from 'node:child_process';
import { availableParallelism, cpus, freemem, hostname, loadavg, totalmem } from 'node:os';
import { HypernodeError, systemClock, type Clock, type Logger, type TimerHandle } from '@hypernode/core';
import { readLostWorkers, workerLostEvent, type MemberInfo, type Subscription } from '@hypernode/core/runtime';
import { connectAdapters, within, type Adapters } from './adapters';
import { childLaunch, type ChildLaunch } from './child-launch';
import { connectionOf, defaultNodeId, type Connection } from './config';
import { evacuateWorkers, evacuationTargets } from './evacuation';
import { Heartbeat } from './heartbeat';
import { connectionSecrets, daemonLogger, type LogLevel } from './logger';
import { LostWorkerLog } from './lost-worker-log';
import { formatAddress, workerMetricsAddress, type MetricsAddress } from './metrics-address';
import { startMetrics, stopMetrics, type DaemonObservability } from './metrics-server';
import { serveRpc } from './rpc';
import { RpcGuard, signerOf } from './rpc-auth';
import { enforceSafeDefault } from './safe-default';
import { FENCED_EXIT_CODE, STOP_TIMEOUT_MS } from './worker-daemon';
import { plural } from './plural';
import { tlsEnv } from './tls-settings';

/** Restart backoff of a worker that keeps dying: 100 ms, doubling, at most 10 s; reset after 30 s up. */
export const RESTART_BACKOFF = { firstMs: 100, maxMs: 10_000, resetAfterMs: 30_000 } as const;
/** How long a node daemon waits for a forked worker to say it is up. */
const READY_TIMEOUT_MS = 30_000;
/** How long past a worker's own stop timeout a node daemon waits after SIGTERM before it sends SIGKILL. */
const KILL_GRACE_MS = STOP_TIMEOUT_MS + 5000;
/**
 * How long a node daemon's shutdown waits for its workers to move their processes to other nodes' workers before it
 * stops them anyway: with the workers' stop grace it stays within a program's 30 s hard stop (signals.ts).
 */
export const NODE_EVACUATE_TIMEOUT_MS = 10_000;
/** Default of {@link NodeDaemonOptions.stallLimitMs}: a worker silent this long is killed and replaced. */
export const STALL_LIMIT_MS = 30_000;
/** How often a node daemon checks its workers' signs of life. */
const STALL_CHECK_MS = 1000;
/** A worker silent this long shows as stalled in `status` (it says it is alive every 500 ms). */
const STALLED_AFTER_MS = 2000;

/** Starts one worker program: node's `child_process.fork` has this signature. */
export type ForkWorker = (entry: string, args: string[], options: ForkOptions) => ChildProcess;

/** Options of {@link startNode}. */
export interface NodeDaemonOptions extends Partial<Connection> {
  /** Unique in the cluster, without ':'. Default: the host name. */
  id?: string;
  /** Workers to fork at start. Default `os.availableParallelism()`. */
  workers?: number;
  /** Default: lines on stdout/stderr tagged with the node id. */
  logger?: Logger;
  /** Passed to every worker (see `WorkerDaemonOptions`). */
  affinitySlack?: number;
  placementCost?: number;
  /**
   * The program forked for each worker. Default: this package's `worker-entry` next to this file (run with
   * `--import tsx` when this package runs from its TypeScript sources).
   */
  workerEntry?: string;
  /** Node flags for each worker. Default: `['--import', <tsx>]` for a `.ts` entry, none otherwise. */
  workerExecArgv?: string[];
  /** Times the restart backoff, the ready and stop grace periods, and the heartbeat. Default `systemClock`. */
  clock?: Clock;
  /** A connected transport and registry to run over (the daemon closes them when it stops). Default: connects to `amqpUrl` and `redisUrl`. */
  adapters?: Adapters;
  /** How a worker program is started. Default: node's `child_process.fork`. */
  fork?: ForkWorker;
  /**
   * A worker that has said nothing over IPC for this long (its event loop is stuck: an endless loop in a
   * process, SIGSTOP) is killed with SIGKILL, announced lost and replaced. Default {@link STALL_LIMIT_MS}; at
   * least 1000. The worker program says `{ type: 'alive' }` every 500 ms; a custom `workerEntry` must too.
   */
  stallLimitMs?: number;
  /**
   * Where to serve this node daemon's Prometheus metrics; off when absent. Each worker then serves its own on
   * the same host at this port + its slot number (1, 2, ...; a replacement keeps its slot's port).
   */
  metrics?: MetricsAddress;
  /** Given to every worker as `HYPERNODE_LOG_LEVEL`; default: the workers read the environment as this daemon did. */
  logLevel?: LogLevel;
}

/** One worker as the node daemon tracks it. */
export interface NodeWorkerInfo {
  id: string;
  /** Slot number: a replacement worker takes the slot of the one it replaces. */
  slot: number;
  pid: number | null;
  startedAt: number;
  /** Times this slot's worker died and was restarted. */
  restarts: number;
  up: boolean;
  /** How long since the worker last said it is alive, while it is up; null otherwise. */
  silentForMs: number | null;
  /** Its event loop seems stuck: silent for 2 s or more (it is killed at the stall limit). */
  stalled: boolean;
}

/** What `status` of a node daemon answers. */
export interface NodeStatus {
  id: string;
  host: string;
  pid: number;
  startedAt: number;
  draining: boolean;
  /** A worker silent this long is killed and replaced. */
  stallLimitMs: number;
  workers: NodeWorkerInfo[];
}

/** A running node daemon. */
export interface NodeDaemon {
  readonly id: string;
  status(): NodeStatus;
  /** Forks `n` more workers; resolves with their ids once they are up. */
  addWorkers(n: number): Promise<string[]>;
  /** Stops one worker gracefully (SIGTERM) for good: it is not restarted. False for an unknown id. */
  removeWorker(id: string): Promise<boolean>;
  /**
   * Drains: marks the node draining, moves its workers' processes to the other nodes' live workers (unless
   * `options.evacuate` is false, or there is none: then they end with `'shutdown'`), for at most
   * {@link NODE_EVACUATE_TIMEOUT_MS}; then every worker stops gracefully, and the daemon leaves the cluster and closes.
   * Idempotent: a second call returns the first one's promise.
   */
  stop(why?: string, options?: NodeStopOptions): Promise<void>;
  readonly stopped: Promise<void>;
}

/** Options of {@link NodeDaemon.stop}. */
export interface NodeStopOptions {
  /** Move the workers' processes to other nodes' workers first. Default true; `nodes remove` has done it already. */
  evacuate?: boolean;
}

interface Slot {
  index: number;
  id: string;
  child: ChildProcess | null;
  startedAt: number;
  restarts: number;
  backoffMs: number;
  up: boolean;
  /** Set when the daemon asked the worker to stop: its exit is expected and it is not restarted. */
  removing: boolean;
  /** When the worker last said it was ready or alive. */
  aliveAt: number;
  /** Set when the daemon killed the worker for being stuck: how long it had been silent. */
  stuckFor: number | null;
  restartTimer: TimerHandle | null;
  ready: Promise<void>;
  onReady: (err?: Error) => void;
  exited: Promise<void>;
  onExit: () => void;
}

/**
 * Starts a node daemon: forks `workers` worker processes and keeps them running. A worker that exits without
 * being asked (any exit code, 0 included, or any signal; a worker that fenced itself exits with
 * `FENCED_EXIT_CODE`) is a crash: it is announced lost to every worker at once (its processes' parents get
 * `CHILD_PROCESS_EXIT` with `WORKER_LOST`), removed from the registry, and replaced by a new worker (new id)
 * after a backoff. A worker silent over IPC for `stallLimitMs` is killed with SIGKILL first. Only
 * `removeWorker` and draining stop a worker for good. Heartbeats as a `node` member with the host, its
 * workers, those that seem stalled and the machine's load, and serves `node.<id>` requests: `status`,
 * `addWorkers`, `removeWorker`, `drain`.
 */
export async function startNode(options: NodeDaemonOptions = {}): Promise<NodeDaemon> {
  const id = options.id ?? defaultNodeId();
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,79}$/.test(id)) {
    throw new HypernodeError('INVALID_OPTIONS', `Node id '${id}' is not valid; use 1-80 letters, digits, '.', '_' or '-' (no ':'), starting with a letter or digit.`);
  }
  const workers = options.workers ?? availableParallelism();
  if (!Number.isInteger(workers) || workers < 0 || workers > 256) {
    throw new HypernodeError('INVALID_OPTIONS', `startNode() got workers: ${String(options.workers)}; give a whole number from 0 to 256.`);
  }
  const stallLimit = options.stallLimitMs ?? STALL_LIMIT_MS;
  if (!Number.isInteger(stallLimit) || stallLimit < 1000) {
    throw new HypernodeError('INVALID_OPTIONS', `startNode() got stallLimitMs: ${String(options.stallLimitMs)}; give a whole number of milliseconds, at least 1000.`);
  }
  const conn = connectionOf(options);
  const logger = options.logger ?? daemonLogger({ role: 'node', cluster: conn.cluster, node: id }, { secrets: connectionSecrets(conn) });
  enforceSafeDefault('hypernode-node', { amqpUrl: conn.amqpUrl, secret: conn.secret, insecure: conn.insecure === true }, logger);
  const adapters = options.adapters ?? (await connectAdapters(conn, logger));
  const daemon = new NodeDaemonImpl(id, conn, options, logger, adapters);
  try {
    await daemon.start(workers);
  } catch (err) {
    await daemon.stop('it failed to start');
    throw err;
  }
  return daemon;
}

class NodeDaemonImpl implements NodeDaemon {
  private readonly slots = new Map<number, Slot>();
  private nextSlot = 1;
  private readonly clock: Clock;
  private readonly fork: ForkWorker;
  private readonly startedAt: number;
  private readonly host = hostname();
  private readonly heartbeat: Heartbeat;
  private draining = false;
  private stopping: Promise<void> | null = null;
  private server: Subscription | null = null;
  readonly stopped: Promise<void>;
  private resolveStopped!: () => void;
  private readonly entry: string;
  private readonly execArgv: string[];
  private readonly extraEnv: Record<string, string>;
  private readonly stallLimitMs: number;
  private stallTimer: TimerHandle | null = null;
  private observability: DaemonObservability | null = null;
  /** The workers this daemon saw die, until the registry's lost-worker record holds them (design 029). */
  private readonly lostLog: LostWorkerLog;

  constructor(
    readonly id: string,
    private readonly conn: Connection,
    private readonly options: NodeDaemonOptions,
    private readonly logger: Logger,
    private readonly adapters: Adapters,
  ) {
    this.stopped = new Promise((resolve) => (this.resolveStopped = resolve));
    this.clock = options.clock ?? systemClock;
    this.fork = options.fork ?? fork;
    this.startedAt = this.clock.now();
    this.lostLog = new LostWorkerLog(adapters.registry, this.clock, logger, `node '${id}'`);
    this.heartbeat = new Heartbeat({ registry: adapters.registry, member: () => this.member(), who: `node '${id}'`, logger, clock: this.clock, afterBeat: () => this.lostLog.sync() });
    const launch = workerLaunch(options);
    this.entry = launch.entry;
    this.execArgv = launch.execArgv;
    this.extraEnv = launch.env;
    this.stallLimitMs = options.stallLimitMs ?? STALL_LIMIT_MS;
  }

  async start(workers: number): Promise<void> {
    await this.heartbeat.beat();
    const guard = new RpcGuard(this.conn.cluster, this.conn.secret, this.clock, this.logger);
    this.observability = await startMetrics(
      this.options.metrics,
      { labels: { cluster: this.conn.cluster, node: this.id }, transport: () => this.adapters.transport.stats(), workers: () => this.workersView() },
      this.adapters.transport,
      this.logger,
    );
    const metrics = this.observability?.metrics;
    this.server = await serveRpc(this.adapters.transport, `node.${this.id}`, {
      status: () => this.status(),
      addWorkers: (args: { n: number }) => this.addWorkers(args.n),
      removeWorker: (args: { id: string }) => this.removeWorker(args.id),
      // `{ evacuate: false }` from `nodes remove`, which has moved the processes itself and reported the counts.
      drain: (args: { evacuate?: boolean } | null) => {
        void this.stop('drained on request', { evacuate: args?.evacuate !== false });
        return { draining: true };
      },
    }, guard, metrics && ((method, result) => metrics.adminRequest(method, result)));
    this.heartbeat.start();
    this.watchStalls();
    await this.addWorkers(workers);
    this.logger.info(`node daemon '${this.id}' of cluster '${this.conn.cluster}' is up with ${plural(this.slots.size, 'worker')} (pid ${process.pid})`);
  }

  status(): NodeStatus {
    return {
      id: this.id,
      host: this.host,
      pid: process.pid,
      startedAt: this.startedAt,
      draining: this.draining,
      stallLimitMs: this.stallLimitMs,
      workers: [...this.slots.values()].map((s) => {
        const silentForMs = s.up ? this.clock.now() - s.aliveAt : null;
        return {
          id: s.id,
          slot: s.index,
          pid: s.child?.pid ?? null,
          startedAt: s.startedAt,
          restarts: s.restarts,
          up: s.up,
          silentForMs,
          stalled: silentForMs !== null && silentForMs >= STALLED_AFTER_MS,
        };
      }),
    };
  }

  private workersView(): { up: number; down: number; restarts: number } {
    let up = 0;
    let restarts = 0;
    for (const s of this.slots.values()) {
      if (s.up) up++;
      restarts += s.restarts;
    }
    return { up, down: this.slots.size - up, restarts };
  }

  /**
   * Every second: kills (SIGKILL) each up worker silent for `stallLimitMs`; its exit then replaces it. When this
   * check itself ran late by a second or more, the node daemon's own loop was blocked (or the machine paused): its
   * workers' pings may be waiting unread, so each gets a fresh limit instead of being judged now.
   */
  private watchStalls(): void {
    const due = this.clock.now() + STALL_CHECK_MS;
    this.stallTimer = this.clock.setTimeout(() => {
      this.watchStalls();
      const now = this.clock.now();
      if (now - due >= STALL_CHECK_MS) {
        this.logger.warn(`node '${this.id}': its own event loop was blocked for about ${now - due} ms; it judges its workers' silence afresh from now`);
        for (const slot of this.slots.values()) slot.aliveAt = Math.max(slot.aliveAt, now);
        return;
      }
      for (const slot of this.slots.values()) {
        const silent = now - slot.aliveAt;
        if (!slot.child || !slot.up || slot.removing || slot.stuckFor !== null || silent < this.stallLimitMs) continue;
        slot.stuckFor = silent;
        this.logger.warn(
          `worker '${slot.id}' (pid ${slot.child.pid}) has not answered for ${silent} ms, over the stall limit of ${this.stallLimitMs} ms (its event loop is stuck, e.g. a process in an endless loop); killing it with SIGKILL`,
        );
        slot.child.kill('SIGKILL');
      }
    }, STALL_CHECK_MS);
  }

  async addWorkers(n: number): Promise<string[]> {
    if (!Number.isInteger(n) || n < 0 || n > 256) {
      throw new HypernodeError('INVALID_ARGUMENT', `addWorkers needs a whole number from 0 to 256; got ${String(n)}.`);
    }
    if (this.draining) throw new HypernodeError('INVALID_ARGUMENT', `Node '${this.id}' is draining; it starts no new workers.`);
    const added: Slot[] = [];
    for (let i = 0; i < n; i++) {
      const slot = this.newSlot(this.nextSlot++);
      this.slots.set(slot.index, slot);
      this.launch(slot);
      added.push(slot);
    }
    const ready = await within(Promise.allSettled(added.map((s) => s.ready)), READY_TIMEOUT_MS, this.clock);
    const failed = added.filter((_slot, i) => ready === undefined || ready[i]!.status === 'rejected');
    if (failed.length > 0) {
      this.logger.warn(`node '${this.id}': ${failed.length} of ${n} new workers did not come up within ${READY_TIMEOUT_MS / 1000} s; they are restarted with backoff`);
    }
    return added.map((s) => s.id);
  }

  async removeWorker(id: string): Promise<boolean> {
    const slot = [...this.slots.values()].find((s) => s.id === id);
    if (!slot) return false;
    slot.removing = true;
    if (slot.restartTimer) this.clock.clearTimeout(slot.restartTimer);
    if (slot.child) {
      slot.child.kill('SIGTERM');
      if ((await within(slot.exited, KILL_GRACE_MS, this.clock)) === undefined && slot.child) {
        this.logger.warn(`worker '${id}' did not stop within ${KILL_GRACE_MS / 1000} s of SIGTERM; killing it`);
        slot.child.kill('SIGKILL');
        await slot.exited;
      }
    }
    this.slots.delete(slot.index);
    return true;
  }

  stop(why = 'stopped', options: NodeStopOptions = {}): Promise<void> {
    this.stopping ??= this.shutdown(why, options.evacuate !== false).finally(() => this.resolveStopped());
    return this.stopping;
  }

  private async shutdown(why: string, evacuate: boolean): Promise<void> {
    this.draining = true;
    if (this.stallTimer !== null) this.clock.clearTimeout(this.stallTimer);
    this.logger.info(`node daemon '${this.id}' is draining (${why}): stopping ${plural(this.slots.size, 'worker')}`);
    // The member record says draining first: no other node's evacuation picks these workers as targets.
    await within(this.heartbeat.beat(), 1000, this.clock);
    if (evacuate) await this.evacuate(why);
    await Promise.all([...this.slots.values()].map((s) => this.removeWorker(s.id)));
    this.heartbeat.stop();
    await this.server?.close().catch(() => undefined);
    await stopMetrics(this.observability);
    await within(this.adapters.registry.removeMember(this.id).catch(() => undefined), 2000, this.clock);
    await this.adapters.transport.close().catch(() => undefined);
    await this.adapters.registry.close().catch(() => undefined);
    this.logger.info(`node daemon '${this.id}' stopped`);
  }

  /**
   * Asks this node's up workers to move their processes to the live workers of other nodes that are not draining
   * or known lost (evacuation.ts, as `nodes remove` does), for at most {@link NODE_EVACUATE_TIMEOUT_MS}; logs the
   * counts, or that the processes end as before. Never rejects.
   */
  private async evacuate(why: string): Promise<void> {
    const leaving = [...this.slots.values()].filter((s) => s.up && !s.removing).map((s) => s.id);
    if (leaving.length === 0) return;
    const { registry, transport } = this.adapters;
    const work = (async () => {
      const signer = signerOf(this.conn.cluster, this.conn.secret, this.clock, `node daemon '${this.id}' pid ${process.pid} on ${this.host}`);
      const [members, lost] = await Promise.all([registry.listMembers(), readLostWorkers(registry).catch(() => [])]);
      const lostIds = new Set(lost.map((l) => l.id));
      const targets = evacuationTargets(members, (m) => m.node === this.id || leaving.includes(m.id), (id) => lostIds.has(id));
      await evacuateWorkers({ transport, signer, logger: this.logger }, leaving, targets, `node '${this.id}' is draining: ${why}`, NODE_EVACUATE_TIMEOUT_MS);
      return true;
    })().catch((err: Error) => {
      this.logger.warn(`node '${this.id}' could not evacuate its workers (${err.message}); their processes end with 'shutdown'`);
      return true;
    });
    if ((await within(work, NODE_EVACUATE_TIMEOUT_MS, this.clock)) === undefined) {
      this.logger.warn(`node '${this.id}': its workers did not finish evacuating within ${NODE_EVACUATE_TIMEOUT_MS / 1000} s; stopping them now (the processes not yet moved end with 'shutdown')`);
    }
  }

  private newSlot(index: number): Slot {
    const slot = { index, restarts: 0, backoffMs: 0, removing: false, restartTimer: null } as unknown as Slot;
    this.fresh(slot);
    return slot;
  }

  /** Gives a slot a new worker id and fresh ready/exit promises. */
  private fresh(slot: Slot): void {
    slot.id = `${this.id}-w${slot.index}-${this.clock.now().toString(36)}`;
    slot.child = null;
    slot.up = false;
    slot.startedAt = slot.aliveAt = this.clock.now();
    slot.stuckFor = null;
    slot.ready = new Promise<void>((resolve, reject) => {
      slot.onReady = (err) => (err ? reject(err) : resolve());
    });
    slot.ready.catch(() => undefined);
    slot.exited = new Promise<void>((resolve) => (slot.onExit = resolve));
  }

  private launch(slot: Slot): void {
    const args = ['--id', slot.id, '--node', this.id];
    if (this.options.affinitySlack !== undefined) args.push('--affinity-slack', String(this.options.affinitySlack));
    if (this.options.placementCost !== undefined) args.push('--placement-cost', String(this.options.placementCost));
    const child = this.fork(this.entry, args, {
      execArgv: this.execArgv,
      env: {
        ...this.workerEnv(slot),
        ...this.extraEnv,
        HYPERNODE_AMQP_URL: this.conn.amqpUrl,
        HYPERNODE_REDIS_URL: this.conn.redisUrl,
        HYPERNODE_CLUSTER: this.conn.cluster,
        ...(this.conn.maxMessageBytes !== undefined ? { HYPERNODE_MAX_MESSAGE_BYTES: String(this.conn.maxMessageBytes) } : {}),
        HYPERNODE_CONNECT_TIMEOUT_MS: String(this.conn.connectTimeoutMs),
        // The secret goes through the environment, never argv (visible in ps); none here means none in the worker.
        HYPERNODE_SECRET: this.conn.secret ?? '',
        ...(this.conn.insecure ? { HYPERNODE_INSECURE: '1' } : {}),
        ...tlsEnv(this.conn.tls),
      },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    slot.child = child;
    slot.startedAt = this.clock.now();
    child.on('message', (m: { type?: string }) => {
      if (slot.child !== child) return;
      if (m?.type === 'alive') slot.aliveAt = this.clock.now();
      else if (m?.type === 'ready') {
        slot.aliveAt = this.clock.now();
        slot.up = true;
        this.logger.info(`worker '${slot.id}' is up (pid ${child.pid})`);
        slot.onReady();
      }
    });
    child.on('error', (err) => this.logger.warn(`worker '${slot.id}': ${err.message}`));
    child.on('exit', (code, signal) => this.exited(slot, child, code, signal));
  }

  /** The environment of the worker in `slot`: this daemon's, with the worker's metrics address and log level. */
  private workerEnv(slot: Slot): NodeJS.ProcessEnv {
    const env: NodeJS.ProcessEnv = { ...process.env };
    delete env.HYPERNODE_METRICS;
    const base = this.options.metrics;
    const at = base && workerMetricsAddress(base, slot.index);
    if (at) env.HYPERNODE_METRICS = formatAddress(at);
    else if (base) this.logger.warn(`worker '${slot.id}' serves no metrics: port ${base.port} + slot ${slot.index} passes 65535; give --metrics a lower port`);
    if (this.options.logLevel !== undefined) env.HYPERNODE_LOG_LEVEL = this.options.logLevel;
    return env;
  }

  private exited(slot: Slot, child: ChildProcess, code: number | null, signal: NodeJS.Signals | null): void {
    if (slot.child !== child) return;
    const why =
      slot.stuckFor !== null
        ? `was stuck for ${slot.stuckFor} ms (stall limit ${this.stallLimitMs} ms) and was killed with SIGKILL`
        : signal
          ? `killed by ${signal}`
          : code === FENCED_EXIT_CODE
            ? `exited with code ${code}: it fenced itself (the cluster had declared it lost while its event loop was blocked)`
            : `exited with code ${code} without being asked to stop`;
    slot.child = null;
    slot.up = false;
    slot.onReady(new Error(why));
    slot.onExit();
    if (slot.removing || this.draining) return;
    this.observability?.metrics.workerExited(slot.stuckFor !== null ? 'stalled' : signal ? 'signal' : code === FENCED_EXIT_CODE ? 'fenced' : 'code');
    const upFor = this.clock.now() - slot.startedAt;
    slot.backoffMs = upFor >= RESTART_BACKOFF.resetAfterMs || slot.backoffMs === 0 ? RESTART_BACKOFF.firstMs : Math.min(slot.backoffMs * 2, RESTART_BACKOFF.maxMs);
    this.logger.warn(`worker '${slot.id}' (pid ${child.pid}) ${why}; its processes are lost; starting a replacement in ${slot.backoffMs} ms`);
    // Every worker learns it now, rather than when its heartbeat expires; a worker that misses the event (its
    // queue gone while the broker is down) reads the loss from the registry's record when it reconciles.
    this.lostLog.record(slot.id, why);
    this.adapters.transport.publish(workerLostEvent(slot.id, why));
    this.adapters.registry.removeMember(slot.id).catch((err: Error) => this.logger.warn(`could not remove member '${slot.id}': ${err.message}`));
    slot.restartTimer = this.clock.setTimeout(() => {
      slot.restartTimer = null;
      if (this.draining || slot.removing) return;
      slot.restarts++;
      this.fresh(slot);
      this.launch(slot);
    }, slot.backoffMs);
  }

  private member(): MemberInfo {
    const workers = [...this.slots.values()].filter((s) => s.up).map((s) => s.id);
    const now = this.clock.now();
    const stalled = [...this.slots.values()].filter((s) => s.up && now - s.aliveAt >= STALLED_AFTER_MS);
    return {
      id: this.id,
      role: 'node',
      node: this.id,
      host: this.host,
      pid: process.pid,
      startedAt: this.startedAt,
      meta: {
        workers: workers.join(' '),
        cpus: cpus().length,
        loadavg1: Math.round(loadavg()[0]! * 100) / 100,
        freeMemBytes: freemem(),
        totalMemBytes: totalmem(),
        draining: this.draining,
        // Workers whose event loop seems stuck, with how long they have been silent: `w1=12000 w2=3000` (ms).
        stalled: stalled.map((s) => `${s.id}=${now - s.aliveAt}`).join(' '),
        stallLimitMs: this.stallLimitMs,
      },
    };
  }
}

/** What to fork for a worker: `worker-entry` next to this file (child-launch.ts), or the options' own. */
function workerLaunch(options: NodeDaemonOptions): ChildLaunch {
  return childLaunch('worker-entry', 'workerEntry', options.workerEntry, options.workerExecArgv);
}
