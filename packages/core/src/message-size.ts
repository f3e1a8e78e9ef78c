/**
 * The size limit of what one worker sends another: a frame (its header and every envelope in it) is never
 * larger than `maxMessageBytes`, so the broker never sees a message over its `max_message_size` (RabbitMQ closes
 * the publishing channel for one, losing every frame in flight on it). One envelope that cannot fit a frame is
 * refused where it is made: `send`, `call`, `spawn` (the initial state) and `reply` throw `MESSAGE_TOO_LARGE`
 * at the caller, and nothing else is affected. See docs/design/019-message-size-and-upgrades.md.
 *
 * The local path (a message between two processes of one worker) copies and never encodes: it has no limit.
 */
import { HypernodeError } from './errors';

/**
 * The default limit: 64 MiB, half RabbitMQ's default `max_message_size` (128 MiB in RabbitMQ 3.8 to 3.13), so a
 * frame of that size and the AMQP framing around it stay well below what the broker refuses.
 */
export const DEFAULT_MAX_MESSAGE_BYTES = 64 * 1024 * 1024;
/** The smallest limit accepted: room for a frame header (a worker id) and a small envelope. */
export const MIN_MAX_MESSAGE_BYTES = 1024;
/** The largest limit accepted: RabbitMQ's own ceiling for `max_message_size` (512 MiB). */
export const MAX_MAX_MESSAGE_BYTES = 512 * 1024 * 1024;

/** `value` as a limit in bytes (the default when undefined); throws `INVALID_OPTIONS` naming `where` otherwise. */
export function maxMessageBytesOf(value: unknown, where: string): number {
  if (value === undefined) return DEFAULT_MAX_MESSAGE_BYTES;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < MIN_MAX_MESSAGE_BYTES || value > MAX_MAX_MESSAGE_BYTES) {
    throw new HypernodeError(
      'INVALID_OPTIONS',
      `${where} got maxMessageBytes: ${String(value)}; give a whole number of bytes from ${MIN_MAX_MESSAGE_BYTES} to ${MAX_MAX_MESSAGE_BYTES} (512 MiB), below the broker's max_message_size (default ${DEFAULT_MAX_MESSAGE_BYTES}, 64 MiB).`,
    );
  }
  return value;
}

/** `n` bytes for a person: `140.0 MiB (146800740 bytes)`. */
export function formatBytes(n: number): string {
  if (n < 1024) return `${n} bytes`;
  const [value, unit] = n < 1024 * 1024 ? [n / 1024, 'KiB'] : [n / (1024 * 1024), 'MiB'];
  return `${value.toFixed(1)} ${unit} (${n} bytes)`;
}

/**
 * The error for an envelope of `size` bytes that cannot fit a frame of `limit` bytes: `what` (`'message'`,
 * `'initial state'`, `'reply'`) from `from` (may be '') to `to`.
 */
export function messageTooLarge(what: string, from: string, to: string, size: number, limit: number): HypernodeError {
  const route = from ? `from '${from}' to '${to}'` : `to '${to}'`;
  return new HypernodeError(
    'MESSAGE_TOO_LARGE',
    `The ${what} ${route} is ${formatBytes(size)} encoded, over the limit of ${formatBytes(limit)} for one message between workers; it was not sent. ` +
      `Send a reference to the data instead (a file path, a URL, a key in a store) or split it; the limit is the maxMessageBytes option (--max-message-bytes, HYPERNODE_MAX_MESSAGE_BYTES) and must stay below the broker's max_message_size.`,
    { details: { size, limit } },
  );
}
