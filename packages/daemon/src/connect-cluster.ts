import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { resolve as resolvePath } from 'node:path';
import {
  HypernodeError,
  silentLogger,
  systemClock,
  type Cluster,
  type LoadedModule,
  type LoadOptions,
  type Logger,
  type ModuleRef,
  type ProcessClass,
  type DeadLetterRecord,
  type ExitRecord,
  type ProcessInfo,
  type RecentOptions,
  type SpawnArgs,
  type SpawnedName,
  type TopSnapshot,
  type WorkerStats,
  type ProcessSpawnOptions,
} from '@hypernode/core';
import { bundleModuleFile, checkMaxMailbox, ClusterBase, createWorkerRuntime, formatBytes, maxMessageBytesOf, moduleApi, type WorkerRuntime } from '@hypernode/core/runtime';
import { connectAdapters, type Adapters } from './adapters';
import type { Connection } from './config';
import { resolveConnection, type SettingLabels } from './settings';
import type { ClusterStatus, ModuleUpload, NodeSummary, ProcessTree } from './cluster-daemon';
import { ROOT_NAME } from './cluster-daemon';
import type { MoveOutcome } from './move-outcome';
import type { NodeRemoval, WorkerRemoval } from './relocation-admin';
import { RemoteError, callRpc } from './rpc';
import { signerOf, type RpcSigner } from './rpc-auth';

/** Options of {@link connectCluster}. Each falls back to its environment variable, then its default. */
export interface ConnectClusterOptions {
  /** RabbitMQ URL; env `HYPERNODE_AMQP_URL`, default `amqp://guest:guest@127.0.0.1:5672`. */
  amqp?: string;
  /** Redis URL; env `HYPERNODE_REDIS_URL`, default `redis://127.0.0.1:6379`. */
  redis?: string;
  /** Cluster name; env `HYPERNODE_CLUSTER`, default `default`. */
  cluster?: string;
  /** How long an admin request waits for the cluster daemon. Default 10 000 ms. */
  timeoutMs?: number;
  /** How long connecting to RabbitMQ and to Redis may take, each; env `HYPERNODE_CONNECT_TIMEOUT_MS`, default 10 000 ms. */
  connectTimeoutMs?: number;
  /** Where the client reports reconnections. Default: silent. */
  logger?: Logger;
  /**
   * The largest message `send` and `call` send to a worker, in bytes (default 64 MiB); a larger one throws
   * `MESSAGE_TOO_LARGE`. Set it as the cluster's daemons have it (`--max-message-bytes`). `load` refuses an upload
   * over it, or over 128 MiB (RabbitMQ 3.x's default `max_message_size`) when it is not given, with the sizes,
   * instead of sending it (the broker would close the channel). RabbitMQ 4 lowered its default to 16 MiB: pass
   * 16777216 there.
   */
  maxMessageBytes?: number;
  /**
   * The cluster secret, or a role secret (`hypernode-cli secret role read`), that signs admin requests; wins over
   * `secretFile` and `HYPERNODE_SECRET`. Needed when the cluster's daemons have a secret (docs/security.md).
   */
  secret?: string;
  /** A file holding the secret; wins over `HYPERNODE_SECRET`. */
  secretFile?: string;
  /** Path of the CA certificate (PEM) for an `amqps://` or `rediss://` URL; env `HYPERNODE_TLS_CA`. Default: Node's trusted CAs. */
  tlsCa?: string;
  /** Path of a client certificate (PEM) for servers that ask for one; env `HYPERNODE_TLS_CERT`. Needs `tlsKey`. */
  tlsCert?: string;
  /** Path of the client certificate's private key (PEM); env `HYPERNODE_TLS_KEY`. */
  tlsKey?: string;
}

/** Where a spawned process should run, and its mailbox bound (`maxMailbox`, see core's `ProcessSpawnOptions`). */
export interface SpawnOptions extends ProcessSpawnOptions {
  /** A live worker's id: the process starts there instead of where the scheduler would put it. */
  worker?: string;
}

