import type { Clock } from '@hypernode/core';

/** Where {@link AmqpTransport} writes what operators should know (reconnections, dropped redeliveries). */
export interface AmqpLogger {
  info(msg: string): void;
  warn(msg: string): void;
}

/** Options of {@link AmqpTransport.connect}. */
export interface AmqpTransportOptions {
  /** Broker URL; default `amqp://guest:guest@127.0.0.1:5672`. Its password is never logged. */
  url?: string;
  /** Cluster name: every queue and exchange is named `hypernode.<cluster>.…`; `[A-Za-z0-9][A-Za-z0-9._-]{0,99}`. */
  cluster: string;
  /** Default: `console` with a `[hypernode]` prefix. */
  logger?: AmqpLogger;
  /** Default `prefetch` of `listen` when its options omit it; default 1. */
  prefetch?: number;
  /** An inbox or RPC queue without a consumer for this long is deleted by the broker; default 60,000 ms. */
  queueExpiresMs?: number;
  /** Bytes of frames kept in memory while the connection is down or the socket pushes back; default 64 MiB. */
  maxBufferedBytes?: number;
  /**
   * The largest frame published, in bytes; default 128 MiB (RabbitMQ's default `max_message_size`). Set it to
   * the broker's `max_message_size` when that is configured. A larger frame is never published: `send` and
   * `publish` drop it (counted, with a warning), `request` rejects with `MESSAGE_TOO_LARGE`.
   */
  maxFrameBytes?: number;
  /** Time for request timeouts and reconnection backoff; default the system clock. */
  clock?: Clock;
  /**
   * Writes `send`'s frames to the socket directly, past amqplib's publish path, whenever amqplib holds
   * nothing unsent for the publisher channel (see docs/design/011-direct-publish.md); default true. Set
   * false to publish every frame through amqplib.
   */
  directPublish?: boolean;
}
