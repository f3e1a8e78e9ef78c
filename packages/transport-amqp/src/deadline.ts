import type { Clock, TimerHandle } from '@hypernode/core';

/**
 * Resolves with `promise`, or rejects with `onTimeout()` once `ms` passed on `clock`. A value that arrives
 * after the deadline is handed to `discard` (to close a connection nobody will use).
 */
export function withDeadline<T>(promise: Promise<T>, ms: number, clock: Clock, onTimeout: () => Error, discard: (late: T) => void): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    let expired = false;
    const timer: TimerHandle = clock.setTimeout(() => {
      expired = true;
      reject(onTimeout());
    }, ms);
    promise.then(
      (value) => {
        clock.clearTimeout(timer);
        if (expired) discard(value);
        else resolve(value);
      },
      (err: unknown) => {
        clock.clearTimeout(timer);
        if (!expired) reject(err);
      },
    );
  });
}
