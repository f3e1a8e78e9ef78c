import { HypernodeError, systemClock, type Clock, type Logger } from '@hypernode/core';
import { ClassCatalog, createWorkerRuntime, moduleSealKey, type Subscription, type WorkerLoad, type WorkerRuntime } from '@hypernode/core/runtime';
import { AdminService } from './admin-service';
import { connectAdapters, within, type Adapters } from './adapters';
import { ChildExits, rootRecording } from './child-exits';
import { ClusterMembership } from './cluster-membership';
import { connectionOf, type Connection } from './config';
import type { HttpAddress } from './dashboard/http-address';
import { startDashboard, type Dashboard } from './dashboard/server';
import { connectionSecrets, daemonLogger } from './logger';
import type { MetricsAddress } from './metrics-address';
import { startMetrics, stopMetrics, type DaemonObservability } from './metrics-server';
import { RECONCILE_MS } from './lost-worker-log';
import { defaultStateDir, ModuleCache } from './module-cache';
import { ModuleUploads, type ValidateCode } from './module-uploads';
import { validateInChild, type ValidatorOptions } from './module-validator';
import { ROOT_NAME, ROOT_WORKER } from './root-process';
import { serveRpc } from './rpc';
import { RpcGuard, signerOf } from './rpc-auth';
import { enforceSafeDefault } from './safe-default';
import { plural } from './plural';
import { rebalanceOptions, type RebalanceOptions } from './rebalancer';
import { startRebalancing, type Rebalancing } from './rebalance-loop';

export { ROOT_NAME } from './root-process';
export type { ClusterStatus, NodeSummary, ProcessTree, WorkerStatus } from './admin-service';
export type { ModuleUpload } from './module-uploads';
export type { NodeStatus } from './node-daemon';

/** Options of {@link startCluster}. */
export interface ClusterDaemonOptions extends Partial<Connection> {
  /** Default: lines on stdout/stderr tagged with the cluster name. */
  logger?: Logger;
  /** Paces the heartbeat and the liveness checks, and times their grace period; the runtime's timers use it too. Default `systemClock`. */
  clock?: Clock;
  /** A connected transport and registry to run over (the daemon closes them when it stops). Default: connects to `amqpUrl` and `redisUrl`. */
  adapters?: Adapters;
  /**
   * Limits of the module validator, the short-lived process that checks each uploaded module (its code never runs
   * in the cluster daemon): default 10 s for the module's top level and constructors, a 256 MiB heap.
   */
  moduleValidator?: Pick<ValidatorOptions, 'timeoutMs' | 'startTimeoutMs' | 'maxHeapMb'>;
  /** Serve the web dashboard here (port 0: a free one; see {@link ClusterDaemon.dashboardUrl}). Default: no dashboard. */
  http?: HttpAddress;
  /** Where to serve Prometheus metrics (`GET /metrics`); off when absent. */
  metrics?: MetricsAddress;
  /**
   * Where the daemon keeps the code of every module version it stored (in `<stateDir>/modules`), to store it
   * again when Redis lost its data while the daemon was down (design 029). Default: `HYPERNODE_STATE_DIR`, else
   * `~/.hypernode/state/<cluster>`.
   */
  stateDir?: string;
  /**
   * Run the rebalancer (design 032): on fresh load reports it moves processes from overloaded workers to idle ones
   * (the scheduler's `planRelocations`), at most `maxMovesPerMinute` (default 60) moves a minute. Off unless given;
   * `true` takes the defaults.
   */
  rebalance?: boolean | RebalanceOptions;
  /** Turns the worker loads the rebalancer reads from the registry into the ones it plans on (a test seam, or a custom load signal). Default: unchanged. */
  rebalanceLoads?: (reported: WorkerLoad[]) => WorkerLoad[];
}

/** A running cluster daemon. */
export interface ClusterDaemon {
  readonly cluster: string;
  readonly root: string;
  readonly runtime: WorkerRuntime;
  /** The web dashboard's address (`http://host:port/`) when it was asked for, else null. */
  readonly dashboardUrl: string | null;
  /** Where its metrics are served (the port it got when given port 0); undefined when metrics are off. */
  readonly metricsAddress: MetricsAddress | undefined;
  /** Stops answering and leaves; running processes keep running (the root comes back with the next daemon). */
  stop(): Promise<void>;
  readonly stopped: Promise<void>;
}

