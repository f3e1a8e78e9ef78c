/**
 * Frames out: envelopes for other workers wait here during a tick and leave as one frame per destination
 * worker (its header, then the envelopes, each encoded once), at the end of the run loop or in a microtask.
 *
 * No frame is larger than the worker's `maxMessageBytes` (message-size.ts): when the next envelope for a
 * worker would make its frame larger, the frame waiting for that worker leaves at once (order is kept) and a new
 * one starts. An envelope that cannot fit any frame is refused: with `what` given (a user's message, initial
 * state, reply, or an exit reason: see `pushWithReason` in exits.ts) {@link Outgoing.push} throws
 * `MESSAGE_TOO_LARGE` before anything is queued; without (another system envelope) it is dropped, counted as a
 * dead letter and logged.
 */
import type { LiveLog } from './live-stats';
import type { Logger } from './logger';
import { formatBytes, maxMessageBytesOf, messageTooLarge } from './message-size';
import { outsideProcesses } from './process-scope';
import type { Transport, TransportFlow } from './transport';
import { encodeEvent, encodeFrame, frameHeader } from './wire';

/** Bytes of the largest msgpack array header: a frame is that, its header, then its envelopes. */
const ARRAY_HEADER = 5;

/** The envelopes waiting for one worker, and their bytes. */
interface Pending {
  envelopes: Uint8Array[];
  bytes: number;
}

/** The envelopes one worker has yet to send. */
export class Outgoing {
  private readonly out = new Map<string, Pending>();
  private queued = false;
  private readonly header: Uint8Array;
  /** The largest frame, in bytes. */
  readonly limit: number;
  /** The most bytes of envelopes one frame holds. */
  private readonly room: number;
  /** Set while the run loop runs (it sends at its end): {@link Outgoing.soon} then waits for it. */
  held = false;
  /** Set once the worker closes: nothing leaves any more. */
  closed = false;
  /**
   * True while the transport holds a full window for some worker (design 028): the run loop starts no turn until
   * the transport has room again, then calls `resume`.
   */
  paused = false;
  private readonly flow: TransportFlow | undefined;

  constructor(
    private readonly transport: Transport,
    private readonly worker: string,
    /** The largest frame, in bytes (default 64 MiB). */
    maxMessageBytes: number | undefined,
    private readonly logger: Logger,
    /** Where a dropped envelope is counted. */
    private readonly live: LiveLog,
    /** Called when the transport has room again after {@link Outgoing.paused}. */
    resume?: () => void,
  ) {
    this.flow = transport.flow;
    this.flow?.onRoom(() => {
      this.paused = false;
      resume?.();
    });
    this.header = frameHeader(worker);
    this.limit = maxMessageBytesOf(maxMessageBytes, `Worker '${worker}'`);
    this.room = this.limit - this.header.byteLength - ARRAY_HEADER;
  }

  /**
   * Queues an encoded envelope for `worker`. One too large for any frame throws `MESSAGE_TOO_LARGE` (naming
   * `what`, `from` and `to`) when `what` is given, and is dropped (a dead letter, logged) when not.
   */
  push(worker: string, envelope: Uint8Array, what?: string, from?: string, to?: string): void {
    const size = envelope.byteLength;
    if (size > this.room) return this.refuse(worker, size, what, from, to);
    const pending = this.out.get(worker);
    if (pending === undefined) this.out.set(worker, { envelopes: [envelope], bytes: size });
    else if (pending.bytes + size <= this.room) {
      pending.envelopes.push(envelope);
      pending.bytes += size;
    } else {
      // This frame is full: it leaves now, before the envelopes queued after it.
      if (!this.closed) this.transport.send(worker, encodeFrame(this.header, pending.envelopes));
      if (this.flow !== undefined) this.paused = this.flow.full;
      pending.envelopes = [envelope];
      pending.bytes = size;
    }
    this.soon();
  }

  /** Sends what is queued in a microtask, unless the run loop will. */
  soon(): void {
    if (this.queued || this.held || this.out.size === 0) return;
    this.queued = true;
    queueMicrotask(this.flush);
  }

  /** Sends what is queued now, outside any process's scope (what the transport starts is not a process's). */
  readonly flush = outsideProcesses((): void => {
    this.queued = false;
    if (this.out.size === 0 || this.closed) return;
    try {
      for (const [worker, pending] of this.out) this.transport.send(worker, encodeFrame(this.header, pending.envelopes));
    } finally {
      this.out.clear();
      if (this.flow !== undefined) this.paused = this.flow.full;
    }
  });

  /** Publishes a cluster event to every worker (not held for the end of the tick). */
  publish(event: unknown[]): void {
    this.transport.publish(encodeEvent(event));
  }

  private refuse(worker: string, size: number, what: string | undefined, from: string | undefined, to: string | undefined): void {
    const limit = this.limit;
    if (what !== undefined) throw messageTooLarge(what, from ?? '', to ?? worker, size, limit);
    this.live.deadLetter(from ?? this.worker, to ?? worker, 'too-large');
    this.logger.warn(
      `worker '${this.worker}' dropped an envelope of ${formatBytes(size)} for worker '${worker}' (an exit reason or notice too large for one frame of ${formatBytes(limit)}); keep exit reasons small.`,
    );
  }
}
