import type { Channel, ConsumeMessage } from 'amqplib';

/**
 * The longest an inbox's acknowledgement waits to be batched with later ones while the prefetch window has room.
 * Each ack costs the broker work on every delivery it covers; at a round trip's pace, 20 ms batches ~100 frames
 * per ack where 5 ms batched ~25, and took the broker's share off the round trip (design 012).
 */
const ACK_DELAY_MS = 20;

/** A consumer as its acknowledgements need it: its current channel, whether it is closed, its window. */
export interface AckedConsumer {
  ch?: Channel;
  closed: boolean;
  prefetch?: number;
}

interface Unacked {
  consumer: AckedConsumer;
  msg: ConsumeMessage;
  count: number;
  timer: ReturnType<typeof setTimeout> | undefined;
  soon: boolean;
}

/**
 * Acknowledgements of the frames a transport's consumers handled. A frame whose handler returned at once is
 * acknowledged in a batch (one `ack` with `allUpTo`): right after the tick once half the prefetch window is
 * unacknowledged (at once with prefetch 1), otherwise after {@link ACK_DELAY_MS}. So the replies the handlers
 * queued leave before the ack, and a lone round trip does not pay for an ack write while it waits for its
 * reply. A frame whose handler returned a promise is acknowledged once it settles, and while any such frame
 * is pending on a channel, later frames there are acknowledged one by one (a batch would cover the pending one).
 *
 * An ack on a channel that is no longer its consumer's, or of a closed consumer, is skipped: the broker
 * requeues those frames, and the next consumer drops them as redelivered.
 */
export class Acks {
  /** Per channel: the newest frame handled synchronously and not yet acknowledged, and how many. */
  private readonly lastUnacked = new Map<Channel, Unacked>();
  /** Per channel: frames whose handler's promise has not settled yet. */
  private readonly asyncPending = new Map<Channel, number>();

  /** Acknowledges `msg` alone, now. */
  one(consumer: AckedConsumer, ch: Channel, msg: ConsumeMessage): void {
    if (consumer.ch !== ch || consumer.closed) return;
    try {
      ch.ack(msg);
    } catch {
      // The channel died: the broker requeues the frame, and its next consumer drops it as redelivered.
    }
  }

  /** `msg`'s handler returned `result`: acknowledge it as described on the class. */
  handled(consumer: AckedConsumer & { prefetch: number }, ch: Channel, msg: ConsumeMessage, result: void | Promise<void>): void {
    if (result && typeof result.then === 'function') {
      this.asyncPending.set(ch, (this.asyncPending.get(ch) ?? 0) + 1);
      const done = (): void => {
        this.asyncPending.set(ch, this.asyncPending.get(ch)! - 1);
        this.one(consumer, ch, msg);
      };
      result.then(done, done);
    } else if (this.asyncPending.get(ch)) {
      this.one(consumer, ch, msg);
    } else {
      this.later(consumer, ch, msg);
    }
  }

  /** Sends the batched acknowledgement of `ch`, if any. */
  flush(ch: Channel): void {
    const u = this.lastUnacked.get(ch);
    if (u === undefined) return;
    this.lastUnacked.delete(ch);
    if (u.timer !== undefined) clearTimeout(u.timer);
    if (u.consumer.ch !== ch || u.consumer.closed) return;
    try {
      ch.ack(u.msg, true);
    } catch {
      // The channel died: the broker requeues the frames, and their next consumer drops them as redelivered.
    }
  }

  /** Sends every batched acknowledgement (before the transport closes). */
  flushAll(): void {
    for (const ch of [...this.lastUnacked.keys()]) this.flush(ch);
  }

  private later(consumer: AckedConsumer & { prefetch: number }, ch: Channel, msg: ConsumeMessage): void {
    let u = this.lastUnacked.get(ch);
    if (u === undefined) {
      u = { consumer, msg, count: 0, timer: undefined, soon: false };
      this.lastUnacked.set(ch, u);
    }
    u.msg = msg;
    if (++u.count * 2 >= consumer.prefetch) {
      if (u.soon) return;
      u.soon = true;
      setImmediate(() => this.flush(ch));
    } else if (u.timer === undefined) {
      u.timer = setTimeout(() => this.flush(ch), ACK_DELAY_MS);
      u.timer.unref?.();
    }
  }
}
