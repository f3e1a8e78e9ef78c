/**
 * The daemons' and the CLI's logger: pino behind core's `Logger` interface (docs/design/022-metrics-and-logs.md).
 * JSON lines when stdout is not a terminal, pino-pretty on a terminal; debug and info go to stdout, warn and
 * error to stderr (as the plain-text logger before it did). Every line carries the daemon's `role`, `cluster`
 * and, where they apply, `node` and `worker`; lines about a process add `process` and `module`.
 */
import { isatty } from 'node:tty';
import { HypernodeError, type LogFields, type Logger } from '@hypernode/core';
import { createRequire } from 'node:module';
import type pinoModule from 'pino';
import type { DestinationStream } from 'pino';
import type prettyModule from 'pino-pretty';

// Loaded when the first logger is made, not when this module is imported: hypernode-cli imports it on every
// run and needs pino only with --verbose (docs/design/022).
const load = createRequire(import.meta.url);
let pinoLoaded: typeof pinoModule | undefined;
const pinoOf = (): typeof pinoModule => (pinoLoaded ??= load('pino') as typeof pinoModule);

/** The levels `--log-level` takes, most verbose first. */
export const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const;
/** A level of {@link LOG_LEVELS}. */
export type LogLevel = (typeof LOG_LEVELS)[number];
/** How lines are written: one JSON object per line, or pino-pretty's coloured text. */
export type LogFormat = 'json' | 'pretty';

/** Which daemon a logger speaks for: its fields on every line. */
export interface LogBindings {
  role: 'cluster' | 'node' | 'worker' | 'cli';
  cluster?: string;
  node?: string;
  worker?: string;
}

/** Options of {@link daemonLogger}. */
export interface DaemonLogOptions {
  /** Default {@link logLevelFromEnv}: `HYPERNODE_LOG_LEVEL`, else `debug` when `HYPERNODE_DEBUG` is set, else `info`. */
  level?: LogLevel;
  /** Default: `pretty` when stdout is a terminal, else `json`; `HYPERNODE_LOG_FORMAT` overrides the guess. */
  format?: LogFormat;
  /** Strings never written: each is replaced by `***` in every message (passwords of the URLs, the cluster secret). */
  secrets?: readonly string[];
  /** Every line to stderr (the CLI's `--verbose`: stdout is for results); the format is then guessed from stderr. */
  stderr?: boolean;
  /** Where debug and info lines go (default stdout) and warn and error lines (default stderr); for tests. */
  out?: DestinationStream;
  err?: DestinationStream;
}

/** Fields whose values pino replaces with `[redacted]`, at the top level and one level down. */
export const REDACTED_FIELDS = ['password', 'secret', 'token', 'authorization', 'cookie', 'HYPERNODE_SECRET'];

/** A {@link Logger} that is also the pino logger behind it (for `child` loggers and tests). */
export type DaemonLogger = Logger & { readonly pino: pinoModule.Logger };

type Env = Record<string, string | undefined>;

/** The level the environment asks for: `HYPERNODE_LOG_LEVEL`, else `debug` when `HYPERNODE_DEBUG` is set, else `info`. */
export function logLevelFromEnv(env: Env = process.env): LogLevel {
  if (env.HYPERNODE_LOG_LEVEL !== undefined) return parseLogLevel(env.HYPERNODE_LOG_LEVEL, 'HYPERNODE_LOG_LEVEL');
  return env.HYPERNODE_DEBUG ? 'debug' : 'info';
}

/** `raw` as a log level; throws `INVALID_OPTIONS` naming `label` and the levels otherwise. */
export function parseLogLevel(raw: string, label: string): LogLevel {
  const level = raw.trim().toLowerCase();
  if ((LOG_LEVELS as readonly string[]).includes(level)) return level as LogLevel;
  throw new HypernodeError('INVALID_OPTIONS', `${label} '${raw}' is not a log level; give one of ${LOG_LEVELS.join(', ')}.`);
}

/** The format the environment asks for (`HYPERNODE_LOG_FORMAT`), else pretty on a terminal, JSON otherwise. */
export function logFormatFromEnv(env: Env = process.env, tty = isatty(1)): LogFormat {
  const raw = env.HYPERNODE_LOG_FORMAT;
  if (raw === undefined) return tty ? 'pretty' : 'json';
  const format = raw.trim().toLowerCase();
  if (format === 'json' || format === 'pretty') return format;
  throw new HypernodeError('INVALID_OPTIONS', `HYPERNODE_LOG_FORMAT '${raw}' is not a log format; give json or pretty, or unset it (pretty on a terminal, JSON otherwise).`);
}

/**
 * The passwords in `urls` (as written and URL-decoded) and the cluster secret of `env` (`HYPERNODE_SECRET`): what
 * {@link DaemonLogOptions.secrets} should hold for a daemon. Strings shorter than 3 characters are left out (they
 * would mangle every message).
 */
export function secretsOf(urls: readonly string[], env: Env = process.env): string[] {
  const found = new Set<string>();
  for (const url of urls) {
    const raw = /^[a-z][a-z0-9+.-]*:\/\/[^:/@]*:([^@/]*)@/i.exec(url)?.[1];
    if (raw === undefined) continue;
    found.add(raw);
    try {
      found.add(decodeURIComponent(raw));
    } catch {
      // Not percent-encoded text: the raw form is enough.
    }
  }
  const secret = env.HYPERNODE_SECRET;
  if (secret) {
    found.add(secret);
    found.add(secret.trim());
  }
  return [...found].filter((s) => s.length >= 3);
}

