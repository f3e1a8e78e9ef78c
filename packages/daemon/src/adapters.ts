import { systemClock, type Clock, type Logger, type TimerHandle } from '@hypernode/core';
import { authenticateTransport, DELIVERY_TRAILER_MAX, FRAME_TRAILER_BYTES, type Registry, type Transport } from '@hypernode/core/runtime';
import { RedisRegistry } from '@hypernode/registry-redis';
import { AmqpTransport } from '@hypernode/transport-amqp';
import type { Connection } from './config';
import { maskUrl } from './defaults';
import { describeCluster } from './settings';
import { isTlsUrl, readTlsFiles } from './tls-settings';

/** RabbitMQ's default `max_message_size`, the transport's default `maxFrameBytes`. */
const BROKER_LIMIT = 128 * 1024 * 1024;

/**
 * A connected transport and registry of one cluster: what a daemon runs over. A daemon given them owns them
 * from then on and closes both when it stops.
 */
export interface Adapters {
  transport: Transport;
  registry: Registry;
}

/**
 * Connects to RabbitMQ and Redis for `cluster`, each within `conn.connectTimeoutMs` (default 10 s). With
 * `conn.secret`, the transport signs every frame and cluster event it sends and drops (and counts) those it receives
 * without a good MAC (core's `authenticateTransport`, docs/security.md); requests are left to the RPC's own MACs.
 * Rejects with
 * the adapters' own errors (`TRANSPORT_DOWN`, `REGISTRY_DOWN`, or `INVALID_OPTIONS` for a bad URL or a login
 * Redis refused, naming the URL, never the password; for an unreadable TLS file, naming it and its flag); a failed TLS
 * handshake rejects naming the host and the cause. On failure nothing stays open.
 */
export async function connectAdapters(conn: Connection, logger: Logger): Promise<Adapters> {
  const { connectTimeoutMs } = conn;
  logger.info(`connecting to ${describeCluster({ cluster: conn.cluster, clusterFrom: conn.clusterFrom ?? 'flag' })} over RabbitMQ at '${maskUrl(conn.amqpUrl)}' and Redis at '${maskUrl(conn.redisUrl)}'${conn.secret ? '; frames and cluster events are signed with the cluster secret' : ''}`);
  // The transport's own guard is the broker's limit (128 MiB by default), raised with a larger message limit.
  // A signed frame is a frame of up to the message limit plus the delivery trailer (design 028) and the MAC's trailer.
  const largest = conn.maxMessageBytes !== undefined ? conn.maxMessageBytes + DELIVERY_TRAILER_MAX + (conn.secret ? FRAME_TRAILER_BYTES : 0) : undefined;
  const maxFrameBytes = largest !== undefined && largest > BROKER_LIMIT ? largest : undefined;
  // The TLS files apply to whichever URL uses TLS; they are read again here (a restarted worker gets renewed ones).
  const tls = conn.tls !== undefined ? readTlsFiles(conn.tls) : undefined;
  const amqpTls = tls !== undefined && isTlsUrl(conn.amqpUrl) ? { tls } : {};
  const redisTls = tls !== undefined && isTlsUrl(conn.redisUrl) ? { tls } : {};
  const transport = await AmqpTransport.connect({ url: conn.amqpUrl, cluster: conn.cluster, logger, maxFrameBytes, ...amqpTls, ...(connectTimeoutMs ? { connectTimeoutMs } : {}) });
  try {
    const registry = await RedisRegistry.connect({ url: conn.redisUrl, cluster: conn.cluster, logger, ...redisTls, ...(connectTimeoutMs ? { connectTimeoutMs } : {}) });
    const secret = conn.secret ?? null;
    return { transport: secret === null ? transport : authenticateTransport(transport, { secret, cluster: conn.cluster, logger }), registry };
  } catch (err) {
    await transport.close().catch(() => undefined);
    throw err;
  }
}

/** Resolves with `promise`, or with `undefined` once `ms` passed on `clock`. */
export function within<T>(promise: Promise<T>, ms: number, clock: Clock = systemClock): Promise<T | undefined> {
  let timer: TimerHandle | undefined;
  return Promise.race([
    promise.finally(() => {
      if (timer !== undefined) clock.clearTimeout(timer);
    }),
    new Promise<undefined>((resolve) => {
      timer = clock.setTimeout(() => resolve(undefined), ms);
    }),
  ]);
}
