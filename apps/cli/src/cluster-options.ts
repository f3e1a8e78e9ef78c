import type { Argv } from 'yargs';
import {
  connectCluster,
  DEFAULT_AMQP_URL,
  DEFAULT_CLUSTER,
  DEFAULT_CONNECT_TIMEOUT_MS,
  DEFAULT_REDIS_URL,
  describeCluster,
  maskUrl,
  resolveConnection,
  type ClusterClient,
  type ResolvedConnection,
} from '@hypernode/daemon';
import { MAX_MAX_MESSAGE_BYTES, MIN_MAX_MESSAGE_BYTES } from '@hypernode/core/runtime';
import { CliError } from './cli-error';
import { cliLogger } from './cli-logger';

/** The options every command that talks to a running cluster takes, as parsed. */
export interface ClusterOptions {
  cluster?: string;
  /** `--amqp-url`, or its alias `--amqp`. */
  amqpUrl?: string;
  /** `--redis-url`, or its alias `--redis`. */
  redisUrl?: string;
  connectTimeout?: number;
  /** `--tls-ca`, `--tls-cert`, `--tls-key`: PEM files for amqps:// and rediss:// URLs. */
  tlsCa?: string;
  tlsCert?: string;
  tlsKey?: string;
  /** `--max-message-bytes`: the largest message to a worker, and the largest module upload. */
  maxMessageBytes?: number;
  /** `--secret-file`: a file holding the cluster secret or a role secret (else `HYPERNODE_SECRET`). */
  secretFile?: string;
  timeout?: number;
  json?: boolean;
  progress?: boolean;
  verbose?: boolean;
}

type Env = Record<string, string | undefined>;

const now = (value: string | undefined): string => (value === undefined ? '' : ` (now: ${value})`);

/**
 * Declares `--cluster`, `--amqp-url` (alias `--amqp`), `--redis-url` (alias `--redis`), `--connect-timeout`, `--tls-ca`,
 * `--tls-cert`, `--tls-key`,
 * `--timeout`, `--json` and `--progress` on a command: the same spelling as the daemons'. The URLs have no yargs
 * default: their help shows the value in force (flag, environment or default) with the password masked, so a
 * password never appears in `--help`.
 */
