/**
 * The connection settings every program reads the same way (the CLI, the three daemons, `connectCluster`):
 * a flag or option, else its environment variable, else the default. One set of checks for all of them: an
 * empty or invalid value is an `INVALID_OPTIONS` error at start naming the setting (the flag or the variable)
 * and the fix, never a silent fallback (docs/design/018-names-and-settings.md).
 */
import { HypernodeError } from '@hypernode/core';
import { readSecret, registryArguments } from '@hypernode/core/runtime';
import { redisUrlProblem } from '@hypernode/registry-redis';
import { amqpUrlProblem } from '@hypernode/transport-amqp';
import { resolveTls, TLS_FLAGS, type TlsPaths } from './tls-settings';
import { DEFAULT_AMQP_URL, DEFAULT_CLUSTER, DEFAULT_CONNECT_TIMEOUT_MS, DEFAULT_REDIS_URL, maskUrl } from './defaults';

type Env = Record<string, string | undefined>;

/** Where a setting's value came from. */
export type SettingSource = 'flag' | 'env' | 'default';

/** The connection settings in force, checked, with where the cluster name came from. */
export interface ResolvedConnection {
  cluster: string;
  amqpUrl: string;
  redisUrl: string;
  connectTimeoutMs: number;
  /** The TLS files (absolute paths, checked readable) for the `amqps://`/`rediss://` URL(s); absent without TLS files. */
  tls?: TlsPaths;
  /** `'default'` when neither a flag (option) nor `HYPERNODE_CLUSTER` named the cluster. */
  clusterFrom: SettingSource;
  /** The cluster secret (or a client's role secret): the file given, else `HYPERNODE_SECRET`, else null. */
  secret: string | null;
}

/** What the caller was given, before the environment and the defaults. */
export interface GivenConnection {
  cluster?: string | undefined;
  amqpUrl?: string | undefined;
  redisUrl?: string | undefined;
  connectTimeoutMs?: string | number | undefined;
  /** A file holding the secret (`--secret-file`); it wins over `HYPERNODE_SECRET`. */
  secretFile?: string | undefined;
  /** Paths of the CA, client certificate and key files (`--tls-ca`, `--tls-cert`, `--tls-key`). */
  tlsCa?: string | undefined;
  tlsCert?: string | undefined;
  tlsKey?: string | undefined;
}

/** How the caller names each setting in messages: a flag (`--amqp-url`) or an option (`amqp`). */
export interface SettingLabels {
  cluster: string;
  amqpUrl: string;
  redisUrl: string;
  connectTimeoutMs: string;
  /** How the TLS file settings are named; default the flags `--tls-ca`, `--tls-cert`, `--tls-key`. */
  tls?: { ca: string; cert: string; key: string };
}

/** The command-line flags, the same for the CLI and the daemons. */
export const FLAG_LABELS: SettingLabels = { cluster: '--cluster', amqpUrl: '--amqp-url', redisUrl: '--redis-url', connectTimeoutMs: '--connect-timeout' };

const ENV = { cluster: 'HYPERNODE_CLUSTER', amqpUrl: 'HYPERNODE_AMQP_URL', redisUrl: 'HYPERNODE_REDIS_URL', connectTimeoutMs: 'HYPERNODE_CONNECT_TIMEOUT_MS' } as const;
const DEFAULTS = { cluster: DEFAULT_CLUSTER, amqpUrl: DEFAULT_AMQP_URL, redisUrl: DEFAULT_REDIS_URL, connectTimeoutMs: String(DEFAULT_CONNECT_TIMEOUT_MS) } as const;
const EXAMPLES = { cluster: 'a name such as prod', amqpUrl: 'a RabbitMQ URL such as amqp://user:password@host:5672', redisUrl: 'a Redis URL such as redis://:password@host:6379/0', connectTimeoutMs: 'milliseconds such as 10000' } as const;

type Key = keyof typeof ENV;

function invalid(message: string): HypernodeError {
  return new HypernodeError('INVALID_OPTIONS', message);
}

