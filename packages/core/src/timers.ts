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

  /** `ctx.sendAfter` of `rec`: `message` is copied now and sent after `ms`; returns the timer's ref. */
  sendAfter(rec: ProcRecord, to: string, message: unknown, ms: number): string {
    if (!(ms >= 0) || !Number.isFinite(ms)) {
      throw new TypeError(`sendAfter() needs a delay in milliseconds (a finite number >= 0); got ${describeArg(ms)}.`);
    }
    const port = this.port;
    const snapshot = copyData(message, 'message');
    const ref = timerRef(rec.name, port.nextSeq());
    const timers = (extrasOf(rec).timers ??= new Map());
    timers.set(
      ref,
      port.clock.setTimeout(() => {
        timers.delete(ref);
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
    return ref;
  }

  /** `ctx.cancelTimer` of `rec`: true when the timer had not fired yet. */
  cancelTimer(rec: ProcRecord, ref: string): boolean {
    const handle = rec.extras?.timers?.get(ref);
    if (handle === undefined) return false;
    this.port.clock.clearTimeout(handle);
    rec.extras!.timers!.delete(ref);
    return true;
  }

  /** The timers of an ending process are cancelled. */
  ending(rec: ProcRecord): void {
    const extras = rec.extras!;
    if (extras.timers) {
      for (const t of extras.timers.values()) this.port.clock.clearTimeout(t);
      extras.timers = undefined;
    }
  }
}
