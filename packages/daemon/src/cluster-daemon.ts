import { HypernodeError, systemClock, type Clock, type Logger } from '@hypernode/core';
import { ClassCatalog, createWorkerRuntime, type Subscription, type WorkerRuntime } from '@hypernode/core/runtime';
import { AdminService } from './admin-service';
import { connectAdapters, within, type Adapters } from './adapters';
import { ChildExits, rootRecording } from './child-exits';
import { ClusterMembership } from './cluster-membership';
import { connectionOf, type Connection } from './config';
import { daemonLogger, secretsOf } from './logger';
import type { MetricsAddress } from './metrics-address';
import { startMetrics, stopMetrics, type DaemonObservability } from './metrics-server';
import { ModuleUploads } from './module-uploads';
import { ROOT_NAME, ROOT_WORKER } from './root-process';
import { serveRpc } from './rpc';
import { plural } from './plural';

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
  /** Where to serve Prometheus metrics (`GET /metrics`); off when absent. */
  metrics?: MetricsAddress;
}

/** A running cluster daemon. */
export interface ClusterDaemon {
  readonly cluster: string;
  readonly root: string;
  readonly runtime: WorkerRuntime;
  /** Where its metrics are served (the port it got when given port 0); undefined when metrics are off. */
  readonly metricsAddress: MetricsAddress | undefined;
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
  const conn = connectionOf(options);
  const logger = options.logger ?? daemonLogger({ role: 'cluster', cluster: conn.cluster }, { secrets: secretsOf([conn.amqpUrl, conn.redisUrl]) });
  const adapters = options.adapters ?? (await connectAdapters(conn, logger));
  const daemon = new ClusterDaemonImpl(conn.cluster, logger, adapters, options.clock ?? systemClock, conn.maxMessageBytes, options.metrics);
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
  private stopping: Promise<void> | null = null;
  private rootStarted = false;
  private observability: DaemonObservability | null = null;

  constructor(
    readonly cluster: string,
    private readonly logger: Logger,
    private readonly adapters: Adapters,
    private readonly clock: Clock,
    maxMessageBytes: number | undefined,
    private readonly metricsAt: MetricsAddress | undefined,
  ) {
    this.stopped = new Promise((resolve) => (this.resolveStopped = resolve));
    this.startedAt = clock.now();
    // The root records why its children end, for spawn's report of a process that crashed at once.
    this.catalog.add('Root', rootRecording(this.childExits));
    this.runtime = createWorkerRuntime({
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
    });
    this.uploads = new ModuleUploads(adapters.registry, this.catalog, logger);
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
    await this.membership.markRegistry();
    this.runtime.spawnRoot('Root', {}, ROOT_NAME);
    this.rootStarted = true;
    await this.membership.heartbeat.beat();
    await this.membership.check();
    await this.membership.writeRecord();
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
    });
    this.observability = await startMetrics(
      this.metricsAt,
      { labels: { cluster: this.cluster, worker: ROOT_WORKER }, stats: () => this.runtime.stats(), transport: () => this.adapters.transport.stats() },
      this.adapters.transport,
      this.logger,
    );
    const metrics = this.observability?.metrics;
    this.server = await serveRpc(this.adapters.transport, 'admin', admin.handlers(), metrics && ((method, result) => metrics.adminRequest(method, result)));
    this.membership.heartbeat.start();
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

  private async shutdown(): Promise<void> {
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
