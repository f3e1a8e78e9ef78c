/**
 * A worker's live data beside its counters (design 020): the last dead letters and exits, each in a ring of
 * {@link RECENT} records, and the reasons a dead letter is counted under. Nothing here runs per delivered
 * message: a record is made only for a dead letter or an exit.
 */
import { HypernodeError } from './errors';
import { describeReason } from './exit-reason';
import type { WorkerCounters } from './kernel-port';
import type { Clock } from './clock';
import type { ExitReason } from './process';

/** How many dead letters and how many exits each worker keeps. */
export const RECENT = 200;

/**
 * Why a message was dropped (the keys of `WorkerCounters.deadLettersByReason`):
 * - `no-process`: its target has ended or never existed (or a registered name no process holds);
 * - `ended-unread`: it waited in a process's mailbox when that process ended;
 * - `sender-ended`: an ended process's leftover callback (a timer, a socket) sent it;
 * - `too-large`: a system envelope (an exit notice) too large for one frame;
 * - `timer-failed`: a `sendAfter` timer could not send its message (too large for a frame);
 * - `worker-lost`: its target's worker was lost: it waited for a process whose spawning worker was lost before the
 *   spawn arrived, or the delivery layer held it unacknowledged for that worker, or it was sent there afterwards.
 * - `mailbox-full`: its target's mailbox held its bound (`maxMailbox`, mailbox-bound.ts);
 * - `heap-full`: its target's mailbox was one of the largest while its worker's heap was nearly full (memory-guard.ts).
 */
export type DeadLetterReason = 'no-process' | 'ended-unread' | 'sender-ended' | 'too-large' | 'timer-failed' | 'worker-lost' | 'mailbox-full' | 'heap-full';

/** Every {@link DeadLetterReason}, in the order they are listed. */
export const DEAD_LETTER_REASONS: readonly DeadLetterReason[] = ['no-process', 'ended-unread', 'sender-ended', 'too-large', 'timer-failed', 'worker-lost', 'mailbox-full', 'heap-full'];

/** One dropped message, as a worker remembers it. */
export interface DeadLetterRecord {
  /** When it was dropped (epoch ms, the worker's clock). */
  at: number;
  /** The worker that dropped it. */
  worker: string;
  from: string;
  to: string;
  /** A {@link DeadLetterReason}. */
  reason: string;
}

/** How a process ended: `'normal'`, `'shutdown'`, `'killed'` (those exact reasons), else `'crash'`. */
export type ExitKind = 'normal' | 'shutdown' | 'killed' | 'crash';

/** One ended process, as its worker remembers it. */
export interface ExitRecord {
  /** When it ended (epoch ms, the worker's clock). */
  at: number;
  worker: string;
  name: string;
  module: string;
  parent: string | null;
  /** Its exit reason on one line (at most 300 characters). */
  reason: string;
  kind: ExitKind;
}

/** The kind of an exit reason (see {@link ExitKind}). */
export function exitKind(reason: ExitReason): ExitKind {
  return reason === 'normal' || reason === 'shutdown' || reason === 'killed' ? reason : 'crash';
}

/** A new worker's counters, every one at 0 (each dead-letter reason present, so the object keeps one shape). */
export function newCounters(): WorkerCounters {
  const byReason: Record<string, number> = {};
  for (const r of DEAD_LETTER_REASONS) byReason[r] = 0;
  return {
    spawned: 0,
    exited: 0,
    crashed: 0,
    delivered: 0,
    sent: 0,
    deadLetters: 0,
    deadLettersByReason: byReason,
    exitsByKind: { normal: 0, shutdown: 0, killed: 0, crash: 0 },
    badFrames: 0,
    backlog: 0,
    relocations: 0,
  };
}

/** A copy of `counters` (its nested records too), for a caller that keeps it. */
export function copyCounters(counters: WorkerCounters): WorkerCounters {
  return { ...counters, deadLettersByReason: { ...counters.deadLettersByReason }, exitsByKind: { ...counters.exitsByKind } };
}

/** The last `capacity` items pushed, oldest first. */
export class Ring<T extends { at: number }> {
  private readonly items: (T | undefined)[];
  private next = 0;
  private count = 0;

