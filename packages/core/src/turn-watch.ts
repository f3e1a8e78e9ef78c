/**
 * Whose turn it is on a worker, and which runs of its loop blocked the event loop (design 017).
 *
 * Node cannot preempt a process that blocks its worker's event loop; this makes such a block visible
 * instead. The kernel tells the watch of each run of its loop and of each turn in it; the cost per turn is one
 * field store (no clock read: a clock read per turn costs ~10% of local ping-pong). The clock is read twice
 * per run of the loop, so a block is measured per run: when one run took at least `stallWarnMs`, the
 * processes whose turns ran in it are named (usually one, the culprit; a run of many short turns can take that
 * long too, up to its budget of 20,000 messages).
 */
import type { Clock } from './clock';
import type { Logger } from './logger';
import type { ProcRecord } from './process-record';

/** How long one run of a worker's loop may take before it is reported as a stall. */
export const STALL_WARN_MS = 1000;
/** At most this many processes are named in a stall report. */
const NAMED = 5;

/** The turn a worker is running now, as {@link TurnWatch.current} answers. */
export interface TurnInfo {
  /** The process whose turn it is. */
  name: string;
  module: string;
  /** When the run of the loop this turn belongs to began (epoch ms): the turn began at or after it. */
  since: number;
}

/** A run of a worker's loop that blocked its event loop for at least `stallWarnMs`. */
export interface StallReport {
  /** How long the run took, in milliseconds. */
  ms: number;
  /** When it ended (epoch ms). */
  at: number;
  /** The processes whose turns ran in it, at most 5 (with their modules): one of them blocked. */
  processes: { name: string; module: string }[];
  /** How many turns the run held. */
  turns: number;
}

/** The kernel's watch over its turns (see the file header). */
export class TurnWatch {
  /** The record whose turn runs now, or null between turns. Set by the kernel. */
  turn: ProcRecord | null = null;
  private runStartedAt = 0;
  /** The last stall seen, if any. */
  last: StallReport | undefined;
  private leaseAt = 0;
  private leaseMs = Infinity;
  private onLeaseExpired: ((silentMs: number) => void) | null = null;

  constructor(
    private readonly clock: Clock,
    private readonly logger: Logger,
    private readonly worker: string,
    private readonly stallWarnMs: number = STALL_WARN_MS,
  ) {}

  /**
   * Holds a lease of `ms`, renewed by {@link TurnWatch.renew}: a run of the loop that starts or ends when it
   * has not been renewed for `ms` calls `expired` (once) before any more of its effects leave.
   */
  lease(ms: number, expired: (silentMs: number) => void): void {
    this.leaseMs = ms;
    this.onLeaseExpired = expired;
    this.leaseAt = this.clock.now();
  }

  /** Renews the lease (see {@link TurnWatch.lease}). */
  renew(): void {
    this.leaseAt = this.clock.now();
  }

  /** A run of the loop begins. */
  runStarted(): void {
    const now = (this.runStartedAt = this.clock.now());
    if (now - this.leaseAt >= this.leaseMs) this.expire(now);
  }

  /**
   * A run of the loop ended, having run the turns of `runq[first..end)`; reports the run when it took at least
   * `stallWarnMs`. The caller clears those slots afterwards.
   */
  runEnded(runq: (ProcRecord | undefined)[], first: number, end: number): void {
    this.turn = null;
    const now = this.clock.now();
    const ms = now - this.runStartedAt;
    if (ms >= this.stallWarnMs) this.report(ms, now, runq, first, end);
    if (now - this.leaseAt >= this.leaseMs) this.expire(now);
  }

  private expire(now: number): void {
    const expired = this.onLeaseExpired;
    this.onLeaseExpired = null;
    this.leaseMs = Infinity;
    expired?.(now - this.leaseAt);
  }

  /** The turn running now, or undefined between turns (always, for code that runs outside a process's turn). */
  current(): TurnInfo | undefined {
    const rec = this.turn;
    return rec === null ? undefined : { name: rec.name, module: rec.moduleName, since: this.runStartedAt };
  }

  private report(ms: number, at: number, runq: (ProcRecord | undefined)[], first: number, end: number): void {
    const seen = new Map<string, string>();
    for (let i = first; i < end; i++) {
      const rec = runq[i];
      if (rec && !seen.has(rec.name)) seen.set(rec.name, rec.moduleName);
    }
    const processes = [...seen].slice(0, NAMED).map(([name, module]) => ({ name, module }));
    this.last = { ms, at, processes, turns: end - first };
    const named = processes.map((p) => `'${p.name}' (module '${p.module}')`).join(', ');
    const more = seen.size > NAMED ? ` and ${seen.size - NAMED} more` : '';
    const who =
      seen.size === 1
        ? `process ${named} blocked it in its turn`
        : `the turns that ran then (one long turn, or many together) were those of ${named}${more}`;
    this.logger.warn(
      `worker '${this.worker}': its event loop was blocked for ${ms} ms; ${who}. Every process on this worker waited meanwhile: move long synchronous work out of the handler (split it across messages, or into a worker thread or child process).`,
    );
  }
}