/** A logger for a daemon (or the CLI): see this file's header for the format, fields and streams. */
export function daemonLogger(bindings: LogBindings, options: DaemonLogOptions = {}): DaemonLogger {
  const level = options.level ?? logLevelFromEnv();
  const format = options.format ?? logFormatFromEnv(process.env, isatty(options.stderr ? 2 : 1));
  const secrets = (options.secrets ?? []).filter((s) => s.length > 0);
  const out = options.out ?? stream(options.stderr ? 2 : 1, format);
  const err = options.err ?? stream(2, format);
  const fields: Record<string, string | number> = { pid: process.pid, role: bindings.role };
  for (const key of ['cluster', 'node', 'worker'] as const) if (bindings[key] !== undefined) fields[key] = bindings[key];
  const pino = pinoOf();
  const logger = pino(
    {
      level,
      base: fields,
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      redact: { paths: REDACTED_FIELDS.flatMap((f) => [f, `*.${f}`]), censor: '[redacted]' },
      hooks: secrets.length === 0 ? {} : { logMethod: scrubbing(secrets) },
    },
    pino.multistream(
      [
        { level: 'trace', stream: out },
        { level: 'warn', stream: err },
      ],
      { dedupe: true },
    ),
  );
  return wrap(logger);
}

/** Core's `Logger` over a pino logger: `(message, fields)` becomes pino's `(fields, message)`. */
function wrap(logger: pinoModule.Logger): DaemonLogger {
  const at =
    (level: 'debug' | 'info' | 'warn' | 'error') =>
    (message: string, fields?: LogFields): void => {
      if (fields) logger[level](fields, message);
      else logger[level](message);
    };
  return { pino: logger, debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}

/** Replaces each secret in the string arguments of a log call with `***`. */
function scrubbing(secrets: readonly string[]) {
  const scrub = (s: string) => {
    for (const secret of secrets) if (s.includes(secret)) s = s.split(secret).join('***');
    return s;
  };
  return function (this: pinoModule.Logger, args: Parameters<pinoModule.LogFn>, method: pinoModule.LogFn): void {
    const clean = args.map((a) => (typeof a === 'string' ? scrub(a) : a && typeof a === 'object' ? scrubFields(a as Record<string, unknown>, scrub) : a));
    (method as (...a: unknown[]) => void).apply(this, clean);
  };
}

function scrubFields(fields: Record<string, unknown>, scrub: (s: string) => string): Record<string, unknown> {
  const copy: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(fields)) copy[k] = typeof v === 'string' ? scrub(v) : v;
  return copy;
}

/** stdout (1) or stderr (2), written synchronously so that nothing is lost when a daemon exits. */
function stream(fd: 1 | 2, format: LogFormat): DestinationStream {
  if (format === 'json') return pinoOf().destination({ fd, sync: true });
  const pretty = load('pino-pretty') as typeof prettyModule;
  return pretty({
    destination: fd,
    sync: true,
    colorize: isatty(fd),
    singleLine: true,
    translateTime: 'SYS:HH:MM:ss.l',
    ignore: 'pid,hostname,role,cluster,node,worker',
    messageFormat: (log, messageKey) => `[${tagOf(log)}] ${String(log[messageKey] ?? '')}`,
  });
}

/** `cluster demo`, `node n1`, `worker n1-w1-…`, `cli`: who wrote a line, as the plain-text logs tagged it. */
export function tagOf(line: Record<string, unknown>): string {
  const role = String(line.role ?? '');
  const id = role === 'cluster' ? line.cluster : role === 'node' ? line.node : role === 'worker' ? line.worker : undefined;
  return id === undefined ? role : `${role} ${String(id)}`;
}

/**
 * The logger of a daemon program started with `config`: its log level, and the passwords of its URLs and the
 * cluster secret (`config.secret` when the settings carry one, e.g. read from a secret file, and
 * `HYPERNODE_SECRET`) kept out of every line.
 */
export function programLogger(
  bindings: LogBindings,
  config: { amqpUrl: string; redisUrl: string; logLevel?: LogLevel; secret?: string | null },
  env: Env = process.env,
  streams: Pick<DaemonLogOptions, 'format' | 'out' | 'err'> = {},
): DaemonLogger {
  return daemonLogger(bindings, { ...streams, ...(config.logLevel ? { level: config.logLevel } : {}), secrets: connectionSecrets(config, env) });
}

/**
 * What a daemon's log must never show of its connection settings: the passwords of its URLs, `HYPERNODE_SECRET`,
 * and the cluster secret its settings carry (read from a secret file, say).
 */
export function connectionSecrets(conn: { amqpUrl: string; redisUrl: string; secret?: string | null }, env: Env = process.env): string[] {
  const secrets = secretsOf([conn.amqpUrl, conn.redisUrl], env);
  if (conn.secret && conn.secret.length >= 3) secrets.push(conn.secret);
  return secrets;
}
