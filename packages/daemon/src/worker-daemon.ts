import { HypernodeError, systemClock, type Clock, type Logger, type MemoryGuardOptions } from '@hypernode/core';
import { createWorkerRuntime, isolateProcessCrashes, moduleSealKey, recentArgs, workerLostEvent, type EvacuateOutcome, type MemberInfo, type StallReport, type Subscription, type WorkerRuntime } from '@hypernode/core/runtime';
import { loadScore, Placer, workerLoadsFromMembers } from '@hypernode/scheduler';
import { connectAdapters, within, type Adapters } from './adapters';
import { connectionOf, type Connection } from './config';
import { Heartbeat, MEMBER_TTL_MS } from './heartbeat';
import { LoopWatch } from './loop-watch';
import { connectionSecrets, daemonLogger } from './logger';
import type { MetricsAddress } from './metrics-address';
import { startMetrics, stopMetrics, type DaemonObservability } from './metrics-server';
import { RECONCILE_MS } from './lost-worker-log';
import { ROOT_WORKER } from './root-process';
import { serveRpc } from './rpc';
import { RpcGuard } from './rpc-auth';
import { enforceSafeDefault } from './safe-default';
import { processes } from './plural';

export { HEARTBEAT_MS, MEMBER_TTL_MS } from './heartbeat';
export { ROOT_WORKER } from './root-process';
/** How long a graceful stop waits for processes' `processWillExit` before closing anyway. */
export const STOP_TIMEOUT_MS = 10_000;
/** The exit code of a worker program that fenced itself (the cluster had declared it lost; design 017). */
export const FENCED_EXIT_CODE = 75;

/** Options of {@link startWorker}. */
export interface WorkerDaemonOptions extends Partial<Connection> {
  /** Unique in the cluster, without ':'; a restarted worker takes a new id. */
  id: string;
  /** The node daemon that owns it. */
  node?: string;
  /** Default: lines on stdout/stderr tagged with the worker id. */
  logger?: Logger;
  /** Scheduler: how far a parent's worker may exceed the idlest one and still get the child (default 5). */
  affinitySlack?: number;
  /** Scheduler: load points a spawn adds to a worker until its next report (default 0.05). */
  placementCost?: number;
  /** Default {@link STOP_TIMEOUT_MS}. */
  stopTimeoutMs?: number;
  /** Measures the stop timeout and paces the heartbeat; the runtime's timers use it too. Default `systemClock`. */
  clock?: Clock;
  /** A connected transport and registry to run over (the worker closes them when it stops). Default: connects to `amqpUrl` and `redisUrl`. */
  adapters?: Adapters;
  /** A run of the loop (or any block of the event loop) this long is logged as a stall. Default 1000 ms. */
  stallWarnMs?: number;
  /** The mailbox warning size (messages, default 10 000): see core's `WorkerOptions.mailboxWarn`. */
  mailboxWarn?: number;
  /** The memory guard (default on, with core's defaults: warn at 70% of the heap limit, refuse at 90%); `false`: off. */
  memoryGuard?: MemoryGuardOptions | false;
  /**
   * When the event loop was blocked this long, the member record has expired and the worker fences itself
   * (see {@link WorkerDaemon.fenced}). Default {@link MEMBER_TTL_MS}, the record's TTL.
   */
  leaseMs?: number;
  /** Called every 500 ms while the event loop runs: the worker program tells its node daemon it is alive. */
  onAlive?: () => void;
  /** Whether to warn at start that admin is open when there is no secret (default true; a node daemon's workers leave it to the node). */
  warnOpenAdmin?: boolean;
  /**
   * Where to serve Prometheus metrics (`GET /metrics`); off when absent. When it cannot listen there the worker
   * logs why and runs without metrics (a node daemon restarting it would meet the same port).
   */
  metrics?: MetricsAddress;
}

/** What a worker's `stats` tells of blocks of its event loop. */
export interface WorkerStallInfo {
  /** The last run of its loop that blocked the event loop, naming the processes whose turns ran in it. */
  lastStall: StallReport | null;
  /** The last block seen by its loop watch (in a turn or not): how long, and when it ended (epoch ms). */
  lastBlock: { ms: number; at: number } | null;
}

