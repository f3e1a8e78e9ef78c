/**
 * TLS for the adapters (`amqps://`, `rediss://`): the material they take and how a failed TLS handshake is told
 * to a person (docs/design/027-tls-and-broker-permissions.md). Shared so that RabbitMQ and Redis say the same thing.
 */

/**
 * PEM material for a TLS connection: the contents, not file paths (the daemons and the CLI read the files named
 * by `--tls-ca`, `--tls-cert`, `--tls-key`). Without `ca` the system's trusted CAs are used.
 */
export interface TlsOptions {
  /** The CA certificate(s) that signed the server's certificate. */
  ca?: string | Uint8Array;
  /** A client certificate, for a server that asks for one; needs `key`. */
  cert?: string | Uint8Array;
  /** The private key of `cert`. Never logged. */
  key?: string | Uint8Array;
}

const DEFAULT_FLAGS = { ca: '--tls-ca (HYPERNODE_TLS_CA, option tls.ca)', cert: '--tls-cert and --tls-key (HYPERNODE_TLS_CERT, HYPERNODE_TLS_KEY)' };

const UNTRUSTED = new Set([
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_UNTRUSTED',
  'CERT_SIGNATURE_FAILURE',
]);

/**
 * Why a TLS connection to `host` (`host:port`, never a URL with its password) failed, as the end of a sentence
 * with the fix, when `err` (from Node's `tls`, possibly wrapped by a driver) is a TLS failure; undefined otherwise.
 * `flags` names the settings to point at, e.g. `--tls-ca (HYPERNODE_TLS_CA)`.
 */
export function tlsProblem(err: unknown, host: string, flags: { ca: string; cert: string } = DEFAULT_FLAGS): string | undefined {
  const e = err as { code?: unknown; message?: unknown; reason?: unknown } | null | undefined;
  const code = typeof e?.code === 'string' ? e.code : '';
  // OpenSSL's messages are long and multi-line; its `reason` ("wrong version number") says it.
  const full = typeof e?.message === 'string' ? e.message : '';
  const message = typeof e?.reason === 'string' && e.reason !== '' ? e.reason : (full.split('\n')[0] ?? '').trim();
  if (UNTRUSTED.has(code)) {
    return `the TLS handshake with ${host} failed: its certificate is not trusted (${code}: ${message}); give the CA that signed it with ${flags.ca}, or fix the server's certificate chain`;
  }
  if (code === 'ERR_TLS_CERT_ALTNAME_INVALID') {
    return `the TLS handshake with ${host} failed: the server's certificate is not for that host name (${message}); connect with a host name its certificate names (its subjectAltName), or give the server a certificate for this name`;
  }
  if (code === 'CERT_HAS_EXPIRED' || code === 'CERT_NOT_YET_VALID') {
    return `the TLS handshake with ${host} failed: the server's certificate is ${code === 'CERT_HAS_EXPIRED' ? 'expired' : 'not valid yet'} (${code}); renew it (or check the clocks)`;
  }
  if (code === 'ERR_SSL_WRONG_VERSION_NUMBER' || /wrong version number|packet length too long|unknown protocol/i.test(full)) {
    return `no TLS handshake with ${host} (${message}): is this a plain, non-TLS port? Give the server's TLS port (RabbitMQ's is 5671 by default), or use amqp:// / redis:// for a plain one`;
  }
  if (/CERTIFICATE_REQUIRED|certificate required|HANDSHAKE_FAILURE|handshake failure/i.test(`${code} ${full}`)) {
    return `the server at ${host} refused the TLS handshake (${code || message}): it wants a client certificate; give one with ${flags.cert} and its key`;
  }
  if (/ALERT_UNKNOWN_CA|ALERT_BAD_CERTIFICATE|ALERT_CERTIFICATE_UNKNOWN|unknown ca|bad certificate/i.test(`${code} ${full}`)) {
    return `the server at ${host} refused our client certificate (${code || message}): it does not trust the CA that signed it; give a certificate the server's CA signed with ${flags.cert}`;
  }
  if (/^ERR_SSL_|^ERR_TLS_/.test(code)) return `the TLS handshake with ${host} failed (${code}: ${message}); check the server's TLS settings and ${flags.ca}`;
  return undefined;
}

/**
 * Why a TLS connection to `host` was reset, when no client certificate was given: a server that requires one
 * (RabbitMQ's `fail_if_no_peer_cert`, Redis's `tls-auth-clients yes`) may close the connection right after the
 * handshake (TLS 1.3) instead of sending an alert. Undefined for other errors.
 */
export function tlsResetProblem(err: unknown, host: string, flags: { cert: string } = DEFAULT_FLAGS): string | undefined {
  const e = err as { code?: unknown; message?: unknown } | null | undefined;
  const text = `${typeof e?.code === 'string' ? e.code : ''} ${typeof e?.message === 'string' ? e.message : ''}`;
  if (!/ECONNRESET|EPIPE|socket hang up|Socket closed abruptly/i.test(text)) return undefined;
  return `the server at ${host} closed the TLS connection right after the handshake (${text.trim()}): it likely wants a client certificate; give one with ${flags.cert} and its key`;
}
