import { HypernodeError } from '@hypernode/core';
import type { TlsOptions } from '@hypernode/core/runtime';

/** A Redis URL with its password replaced by `***`, or a placeholder when it cannot be parsed. */
export function maskRedisUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return url.replace(/\/\/[^@/]*@/, '//***@');
  }
}

/**
 * What is wrong with a Redis URL, as the end of a sentence that starts with "The Redis URL", or undefined when
 * it is usable: not empty, parsable, `redis:` or `rediss:`, with a host, and a database index (the path) that is
 * a whole number when given. Whether the server has that many databases is known only once connected.
 */
export function redisUrlProblem(url: string): string | undefined {
  if (typeof url !== 'string' || url.trim() === '') return 'is empty';
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return `'${maskRedisUrl(url)}' cannot be parsed as a URL`;
  }
  if (u.protocol !== 'redis:' && u.protocol !== 'rediss:') return `'${maskRedisUrl(url)}' has the scheme '${u.protocol}'; Redis URLs start with redis:// or rediss://`;
  if (!u.hostname) return `'${maskRedisUrl(url)}' names no host`;
  const db = u.pathname.replace(/^\//, '');
  if (db !== '' && !/^(0|[1-9][0-9]{0,5})$/.test(db)) {
    return `'${maskRedisUrl(url)}' selects the database '${decodeURIComponent(db)}', which is not a database index; end the URL with /0 to /15 (or no path for database 0)`;
  }
  return undefined;
}

/** The database index a (valid) Redis URL selects. */
export function databaseOf(url: string): number {
  return Number(new URL(url).pathname.replace(/^\//, '') || 0);
}

/**
 * Why Redis refused the connection, as a sentence end with the fix, when `err` (an error ioredis reported while
 * connecting) says: a wrong password or user, a password missing, or a database index the server does not have.
 */
export function refusal(err: Error | undefined, url: string): string | undefined {
  const msg = err?.message ?? '';
  if (/WRONGPASS|invalid password|invalid username-password/i.test(msg)) {
    return `Redis refused the login (${msg.replace(/\.$/, '')}); check the user and password in the URL (redis://user:password@host:port, or redis://:password@host:port for the default user)`;
  }
  if (/NOAUTH|Authentication required/i.test(msg)) {
    return `Redis requires a password (${msg.replace(/\.$/, '')}) and the URL gives none; put it in the URL: redis://:password@host:port (or redis://user:password@host:port)`;
  }
  if (/DB index is out of range|invalid DB index/i.test(msg)) {
    return `this Redis has no database ${databaseOf(url)} (${msg.replace(/\.$/, '')}); use a database index below its 'databases' setting (16 by default), e.g. /0`;
  }
  return undefined;
}

const pem = (v: string | Uint8Array): Buffer => (typeof v === 'string' ? Buffer.from(v) : Buffer.from(v.buffer, v.byteOffset, v.byteLength));

/**
 * ioredis's `tls` option for `url` and the TLS material given: undefined for a `redis://` URL without TLS options
 * (ioredis itself turns TLS on for `rediss://`). Throws `INVALID_OPTIONS` for TLS options with a `redis://` URL, or
 * a client certificate without its key (or the reverse).
 */
export function redisTlsOf(url: string, tls: TlsOptions | undefined): { ca?: Buffer[]; cert?: Buffer; key?: Buffer } | undefined {
  if (tls === undefined || (tls.ca === undefined && tls.cert === undefined && tls.key === undefined)) return undefined;
  if (!/^rediss:/i.test(url.trim())) {
    throw new HypernodeError('INVALID_OPTIONS', `TLS options were given but the Redis URL '${maskRedisUrl(url)}' is not rediss://; use a rediss:// URL (the server's tls-port), or leave the TLS options out.`);
  }
  if ((tls.cert === undefined) !== (tls.key === undefined)) {
    throw new HypernodeError('INVALID_OPTIONS', `The TLS option '${tls.cert === undefined ? 'key' : 'cert'}' was given without '${tls.cert === undefined ? 'cert' : 'key'}'; a client certificate needs both (or neither).`);
  }
  const out: { ca?: Buffer[]; cert?: Buffer; key?: Buffer } = {};
  if (tls.ca !== undefined) out.ca = [pem(tls.ca)];
  if (tls.cert !== undefined) out.cert = pem(tls.cert);
  if (tls.key !== undefined) out.key = pem(tls.key);
  return out;
}
