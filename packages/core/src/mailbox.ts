/**
 * A process's mailbox: a FIFO of (sender, message) pairs kept in chunks (design 009). The first chunk is read
 * from `mailboxIndex`; the last is appended to. A full chunk gets the next chunk as its last element (so a
 * chunk of odd length links on). Chunks keep a long mailbox from being one huge array that must be copied as
 * it grows, and a mailbox of one message is still one two-slot array.
 *
 * These are plain functions over the record's three fields, small enough for V8 to inline into the send path
 * and the run loop. The record is the only kind of object they see: keep it that way.
 */

/** Slots in a mailbox chunk: (sender, message) pairs. */
export const CHUNK = 512;

/** The sender of a message that is a call, as it waits in a mailbox (plain messages store just the sender's name). */
export class CallFrom {
  constructor(
    readonly from: string,
    readonly token: string,
    /** The sender's trace context (tracing.ts), when a span was active as it called. */
    readonly trace: unknown = undefined,
  ) {}
}

/** The sender of a plain message sent while a trace span was active: its name and the trace context (tracing.ts). */
export class TracedFrom {
  readonly token = null;
  constructor(
    readonly from: string,
    readonly trace: unknown,
  ) {}
}

/** How a sender waits in a mailbox: a name, a {@link CallFrom} for a call, or a {@link TracedFrom}. */
export type Sender = string | CallFrom | TracedFrom;

/** How a message's sender waits in a mailbox: the name alone when it is neither a call nor traced. */
export function senderOf(from: string, token: string | null, trace: unknown): Sender {
  if (token !== null) return new CallFrom(from, token, trace);
  return trace === undefined ? from : new TracedFrom(from, trace);
}

/** The fields a mailbox lives in (a process record has them). */
export interface Mailbox {
  /** The chunk read from, or null when the mailbox is empty. */
  mailboxHead: unknown[] | null;
  /** The chunk appended to. */
  mailboxTail: unknown[] | null;
  /** Where the oldest pair starts in `mailboxHead`. */
  mailboxIndex: number;
  /** How many messages wait (kept by these functions, so reading it costs nothing: mailbox-bound.ts). */
  mailboxCount: number;
}

/** Appends a message. */
export function pushMessage(box: Mailbox, sender: Sender, message: unknown): void {
  const t = box.mailboxTail;
  box.mailboxCount++;
  if (t === null) box.mailboxHead = box.mailboxTail = [sender, message];
  else if (t.length < CHUNK) t.push(sender, message);
  else t.push((box.mailboxTail = [sender, message]));
}

/**
 * Drops the oldest message, which the caller has read at `chunk[index]` (its sender) and `chunk[index + 1]`
 * (the message), where `chunk` is `box.mailboxHead` and `index` is `box.mailboxIndex`.
 */
export function shiftMessage(box: Mailbox, chunk: unknown[], index: number): void {
  chunk[index] = chunk[index + 1] = undefined;
  box.mailboxCount--;
  const next = index + 2;
  if (next === chunk.length) {
    box.mailboxHead = box.mailboxTail = null;
    box.mailboxIndex = 0;
  } else if (next === chunk.length - 1) {
    box.mailboxHead = chunk[next] as unknown[];
    box.mailboxIndex = 0;
  } else {
    box.mailboxIndex = next;
  }
}

/**
 * Makes `pairs` (sender, message, sender, message...: messages that arrived for a process before it existed)
 * the whole content of an empty mailbox. `pairs` may be longer than a chunk.
 */
export function adoptMessages(box: Mailbox, pairs: unknown[]): void {
  box.mailboxHead = box.mailboxTail = pairs;
  box.mailboxIndex = 0;
  box.mailboxCount = pairs.length >> 1;
}

/** Empties the mailbox. */
export function clearMailbox(box: Mailbox): void {
  box.mailboxHead = box.mailboxTail = null;
  box.mailboxIndex = 0;
  box.mailboxCount = 0;
}

/** Messages waiting, counted chunk by chunk (not message by message); equals `box.mailboxCount`, which is cheaper. */
export function mailboxSize(box: Mailbox): number {
  let n = 0;
  // A chunk of odd length ends with the next chunk; the pairs before it are (sender, message).
  for (let q = box.mailboxHead, i = box.mailboxIndex; q !== null; i = 0) {
    const end = q.length & ~1;
    n += (end - i) / 2;
    q = end === q.length ? null : (q[end] as unknown[]);
  }
  return n;
}

/** The sender of each waiting message, oldest first. */
export function* waitingSenders(box: Mailbox): Generator<Sender> {
  // A chunk of odd length ends with the next chunk; the pairs before it are (sender, message).
  for (let q = box.mailboxHead, i = box.mailboxIndex; q !== null; q = i === q.length ? null : (q[i] as unknown[]), i = 0) {
    for (; i + 1 < q.length; i += 2) yield q[i] as Sender;
  }
}