export function clusterOptions<T>(yargs: Argv<T>, timeoutHelp = 'How long to wait for the cluster daemon, in ms (default 10000)', env: Env = process.env): Argv<T & ClusterOptions> {
  return yargs
    .option('cluster', {
      type: 'string',
      requiresArg: true,
      describe: `Cluster name (letters, digits, '_', '-'); env HYPERNODE_CLUSTER (now: ${env.HYPERNODE_CLUSTER ?? DEFAULT_CLUSTER})`,
    })
    .option('amqp-url', {
      alias: 'amqp',
      type: 'string',
      requiresArg: true,
      describe: `RabbitMQ URL; env HYPERNODE_AMQP_URL (now: ${maskUrl(env.HYPERNODE_AMQP_URL ?? DEFAULT_AMQP_URL)})`,
    })
    .option('redis-url', {
      alias: 'redis',
      type: 'string',
      requiresArg: true,
      describe: `Redis URL; env HYPERNODE_REDIS_URL (now: ${maskUrl(env.HYPERNODE_REDIS_URL ?? DEFAULT_REDIS_URL)})`,
    })
    .option('connect-timeout', {
      type: 'number',
      requiresArg: true,
      describe: `How long connecting to RabbitMQ or Redis may take, in ms; env HYPERNODE_CONNECT_TIMEOUT_MS (now: ${env.HYPERNODE_CONNECT_TIMEOUT_MS ?? DEFAULT_CONNECT_TIMEOUT_MS})`,
    })
    .option('tls-ca', {
      type: 'string',
      requiresArg: true,
      describe: `CA certificate (PEM file) for amqps:// and rediss:// URLs; env HYPERNODE_TLS_CA${now(env.HYPERNODE_TLS_CA)}`,
    })
    .option('tls-cert', {
      type: 'string',
      requiresArg: true,
      describe: `Client certificate (PEM file), for servers that ask for one; env HYPERNODE_TLS_CERT${now(env.HYPERNODE_TLS_CERT)}`,
    })
    .option('tls-key', {
      type: 'string',
      requiresArg: true,
      describe: `The client certificate's private key (PEM file); env HYPERNODE_TLS_KEY${now(env.HYPERNODE_TLS_KEY)}`,
    })
    .option('max-message-bytes', {
      type: 'number',
      requiresArg: true,
      describe: `The largest message sent to a worker and the largest module upload, in bytes; set it as the daemons have it, and at most RabbitMQ's max_message_size (16 MiB by default in RabbitMQ 4); env HYPERNODE_MAX_MESSAGE_BYTES (now: ${env.HYPERNODE_MAX_MESSAGE_BYTES ?? '64 MiB for messages, 128 MiB for uploads'})`,
    })
    .option('secret-file', {
      type: 'string',
      requiresArg: true,
      describe: `A file holding the cluster secret, or a role secret (hypernode-cli secret role), to sign admin requests; env HYPERNODE_SECRET (now: ${env.HYPERNODE_SECRET ? 'set' : 'not set'})`,
    })
    .option('timeout', { type: 'number', requiresArg: true, describe: timeoutHelp })
    .option('json', { type: 'boolean', describe: 'Print the result as JSON' })
    .option('progress', { type: 'boolean', describe: 'Report progress on stderr even when it is not a terminal' })
    .group(['cluster', 'amqp-url', 'redis-url', 'connect-timeout', 'tls-ca', 'tls-cert', 'tls-key', 'max-message-bytes', 'secret-file', 'timeout', 'json', 'progress', 'verbose'], 'Cluster options:')
    .epilogue(
      "Prefer the environment variables for URLs with passwords: command lines are visible to other users (ps). Unless --cluster names it, the cluster in use is printed on stderr.",
    ) as unknown as Argv<T & ClusterOptions>;
}

/**
 * The connection settings in force: flags, else `HYPERNODE_*` variables, else the defaults. Throws
 * `INVALID_OPTIONS` for an empty or invalid one (a URL, the cluster name, the connect timeout), naming it.
 */
export function connectionSettings(options: ClusterOptions, env: Env = process.env): ResolvedConnection {
  const timeout = once('--connect-timeout', options.connectTimeout);
  return resolveConnection(
    {
      cluster: once('--cluster', options.cluster),
      amqpUrl: once('--amqp-url', options.amqpUrl),
      redisUrl: once('--redis-url', options.redisUrl),
      // yargs makes a number of what it can; anything else (NaN) is shown as given.
      connectTimeoutMs: timeout === undefined ? undefined : String(timeout),
      secretFile: once('--secret-file', options.secretFile),
      tlsCa: once('--tls-ca', options.tlsCa),
      tlsCert: once('--tls-cert', options.tlsCert),
      tlsKey: once('--tls-key', options.tlsKey),
    },
    env,
  );
}

/**
 * `--max-message-bytes`, else `HYPERNODE_MAX_MESSAGE_BYTES`, else undefined (the client's defaults). Throws a
 * `CliError` naming the flag or variable for a value that is not a whole number of bytes from 1024 to 512 MiB.
 */
export function maxMessageBytes(options: ClusterOptions, env: Env = process.env): number | undefined {
  const flag = once('--max-message-bytes', options.maxMessageBytes);
  const raw: string | number | undefined = flag ?? env.HYPERNODE_MAX_MESSAGE_BYTES;
  if (raw === undefined) return undefined;
  const value = typeof raw === 'number' ? raw : raw.trim() === '' ? NaN : Number(raw);
  if (!Number.isInteger(value) || value < MIN_MAX_MESSAGE_BYTES || value > MAX_MAX_MESSAGE_BYTES) {
    const name = flag !== undefined ? '--max-message-bytes' : 'HYPERNODE_MAX_MESSAGE_BYTES';
    throw new CliError(`${name} '${String(raw)}' is not valid; give a whole number of bytes from ${MIN_MAX_MESSAGE_BYTES} to ${MAX_MAX_MESSAGE_BYTES} (512 MiB), at most RabbitMQ's max_message_size.`);
  }
  return value;
}