/**
 * A client of a distributed cluster: the same surface as core's {@link Cluster} (so code written against an
 * embedded cluster runs against a real one), plus operator commands. Admin commands go to the cluster
 * daemon (service `admin`); `send`, `call` and inboxes go straight to the workers, so they keep working while
 * the cluster daemon restarts.
 */
export interface ClusterClient extends Cluster {
  /** Spawns a child of the root process, where the scheduler places it (see {@link Cluster.spawn}). */
  spawn<M extends ModuleRef>(module: M, ...initialState: SpawnArgs<M>): Promise<SpawnedName<M>>;
  /** Spawns a child of the root process on `options.worker` when given (state `undefined` for the default `{}`). */
  spawn<M extends ModuleRef>(module: M, initialState: SpawnArgs<M>[0], options: SpawnOptions): Promise<SpawnedName<M>>;
  /** Members, per-worker load and counters. */
  status(): Promise<ClusterStatus>;
  /** Node daemons and their workers. */
  nodes(): Promise<NodeSummary[]>;
  /** Asks node daemon `node` to fork `n` more workers; resolves with their ids once they are up. */
  addWorkers(node: string, n: number): Promise<string[]>;
  /**
   * Stops a worker for good (its node daemon does not replace it): first its processes move to the other workers
   * that are not draining; those that refuse or cannot move end with `'shutdown'`. Resolves with the counts once it
   * has stopped (`removed: false` when its node daemon no longer knew it).
   */
  removeWorker(id: string): Promise<WorkerRemoval>;
  /**
   * Drains a node daemon: its workers' processes move to the other nodes' workers (those that refuse or cannot move
   * end with `'shutdown'`), then its workers stop and it exits. Resolves with the counts once the node was asked to
   * drain, not once it has left.
   */
  removeNode(node: string): Promise<NodeRemoval>;
  /**
   * Moves a live process (its name or a registered name) to worker `options.to`, or to the least-loaded other
   * worker: its state, mailbox, links, monitors, names and timers go with it and its name keeps working. Resolves with
   * the outcome (`moved: false` with a reason and a message when it refused, cannot move, or does not exist); rejects
   * with `INVALID_ARGUMENT` for an unknown, draining or same target worker.
   */
  move(name: string, options?: { to?: string }): Promise<MoveOutcome>;
  /** The process tree under the root. */
  tree(): Promise<ProcessTree>;
}

const OPTION_LABELS: SettingLabels = {
  cluster: "connectCluster's option cluster",
  amqpUrl: "connectCluster's option amqp",
  redisUrl: "connectCluster's option redis",
  connectTimeoutMs: "connectCluster's option connectTimeoutMs",
  tls: { ca: "connectCluster's option tlsCa", cert: "connectCluster's option tlsCert", key: "connectCluster's option tlsKey" },
};

/**
 * Connects to the cluster `options.cluster` over RabbitMQ and Redis. Rejects with `INVALID_OPTIONS` for an empty
 * or invalid option or environment variable (naming it; an unreadable TLS file names the file), and with `TRANSPORT_DOWN` or `REGISTRY_DOWN` (naming the
 * URL, never a password) when either cannot be reached within `connectTimeoutMs` or its TLS handshake fails. It does not wait for a cluster
 * daemon: a command that needs one and finds none rejects with `REQUEST_TIMEOUT` saying so.
 */
