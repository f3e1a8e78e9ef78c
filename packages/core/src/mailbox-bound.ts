/**
 * Bounded mailboxes and the mailbox warning size (design 030). The kernel's send and receive paths compare a
 * process's `mailboxCount` with its `mailboxCheck` (one comparison of two small integers) and come here only
 * when the mailbox has reached it: to refuse a message at the process's bound (a dead letter `mailbox-full`, a
 * call fails with `MAILBOX_FULL`), to refuse it while the memory guard sheds the process's mailbox (a dead letter
 * `heap-full`), or to log once that the mailbox crossed the worker's warning size.
 *
 * Only user messages (`send`, `call`, `sendAfter`, from this worker or another) pass here. System messages (exit
 * notices, `DOWN`, `EXIT`, call replies) and kills go into the mailbox by `enqueue` directly and are never refused.
 */
import type { Clock } from './clock';
import { describeArg } from './describe-arg';

/** A bad option's value as a sentence shows it: a number as is, anything else as `describeArg` says. */
const shown = (value: unknown): string => (typeof value === 'number' ? String(value) : describeArg(value));
import { HypernodeError } from './errors';
import { hypernodeReason } from './exit-reason';
import type { DeadLetterReason, LiveLog } from './live-stats';
import type { Logger } from './logger';
import type { ExitReason } from './process';
import { about, ENDING, extrasOf, type ProcRecord } from './process-record';

/** The `mailboxCheck` of a process with no bound and no warning to give: a small integer no mailbox reaches. */
export const NO_BOUND = 0x3fffffff;

/** A worker's mailbox warning size unless set (`WorkerOptions.mailboxWarn`). */
export const DEFAULT_MAILBOX_WARN = 10_000;

/** At most one log line of each kind about mailboxes (crossing the warning size; refusals) per this many ms per worker. */
export const MAILBOX_LOG_MS = 10_000;

/**
 * Checks a mailbox bound given as `what` (the spawn option, a module's `static maxMailbox`): a whole number of
 * messages from 1 to 1 073 741 822, or undefined for none. Throws an `INVALID_ARGUMENT` error naming the value.
 */
export function checkMaxMailbox(value: unknown, what: string): number | undefined {
  if (value === undefined) return undefined;
  if (!isBound(value)) {
    throw new HypernodeError(
      'INVALID_ARGUMENT',
      `${what} is ${shown(value)}, which is not a mailbox bound; give a whole number of messages from 1 to ${NO_BOUND - 1}, or leave it out for no bound.`,
    );
  }
  return value;
}

/**
 * Checks the `static maxMailbox` of a module class `cls` (when it has one) as the module is loaded; throws
 * `MODULE_INVALID` naming the class and the value.
 */
export function checkModuleMaxMailbox(cls: Function): void {
  if (!Object.prototype.hasOwnProperty.call(cls, 'maxMailbox')) return;
  const value: unknown = (cls as { maxMailbox?: unknown }).maxMailbox;
  try {
    checkMaxMailbox(value, `The static 'maxMailbox' of class '${cls.name}'`);
  } catch (err) {
    throw new HypernodeError('MODULE_INVALID', (err as Error).message);
  }
}

/** The spawn options a process may give (`ctx.spawn(module, state, options)`, `cluster.spawn`, the CLI's `spawn`). */
export interface ProcessSpawnOptions {
  /**
   * The most messages its mailbox holds: a user message that finds it full is refused (a dead letter
   * `mailbox-full`; a call fails with `MAILBOX_FULL`). Overrides the module's `static maxMailbox`. System
   * messages (exit notices, `DOWN`, `EXIT`, replies) are never refused.
   */
  maxMailbox?: number;
}

/** Checks spawn options: an object whose `maxMailbox` is a bound (see {@link checkMaxMailbox}); returns the bound. */
export function spawnBound(options: unknown, moduleName: string): number | undefined {
  if (options === undefined || options === null) return undefined;
  if (typeof options !== 'object') {
    throw new HypernodeError('INVALID_ARGUMENT', `The spawn options of '${moduleName}' are ${describeArg(options)}; give an object such as { maxMailbox: 1000 }.`);
  }
  return checkMaxMailbox((options as ProcessSpawnOptions).maxMailbox, `The spawn option maxMailbox of '${moduleName}'`);
}

/** The bound of `rec`'s mailbox: its spawn option, else its module's `static maxMailbox` (once known), else null. */
export function boundOf(rec: ProcRecord): number | null {
  const own = rec.extras?.maxMailbox;
  if (own !== undefined) return own;
  const fromModule = rec.module === null ? undefined : (rec.module.cls as { maxMailbox?: unknown }).maxMailbox;
  return isBound(fromModule) ? fromModule : null;
}

function isBound(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= 1 && value < NO_BOUND;
}

/** What the mailbox bounds need of their worker. */
export interface BoundsPort {
  readonly id: string;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly live: LiveLog;
  /** Fails the call of `token` with `reason` (its caller's `call` rejects). */
  failCall(token: string, reason: ExitReason): void;
}