/**
 * Starts the cluster daemon: hosts the root process (`root:1`) in a worker runtime with id `root`, answers
 * admin requests (service `admin`: status, nodes, modules, load, spawn, send, call, ps, kill, stats, tree,
 * workers-add, workers-remove, nodes-remove), serves the web dashboard when `http` is given, and watches membership: a worker whose heartbeat stopped
 * without its node daemon announcing it is announced lost (`'its heartbeat stopped'`).
 *
 * Losing it stops no process: the workers treat `root` as resilient, so children of the root keep running,
 * and a restarted daemon takes the root's name back (messages sent to it meanwhile wait in its inbox queue
 * for up to 60 s). Rejects with `INVALID_ARGUMENT` when another cluster daemon already runs for the cluster.
 */
export async function startCluster(options: ClusterDaemonOptions = {}): Promise<ClusterDaemon> {
  const conn = connectionOf(options);
  const logger = options.logger ?? daemonLogger({ role: 'cluster', cluster: conn.cluster }, { secrets: connectionSecrets(conn) });
  enforceSafeDefault('hypernode-cluster', { amqpUrl: conn.amqpUrl, secret: conn.secret, insecure: conn.insecure === true }, logger);
  const adapters = options.adapters ?? (await connectAdapters(conn, logger));
  const moduleKey = conn.secret ? moduleSealKey(conn.secret, conn.cluster) : null;
  const validator = options.moduleValidator ?? {};
  const rebalance = options.rebalance === true ? {} : options.rebalance || undefined;
  const rebalancing = rebalance && { options: rebalanceOptions(rebalance, 'startCluster() option rebalance'), loads: options.rebalanceLoads };
  const cache = new ModuleCache(options.stateDir ?? defaultStateDir(conn.cluster), logger, moduleKey);
  const daemon = new ClusterDaemonImpl(conn.cluster, logger, adapters, options.clock ?? systemClock, conn.maxMessageBytes, conn.secret, moduleKey, (modules) => validateInChild(modules, validator), options.http, options.metrics, cache, rebalancing);
  await daemon.start().catch(async (err: unknown) => {
    await daemon.stop();
    throw err;
  });
  return daemon;
}

/** Wires the cluster daemon's parts: its runtime and root process, membership, module uploads, admin service. */
class ClusterDaemonImpl implements ClusterDaemon {
  readonly root = ROOT_NAME;
  readonly runtime: WorkerRuntime;
  readonly stopped: Promise<void>;
  private resolveStopped!: () => void;
  private readonly catalog = new ClassCatalog();
  private readonly childExits = new ChildExits(() => Date.now());
  private readonly startedAt: number;
  private readonly uploads: ModuleUploads;
  private readonly membership: ClusterMembership;
  private server: Subscription | null = null;
  private dashboard: Dashboard | null = null;
  private stopping: Promise<void> | null = null;
  private rootStarted = false;
  private observability: DaemonObservability | null = null;
  private rebalancing: Rebalancing | null = null;

  constructor(
    readonly cluster: string,
    private readonly logger: Logger,
    private readonly adapters: Adapters,
    private readonly clock: Clock,
    maxMessageBytes: number | undefined,
    private readonly secret: string | null,
    private readonly moduleKey: Buffer | null,
    validate: ValidateCode,
    private readonly http: HttpAddress | undefined,
    private readonly metricsAt: MetricsAddress | undefined,
    private readonly cache: ModuleCache,
    private readonly rebalance: { options: RebalanceOptions; loads: ((reported: WorkerLoad[]) => WorkerLoad[]) | undefined } | undefined,
  ) {
    this.stopped = new Promise((resolve) => (this.resolveStopped = resolve));
    this.startedAt = clock.now();
    // The root records why its children end, for spawn's report of a process that crashed at once.
    this.catalog.add('Root', rootRecording(this.childExits));
    this.runtime = createWorkerRuntime({
      // The cluster daemon runs only the built-in Root: loaded module code never runs in it.
      role: 'control',
      id: ROOT_WORKER,
      cluster,
      maxMessageBytes,
      transport: adapters.transport,
      registry: adapters.registry,
      catalog: this.catalog,
      logger,
      clock,
      // Names only grow across restarts: a name made before a restart is never made again.
      seqStart: Date.now(),
      place: () => this.membership.place(),
      onWorkerLost: (worker) => this.membership.workerLost(worker),
      reconcileEveryMs: RECONCILE_MS,
    });
    this.uploads = new ModuleUploads(adapters.registry, this.catalog, logger, moduleKey, validate, cache);
    this.membership = new ClusterMembership({ cluster, registry: adapters.registry, runtime: this.runtime, modules: this.uploads, logger, clock, startedAt: this.startedAt });
  }