/** The cluster name in force: `--cluster`, else `HYPERNODE_CLUSTER`, else `default` (checked, see {@link connectionSettings}). */
export function clusterName(options: ClusterOptions, env: Env = process.env): string {
  return connectionSettings(options, env).cluster;
}

/** Checks `--timeout`: a positive number of milliseconds, or `fallback` when not given. */
export function timeoutMs(options: ClusterOptions, fallback: number): number {
  const value = once('--timeout', options.timeout);
  if (value === undefined) return fallback;
  if (!Number.isFinite(value) || value <= 0 || value > 2 ** 31 - 1) {
    throw new CliError(`--timeout must be a positive number of milliseconds; got ${String(value)}.`);
  }
  return value;
}

/** The value of a flag that may be given once (yargs makes an array of a repeated flag). */
export function once<T>(flag: string, value: T | T[]): T {
  if (!Array.isArray(value)) return value;
  throw new CliError(`${flag} was given ${value.length} times (${value.map((v) => String(v)).join(', ')}); give it once.`);
}

/**
 * Connects to the cluster the options name, runs `use` with the client, and disconnects whatever happens.
 * Which cluster is used is always said: on stderr (`notice`) when it did not come from `--cluster`, and in the
 * error when the command fails (added when the error does not name it). A broker or Redis that cannot be
 * reached rejects with the client's `TRANSPORT_DOWN`/`REGISTRY_DOWN` error (URL named, password masked, the
 * fix); no cluster daemon answering, with `REQUEST_TIMEOUT`.
 */
export async function withCluster<T>(
  options: ClusterOptions,
  adminTimeoutMs: number,
  use: (client: ClusterClient, cluster: string) => Promise<T>,
  notice: (line: string) => void = (line) => console.error(line),
): Promise<T> {
  const conn = connectionSettings(options);
  const maxBytes = maxMessageBytes(options);
  const { cluster } = conn;
  try {
    const client = await connectCluster({
      cluster,
      amqp: conn.amqpUrl,
      redis: conn.redisUrl,
      connectTimeoutMs: conn.connectTimeoutMs,
      ...(conn.tls?.ca !== undefined ? { tlsCa: conn.tls.ca } : {}),
      ...(conn.tls?.cert !== undefined ? { tlsCert: conn.tls.cert, tlsKey: conn.tls.key! } : {}),
      timeoutMs: adminTimeoutMs,
      ...(conn.secret !== null ? { secret: conn.secret } : {}),
      logger: cliLogger(options.verbose, { cluster }, [conn.amqpUrl, conn.redisUrl]),
      ...(maxBytes !== undefined ? { maxMessageBytes: maxBytes } : {}),
    });
    try {
      const result = await use(client, cluster);
      if (conn.clusterFrom !== 'flag') notice(`hypernode-cli: ${describeCluster(conn)}`);
      return result;
    } finally {
      await client.stop().catch(() => undefined);
    }
  } catch (err) {
    throw namingCluster(err, conn);
  }
}

/** `err` with the cluster in use added to its message, unless it names it already (and it was chosen on purpose). */
function namingCluster(err: unknown, conn: ResolvedConnection): unknown {
  if (!(err instanceof Error)) return err;
  if (err.message.includes(`cluster '${conn.cluster}'`) && conn.clusterFrom !== 'default') return err;
  err.message = `${err.message.replace(/\s+$/, '')} [${describeCluster(conn)}]`;
  return err;
}
