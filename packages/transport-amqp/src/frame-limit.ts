/**
 * The largest frame the transport publishes. RabbitMQ closes the publishing channel on a message over its
 * `max_message_size`, and every frame in flight on that channel is lost with it: so a frame over the limit is
 * never published. `send` and `publish` drop it (counted in `stats().dropped`, with a warning); `request`
 * rejects with `MESSAGE_TOO_LARGE`; a server's reply too large is replaced by an error reply.
 */
import { HypernodeError } from '@hypernode/core';
import { formatBytes, MAX_MAX_MESSAGE_BYTES, MIN_MAX_MESSAGE_BYTES } from '@hypernode/core/runtime';
import type { TransportStats } from '@hypernode/core/runtime';
import type { AmqpLogger } from './amqp-options';

/** RabbitMQ's default `max_message_size` (128 MiB, RabbitMQ 3.8 to 3.13): the default limit. */
export const DEFAULT_MAX_FRAME_BYTES = 128 * 1024 * 1024;

/** The frame limit of one transport. */
export class FrameLimit {
  readonly maxBytes: number;

  constructor(
    maxBytes: number | undefined,
    private readonly logger: AmqpLogger,
    private readonly counters: TransportStats,
  ) {
    const max = maxBytes ?? DEFAULT_MAX_FRAME_BYTES;
    if (!Number.isInteger(max) || max < MIN_MAX_MESSAGE_BYTES || max > MAX_MAX_MESSAGE_BYTES) {
      throw new HypernodeError(
        'INVALID_OPTIONS',
        `maxFrameBytes ${String(maxBytes)} is not valid; give a whole number of bytes from ${MIN_MAX_MESSAGE_BYTES} to ${MAX_MAX_MESSAGE_BYTES}, at most the broker's max_message_size (default ${DEFAULT_MAX_FRAME_BYTES}).`,
      );
    }
    this.maxBytes = max;
  }

  /** Whether `frame` is over the limit; if so it is counted as dropped and a warning names `to`. */
  drops(frame: Uint8Array, to: string): boolean {
    if (frame.byteLength <= this.maxBytes) return false;
    this.counters.dropped++;
    this.logger.warn(`dropped a frame of ${formatBytes(frame.byteLength)} for '${to}': over the limit of ${formatBytes(this.maxBytes)} (maxFrameBytes; RabbitMQ would close the channel for it, losing the frames in flight)`);
    return true;
  }

  /** The error of a request whose body is over the limit. */
  tooLarge(what: string, size: number): HypernodeError {
    return new HypernodeError(
      'MESSAGE_TOO_LARGE',
      `The ${what} is ${formatBytes(size)}, over the limit of ${formatBytes(this.maxBytes)} for one message through RabbitMQ; it was not sent. Make it smaller, or raise the broker's max_message_size and the transport's maxFrameBytes together.`,
      { details: { size, limit: this.maxBytes } },
    );
  }
}
