import type { Logger } from '@hypernode/core';
import { RedisRegistry } from '@hypernode/registry-redis';
import { AmqpTransport } from '@hypernode/transport-amqp';
import type { Connection } from './config';

/** A connected transport and registry of one cluster. */
export interface Adapters {
  transport: AmqpTransport;
  registry: RedisRegistry;
}

/**
 * Connects to RabbitMQ and Redis for `cluster`. Rejects with the adapters' own errors (`TRANSPORT_DOWN`,
 * `REGISTRY_DOWN`, naming the host, never the password); on failure nothing stays open.
 */
export async function connectAdapters(conn: Connection, logger: Logger): Promise<Adapters> {
  const transport = await AmqpTransport.connect({ url: conn.amqpUrl, cluster: conn.cluster, logger });
  try {
    const registry = await RedisRegistry.connect({ url: conn.redisUrl, cluster: conn.cluster, logger });
    return { transport, registry };
  } catch (err) {
    await transport.close().catch(() => undefined);
    throw err;
  }
}

/** Resolves with `promise`, or with `undefined` once `ms` passed. */
export function within<T>(promise: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    promise.finally(() => clearTimeout(timer)),
    new Promise<undefined>((resolve) => {
      timer = setTimeout(() => resolve(undefined), ms);
    }),
  ]);
}

/** Runs `tick` every `ms` (never two at once); `stop()` ends it. The first run is after `ms`. */
export function every(ms: number, tick: () => Promise<void>): { stop(): void } {
  let running = false;
  const timer = setInterval(() => {
    if (running) return;
    running = true;
    tick().finally(() => {
      running = false;
    });
  }, ms);
  return { stop: () => clearInterval(timer) };
}