  async start(): Promise<void> {
    const record = await this.membership.takeOver();
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
    await this.uploads.readStored();
    // Redis lost its data while no cluster daemon ran: store the versions kept on disk again (design 029).
    const restored = await this.uploads.restore();
    if (restored > 0) {
      this.logger.warn(
        `the registry of cluster '${this.cluster}' lacked ${plural(restored, 'module version')} kept in the state directory '${this.cache.dir}' (Redis lost its data while no cluster daemon ran?); stored them again with their numbers`,
      );
      this.runtime.announceRegistryRestored();
    }
    await this.membership.markRegistry();
    this.runtime.spawnRoot('Root', {}, ROOT_NAME);
    this.rootStarted = true;
    await this.membership.heartbeat.beat();
    await this.membership.check();
    await this.membership.writeRecord();
    // Requests to the node and worker daemons are signed with the admin role's key (design 024).
    const signer = signerOf(this.cluster, this.secret, this.clock, `cluster daemon pid ${process.pid}`);
    if (this.rebalance) {
      const { adapters, membership, logger, clock } = this;
      this.rebalancing = startRebalancing({ adapters, membership, signer, logger, clock, options: this.rebalance.options, ...(this.rebalance.loads ? { loads: this.rebalance.loads } : {}) });
    }
    const rebalancing = this.rebalancing;
    const admin = new AdminService({
      cluster: this.cluster,
      runtime: this.runtime,
      adapters: this.adapters,
      catalog: this.catalog,
      membership: this.membership,
      uploads: this.uploads,
      logger: this.logger,
      clock: this.clock,
      startedAt: this.startedAt,
      childExits: this.childExits,
      signer,
      moduleKey: this.moduleKey,
      ...(rebalancing ? { rebalancer: () => rebalancing.status() } : {}),
    });
    this.observability = await startMetrics(
      this.metricsAt,
      { labels: { cluster: this.cluster, worker: ROOT_WORKER }, stats: () => this.runtime.stats(), transport: () => this.adapters.transport.stats() },
      this.adapters.transport,
      this.logger,
    );
    const metrics = this.observability?.metrics;
    const guard = new RpcGuard(this.cluster, this.secret, this.clock, this.logger);
    this.server = await serveRpc(this.adapters.transport, 'admin', admin.handlers(), guard, metrics && ((method, result) => metrics.adminRequest(method, result)));
    this.membership.heartbeat.start();
    if (this.http) {
      const secret = this.secret;
      this.dashboard = await startDashboard({
        address: this.http,
        secret,
        cluster: this.cluster,
        handlers: admin.handlers(),
        childExits: this.childExits,
        registry: this.adapters.registry,
        now: () => this.clock.now(),
        logger: this.logger,
      });
      this.logger.info(`web dashboard of cluster '${this.cluster}' at ${this.dashboard.url} (${secret === null ? 'open to whoever reaches it: no cluster secret' : 'asks for the cluster secret or a role secret'})`);
    }
    this.logger.info(
      `cluster daemon of cluster '${this.cluster}' is up (pid ${process.pid}): root process '${ROOT_NAME}', ${plural(this.membership.liveWorkers().length, 'worker')}${record ? `; took the role back from pid ${record.pid}` : ''}`,
    );
  }

  get metricsAddress(): MetricsAddress | undefined {
    return this.observability?.server.address;
  }

  stop(): Promise<void> {
    this.stopping ??= this.shutdown().finally(() => this.resolveStopped());
    return this.stopping;
  }

  get dashboardUrl(): string | null {
    return this.dashboard?.url ?? null;
  }

  private async shutdown(): Promise<void> {
    this.rebalancing?.stop();
    await this.dashboard?.close().catch(() => undefined);
    this.membership.heartbeat.stop();
    await this.server?.close().catch(() => undefined);
    await stopMetrics(this.observability);
    // The root is not ended: its children keep running and the next cluster daemon takes the root back.
    if (this.rootStarted) await within(this.adapters.registry.removeMember(ROOT_WORKER).catch(() => undefined), 2000, this.clock);
    await this.runtime.close();
    await this.adapters.transport.close().catch(() => undefined);
    await this.adapters.registry.close().catch(() => undefined);
    if (this.rootStarted) this.logger.info(`cluster daemon of cluster '${this.cluster}' stopped; running processes keep running`);
  }
}