/** A running worker daemon. */
export interface WorkerDaemon {
  readonly id: string;
  readonly runtime: WorkerRuntime;
  /**
   * Stops gracefully: marks itself draining (placers stop choosing it), ends every process with
   * `'shutdown'` (their parents are told), waits for them (at most `stopTimeoutMs`), announces that it left,
   * leaves the registry and closes. Idempotent.
   */
  stop(why?: string): Promise<void>;
  /** Settles once the worker has stopped, whoever asked. */
  readonly stopped: Promise<void>;
  /**
   * Why the worker fenced itself, or undefined. A worker fences itself when the cluster announces it lost, or
   * when its event loop was blocked for `leaseMs` or longer (its member record expired, so the cluster may
   * have): its processes' parents have been told they ended, so it stops every process at once without running
   * any more of their code, announces itself lost, leaves the registry and stops (`stopped` settles).
   */
  readonly fenced: string | undefined;
}

/**
 * Starts a worker: a core `WorkerRuntime` over RabbitMQ and Redis that hosts processes, places the children
 * they spawn with the load-aware scheduler (fed from the registry's member list every second), heartbeats
 * its load, and serves `worker.<id>` requests (`ps`, `inspect`, `stats`, `kill`, `module`, `drain`, `top`,
 * `dead-letters`, `exits`, `move`, `evacuate`).
 *
 * Rejects with `TRANSPORT_DOWN`/`REGISTRY_DOWN` when the broker or Redis cannot be reached, and with
 * `INVALID_ARGUMENT` when another worker already uses the id.
 */
export async function startWorker(options: WorkerDaemonOptions): Promise<WorkerDaemon> {
  const conn = connectionOf(options);
  const cluster = conn.cluster;
  const logger =
    options.logger ??
    daemonLogger({ role: 'worker', cluster, ...(options.node !== undefined ? { node: options.node } : {}), worker: options.id }, { secrets: connectionSecrets(conn) });
  enforceSafeDefault('hypernode-worker', { amqpUrl: conn.amqpUrl, secret: conn.secret, insecure: conn.insecure === true }, logger, options.warnOpenAdmin !== false);
  const adapters = options.adapters ?? (await connectAdapters(conn, logger));
  try {
    return await WorkerDaemonImpl.start(options, cluster, logger, adapters);
  } catch (err) {
    await adapters.transport.close().catch(() => undefined);
    await adapters.registry.close().catch(() => undefined);
    throw err;
  }
}

class WorkerDaemonImpl implements WorkerDaemon {
  readonly runtime: WorkerRuntime;
  readonly stopped: Promise<void>;
  private resolveStopped!: () => void;
  private readonly placer: Placer;
  private readonly lost = new Set<string>();
  private readonly startedAt: number;
  private readonly heartbeat: Heartbeat;
  private draining = false;
  private stopping: Promise<void> | null = null;
  private server: Subscription | null = null;
  private readonly debug = Boolean(process.env.HYPERNODE_DEBUG) || ['debug', 'trace'].includes(process.env.HYPERNODE_LOG_LEVEL ?? '');
  /** Uninstalls this worker's share of the crash isolation handler. */
  private endIsolation: () => void = () => {};
  private readonly watch: LoopWatch;
  private lastBlock: { ms: number; at: number } | null = null;
  private readonly leaseMs: number;
  private observability: DaemonObservability | null = null;
  private readonly metricsAt: MetricsAddress | undefined;
  fenced: string | undefined;