/** A worker's mailbox bounds and warning size: the slow path the kernel takes once a mailbox reaches its check. */
export class MailboxBounds {
  /** Processes whose mailbox crossed the warning size, until it drains below half of it ({@link MailboxBounds.sweep}). */
  readonly warned = new Set<ProcRecord>();
  /** When the last line of each kind was logged (a crossing of the warning size, a refusal), and how many were left out since. */
  private readonly lastLog = { warn: Number.NEGATIVE_INFINITY, refuse: Number.NEGATIVE_INFINITY };
  private readonly quiet = { warn: 0, refuse: 0 };

  constructor(
    private readonly port: BoundsPort,
    /** The worker's mailbox warning size (messages). */
    readonly warnAt: number = DEFAULT_MAILBOX_WARN,
  ) {
    if (!Number.isInteger(warnAt) || warnAt < 1 || warnAt >= NO_BOUND) {
      throw new HypernodeError('INVALID_OPTIONS', `The mailbox warning size of worker '${port.id}' is ${shown(warnAt)}; give a whole number of messages from 1 to ${NO_BOUND - 1}.`);
    }
  }

  /**
   * Decides whether a user message from `from` (a call when `token` is given) may enter the mailbox of `rec`,
   * whose `mailboxCount` has reached its `mailboxCheck`. Refused: counted as a dead letter, the call failed.
   */
  admit(rec: ProcRecord, from: string, token: string | null): boolean {
    if (rec.mailboxCheck === 0 && !this.decide(rec)) return true;
    const x = rec.extras;
    const n = rec.mailboxCount;
    const bound = x?.maxMailbox ?? NO_BOUND;
    if (n >= bound) return this.refuse(rec, from, token, 'mailbox-full', `its bound of ${bound} messages (maxMailbox)`);
    if (x?.mailboxShed === true && n > 0) return this.refuse(rec, from, token, 'heap-full', `worker '${this.port.id}' nearly out of heap, which refuses messages to its largest mailboxes`);
    if (n >= this.warnAt && x?.mailboxWarned !== true) this.warn(rec);
    this.recheck(rec);
    return true;
  }

  /** Sets `rec.mailboxCheck`: the size at which its next message must come here (its bound, the warning size). */
  recheck(rec: ProcRecord): void {
    const x = rec.extras;
    let at = x?.maxMailbox ?? NO_BOUND;
    if (x?.mailboxShed === true) at = 1;
    else if (x?.mailboxWarned !== true && this.warnAt < at) at = this.warnAt;
    rec.mailboxCheck = at;
  }

  /** The bound of `rec` once its module is known: the spawn option, else the module's default. */
  private decide(rec: ProcRecord): boolean {
    if (rec.inbox !== null) {
      rec.mailboxCheck = NO_BOUND;
      return false;
    }
    if (rec.extras?.maxMailbox === undefined) {
      if (rec.module === null) return false; // fetched still: decided on a later message
      const fromModule = (rec.module.cls as { maxMailbox?: unknown }).maxMailbox;
      if (isBound(fromModule)) extrasOf(rec).maxMailbox = fromModule;
    }
    this.recheck(rec);
    return true;
  }

  private refuse(rec: ProcRecord, from: string, token: string | null, reason: DeadLetterReason, why: string): false {
    this.port.live.deadLetter(from, rec.name, reason);
    const sentence = `Process '${rec.name}' (${rec.moduleName}) has ${rec.mailboxCount} messages waiting, ${why}, so a message from '${from}' was refused`;
    if (token !== null) {
      this.port.failCall(token, hypernodeReason('MAILBOX_FULL', `${sentence}; call it again later, or make it handle its messages faster (or spawn it with a larger maxMailbox).`));
    }
    this.log('refuse', `${sentence} (a dead letter '${reason}'); slow its senders down or make it handle messages faster`, rec);
    return false;
  }

  private warn(rec: ProcRecord): void {
    extrasOf(rec).mailboxWarned = true;
    this.warned.add(rec);
    this.log('warn', `Process '${rec.name}' (${rec.moduleName}) has ${rec.mailboxCount} messages waiting, over the mailbox warning size of ${this.warnAt}: it receives faster than it handles; see 'hypernode-cli ps'`, rec);
  }

  /** One line of each kind per {@link MAILBOX_LOG_MS} at most; the lines left out meanwhile are counted in the next. */
  private log(kind: 'warn' | 'refuse', line: string, rec: ProcRecord): void {
    const now = this.port.clock.now();
    const last = this.lastLog[kind];
    if (now - last < MAILBOX_LOG_MS) {
      this.quiet[kind]++;
      return;
    }
    const quiet = this.quiet[kind];
    const more = quiet > 0 ? ` (${quiet} more such events in the last ${Math.round((now - last) / 1000)} s were not logged)` : '';
    this.lastLog[kind] = now;
    this.quiet[kind] = 0;
    this.port.logger.warn(`${line}.${more}`, about(rec));
  }

  /**
   * Forgets the warning of each process that ended or whose mailbox drained below half the warning size, so it is
   * logged again if it crosses again. Cheap: walks only the processes warned of.
   */
  sweep(): void {
    for (const rec of this.warned) {
      if (rec.status >= ENDING || rec.mailboxCount < this.warnAt / 2) {
        this.warned.delete(rec);
        if (rec.extras) rec.extras.mailboxWarned = false;
        if (rec.status < ENDING) this.recheck(rec);
      }
    }
  }
}