export async function connectCluster(options: ConnectClusterOptions = {}): Promise<ClusterClient> {
  if (options.maxMessageBytes !== undefined) maxMessageBytesOf(options.maxMessageBytes, 'connectCluster()'); // before connecting
  const env = options.secret !== undefined ? { ...process.env, HYPERNODE_SECRET: options.secret } : process.env;
  let conn: Connection;
  try {
    conn = resolveConnection(
      { cluster: options.cluster, amqpUrl: options.amqp, redisUrl: options.redis, connectTimeoutMs: options.connectTimeoutMs, secretFile: options.secret !== undefined ? undefined : options.secretFile, tlsCa: options.tlsCa, tlsCert: options.tlsCert, tlsKey: options.tlsKey },
      env,
      OPTION_LABELS,
    );
  } catch (err) {
    // The secret came from the option, not the variable: say so.
    if (options.secret !== undefined && HypernodeError.is(err, 'BAD_SECRET')) throw new HypernodeError('BAD_SECRET', err.message.replace('HYPERNODE_SECRET', "connectCluster's option secret"));
    throw err;
  }
  const signer = signerOf(conn.cluster, conn.secret, systemClock, `client pid ${process.pid} on ${hostname()}`);
  if (options.maxMessageBytes !== undefined) conn.maxMessageBytes = options.maxMessageBytes;
  const cluster = conn.cluster;
  const logger = options.logger ?? silentLogger;
  const adapters = await connectAdapters(conn, logger);
  const client = new RemoteCluster(cluster, adapters, logger, options.timeoutMs ?? 10_000, options.maxMessageBytes, signer);
  try {
    await client.runtime.start();
  } catch (err) {
    await client.stop();
    throw err;
  }
  return client;
}

/** RabbitMQ 3.x's default `max_message_size`: what `load` checks an upload against when no limit is given. */
const BROKER_MAX_MESSAGE_BYTES = 128 * 1024 * 1024;

/** A client of a distributed cluster (see {@link connectCluster}): admin commands through the cluster daemon. */
class RemoteCluster extends ClusterBase implements ClusterClient {
  readonly root = ROOT_NAME;
  /** The client's own runtime: it hosts inboxes (never processes) and sends on behalf of the outside. */
  readonly runtime: WorkerRuntime;

  constructor(
    name: string,
    private readonly adapters: Adapters,
    logger: Logger,
    private readonly timeoutMs: number,
    private readonly maxMessageBytes: number | undefined,
    private readonly signer: RpcSigner | null,
  ) {
    const id = `client-${randomUUID().slice(0, 8)}`;
    super(name, {
      outsideName: `${id}:outside`,
      clock: systemClock,
      stoppedMessage: `This client of cluster '${name}' is stopped; connect again with connectCluster().`,
    });
    this.runtime = createWorkerRuntime({
      role: 'client',
      id,
      cluster: name,
      transport: adapters.transport,
      registry: adapters.registry,
      logger,
      maxMessageBytes: maxMessageBytes,
    });
  }

  private async admin<T>(op: string, args: unknown = null, timeoutMs = this.timeoutMs): Promise<T> {
    this.live();
    try {
      return await callRpc<T>(this.adapters.transport, 'admin', op, args, timeoutMs, this.signer);
    } catch (err) {
      // A timeout the daemon itself met (a node not answering it) is passed on as it is.
      if (HypernodeError.is(err, 'REQUEST_TIMEOUT') && !(err instanceof RemoteError)) {
        throw new HypernodeError(
          'REQUEST_TIMEOUT',
          `No cluster daemon answers for cluster '${this.name}' (no reply to '${op}' within ${timeoutMs} ms); start one with 'hypernode-cluster --cluster ${this.name}'.`,
          { cause: err },
        );
      }
      throw err;
    }
  }

  async load(source: string | ProcessClass, options: LoadOptions = {}): Promise<LoadedModule[]> {
    this.live();
    if (typeof source !== 'string' || source.length === 0) {
      const what = typeof source === 'function' ? `the class '${source.name}'` : typeof source;
      throw new HypernodeError(
        'INVALID_ARGUMENT',
        `A connected cluster loads modules from source files, since workers run in other processes; got ${what}. Pass the path of the file that defines the module.`,
      );
    }
    const bundled = await bundleModuleFile(resolvePath(source), moduleApi);
    const uploads: ModuleUpload[] = bundled.map((m) => ({ name: m.name, code: m.code, hash: m.hash, origin: m.origin }));
    // The code travels once, as a string (msgpack adds a few bytes per field): its size is the upload's.
    const bytes = uploads.reduce((n, m) => n + Buffer.byteLength(m.code) + Buffer.byteLength(m.origin ?? '') + m.name.length + m.hash.length + 64, 64);
    const limit = this.maxMessageBytes ?? BROKER_MAX_MESSAGE_BYTES;
    if (bytes > limit) {
      throw new HypernodeError(
        'MODULE_LOAD_FAILED',
        `Cannot load '${source}': its bundled code (${uploads.map((m) => m.name).join(', ')}) makes an upload of ${formatBytes(bytes)}, over the message limit of ${formatBytes(limit)} (RabbitMQ's max_message_size), so nothing was sent; keep large data out of the module's code (read it at run time), or raise max_message_size in rabbitmq.conf and connectCluster's maxMessageBytes.`,
        { details: { bytes, limit } },
      );
    }
    return this.admin<LoadedModule[]>('load', { modules: uploads, replace: options.replace === true }, Math.max(this.timeoutMs, 30_000));
  }