  private constructor(
    readonly id: string,
    private readonly node: string | undefined,
    readonly cluster: string,
    private readonly logger: Logger,
    private readonly adapters: Adapters,
    private readonly stopTimeoutMs: number,
    placement: { affinitySlack?: number; placementCost?: number },
    private readonly clock: Clock,
    health: Pick<WorkerDaemonOptions, 'stallWarnMs' | 'leaseMs' | 'onAlive' | 'maxMessageBytes' | 'secret' | 'metrics' | 'mailboxWarn' | 'memoryGuard'>,
    private readonly secret: string | null,
  ) {
    this.metricsAt = health.metrics;
    this.stopped = new Promise((resolve) => (this.resolveStopped = resolve));
    this.startedAt = clock.now();
    this.placer = new Placer(placement);
    this.runtime = createWorkerRuntime({
      id,
      cluster,
      moduleKey: health.secret ? moduleSealKey(health.secret, cluster) : null,
      maxMessageBytes: health.maxMessageBytes,
      transport: adapters.transport,
      registry: adapters.registry,
      logger,
      clock,
      place: (parentWorker) => this.place(parentWorker),
      resilientWorkers: [ROOT_WORKER],
      onWorkerLost: (worker) => {
        this.lost.add(worker);
        this.placer.remove(worker);
      },
      onLostSelf: (why) => this.fence(`the cluster announced it lost (${why})`),
      stallWarnMs: health.stallWarnMs,
      reconcileEveryMs: RECONCILE_MS,
      mailboxWarn: health.mailboxWarn,
      memoryGuard: health.memoryGuard ?? {},
    });
    this.leaseMs = health.leaseMs ?? MEMBER_TTL_MS;
    const { onAlive } = health;
    this.watch = new LoopWatch({
      clock,
      leaseMs: this.leaseMs,
      warnMs: health.stallWarnMs ?? 1000,
      onTick: () => {
        this.runtime.renewLease();
        onAlive?.();
      },
      onBlocked: (ms, since) => this.blocked(ms, since),
      onLeaseLost: (ms) => this.leaseLost(ms),
    });
    this.heartbeat = new Heartbeat({
      registry: adapters.registry,
      member: () => this.member(),
      who: `worker '${id}'`,
      logger,
      clock,
      afterBeat: () => this.refresh(),
    });
  }

  static async start(options: WorkerDaemonOptions, cluster: string, logger: Logger, adapters: Adapters): Promise<WorkerDaemonImpl> {
    const stopTimeoutMs = options.stopTimeoutMs ?? STOP_TIMEOUT_MS;
    const placement: { affinitySlack?: number; placementCost?: number } = {};
    if (options.affinitySlack !== undefined) placement.affinitySlack = options.affinitySlack;
    if (options.placementCost !== undefined) placement.placementCost = options.placementCost;
    const w = new WorkerDaemonImpl(options.id, options.node, cluster, logger, adapters, stopTimeoutMs, placement, options.clock ?? systemClock, options, options.secret ?? null);
    try {
      await w.runtime.start();
    } catch (err) {
      if (HypernodeError.is(err, 'INVALID_ARGUMENT')) {
        throw new HypernodeError('INVALID_ARGUMENT', `Worker id '${w.id}' is already used by a running worker of cluster '${cluster}'; give this one another --id.`, { cause: err });
      }
      throw err;
    }
    // An error in a callback one of its processes started ends that process, not this worker (design 016).
    w.endIsolation = isolateProcessCrashes(logger);
    try {
      await w.startServing();
    } catch (err) {
      w.endIsolation();
      throw err;
    }
    logger.info(`worker '${w.id}' of cluster '${cluster}' is up (pid ${process.pid})`);
    return w;
  }

