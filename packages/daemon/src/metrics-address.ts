import { HypernodeError } from '@hypernode/core';

/** Where a daemon serves `GET /metrics`. */
export interface MetricsAddress {
  host: string;
  port: number;
}

/**
 * Parses `--metrics` / `HYPERNODE_METRICS`: `9464` (loopback: 127.0.0.1:9464), `host:9464`, or `[::1]:9464`.
 * Port 0 picks a free port (the daemon logs the one it got). Throws `INVALID_OPTIONS` naming `label` and the fix.
 */
export function parseMetricsAddress(raw: string, label: string): MetricsAddress {
  const text = raw.trim();
  const m = /^(?:(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+):)?(\d{1,5})$/.exec(text);
  const port = m ? Number(m[2]) : NaN;
  if (!m || port > 65535) {
    throw new HypernodeError(
      'INVALID_OPTIONS',
      `${label} '${raw}' is not a metrics address; give a port (9464, served on 127.0.0.1), host:port (0.0.0.0:9464 to serve every interface) or [::1]:9464.`,
    );
  }
  const host = m[1] === undefined ? '127.0.0.1' : m[1].replace(/^\[(.*)\]$/, '$1');
  return { host, port };
}

/** `host:port` as a URL's authority (IPv6 in brackets). */
export function formatAddress(a: MetricsAddress): string {
  return a.host.includes(':') ? `[${a.host}]:${a.port}` : `${a.host}:${a.port}`;
}

/**
 * The metrics address of the worker in slot `slot` (1, 2, ...) of a node daemon serving metrics at `node`: the
 * same host, port `node.port + slot` (port 0 stays 0: each worker picks a free port). Undefined when that port
 * would pass 65535.
 */
export function workerMetricsAddress(node: MetricsAddress, slot: number): MetricsAddress | undefined {
  if (node.port === 0) return { host: node.host, port: 0 };
  const port = node.port + slot;
  return port > 65535 ? undefined : { host: node.host, port };
}
