import type { Argv } from 'yargs';
import { connectCluster, DEFAULT_AMQP_URL, DEFAULT_CLUSTER, DEFAULT_REDIS_URL, maskUrl, type ClusterClient } from '@hypernode/daemon';
import { CliError } from './cli-error';

/** The options every command that talks to a running cluster takes, as parsed. */
export interface ClusterOptions {
  cluster?: string;
  amqp?: string;
  redis?: string;
  timeout?: number;
  json?: boolean;
  progress?: boolean;
  verbose?: boolean;
}

type Env = Record<string, string | undefined>;

/**
 * Declares `--cluster`, `--amqp`, `--redis`, `--timeout`, `--json` and `--progress` on a command. The URLs
 * have no yargs default: their help shows the value in force (flag, environment or default) with the
 * password masked, so a password never appears in `--help`.
 */
export function clusterOptions<T>(yargs: Argv<T>, timeoutHelp = 'How long to wait for the cluster daemon, in ms (default 10000)', env: Env = process.env): Argv<T & ClusterOptions> {
  return yargs
    .option('cluster', {
      type: 'string',
      requiresArg: true,
      describe: `Cluster name; env HYPERNODE_CLUSTER (now: ${env.HYPERNODE_CLUSTER || DEFAULT_CLUSTER})`,
    })
    .option('amqp', {
      type: 'string',
      requiresArg: true,
      describe: `RabbitMQ URL; env HYPERNODE_AMQP_URL (now: ${maskUrl(env.HYPERNODE_AMQP_URL || DEFAULT_AMQP_URL)})`,
    })
    .option('redis', {
      type: 'string',
      requiresArg: true,
      describe: `Redis URL; env HYPERNODE_REDIS_URL (now: ${maskUrl(env.HYPERNODE_REDIS_URL || DEFAULT_REDIS_URL)})`,
    })
    .option('timeout', { type: 'number', requiresArg: true, describe: timeoutHelp })
    .option('json', { type: 'boolean', describe: 'Print the result as JSON' })
    .option('progress', { type: 'boolean', describe: 'Report progress on stderr even when it is not a terminal' })
    .group(['cluster', 'amqp', 'redis', 'timeout', 'json', 'progress', 'verbose'], 'Cluster options:')
    .epilogue('Prefer the environment variables for URLs with passwords: command lines are visible to other users (ps).') as unknown as Argv<
    T & ClusterOptions
  >;
}

/** The cluster name in force: `--cluster`, else `HYPERNODE_CLUSTER`, else `default` (an empty value counts as unset). */
export function clusterName(options: ClusterOptions, env: Env = process.env): string {
  return once('--cluster', options.cluster) || env.HYPERNODE_CLUSTER || DEFAULT_CLUSTER;
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
 * A broker or Redis that cannot be reached rejects with the client's `TRANSPORT_DOWN`/`REGISTRY_DOWN`
 * error (host named, password masked, how to start it); no cluster daemon answering, with `REQUEST_TIMEOUT`.
 */
export async function withCluster<T>(options: ClusterOptions, adminTimeoutMs: number, use: (client: ClusterClient, cluster: string) => Promise<T>): Promise<T> {
  const cluster = clusterName(options);
  const env = process.env;
  const client = await connectCluster({
    cluster,
    amqp: once('--amqp', options.amqp) || env.HYPERNODE_AMQP_URL || DEFAULT_AMQP_URL,
    redis: once('--redis', options.redis) || env.HYPERNODE_REDIS_URL || DEFAULT_REDIS_URL,
    timeoutMs: adminTimeoutMs,
  });
  try {
    return await use(client, cluster);
  } finally {
    await client.stop().catch(() => undefined);
  }
}