  /** Joins the cluster: first heartbeat, placement view, the admin RPC, then the heartbeat's timer. */
  private async startServing(): Promise<void> {
    const adapters = this.adapters;
    await this.heartbeat.beat();
    await this.refresh();
    await this.startMetrics();
    const metrics = this.observability?.metrics;
    const guard = new RpcGuard(this.cluster, this.secret, this.clock, this.logger);
    this.server = await serveRpc(adapters.transport, `worker.${this.id}`, {
      ps: () => this.runtime.ps(),
      // One process in detail (state size, links, monitors, names), or null when it does not live here.
      inspect: (args: { name: string }) => this.runtime.inspect(String(args?.name)) ?? null,
      stats: () => ({
        worker: this.id,
        node: this.node ?? null,
        ...this.runtime.stats(),
        transport: adapters.transport.stats(),
        placesOn: this.placer.snapshot().map((p) => p.id),
        ...this.stallInfo(),
      }),
      kill: (args: { name: string; reason?: unknown }) => {
        const killed = this.runtime.kill(args.name, args.reason ?? 'killed');
        this.runtime.flushNow();
        return killed;
      },
      // Relocation (design 031): one process of this worker to another worker; every process onto `targets`.
      move: (args: { process: string; to: string }) => this.runtime.moveProcess(args?.process, args?.to),
      evacuate: (args: { targets: string[] }) => this.evacuate(args?.targets),
      // A new module version: switch now rather than when the broadcast event arrives (read-your-writes for load).
      module: (args: { name: string; version: number }) => {
        this.runtime.modules.invalidate(args.name, args.version);
        return true;
      },
      // Whether a process it hosts has finished processWillRun: 'started', 'ended', or 'starting' after timeoutMs.
      started: (args: { name: string; timeoutMs: number }) => firstTurn(this.runtime, args.name, args.timeoutMs),
      drain: () => {
        void this.stop('drained on request');
        return { draining: true };
      },
      // Live data (design 020): rates since the previous `top`, and the last dead letters and exits.
      top: () => ({ ...this.runtime.top(), node: this.node ?? null, pid: process.pid }),
      'dead-letters': (args: unknown) => {
        const { since, limit } = recentArgs(args, `worker '${this.id}' dead-letters`);
        return { letters: this.runtime.recentDeadLetters(since, limit) };
      },
      exits: (args: unknown) => {
        const { since, limit } = recentArgs(args, `worker '${this.id}' exits`);
        return { exits: this.runtime.recentExits(since, limit) };
      },
    }, guard, metrics && ((method, result) => metrics.adminRequest(method, result)));
    this.heartbeat.start();
    this.watch.start();
    // Checked by the loop watch's ticks and by every run of the runtime's loop, whichever comes first after a block.
    this.runtime.holdLease(this.leaseMs, (ms) => this.leaseLost(ms));
  }

  /**
   * Evacuation (design 032): it is leaving, so it first marks itself draining and says so in its member record
   * (placers stop choosing it: its own at once, the other workers' at their next heartbeat), then moves every process
   * onto `targets`. A request the runtime rejects (bad `targets`) leaves it as it was.
   */
  private async evacuate(targets: string[]): Promise<EvacuateOutcome> {
    const was = this.draining;
    if (!was) await this.setDraining(true);
    try {
      return await this.runtime.evacuate(targets);
    } catch (err) {
      if (!was && this.stopping === null) await this.setDraining(false);
      throw err;
    }
  }

  /** Marks itself draining or not, writes its member record at once, and refreshes its own placer. */
  private async setDraining(draining: boolean): Promise<void> {
    this.draining = draining;
    await within(this.heartbeat.beat(), 1000, this.clock);
    await this.refresh();
  }

  /** Serves its metrics when asked to; a listener that fails is logged and the worker runs without one. */
  private async startMetrics(): Promise<void> {
    const labels = { cluster: this.cluster, worker: this.id, ...(this.node !== undefined ? { node: this.node } : {}) };
    try {
      this.observability = await startMetrics(this.metricsAt, { labels, stats: () => this.runtime.stats(), transport: () => this.adapters.transport.stats() }, this.adapters.transport, this.logger);
    } catch (err) {
      this.logger.error(`worker '${this.id}' runs without metrics: ${(err as Error).message}`);
    }
  }

  private place(parentWorker: string): string {
    if (this.placer.size === 0) return this.id;
    try {
      const chosen = this.placer.place(parentWorker);
      if (this.debug) {
        const view = this.placer.snapshot().map((w) => `${w.id}=${loadScore(w.load).toFixed(2)}+${w.placedSinceReport}`);
        this.logger.debug(`placed a child of a process of '${parentWorker}' on '${chosen}' (score+placed: ${view.join(' ')})`);
      }
      return chosen;
    } catch {
      // No eligible worker (all draining or silent): keep the child here rather than fail the spawn.
      return this.id;
    }
  }

  private member(): MemberInfo {
    const m: MemberInfo = {
      id: this.id,
      role: 'worker',
      pid: process.pid,
      startedAt: this.startedAt,
      load: this.runtime.load(),
      meta: { draining: this.draining },
    };
    if (this.node !== undefined) m.node = this.node;
    return m;
  }

  private async refresh(): Promise<void> {
    try {
      const members = await this.adapters.registry.listMembers();
      this.placer.sync(workerLoadsFromMembers(members).filter((w) => !this.lost.has(w.id)));
    } catch {
      // heartbeat() already reports an unreachable registry; keep the last loads.
    }
  }

