/**
 * Timers of processes (`sendAfter`, `cancelTimer`): a message sent later, from the process that set it. A
 * timer is cancelled when its process ends; it does not survive a worker's restart.
 */
import { copyData } from './codec';
import { describeArg } from './describe-arg';
import type { EndHooks, KernelPort } from './kernel-port';
import { ENDING, extrasOf, type ProcRecord } from './process-record';
import { timerRef } from './wire';

/** The timers of one worker's processes. */
export class Timers implements EndHooks {
  constructor(private readonly port: KernelPort) {}

  /** What each pending timer sends, to whom and when (epoch ms), by ref: what a relocation carries (design 031). */
  private readonly pending = new Map<string, { to: string; message: unknown; due: number }>();

  /** `ctx.sendAfter` of `rec`: `message` is copied now and sent after `ms`; returns the timer's ref. */
  sendAfter(rec: ProcRecord, to: string, message: unknown, ms: number): string {
    if (!(ms >= 0) || !Number.isFinite(ms)) {
      throw new TypeError(`sendAfter() needs a delay in milliseconds (a finite number >= 0); got ${describeArg(ms)}.`);
    }
    const ref = timerRef(rec.name, this.port.nextSeq());
    this.start(rec, ref, to, copyData(message, 'message'), ms);
    return ref;
  }

  private start(rec: ProcRecord, ref: string, to: string, snapshot: unknown, ms: number): void {
    const port = this.port;
    const timers = (extrasOf(rec).timers ??= new Map());
    this.pending.set(ref, { to, message: snapshot, due: port.clock.now() + ms });
    timers.set(
      ref,
      port.clock.setTimeout(() => {
        timers.delete(ref);
        this.pending.delete(ref);
        if (rec.status >= ENDING) return;
        try {
          port.sendFrom(rec.name, to, snapshot, null);
        } catch (err) {
          // No handler of the process runs to catch it (a message too large for the wire): a logged dead letter.
          port.live.deadLetter(rec.name, String(to), 'timer-failed');
          port.logger.warn(`timer '${ref}' of '${rec.name}' could not send its message to '${to}': ${(err as Error).message}`);
        }
        port.flushSoon();
      }, ms),
    );
  }

  /**
   * The pending timers of `rec`, which is moving away, as `[ref, to, message, msLeft]`: they are stopped here
   * (see {@link Timers.restore} on the target).
   */
  carry(rec: ProcRecord): [string, string, unknown, number][] {
    const out: [string, string, unknown, number][] = [];
    const timers = rec.extras?.timers;
    if (!timers) return out;
    const now = this.port.clock.now();
    for (const [ref, handle] of timers) {
      this.port.clock.clearTimeout(handle);
      const p = this.pending.get(ref);
      this.pending.delete(ref);
      if (p) out.push([ref, p.to, p.message, Math.max(0, p.due - now)]);
    }
    rec.extras!.timers = undefined;
    return out;
  }

  /** Starts again, for `rec` that moved here, the timers {@link Timers.carry} took: same refs, the time they had left. */
  restore(rec: ProcRecord, carried: [string, string, unknown, number][]): void {
    for (const [ref, to, message, ms] of carried) this.start(rec, ref, to, message, ms);
  }

  /** `ctx.cancelTimer` of `rec`: true when the timer had not fired yet. */
  cancelTimer(rec: ProcRecord, ref: string): boolean {
    const handle = rec.extras?.timers?.get(ref);
    if (handle === undefined) return false;
    this.port.clock.clearTimeout(handle);
    rec.extras!.timers!.delete(ref);
    this.pending.delete(ref);
    return true;
  }

  /** The timers of an ending process are cancelled. */
  ending(rec: ProcRecord): void {
    const extras = rec.extras!;
    if (extras.timers) {
      for (const [ref, t] of extras.timers) {
        this.port.clock.clearTimeout(t);
        this.pending.delete(ref);
      }
      extras.timers = undefined;
    }
  }
}
