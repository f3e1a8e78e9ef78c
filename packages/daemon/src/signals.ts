/**
 * On the first SIGTERM or SIGINT runs `stop` (a graceful stop) and exits with code 0 once it settles; a
 * second signal exits at once with code 130. Returns a function that removes the handlers.
 */
export function stopOnSignals(stop: (signal: string) => Promise<void>, exit: (code: number) => void = (code) => process.exit(code)): () => void {
  let stopping = false;
  const on = (signal: NodeJS.Signals) => {
    if (stopping) return exit(130);
    stopping = true;
    stop(signal).then(
      () => exit(0),
      (err: unknown) => {
        process.stderr.write(`stopping after ${signal} failed: ${(err as Error)?.message ?? String(err)}\n`);
        exit(1);
      },
    );
  };
  process.on('SIGTERM', on);
  process.on('SIGINT', on);
  return () => {
    process.off('SIGTERM', on);
    process.off('SIGINT', on);
  };
}

/** Prints a startup failure as one line and exits with code 1 (2 for bad options). */
export function failStartup(command: string, err: unknown): never {
  const code = (err as { code?: string })?.code;
  const message = (err as Error)?.message ?? String(err);
  process.stderr.write(message.startsWith(`${command}:`) ? `${message}\n` : `${command}: ${message}\n`);
  process.exit(code === 'INVALID_OPTIONS' ? 2 : 1);
}