  private stallInfo(): WorkerStallInfo {
    return { lastStall: this.runtime.lastStall() ?? null, lastBlock: this.lastBlock };
  }

  /** The loop watch saw the event loop blocked for `ms`; a block inside a run of the loop was already named by the runtime. */
  private blocked(ms: number, since: number): void {
    this.lastBlock = { ms, at: this.clock.now() };
    const stall = this.runtime.lastStall();
    if (stall !== undefined && stall.at >= since) return;
    this.logger.warn(
      `worker '${this.id}': its event loop was blocked for at least ${ms} ms outside any process's turn (a callback a process started, garbage collection, or the machine paused the worker)`,
    );
  }

  private leaseLost(ms: number): void {
    this.fence(`its event loop was blocked for ${ms} ms, at least the ${this.leaseMs} ms its member record lives without a heartbeat, so the cluster has (or may have) declared it lost`);
  }

  /** Ends this worker at once because the cluster has (or may have) declared it lost; see {@link WorkerDaemon.fenced}. */
  private fence(why: string): void {
    if (this.fenced !== undefined || this.stopping !== null) return;
    this.fenced = why;
    this.logger.error(
      `worker '${this.id}' fenced itself: ${why}. Its ${this.runtime.stats().processes} processes stop now without running further (their parents are told WORKER_LOST); its node daemon starts a replacement.`,
    );
    this.runtime.halt();
    this.heartbeat.stop();
    this.watch.stop();
    this.stopping = this.leave(`it fenced itself: ${why}`).finally(() => {
      this.endIsolation();
      this.resolveStopped();
    });
  }

  /** Leaves the cluster: no more admin requests, every worker told at once that nothing lives here, connections closed. */
  private async leave(lostBecause: string): Promise<void> {
    await this.server?.close().catch(() => undefined);
    await stopMetrics(this.observability);
    this.adapters.transport.publish(workerLostEvent(this.id, lostBecause));
    await within(this.adapters.registry.removeMember(this.id).catch(() => undefined), 2000, this.clock);
    await this.runtime.close();
    await this.adapters.transport.close().catch(() => undefined);
    await this.adapters.registry.close().catch(() => undefined);
  }

  stop(why = 'stopped'): Promise<void> {
    this.stopping ??= this.shutdown(why).finally(() => {
      this.endIsolation();
      this.resolveStopped();
    });
    return this.stopping;
  }

  private async shutdown(why: string): Promise<void> {
    this.logger.info(`worker '${this.id}' is stopping (${why}): ending its ${processes(this.runtime.stats().processes)}`);
    this.heartbeat.stop();
    this.watch.stop();
    this.draining = true;
    await within(this.heartbeat.beat(), 1000, this.clock);
    this.runtime.exitAll('shutdown');
    if ((await within(this.runtime.whenEmpty().then(() => true), this.stopTimeoutMs, this.clock)) !== true) {
      this.logger.warn(
        `worker '${this.id}': ${processes(this.runtime.stats().processes)} did not finish processWillExit within ${this.stopTimeoutMs} ms; stopping anyway (their parents learn it as WORKER_LOST)`,
      );
    }
    // Tell everyone at once (rather than after the heartbeat expires) that nothing lives here any more.
    await this.leave(`it was stopped: ${why}`);
    this.logger.info(`worker '${this.id}' stopped`);
  }
}

/**
 * Polls this worker's own table (no I/O) until process `name` is idle after `processWillRun` ('started') or has
 * ended ('ended'), for up to `timeoutMs`; then 'starting', or 'unknown' when it was never seen (its spawn may
 * arrive after this request, or it came and went between two looks).
 */
async function firstTurn(runtime: WorkerRuntime, name: string, timeoutMs: number): Promise<'started' | 'ended' | 'starting' | 'unknown'> {
  const deadline = Date.now() + Math.min(Math.max(0, Number(timeoutMs) || 0), 60_000);
  let seen = false;
  for (;;) {
    const status = runtime.processStatus(name);
    if (status === 'exiting' || (status === undefined && seen)) return 'ended';
    // 'running' is processWillRun itself (or a message handler: then this waits until the process idles).
    if (status === 'waiting') return 'started';
    seen ||= status !== undefined;
    if (Date.now() >= deadline) return seen ? 'starting' : 'unknown';
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
