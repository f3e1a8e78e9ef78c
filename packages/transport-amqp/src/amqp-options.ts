import { HypernodeError, systemClock, type Clock } from '@hypernode/core';
import { registryArguments, type TlsOptions } from '@hypernode/core/runtime';
import { amqpUrlProblem, maskUrl } from './amqp-url';

/** Where {@link AmqpTransport} writes what operators should know (reconnections, dropped redeliveries). */
export interface AmqpLogger {
  info(msg: string): void;
  warn(msg: string): void;
}

/** Options of {@link AmqpTransport.connect}. */
export interface AmqpTransportOptions {
  /** Broker URL; default `amqp://guest:guest@127.0.0.1:5672`. Its password is never logged. */
  url?: string;
  /**
   * Cluster name: every queue and exchange is named `hypernode.<cluster>.…`; `[A-Za-z0-9][A-Za-z0-9_-]{0,99}`
   * (no `.`, the separator of queue names, so that names of two clusters cannot collide).
   */
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
  /**
   * How long opening a connection (TCP, the AMQP handshake, the first channel) may take, on `connect` and on
   * each reconnection attempt; default 10,000 ms. A server that accepts the TCP connection but does not speak
   * AMQP (Redis's port, say) fails `connect` after this long with `TRANSPORT_DOWN` saying so.
   */
  connectTimeoutMs?: number;
  /** Time for request timeouts and reconnection backoff; default the system clock. */
  clock?: Clock;
  /**
   * Writes `send`'s frames to the socket directly, past amqplib's publish path, whenever amqplib holds
   * nothing unsent for the publisher channel (see docs/design/011-direct-publish.md); default true. Set
   * false to publish every frame through amqplib.
   */
  directPublish?: boolean;
  /**
   * CA, client certificate and key (PEM contents) for an `amqps://` URL; without `ca`, Node's trusted CAs check
   * the broker's certificate. Refused with an `amqp://` URL. A handshake that fails (untrusted certificate, wrong
   * host name, a plain port) rejects `connect` with `TRANSPORT_DOWN` saying so.
   */
  tls?: TlsOptions;
}

/** The default of {@link AmqpTransportOptions.connectTimeoutMs}. */
export const DEFAULT_CONNECT_TIMEOUT_MS = 10_000;

/** {@link AmqpTransportOptions} checked, with every default filled in. */
export type ResolvedAmqpOptions = Required<Omit<AmqpTransportOptions, 'logger' | 'maxFrameBytes' | 'tls'>> & {
  logger: AmqpLogger;
  maxFrameBytes: number | undefined;
  /** amqplib's socket options for TLS (empty for `amqp://`). */
  socket: { ca?: Buffer[]; cert?: Buffer; key?: Buffer };
};

/** Checks `options` (throwing `INVALID_OPTIONS` naming the bad one and the fix) and fills in the defaults. */
export function resolveAmqpOptions(options: AmqpTransportOptions): ResolvedAmqpOptions {
  const { cluster } = options;
  registryArguments.checkClusterName(cluster);
  const url = options.url ?? 'amqp://guest:guest@127.0.0.1:5672';
  const problem = amqpUrlProblem(url);
  if (problem) throw new HypernodeError('INVALID_OPTIONS', `The RabbitMQ URL ${problem}; pass one such as amqp://user:password@host:5672.`);
  const prefetch = options.prefetch ?? 1;
  if (!Number.isInteger(prefetch) || prefetch < 1) {
    throw new HypernodeError('INVALID_OPTIONS', `Prefetch ${prefetch} is not a positive integer; pass 1 or more.`);
  }
  const connectTimeoutMs = options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
  if (typeof connectTimeoutMs !== 'number' || !Number.isFinite(connectTimeoutMs) || connectTimeoutMs <= 0 || connectTimeoutMs > 2 ** 31 - 1) {
    throw new HypernodeError('INVALID_OPTIONS', `connectTimeoutMs ${String(connectTimeoutMs)} is not valid; pass a number of milliseconds above 0, e.g. 10000.`);
  }
  return {
    url,
    cluster,
    prefetch,
    connectTimeoutMs,
    logger: options.logger ?? { info: (m: string) => console.info(`[hypernode] ${m}`), warn: (m: string) => console.warn(`[hypernode] ${m}`) },
    queueExpiresMs: options.queueExpiresMs ?? 60_000,
    maxBufferedBytes: options.maxBufferedBytes ?? 64 << 20,
    clock: options.clock ?? systemClock,
    directPublish: options.directPublish ?? true,
    maxFrameBytes: options.maxFrameBytes,
    socket: tlsSocketOptions(url, options.tls),
  };
}

const pem = (v: string | Uint8Array): Buffer => (typeof v === 'string' ? Buffer.from(v) : Buffer.from(v.buffer, v.byteOffset, v.byteLength));

/** The socket options amqplib hands to `tls.connect` for an `amqps://` URL. */
function tlsSocketOptions(url: string, tls: TlsOptions | undefined): ResolvedAmqpOptions['socket'] {
  if (tls === undefined || (tls.ca === undefined && tls.cert === undefined && tls.key === undefined)) return {};
  if (!/^amqps:/i.test(url.trim())) {
    throw new HypernodeError('INVALID_OPTIONS', `TLS options were given but the RabbitMQ URL '${maskUrl(url)}' is not amqps://; use an amqps:// URL (RabbitMQ's TLS port, 5671 by default), or leave the TLS options out.`);
  }
  if ((tls.cert === undefined) !== (tls.key === undefined)) {
    throw new HypernodeError('INVALID_OPTIONS', `The TLS option '${tls.cert === undefined ? 'key' : 'cert'}' was given without '${tls.cert === undefined ? 'cert' : 'key'}'; a client certificate needs both (or neither).`);
  }
  const socket: ResolvedAmqpOptions['socket'] = {};
  if (tls.ca !== undefined) socket.ca = [pem(tls.ca)];
  if (tls.cert !== undefined) socket.cert = pem(tls.cert);
  if (tls.key !== undefined) socket.key = pem(tls.key);
  return socket;
}
