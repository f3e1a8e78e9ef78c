/** Exit codes for a second signal: 128 + the signal number, as shells report a process killed by it. */
const EXIT_CODES: Record<'SIGINT' | 'SIGTERM', number> = { SIGINT: 130, SIGTERM: 143 };

/** What {@link watchStopSignals} returns. */
export interface StopSignals {
  /** Resolves with the first SIGINT or SIGTERM received. */
  readonly first: Promise<NodeJS.Signals>;
  /** The first signal received so far, if any. */
  readonly received: NodeJS.Signals | undefined;
  /** Removes the handlers (Node's defaults apply again). */
  dispose(): void;
}

/**
 * Takes over SIGINT and SIGTERM: the first one resolves `first` (and calls `onFirst`), so the caller can
 * stop cleanly; a second one calls `onSecond` and exits the process at once with 130 (SIGINT) or 143
 * (SIGTERM), for when a clean stop hangs.
 */
export function watchStopSignals(onFirst: (signal: NodeJS.Signals) => void, onSecond: (signal: NodeJS.Signals) => void): StopSignals {
  let received: NodeJS.Signals | undefined;
  let resolveFirst!: (signal: NodeJS.Signals) => void;
  const first = new Promise<NodeJS.Signals>((resolve) => (resolveFirst = resolve));
  const handler = (signal: NodeJS.Signals) => {
    if (received === undefined) {
      received = signal;
      onFirst(signal);
      resolveFirst(signal);
      return;
    }
    onSecond(signal);
    process.exit(EXIT_CODES[signal as keyof typeof EXIT_CODES] ?? 130);
  };
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
  return {
    first,
    get received() {
      return received;
    },
    dispose() {
      process.off('SIGINT', handler);
      process.off('SIGTERM', handler);
    },
  };
}