  constructor(readonly capacity: number = RECENT) {
    this.items = new Array<T | undefined>(capacity);
  }

  push(item: T): void {
    this.items[this.next] = item;
    this.next = (this.next + 1) % this.capacity;
    if (this.count < this.capacity) this.count++;
  }

  /** The items with `at >= since` (all when not given), oldest first, at most the newest `limit`. */
  list(since?: number, limit?: number): T[] {
    const out: T[] = [];
    const start = (this.next - this.count + this.capacity) % this.capacity;
    for (let i = 0; i < this.count; i++) {
      const item = this.items[(start + i) % this.capacity]!;
      if (since === undefined || item.at >= since) out.push(item);
    }
    return limit !== undefined && out.length > limit ? out.slice(out.length - limit) : out;
  }
}

/** The newest `limit` of `records` gathered from several workers, oldest first (a stable sort keeps each worker's order). */
export function newestRecords<T extends { at: number }>(records: T[], limit: number): T[] {
  records.sort((a, b) => a.at - b.at);
  return records.length > limit ? records.slice(records.length - limit) : records;
}

/** One line of at most 300 characters for an exit reason. */
export function reasonLine(reason: ExitReason): string {
  const line = describeReason(reason).replace(/\s*\n\s*/g, ' ');
  return line.length > 300 ? `${line.slice(0, 299)}…` : line;
}

/**
 * Checks the arguments of a `dead-letters` or `exits` request (`since`: epoch ms, `limit`: 1 to 10 000); throws
 * an `INVALID_ARGUMENT` error naming the bad one. Returns them with `limit` defaulting to `RECENT`.
 */
export function recentArgs(args: unknown, what: string): { since: number | undefined; limit: number } {
  const a = (args ?? {}) as { since?: unknown; limit?: unknown };
  if (typeof a !== 'object') throw new HypernodeError('INVALID_ARGUMENT', `${what} takes { since?, limit? }; got ${typeof args}.`);
  if (a.since !== undefined && a.since !== null && (typeof a.since !== 'number' || !Number.isFinite(a.since))) {
    throw new HypernodeError('INVALID_ARGUMENT', `${what}: since must be a time in epoch milliseconds; got ${JSON.stringify(a.since)}.`);
  }
  if (a.limit !== undefined && a.limit !== null && (typeof a.limit !== 'number' || !Number.isInteger(a.limit) || a.limit < 1 || a.limit > 10_000)) {
    throw new HypernodeError('INVALID_ARGUMENT', `${what}: limit must be a whole number from 1 to 10000; got ${JSON.stringify(a.limit)}.`);
  }
  return { since: (a.since as number | null | undefined) ?? undefined, limit: (a.limit as number | null | undefined) ?? RECENT };
}

/** A worker's dead letters and exits: counted in its counters, the last {@link RECENT} of each remembered. */
export class LiveLog {
  readonly deadLetters = new Ring<DeadLetterRecord>();
  readonly exits = new Ring<ExitRecord>();

  constructor(
    private readonly worker: string,
    private readonly clock: Clock,
    private readonly counters: WorkerCounters,
  ) {}

  /** Counts `n` messages from `from` to `to` dropped for `reason`; remembers one record for them. */
  deadLetter(from: string, to: string, reason: DeadLetterReason, n = 1): void {
    const counters = this.counters;
    counters.deadLetters += n;
    counters.deadLettersByReason[reason] = (counters.deadLettersByReason[reason] ?? 0) + n;
    this.deadLetters.push({ at: this.clock.now(), worker: this.worker, from, to, reason });
  }

  /** Counts an ended process by kind and remembers it. */
  exit(record: ExitRecord): void {
    this.counters.exitsByKind[record.kind]++;
    this.exits.push(record);
  }
}

/**
 * One turn in this many (a power of two), picked at random, is timed, and its time counts this many times: an
 * unbiased estimate of each process's time in turns at a sixteenth of the cost of timing every turn (design 020).
 */
export const TURN_SAMPLE = 16;

/** The next state of a xorshift32 generator (never 0 from a state that is not 0): the kernel's dice for sampling. */
export function xorshift32(x: number): number {
  x ^= x << 13;
  x ^= x >>> 17;
  return x ^ (x << 5);
}