/** One setting's raw value and where it came from; an empty flag or variable is an error naming it. */
function pick(key: Key, given: string | number | undefined, env: Env, labels: SettingLabels): { value: string; label: string; from: SettingSource } {
  const shownDefault = key === 'amqpUrl' || key === 'redisUrl' ? maskUrl(DEFAULTS[key]) : DEFAULTS[key];
  if (given !== undefined) {
    const value = String(given);
    if (value.trim() === '') throw invalid(`${labels[key]} is empty; give ${EXAMPLES[key]}, or leave it out to use ${ENV[key]} or the default (${shownDefault}).`);
    return { value, label: `${labels[key]} '${shownValue(key, value)}'`, from: 'flag' };
  }
  const fromEnv = env[ENV[key]];
  if (fromEnv !== undefined) {
    if (fromEnv.trim() === '') throw invalid(`${ENV[key]} is set but empty; unset it to use the default (${shownDefault}), or set it to ${EXAMPLES[key]}.`);
    return { value: fromEnv, label: `${ENV[key]} '${shownValue(key, fromEnv)}'`, from: 'env' };
  }
  return { value: DEFAULTS[key], label: `the default ${key} '${shownDefault}'`, from: 'default' };
}

function shownValue(key: Key, value: string): string {
  if (key !== 'amqpUrl' && key !== 'redisUrl') return value;
  const masked = maskUrl(value);
  return masked === '<unparsable url>' ? value.replace(/\/\/[^@/]*@/, '//***@') : masked;
}

/**
 * The connection settings from what was given (flags or options), else the environment, else the defaults,
 * each checked: the cluster name (no `.` or `:`), both URLs (scheme, host, a whole-number Redis database) and
 * the connect timeout; the secret (`secretFile`, else `HYPERNODE_SECRET`); and the TLS files (readable PEM, for an
 * `amqps://` or `rediss://` URL). Throws `INVALID_OPTIONS` naming the flag or variable, its value (password masked)
 * and the fix, or `BAD_SECRET` (never showing the secret).
 */
export function resolveConnection(given: GivenConnection, env: Env = process.env, labels: SettingLabels = FLAG_LABELS): ResolvedConnection {
  const cluster = pick('cluster', given.cluster, env, labels);
  registryArguments.checkClusterName(cluster.value, cluster.from === 'flag' ? labels.cluster : cluster.from === 'env' ? ENV.cluster : 'The cluster name');
  const amqp = pick('amqpUrl', given.amqpUrl, env, labels);
  const amqpProblem = amqpUrlProblem(amqp.value);
  if (amqpProblem) throw invalid(`${nameOf(amqp, labels.amqpUrl, ENV.amqpUrl)} ${amqpProblem}; give ${EXAMPLES.amqpUrl}.`);
  const redis = pick('redisUrl', given.redisUrl, env, labels);
  const redisProblem = redisUrlProblem(redis.value);
  if (redisProblem) throw invalid(`${nameOf(redis, labels.redisUrl, ENV.redisUrl)} ${redisProblem}; give ${EXAMPLES.redisUrl}.`);
  const timeout = pick('connectTimeoutMs', given.connectTimeoutMs, env, labels);
  const ms = Number(timeout.value);
  if (!/^\s*\d+(\.\d+)?\s*$/.test(timeout.value) || !Number.isFinite(ms) || ms <= 0 || ms > 2 ** 31 - 1) {
    throw invalid(`${timeout.label} is not a valid connect timeout; give a number of milliseconds from 1 to 2147483647, e.g. ${DEFAULT_CONNECT_TIMEOUT_MS}.`);
  }
  const secret = readSecret({ env: env.HYPERNODE_SECRET, file: given.secretFile });
  const resolved: ResolvedConnection = { cluster: cluster.value, amqpUrl: amqp.value, redisUrl: redis.value, connectTimeoutMs: ms, clusterFrom: cluster.from, secret };
  const tls = resolveTls({ ca: given.tlsCa, cert: given.tlsCert, key: given.tlsKey }, env, labels.tls ?? TLS_FLAGS, resolved);
  if (tls !== undefined) resolved.tls = tls;
  return resolved;
}

/** The flag or variable a URL came from, for a sentence whose rest describes the URL itself. */
function nameOf(s: { from: SettingSource }, flag: string, envName: string): string {
  return s.from === 'flag' ? `${flag}:` : s.from === 'env' ? `${envName}:` : 'The default:';
}

/**
 * The sentence that says which cluster a command works on and why, e.g. `cluster 'default' (the default: no
 * --cluster or HYPERNODE_CLUSTER given; others on this broker may use it too)`.
 */
export function describeCluster(c: Pick<ResolvedConnection, 'cluster' | 'clusterFrom'>, flag = FLAG_LABELS.cluster): string {
  if (c.clusterFrom === 'flag') return `cluster '${c.cluster}' (from ${flag})`;
  if (c.clusterFrom === 'env') return `cluster '${c.cluster}' (from ${ENV.cluster})`;
  return `cluster '${c.cluster}' (the default: no ${flag} or ${ENV.cluster} given; others on this broker may use it too)`;
}
