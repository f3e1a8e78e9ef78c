/** The `--http` address of the cluster daemon's web dashboard: parsing, and who may be let in on it. */
import { isIP } from 'node:net';
import { HypernodeError } from '@hypernode/core';

/** Where the dashboard listens. */
export interface HttpAddress {
  host: string;
  /** 0 picks a free port (the daemon logs the one it got). */
  port: number;
  /** Listening beyond loopback without a cluster secret was allowed on purpose (`--insecure`). */
  insecure?: boolean;
}

/** Whether `host` only reaches this machine: `localhost`, 127.0.0.0/8 or ::1. */
export function isLoopback(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  return h === 'localhost' || h === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h) || h === '::ffff:127.0.0.1';
}

/**
 * Parses `[host:]port` (`8080`, `127.0.0.1:8080`, `0.0.0.0:8080`, `[::1]:8080`); a bare port means 127.0.0.1.
 * Throws `INVALID_OPTIONS` naming `label` and the fix.
 */
export function parseHttpAddress(text: string, label = '--http', insecure = false): HttpAddress {
  const bad = (why: string) =>
    new HypernodeError('INVALID_OPTIONS', `${label} '${text}' ${why}; give a port such as 8080 (listens on 127.0.0.1) or host:port such as 127.0.0.1:8080.`);
  const t = text.trim();
  if (t === '') throw bad('is empty');
  let host = '127.0.0.1';
  let portText = t;
  const bracket = /^\[([^\]]+)\]:(.*)$/.exec(t);
  if (bracket) {
    host = bracket[1]!;
    portText = bracket[2]!;
    if (isIP(host) !== 6) throw bad(`has '${host}' in brackets, which is not an IPv6 address`);
  } else if (t.includes(':')) {
    const at = t.lastIndexOf(':');
    host = t.slice(0, at);
    portText = t.slice(at + 1);
    if (host.includes(':')) throw bad('has an IPv6 address without brackets (write [::1]:8080)');
    if (host === '') throw bad('has no host before the colon');
    if (isIP(host) === 0 && !/^[A-Za-z0-9]([A-Za-z0-9.-]{0,252})$/.test(host)) throw bad(`has '${host}', which is not a host name or IP address`);
  }
  if (!/^\d{1,5}$/.test(portText) || Number(portText) > 65535) throw bad(`has the port '${portText}', which is not a whole number from 0 to 65535`);
  const address: HttpAddress = { host, port: Number(portText) };
  if (insecure) address.insecure = true;
  return address;
}

/**
 * Refuses (`INVALID_OPTIONS`) a dashboard on a non-loopback host when no cluster secret is configured and
 * `--insecure` was not given: anyone who can reach the port would watch the cluster.
 */
export function checkHttpExposure(address: HttpAddress, hasSecret: boolean, prefix = ''): void {
  if (hasSecret || address.insecure === true || isLoopback(address.host)) return;
  throw new HypernodeError(
    'INVALID_OPTIONS',
    `${prefix}--http '${address.host}:${address.port}' would serve the dashboard beyond this machine with no cluster secret, so anyone reaching the port could watch the cluster; ` +
      `configure the cluster secret (HYPERNODE_SECRET or --secret-file), or use a loopback host such as 127.0.0.1:${address.port}, or add --insecure to allow it anyway.`,
  );
}

/** `host:port` for a URL (IPv6 in brackets). */
export function hostPort(host: string, port: number): string {
  return `${isIP(host) === 6 ? `[${host}]` : host}:${port}`;
}
