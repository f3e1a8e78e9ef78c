import type { Parsed } from './config';

/** How long a daemon program may take to stop gracefully before it exits anyway. */
export const HARD_STOP_MS = 30_000;

/**
 * Exits the program with code 1 if it is still running `ms` after this call: a graceful stop that hangs
 * (an unreachable broker, a processWillExit that never settles) must not leave a daemon behind.
 */
export function exitIfStuck(what: string, ms = HARD_STOP_MS): void {
  setTimeout(() => {
    process.stderr.write(`${what} did not stop within ${ms / 1000} s; exiting anyway\n`);
    process.exit(1);
  }, ms).unref();
}

/**
 * On the first SIGTERM or SIGINT runs `stop` (a graceful stop) and exits with code 0 once it settles (with
 * code 1 after {@link HARD_STOP_MS} if it hangs); a second signal exits at once with code 130. Returns a
 * function that removes the handlers.
 *
 * With `ignoreSigint` (a worker forked by a node daemon), SIGINT is ignored: Ctrl-C in a terminal reaches the whole
 * process group, and the node daemon, which got it too, drains its workers itself (moving their processes first).
 */
export function stopOnSignals(
  stop: (signal: string) => Promise<void>,
  exit: (code: number) => void = (code) => process.exit(code),
  { ignoreSigint = false }: { ignoreSigint?: boolean } = {},
): () => void {
  let stopping = false;
  const on = (signal: NodeJS.Signals) => {
    if (stopping) return exit(130);
    stopping = true;
    exitIfStuck(`after ${signal}, the daemon`);
    stop(signal).then(
      () => exit(0),
      (err: unknown) => {
        process.stderr.write(`stopping after ${signal} failed: ${(err as Error)?.message ?? String(err)}\n`);
        exit(1);
      },
    );
  };
  const onInt = ignoreSigint ? () => undefined : on;
  process.on('SIGTERM', on);
  process.on('SIGINT', onInt);
  return () => {
    process.off('SIGTERM', on);
    process.off('SIGINT', onInt);
  };
}

/** Prints a startup failure as one line and exits with code 1 (2 for bad options). */
export function failStartup(command: string, err: unknown): never {
  const code = (err as { code?: string })?.code;
  const message = (err as Error)?.message ?? String(err);
  process.stderr.write(message.startsWith(`${command}:`) ? `${message}\n` : `${command}: ${message}\n`);
  process.exit(code === 'INVALID_OPTIONS' || code === 'BAD_SECRET' ? 2 : 1);
}

/**
 * A daemon program's settings from `parse` (one of the `parse*Args` functions): prints the help text and exits
 * with code 0 when `--help` was given, prints the error and exits with code 2 when an option is bad (see
 * {@link failStartup}); otherwise returns the settings.
 */
export function configOrExit<C>(command: string, parse: () => Parsed<C>): C {
  let parsed: Parsed<C>;
  try {
    parsed = parse();
  } catch (err) {
    return failStartup(command, err);
  }
  if (parsed.help) {
    process.stdout.write(`${parsed.text}\n`);
    return process.exit(0);
  }
  return parsed.config;
}
