import type { RebalanceOptions } from './rebalancer';
import { hostname } from 'node:os';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { HypernodeError } from '@hypernode/core';
import { DEFAULT_MAX_MESSAGE_BYTES, MAX_MAX_MESSAGE_BYTES, MIN_MAX_MESSAGE_BYTES } from '@hypernode/core/runtime';
import { isRoleSecret } from './rpc-auth';
import { insecureFromEnv } from './safe-default';
import { checkHttpExposure, parseHttpAddress, type HttpAddress } from './dashboard/http-address';
import { DEFAULT_AMQP_URL, DEFAULT_CLUSTER, DEFAULT_CONNECT_TIMEOUT_MS, DEFAULT_REDIS_URL, maskUrl } from './defaults';
import { LOG_LEVELS, logFormatFromEnv, logLevelFromEnv, parseLogLevel, type LogLevel } from './logger';
import { parseMetricsAddress, type MetricsAddress } from './metrics-address';
import { resolveConnection, type SettingSource } from './settings';
import type { TlsPaths } from './tls-settings';

export { DEFAULT_AMQP_URL, DEFAULT_CLUSTER, DEFAULT_CONNECT_TIMEOUT_MS, DEFAULT_REDIS_URL, hostOf, maskUrl } from './defaults';

const ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,79}$/;

/** What every daemon and the client need to reach a cluster. */
export interface Connection {
  amqpUrl: string;
  redisUrl: string;
  cluster: string;
  /** The largest message between workers, in bytes (core's `maxMessageBytes`; default 64 MiB). */
  maxMessageBytes?: number;
  /** How long connecting to RabbitMQ or Redis may take; default {@link DEFAULT_CONNECT_TIMEOUT_MS}. */
  connectTimeoutMs?: number;
  /** Where the cluster name came from (for the start log); `'default'` when nothing named it. */
  clusterFrom?: SettingSource;
  /** The cluster secret (`--secret-file` or `HYPERNODE_SECRET`), or null: then admin is open (docs/security.md). */
  secret: string | null;
  /** `--insecure` or `HYPERNODE_INSECURE=1`: start without a secret against a broker that is not on a loopback address. */
  insecure?: boolean;
  /** TLS files for the `amqps://` / `rediss://` URL (paths; a node daemon passes them to its workers). */
  tls?: TlsPaths;
}

/** `options`' connection settings, each missing one taken from its default (not from the environment). */
export function connectionOf(options: Partial<Connection>): Connection {
  const conn: Connection = {
    cluster: options.cluster ?? DEFAULT_CLUSTER,
    amqpUrl: options.amqpUrl ?? DEFAULT_AMQP_URL,
    redisUrl: options.redisUrl ?? DEFAULT_REDIS_URL,
    connectTimeoutMs: options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS,
    clusterFrom: options.clusterFrom ?? (options.cluster === undefined ? 'default' : 'flag'),
    secret: options.secret ?? null,
    insecure: options.insecure === true,
  };
  if (options.maxMessageBytes !== undefined) conn.maxMessageBytes = options.maxMessageBytes;
  if (options.tls !== undefined) conn.tls = options.tls;
  return conn;
}

/** What every daemon's command line sets besides the connection: its log level and its metrics listener. */
export interface Observability {
  /** `--log-level`, else `HYPERNODE_LOG_LEVEL`, else `debug` when `HYPERNODE_DEBUG` is set, else `info`. */
  logLevel?: LogLevel;
  /** `--metrics`, else `HYPERNODE_METRICS`: where `GET /metrics` is served; absent when neither is set (off). */
  metrics?: MetricsAddress;
}

/** Settings of a `hypernode-worker`. */
export interface WorkerConfig extends Connection, Observability {
  id: string;
  node?: string;
  affinitySlack?: number;
  placementCost?: number;
  /** `--mailbox-warn` or `HYPERNODE_MAILBOX_WARN`: the mailbox warning size (messages; default 10 000). */
  mailboxWarn?: number;
}

/** Settings of a `hypernode-node`. */
export interface NodeConfig extends Connection, Observability {
  id: string;
  workers: number;
  /** `--stall-limit` or `HYPERNODE_STALL_LIMIT_MS`: a worker silent this long is killed and replaced. */
  stallLimitMs?: number;
  affinitySlack?: number;
  placementCost?: number;
}

