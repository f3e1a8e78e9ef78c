import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { HypernodeError, type Logger } from '@hypernode/core';
import type { Transport } from '@hypernode/core/runtime';
import type { DaemonMetrics, MetricsSources } from './metrics';
import { formatAddress, type MetricsAddress } from './metrics-address';

/** A running metrics listener. */
export interface MetricsServer {
  /** The address it listens on (the port it got when asked for port 0). */
  readonly address: MetricsAddress;
  close(): Promise<void>;
}

/**
 * Serves `GET /metrics` (Prometheus text exposition of `metrics`) at `address`; any other path answers 404 naming
 * /metrics. Rejects with `INVALID_OPTIONS` naming the address and the fix when it cannot listen (port in use,
 * address not on this machine, no permission).
 */
export async function serveMetrics(metrics: DaemonMetrics, address: MetricsAddress, logger: Logger, label = '--metrics'): Promise<MetricsServer> {
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD', 'content-type': 'text/plain' }).end('Only GET /metrics is served here.\n');
      return;
    }
    if (path !== '/metrics') {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('Not found: hypernode serves Prometheus metrics at /metrics.\n');
      return;
    }
    metrics.text().then(
      (body) => res.writeHead(200, { 'content-type': metrics.contentType }).end(req.method === 'HEAD' ? undefined : body),
      (err: Error) => {
        logger.error(`metrics scrape failed: ${err.message}`);
        res.writeHead(500, { 'content-type': 'text/plain' }).end(`metrics scrape failed: ${err.message}\n`);
      },
    );
  });
  server.keepAliveTimeout = 65_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) => {
      const why =
        err.code === 'EADDRINUSE'
          ? 'the port is in use (another daemon or program listens on it); give another port'
          : err.code === 'EADDRNOTAVAIL'
            ? 'that address is not one of this machine\'s; give 127.0.0.1, 0.0.0.0 or an address of this machine'
            : err.code === 'EACCES'
              ? 'no permission to listen on it (ports below 1024 need privileges); give a port from 1024 up'
              : `${err.code ?? 'error'}: ${err.message}`;
      reject(new HypernodeError('INVALID_OPTIONS', `Cannot serve metrics at ${label} ${formatAddress(address)}: ${why}.`, { cause: err }));
    });
    server.listen(address.port, address.host, () => resolve());
  });
  const bound = server.address() as AddressInfo;
  const actual = { host: address.host, port: bound.port };
  logger.info(`serving Prometheus metrics at http://${formatAddress(actual)}/metrics`);
  return {
    address: actual,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A daemon's metrics and their listener, or nothing when metrics are off. */
export interface DaemonObservability {
  readonly metrics: DaemonMetrics;
  readonly server: MetricsServer;
}

/**
 * Builds a daemon's metrics from `sources`, counts `transport`'s reconnections and serves them at `address`;
 * resolves with null when `address` is undefined (metrics off).
 */
export async function startMetrics(
  address: MetricsAddress | undefined,
  sources: MetricsSources,
  transport: Transport,
  logger: Logger,
  label?: string,
): Promise<DaemonObservability | null> {
  if (address === undefined) return null;
  // prom-client is loaded only by a daemon that serves metrics (docs/design/022).
  const { DaemonMetrics } = await import('./metrics');
  const metrics = new DaemonMetrics(sources);
  metrics.watch(transport);
  try {
    return { metrics, server: await serveMetrics(metrics, address, logger, label) };
  } catch (err) {
    metrics.close();
    throw err;
  }
}

/** Stops serving and sampling; nothing when metrics are off. */
export async function stopMetrics(o: DaemonObservability | null): Promise<void> {
  if (!o) return;
  await o.server.close();
  o.metrics.close();
}
