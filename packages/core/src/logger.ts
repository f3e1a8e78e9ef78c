/**
 * Structured fields of one log line: the runtime passes `{ process, module }` with a line about a process (a
 * crash, an exit, a failed `processWillExit`), so a JSON logger can index them.
 */
export type LogFields = Record<string, string | number | boolean | null | undefined>;

/**
 * Where the runtime reports what a person should see: crashes, dead ends, reconnections. Each line is a
 * sentence (`message`); `fields`, when given, repeat what it is about as data. An implementation may ignore
 * `fields`. Any object with these four methods will do: `consoleLogger`, a pino logger (see {@link asLogger}), or
 * your own.
 */
export interface Logger {
  debug(message: string, fields?: LogFields): void;
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
}

const stamp = () => new Date().toISOString();

/** Writes warnings and errors to stderr, info to stdout; debug only when `HYPERNODE_DEBUG` is set. Ignores fields. */
export const consoleLogger: Logger = {
  debug: (m) => {
    if (process.env.HYPERNODE_DEBUG) console.error(`${stamp()} debug ${m}`);
  },
  info: (m) => console.log(`${stamp()} info  ${m}`),
  warn: (m) => console.error(`${stamp()} warn  ${m}`),
  error: (m) => console.error(`${stamp()} error ${m}`),
};

/** Says nothing: for tests and benchmarks. */
export const silentLogger: Logger = { debug() {}, info() {}, warn() {}, error() {} };

type Level = 'debug' | 'info' | 'warn' | 'error';
const LEVELS: readonly Level[] = ['debug', 'info', 'warn', 'error'];
const ADAPTED = Symbol('hypernode.logger');

/**
 * The runtime's view of a logger it was given. A pino logger (recognised by its `child` and `bindings`
 * methods; bunyan-style loggers that take the fields first too) is called as `logger.warn(fields, message)`,
 * so `createCluster({ logger: pino() })` keeps the fields; any other logger is used as it is, called as
 * `logger.warn(message, fields)`. Never copies a logger twice.
 */
export function asLogger(logger: Logger): Logger {
  const l = logger as Logger & { child?: unknown; bindings?: unknown; [ADAPTED]?: true };
  if (l[ADAPTED] || typeof l.child !== 'function' || typeof l.bindings !== 'function') return logger;
  const fieldsFirst = l as unknown as Record<Level, (a: unknown, b?: string) => void>;
  const adapted = { [ADAPTED]: true } as Logger & { [ADAPTED]: true };
  for (const level of LEVELS) {
    adapted[level] = (message: string, fields?: LogFields) => (fields ? fieldsFirst[level](fields, message) : fieldsFirst[level](message));
  }
  return adapted;
}