  spawn<M extends ModuleRef>(module: M, ...initialState: SpawnArgs<M>): Promise<SpawnedName<M>>;
  spawn<M extends ModuleRef>(module: M, initialState: SpawnArgs<M>[0], options: SpawnOptions): Promise<SpawnedName<M>>;
  async spawn(module: ModuleRef, initialState?: unknown, options: SpawnOptions = {}): Promise<string> {
    const args: { module: string; state?: unknown; worker?: string; maxMailbox?: number } = { module: this.spawnedModuleName(module) };
    if (initialState !== undefined) args.state = initialState;
    if (options.worker !== undefined) args.worker = options.worker;
    if (options.maxMailbox !== undefined) args.maxMailbox = checkMaxMailbox(options.maxMailbox, `The spawn option maxMailbox of '${args.module}'`);
    return this.admin<string>('spawn', args);
  }

  ps(): Promise<ProcessInfo[]> {
    return this.admin('ps');
  }

  kill(name: string, reason: unknown = 'killed'): Promise<boolean> {
    return this.admin('kill', { name, reason });
  }

  modules(): Promise<LoadedModule[]> {
    return this.admin('modules');
  }

  stats(): Promise<(WorkerStats & { worker: string })[]> {
    return this.admin('stats');
  }

  status(): Promise<ClusterStatus> {
    return this.admin('status');
  }

  nodes(): Promise<NodeSummary[]> {
    return this.admin('nodes');
  }

  addWorkers(node: string, n: number): Promise<string[]> {
    return this.admin('workers-add', { node, n }, Math.max(this.timeoutMs, 60_000));
  }

  removeWorker(id: string): Promise<WorkerRemoval> {
    // Its evacuation may take up to two minutes, then its stop up to 30 s.
    return this.admin('workers-remove', { id }, Math.max(this.timeoutMs, 160_000));
  }

  removeNode(node: string): Promise<NodeRemoval> {
    return this.admin('nodes-remove', { node }, Math.max(this.timeoutMs, 130_000));
  }

  override move(name: string, options: { to?: string } = {}): Promise<MoveOutcome> {
    const args: { process: string; to?: string } = { process: name };
    if (options.to !== undefined) args.to = options.to;
    return this.admin('move', args, Math.max(this.timeoutMs, 40_000));
  }

  tree(): Promise<ProcessTree> {
    return this.admin('tree');
  }

  top(): Promise<TopSnapshot> {
    return this.admin('top', {});
  }

  async deadLetters(options: RecentOptions = {}): Promise<DeadLetterRecord[]> {
    return (await this.admin<{ letters: DeadLetterRecord[] }>('dead-letters', recentRequest(options))).letters;
  }

  async exits(options: RecentOptions = {}): Promise<ExitRecord[]> {
    return (await this.admin<{ exits: ExitRecord[] }>('exits', recentRequest(options))).exits;
  }

  /** Closes the client's runtime, then its transport and registry connections. */
  protected async release(): Promise<void> {
    await this.runtime.close();
    await this.adapters.transport.close().catch(() => undefined);
    await this.adapters.registry.close().catch(() => undefined);
  }
}

/** The arguments of a `dead-letters` or `exits` request: the options given, nothing else. */
function recentRequest(options: RecentOptions): RecentOptions {
  const args: RecentOptions = {};
  if (options.since !== undefined) args.since = options.since;
  if (options.limit !== undefined) args.limit = options.limit;
  return args;
}