/** Settings of a `hypernode-cluster`. */
export interface ClusterConfig extends Connection, Observability {
  /** Where the web dashboard listens (`--http`); off when absent. */
  http?: HttpAddress;
  /** `--state-dir`, else `HYPERNODE_STATE_DIR`; absent: the default `~/.hypernode/state/<cluster>` (design 029). */
  stateDir?: string;
  /** The rebalancer's options (`--rebalance`, env `HYPERNODE_REBALANCE`); off when absent. */
  rebalance?: RebalanceOptions;
}

/** The result of parsing a daemon's command line: settings, or a request for help. */
export type Parsed<C> = { help: true; text: string } | { help: false; config: C };

type Env = Record<string, string | undefined>;

const COMMON = {
  cluster: { type: 'string' },
  'amqp-url': { type: 'string' },
  'redis-url': { type: 'string' },
  'max-message-bytes': { type: 'string' },
  // Aliases: the spelling hypernode-cli used to document.
  amqp: { type: 'string' },
  redis: { type: 'string' },
  'connect-timeout': { type: 'string' },
  'secret-file': { type: 'string' },
  insecure: { type: 'boolean' },
  'tls-ca': { type: 'string' },
  'tls-cert': { type: 'string' },
  'tls-key': { type: 'string' },
  'log-level': { type: 'string' },
  metrics: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const satisfies ParseArgsConfig['options'];

const PLACEMENT = {
  'affinity-slack': { type: 'string' },
  'placement-cost': { type: 'string' },
} as const satisfies ParseArgsConfig['options'];

function commonHelp(env: Env): string {
  return [
    `  --cluster <name>         cluster name, letters, digits, '_' and '-'; env HYPERNODE_CLUSTER (now: ${env.HYPERNODE_CLUSTER ?? DEFAULT_CLUSTER})`,
    `  --amqp-url <url>         RabbitMQ (alias --amqp); env HYPERNODE_AMQP_URL (now: ${maskUrl(env.HYPERNODE_AMQP_URL ?? DEFAULT_AMQP_URL)})`,
    `  --redis-url <url>        Redis (alias --redis); env HYPERNODE_REDIS_URL (now: ${maskUrl(env.HYPERNODE_REDIS_URL ?? DEFAULT_REDIS_URL)})`,
    `  --connect-timeout <ms>   how long connecting to RabbitMQ or Redis may take; env HYPERNODE_CONNECT_TIMEOUT_MS`,
    `                           (now: ${env.HYPERNODE_CONNECT_TIMEOUT_MS ?? DEFAULT_CONNECT_TIMEOUT_MS})`,
    `  --max-message-bytes <n>  largest message between workers, below RabbitMQ's max_message_size;`,
    `                           env HYPERNODE_MAX_MESSAGE_BYTES (now: ${env.HYPERNODE_MAX_MESSAGE_BYTES ?? `${DEFAULT_MAX_MESSAGE_BYTES}, 64 MiB`})`,
    '  --secret-file <path>     file holding the cluster secret (admin requests must be signed with it);',
    `                           env HYPERNODE_SECRET (now: ${env.HYPERNODE_SECRET ? 'set' : 'not set'}). Make one: hypernode-cli secret new`,
    '  --insecure               start without a secret against a broker that is not on a loopback address;',
    `                           env HYPERNODE_INSECURE=1 (now: ${env.HYPERNODE_INSECURE ?? 'not set'})`,
    `  --tls-ca <file>          CA certificate (PEM) for amqps:// and rediss:// URLs; env HYPERNODE_TLS_CA${now(env.HYPERNODE_TLS_CA)}`,
    `  --tls-cert <file>        client certificate (PEM), for servers that ask for one; env HYPERNODE_TLS_CERT${now(env.HYPERNODE_TLS_CERT)}`,
    `  --tls-key <file>         the client certificate's private key (PEM); env HYPERNODE_TLS_KEY${now(env.HYPERNODE_TLS_KEY)}`,
    `  --log-level <level>      ${LOG_LEVELS.join(', ')}; env HYPERNODE_LOG_LEVEL (now: ${env.HYPERNODE_LOG_LEVEL ?? (env.HYPERNODE_DEBUG ? 'debug, from HYPERNODE_DEBUG' : 'info')});`,
    '                           JSON lines unless stdout is a terminal (then pretty); env HYPERNODE_LOG_FORMAT=json|pretty',
    `  --metrics <[host:]port>  serve Prometheus metrics at http://host:port/metrics (host default 127.0.0.1);`,
    `                           env HYPERNODE_METRICS (now: ${env.HYPERNODE_METRICS ?? 'off'})`,
    '  -h, --help               show this help',
    '',
    'Prefer the environment variables for URLs with passwords: command lines are visible to other users (ps).',
    'Without a secret a daemon starts only against a broker on this machine (loopback), and warns that admin',
    'is open to anyone on it; see docs/security.md.',
  ].join('\n');
}

const now = (value: string | undefined): string => (value === undefined ? '' : ` (now: ${value})`);

const placementHelp = [
  '  --affinity-slack <n>     load-score points a parent\'s worker may exceed the idlest one and still',
  '                           get the child (default 5; 0 spreads every spawn by load)',
  '  --placement-cost <n>     load-score points each spawn adds to a worker until its next report (default 0.05)',
].join('\n');

/** The help text of `hypernode-worker`. */
export function workerHelp(env: Env = process.env): string {
  return [
    'Usage: hypernode-worker --id <id> [options]',
    '',
    'Hosts processes of a hypernode cluster. Usually started by hypernode-node, which restarts it when it dies',
    "and gives it its metrics port (the node's --metrics port + the worker's slot number) and log level.",
    '',
    '  --id <id>                worker id, unique in the cluster, without \':\' (required)',
    '  --node <id>              the node daemon that owns it (informational)',
    '  --mailbox-warn <n>       mark, count and log (once) a process whose mailbox holds this many messages;',
    `                           env HYPERNODE_MAILBOX_WARN (now: ${env.HYPERNODE_MAILBOX_WARN ?? '10000'})`,
    placementHelp,
    commonHelp(env),
  ].join('\n');
}

/** The help text of `hypernode-node`. */
export function nodeHelp(env: Env = process.env): string {
  return [
    'Usage: hypernode-node [options]',
    '',
    'Runs on each machine of a hypernode cluster: forks workers, restarts a worker that dies (with backoff),',
    'reports the machine\'s load, adds and removes workers on command. On SIGTERM or SIGINT it drains: its',
    'processes move to other nodes\' workers first (at most 10 s; with none, they end with \'shutdown\'), then its',
    'workers stop. With --metrics, the worker in slot N serves its own metrics on the same host at the port + N',
    '(9465, 9466, ... for 9464).',
    '',
    `  --id <id>                node id, unique in the cluster (default: the host name, now ${defaultNodeId()})`,
    '  --workers <n>            workers to fork (default: the number of cores)',
    `  --stall-limit <ms>       kill (SIGKILL) and replace a worker whose event loop has been stuck this long;`,
    `                           env HYPERNODE_STALL_LIMIT_MS (now: ${env.HYPERNODE_STALL_LIMIT_MS ?? '30000'}; at least 1000)`,
    '  (each worker\'s mailbox warning size: env HYPERNODE_MAILBOX_WARN, which its workers inherit;',
    `   now: ${env.HYPERNODE_MAILBOX_WARN ?? '10000'} messages)`,
    placementHelp,
    commonHelp(env),
  ].join('\n');
}

/** The help text of `hypernode-cluster`. */
export function clusterHelp(env: Env = process.env): string {
  return [
    'Usage: hypernode-cluster [options]',
    '',
    'Hosts the root process of a hypernode cluster, watches its members and answers admin commands',
    '(hypernode-cli, connectCluster). One per cluster; restart it at will: running processes keep running.',
    '',
    '  --http <[host:]port>     serve the web dashboard there (off unless given; a bare port listens on',
    '                           127.0.0.1; another host needs the cluster secret or --insecure)',
    '                           (with a cluster secret, the dashboard asks for it or a role secret)',
    '  --state-dir <dir>        where the daemon keeps the code of every loaded module version, to store it again',
    `                           if Redis loses its data; env HYPERNODE_STATE_DIR (now: ${env.HYPERNODE_STATE_DIR ?? '~/.hypernode/state/<cluster>'})`,
    '  --rebalance              move processes from overloaded workers to idle ones as load reports come in',
    `                           (off unless given); env HYPERNODE_REBALANCE=1 (now: ${env.HYPERNODE_REBALANCE ?? 'not set'})`,
    '  --rebalance-max-moves <n>  with --rebalance: at most n moves in any minute (default 60);',
    `                           env HYPERNODE_REBALANCE_MAX_MOVES${now(env.HYPERNODE_REBALANCE_MAX_MOVES)}`,
    '  --rebalance-threshold <points>  with --rebalance: move only off a worker whose load score exceeds',
    `                           the mean by more than this (default 10, about 10 ms of loop delay); env HYPERNODE_REBALANCE_THRESHOLD${now(env.HYPERNODE_REBALANCE_THRESHOLD)}`,
    commonHelp(env),
  ].join('\n');
}

function parse<O extends ParseArgsConfig['options']>(command: string, argv: string[], options: O) {
  try {
    return parseArgs({ args: argv, options, strict: true, allowPositionals: false }).values as Record<string, string | boolean | undefined>;
  } catch (err) {
    throw new HypernodeError('INVALID_OPTIONS', `${command}: ${(err as Error).message.replace(/\.$/, '')}; see '${command} --help'.`);
  }
}

function connection(command: string, values: Record<string, string | boolean | undefined>, env: Env): Connection & Observability {
  let resolved: Connection;
  try {
    resolved = resolveConnection(
      {
        cluster: values.cluster as string | undefined,
        amqpUrl: aliased(values, 'amqp-url', 'amqp'),
        redisUrl: aliased(values, 'redis-url', 'redis'),
        connectTimeoutMs: values['connect-timeout'] as string | undefined,
        secretFile: values['secret-file'] as string | undefined,
        tlsCa: values['tls-ca'] as string | undefined,
        tlsCert: values['tls-cert'] as string | undefined,
        tlsKey: values['tls-key'] as string | undefined,
      },
      env,
    );
  } catch (err) {
    if (HypernodeError.is(err)) throw new HypernodeError(err.code, `${command}: ${err.message}`);
    throw err;
  }
  const flag = values['max-message-bytes'];
  const max = number(command, flag !== undefined ? 'max-message-bytes' : 'max-message-bytes (from HYPERNODE_MAX_MESSAGE_BYTES)', flag ?? env.HYPERNODE_MAX_MESSAGE_BYTES, {
    min: MIN_MAX_MESSAGE_BYTES,
    integer: true,
    max: MAX_MAX_MESSAGE_BYTES,
  });
  if (max !== undefined) resolved.maxMessageBytes = max;
  checkDaemonSecret(command, resolved.secret, values['secret-file'] as string | undefined);
  try {
    resolved.insecure = values.insecure === true || insecureFromEnv(env.HYPERNODE_INSECURE);
  } catch (err) {
    throw new HypernodeError('INVALID_OPTIONS', `${command}: ${(err as Error).message}`);
  }
  return { ...resolved, ...observability(command, values, env) };
}

/** `--log-level` and `--metrics`, each else its environment variable. */
function observability(command: string, values: Record<string, string | boolean | undefined>, env: Env): Observability {
  const out: Observability = {};
  try {
    const level = values['log-level'];
    out.logLevel = typeof level === 'string' ? parseLogLevel(level, '--log-level') : logLevelFromEnv(env);
    logFormatFromEnv(env); // checked here, so that a bad HYPERNODE_LOG_FORMAT is a clean start error
    const metrics = values.metrics;
    if (typeof metrics === 'string') out.metrics = parseMetricsAddress(metrics, '--metrics');
    else if (env.HYPERNODE_METRICS !== undefined) out.metrics = parseMetricsAddress(env.HYPERNODE_METRICS, 'HYPERNODE_METRICS');
  } catch (err) {
    if (HypernodeError.is(err)) throw new HypernodeError(err.code, `${command}: ${err.message}`);
    throw err;
  }
  return out;
}

/** A daemon needs the cluster secret itself: a role secret is refused. */
function checkDaemonSecret(command: string, secret: string | null, file: string | undefined): void {
  if (secret !== null && isRoleSecret(secret)) {
    throw new HypernodeError(
      'BAD_SECRET',
      `${command}: the secret given (${file ? `--secret-file ${file}` : 'HYPERNODE_SECRET'}) is a role secret, which only signs a client's requests; give daemons the cluster secret itself.`,
    );
  }
}

/** The value of `--<name>` or of its alias `--<alias>`; both at once is an error. */
function aliased(values: Record<string, string | boolean | undefined>, name: string, alias: string): string | undefined {
  const a = values[name] as string | undefined;
  const b = values[alias] as string | undefined;
  if (a !== undefined && b !== undefined) {
    throw new HypernodeError('INVALID_OPTIONS', `--${name} and its alias --${alias} were both given; give one of them.`);
  }
  return a ?? b;
}

function number(command: string, flag: string, raw: string | boolean | undefined, rule: { min: number; integer?: boolean; max?: number }): number | undefined {
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (typeof raw !== 'string' || raw.trim() === '' || !Number.isFinite(n) || n < rule.min || (rule.integer && !Number.isInteger(n)) || (rule.max !== undefined && n > rule.max)) {
    const kind = rule.integer ? 'a whole number' : 'a number';
    const range = rule.max === undefined ? `of at least ${rule.min}` : `from ${rule.min} to ${rule.max}`;
    throw new HypernodeError('INVALID_OPTIONS', `${command}: --${flag} '${String(raw)}' is not valid; give ${kind} ${range}.`);
  }
  return n;
}

function id(command: string, flag: string, value: string): string {
  if (!ID.test(value)) {
    throw new HypernodeError('INVALID_OPTIONS', `${command}: --${flag} '${value}' is not valid; use 1-80 letters, digits, '.', '_' or '-' (no ':'), starting with a letter or digit.`);
  }
  return value;
}

/** The host name made into a valid node id. */
export function defaultNodeId(): string {
  const cleaned = hostname().replace(/[^A-Za-z0-9._-]/g, '-').replace(/^[^A-Za-z0-9]+/, '').slice(0, 60);
  return cleaned || 'node';
}

/** Parses `hypernode-worker`'s flags and environment. Throws `INVALID_OPTIONS` naming the flag. */
export function parseWorkerArgs(argv: string[], env: Env = process.env): Parsed<WorkerConfig> {
  const cmd = 'hypernode-worker';
  const v = parse(cmd, argv, { ...COMMON, ...PLACEMENT, id: { type: 'string' }, node: { type: 'string' }, 'mailbox-warn': { type: 'string' } });
  if (v.help) return { help: true, text: workerHelp(env) };
  if (typeof v.id !== 'string') throw new HypernodeError('INVALID_OPTIONS', `${cmd}: --id is required; pass a worker id unique in the cluster, e.g. --id $(hostname)-w1.`);
  const config: WorkerConfig = { ...connection(cmd, v, env), id: id(cmd, 'id', v.id) };
  if (typeof v.node === 'string') config.node = id(cmd, 'node', v.node);
  const slack = number(cmd, 'affinity-slack', v['affinity-slack'], { min: 0 });
  if (slack !== undefined) config.affinitySlack = slack;
  const cost = number(cmd, 'placement-cost', v['placement-cost'], { min: 0 });
  if (cost !== undefined) config.placementCost = cost;
  const warnFlag = v['mailbox-warn'] !== undefined ? 'mailbox-warn' : 'mailbox-warn (from HYPERNODE_MAILBOX_WARN)';
  const mailboxWarn = number(cmd, warnFlag, v['mailbox-warn'] ?? env.HYPERNODE_MAILBOX_WARN, { min: 1, integer: true, max: 1_073_741_822 });
  if (mailboxWarn !== undefined) config.mailboxWarn = mailboxWarn;
  return { help: false, config };
}

/** Parses `hypernode-node`'s flags and environment. Throws `INVALID_OPTIONS` naming the flag. */
export function parseNodeArgs(argv: string[], env: Env = process.env, cores = 1): Parsed<NodeConfig> {
  const cmd = 'hypernode-node';
  const v = parse(cmd, argv, { ...COMMON, ...PLACEMENT, id: { type: 'string' }, workers: { type: 'string' }, 'stall-limit': { type: 'string' } });
  if (v.help) return { help: true, text: nodeHelp(env) };
  const config: NodeConfig = {
    ...connection(cmd, v, env),
    id: id(cmd, 'id', typeof v.id === 'string' ? v.id : defaultNodeId()),
    workers: number(cmd, 'workers', v.workers, { min: 0, integer: true, max: 256 }) ?? cores,
  };
  const stallLimit = v['stall-limit'] ?? env.HYPERNODE_STALL_LIMIT_MS;
  const stallFlag = v['stall-limit'] !== undefined ? 'stall-limit' : 'stall-limit (from HYPERNODE_STALL_LIMIT_MS)';
  const stallLimitMs = number(cmd, stallFlag, stallLimit, { min: 1000, integer: true });
  if (stallLimitMs !== undefined) config.stallLimitMs = stallLimitMs;
  const slack = number(cmd, 'affinity-slack', v['affinity-slack'], { min: 0 });
  if (slack !== undefined) config.affinitySlack = slack;
  const cost = number(cmd, 'placement-cost', v['placement-cost'], { min: 0 });
  if (cost !== undefined) config.placementCost = cost;
  return { help: false, config };
}

/** `--rebalance` and its limits (flags over `HYPERNODE_REBALANCE*`); undefined when it is off. */
function rebalanceConfig(cmd: string, v: Record<string, string | boolean | undefined>, env: Env): RebalanceOptions | undefined {
  const fromEnv = env.HYPERNODE_REBALANCE;
  if (fromEnv !== undefined && !/^(1|0|true|false|yes|no|)$/i.test(fromEnv.trim())) {
    throw new HypernodeError('INVALID_OPTIONS', `${cmd}: HYPERNODE_REBALANCE '${fromEnv}' is not valid; set it to 1 (on) or 0 (off), or unset it.`);
  }
  const on = v.rebalance === true || (fromEnv !== undefined && /^(1|true|yes)$/i.test(fromEnv.trim()));
  const movesRaw = v['rebalance-max-moves'] ?? env.HYPERNODE_REBALANCE_MAX_MOVES;
  const movesFlag = v['rebalance-max-moves'] !== undefined ? 'rebalance-max-moves' : 'rebalance-max-moves (from HYPERNODE_REBALANCE_MAX_MOVES)';
  const thresholdRaw = v['rebalance-threshold'] ?? env.HYPERNODE_REBALANCE_THRESHOLD;
  const thresholdFlag = v['rebalance-threshold'] !== undefined ? 'rebalance-threshold' : 'rebalance-threshold (from HYPERNODE_REBALANCE_THRESHOLD)';
  const maxMovesPerMinute = number(cmd, movesFlag, movesRaw, { min: 1, integer: true, max: 10_000 });
  const imbalanceThreshold = number(cmd, thresholdFlag, thresholdRaw, { min: 0, max: 1e6 });
  if (!on) {
    if (v['rebalance-max-moves'] !== undefined || v['rebalance-threshold'] !== undefined) {
      throw new HypernodeError('INVALID_OPTIONS', `${cmd}: --${v['rebalance-max-moves'] !== undefined ? 'rebalance-max-moves' : 'rebalance-threshold'} has no effect without --rebalance; add --rebalance (or HYPERNODE_REBALANCE=1), or leave it out.`);
    }
    return undefined;
  }
  const out: RebalanceOptions = {};
  if (maxMovesPerMinute !== undefined) out.maxMovesPerMinute = maxMovesPerMinute;
  if (imbalanceThreshold !== undefined) out.imbalanceThreshold = imbalanceThreshold;
  return out;
}

/** Parses `hypernode-cluster`'s flags and environment. Throws `INVALID_OPTIONS` naming the flag. */
export function parseClusterArgs(argv: string[], env: Env = process.env): Parsed<ClusterConfig> {
  const cmd = 'hypernode-cluster';
  const v = parse(cmd, argv, { ...COMMON, http: { type: 'string' }, 'state-dir': { type: 'string' }, rebalance: { type: 'boolean' }, 'rebalance-max-moves': { type: 'string' }, 'rebalance-threshold': { type: 'string' } });
  if (v.help) return { help: true, text: clusterHelp(env) };
  const config: ClusterConfig = connection(cmd, v, env);
  const stateDir = v['state-dir'];
  if (typeof stateDir === 'string') {
    if (stateDir.trim() === '') throw new HypernodeError('INVALID_OPTIONS', `${cmd}: --state-dir is empty; give a directory the cluster daemon may write, or leave it out to use HYPERNODE_STATE_DIR or ~/.hypernode/state/<cluster>.`);
    config.stateDir = stateDir;
  }
  const rebalance = rebalanceConfig(cmd, v, env);
  if (rebalance) config.rebalance = rebalance;
  if (v.http !== undefined) {
    const http = parseHttpAddress(String(v.http), '--http', config.insecure === true);
    checkHttpExposure(http, config.secret !== null, `${cmd}: `);
    config.http = http;
  }
  return { help: false, config };
}
