/**
 * Time, injected so tests can advance it by hand. The runtime never calls `Date.now()` or `setTimeout`
 * directly for logic that depends on time (timers, call timeouts, TTLs, restart intensity).
 */
export interface Clock {
  /** Epoch milliseconds. */
  now(): number;
  /** Runs `fn` after `ms` milliseconds; returns a handle for {@link Clock.clearTimeout}. */
  setTimeout(fn: () => void, ms: number): TimerHandle;
  clearTimeout(handle: TimerHandle): void;
}

export type TimerHandle = { readonly __timer: unique symbol } | object | number;

/**
 * The real clock. Its timers keep Node alive like `setTimeout` does, so a script awaiting
 * `inbox.receive(5000)` or a process waiting on `sendAfter` is not cut short.
 */
export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout(fn, ms) {
    return setTimeout(fn, ms);
  },
  clearTimeout(handle) {
    clearTimeout(handle as NodeJS.Timeout);
  },
};

/** A clock for tests: time moves only when `advance` is called, and due timers run in order. */
export class ManualClock implements Clock {
  private current: number;
  private seq = 0;
  private timers = new Map<number, { at: number; fn: () => void }>();

  constructor(start = 0) {
    this.current = start;
  }

  now(): number {
    return this.current;
  }

  setTimeout(fn: () => void, ms: number): TimerHandle {
    const id = ++this.seq;
    this.timers.set(id, { at: this.current + Math.max(0, ms), fn });
    return id;
  }

  clearTimeout(handle: TimerHandle): void {
    this.timers.delete(handle as number);
  }

  /** Moves time forward by `ms`, running every timer that falls due, in due order. */
  advance(ms: number): void {
    const end = this.current + ms;
    for (;;) {
      let next: [number, { at: number; fn: () => void }] | undefined;
      for (const entry of this.timers) if (entry[1].at <= end && (!next || entry[1].at < next[1].at)) next = entry;
      if (!next) break;
      this.timers.delete(next[0]);
      this.current = Math.max(this.current, next[1].at);
      next[1].fn();
    }
    this.current = end;
  }

  /**
   * Moves time forward by `ms` without running any timer, as a process blocking the event loop makes it pass:
   * the timers that fell due meanwhile run, late, at the next {@link ManualClock.advance}.
   */
  block(ms: number): void {
    this.current += ms;
  }

  /** Timers not yet run. */
  get pending(): number {
    return this.timers.size;
  }
}
