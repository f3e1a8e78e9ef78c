import { systemClock, type Clock, type TimerHandle } from '@hypernode/core';

/** How often a worker's loop watch ticks (and, when forked, tells its node daemon it is alive). */
export const LOOP_TICK_MS = 500;

/** Options of {@link LoopWatch}. */
export interface LoopWatchOptions {
  clock?: Clock;
  /** Time between ticks. Default {@link LOOP_TICK_MS}. */
  tickMs?: number;
  /**
   * When no tick could run for at least this long, no heartbeat could be sent either, so the worker's member
   * record has expired and the cluster may have declared it lost: `onLeaseLost` is called.
   */
  leaseMs: number;
  /** A block at least this long (and shorter than `leaseMs`) is passed to `onBlocked`. */
  warnMs: number;
  /** Every tick that ran, after the checks (the worker program pings its node daemon here). */
  onTick?: () => void;
  /** The loop was blocked for `ms` (it ran this late), since `since` (epoch ms). */
  onBlocked: (ms: number, since: number) => void;
  /** No tick ran for `ms`, at least `leaseMs`. No further tick runs. */
  onLeaseLost: (ms: number) => void;
}

/**
 * A worker's watch over its own event loop: a timer that measures how late it runs. A late tick means the loop
 * was blocked (a process's synchronous work, a long GC, SIGSTOP, a paused VM) for that long. It cannot see a
 * block while it lasts (nothing on the loop can; the node daemon watches that from outside, design 017).
 */
export class LoopWatch {
  private readonly clock: Clock;
  private readonly tickMs: number;
  private timer: TimerHandle | null = null;
  private due = 0;
  private ranAt = 0;

  constructor(private readonly options: LoopWatchOptions) {
    this.clock = options.clock ?? systemClock;
    this.tickMs = options.tickMs ?? LOOP_TICK_MS;
  }

  /** Starts ticking. Idempotent. */
  start(): void {
    if (this.timer !== null) return;
    this.ranAt = this.clock.now();
    this.schedule();
  }

  /** Stops ticking. Idempotent. */
  stop(): void {
    if (this.timer !== null) this.clock.clearTimeout(this.timer);
    this.timer = null;
  }

  private schedule(): void {
    this.due = this.clock.now() + this.tickMs;
    this.timer = this.clock.setTimeout(() => this.tick(), this.tickMs);
  }

  private tick(): void {
    const now = this.clock.now();
    const late = now - this.due;
    const gap = now - this.ranAt;
    this.ranAt = now;
    if (gap >= this.options.leaseMs) {
      this.timer = null;
      this.options.onLeaseLost(gap);
      return;
    }
    this.schedule();
    if (late >= this.options.warnMs) this.options.onBlocked(late, now - late);
    this.options.onTick?.();
  }
}
