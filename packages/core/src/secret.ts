import { createHmac, hkdfSync, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { HypernodeError } from './errors';

/**
 * The cluster secret and the keys derived from it (docs/security.md).
 *
 * One secret per cluster, held by the daemons and by whoever administers the cluster. It is never sent and never
 * used as a key directly: each use gets its own key, derived with HKDF-SHA256 from the secret, the cluster name
 * and the purpose, so that a MAC made for one purpose (an admin request, a frame, a module record) can never pass
 * for another, nor for another cluster sharing the secret.
 *
 * Roles: `read` (status, ps, tree, top, modules, dead letters), `operate` (and spawn, send, call, kill) and
 * `admin` (and load, reload, nodes, workers). The key of a role is itself a secret an operator can hand out
 * (`roleSecret`): whoever holds it can sign requests of that role and below, and cannot derive the cluster
 * secret or a higher role's key from it.
 */

export type Role = 'read' | 'operate' | 'admin';
export const ROLES: readonly Role[] = ['read', 'operate', 'admin'];

/** The shortest secret accepted, in bytes: 128 bits of a random secret, hex-encoded, is 32 characters. */
export const MIN_SECRET_BYTES = 16;

/** Purposes a key is derived for. New purposes may be added; an existing one never changes meaning. */
export type KeyPurpose = 'frames' | 'events' | 'modules' | 'control' | `role:${Role}`;

/** HKDF-SHA256 of the secret for one cluster and one purpose: 32 bytes. */
export function deriveKey(secret: string | Uint8Array, cluster: string, purpose: KeyPurpose): Buffer {
  const ikm = typeof secret === 'string' ? Buffer.from(secret, 'utf8') : Buffer.from(secret);
  return Buffer.from(hkdfSync('sha256', ikm, Buffer.from(`hypernode:${cluster}`, 'utf8'), Buffer.from(purpose, 'utf8'), 32));
}

/** The secret a holder of `role` signs requests with, as text (hex) to put in `HYPERNODE_SECRET` or a file. */
export function roleSecret(secret: string | Uint8Array, cluster: string, role: Role): string {
  return deriveKey(secret, cluster, `role:${role}`).toString('hex');
}

/**
 * HMAC-SHA256 over `parts`, each prefixed by its length so that no two different lists of parts give the same
 * input ("ab","c" and "a","bc" differ).
 */
export function macOf(key: Uint8Array, ...parts: (string | Uint8Array)[]): Buffer {
  const h = createHmac('sha256', key);
  const len = Buffer.allocUnsafe(4);
  for (const part of parts) {
    const bytes = typeof part === 'string' ? Buffer.from(part, 'utf8') : part;
    len.writeUInt32BE(bytes.length, 0);
    h.update(len);
    h.update(bytes);
  }
  return h.digest();
}

/** Constant-time comparison of two MACs; false when their lengths differ (the length of a MAC is not secret). */
export function macEquals(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}

/** Where a secret comes from, for messages: never its value. */
export interface SecretSource {
  /** `HYPERNODE_SECRET`'s value, if set. */
  env?: string | undefined;
  /** A file holding the secret (`--secret-file`); surrounding whitespace is ignored. */
  file?: string | undefined;
}

/**
 * The cluster secret from a file or the environment (the file wins), or null when neither is given. A secret that
 * is too short or unreadable is refused with a sentence naming the cause and the fix, and never the secret.
 */
export function readSecret(source: SecretSource): string | null {
  let secret: string;
  let from: string;
  if (source.file !== undefined && source.file !== '') {
    from = `the secret file ${source.file}`;
    try {
      secret = readFileSync(source.file, 'utf8').trim();
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code ?? 'error';
      throw new HypernodeError('BAD_SECRET', `Cannot read ${from} (${code}). Give --secret-file a readable file holding the cluster secret, or set HYPERNODE_SECRET.`);
    }
  } else if (source.env !== undefined && source.env !== '') {
    from = 'HYPERNODE_SECRET';
    secret = source.env.trim();
  } else {
    return null;
  }
  if (Buffer.byteLength(secret, 'utf8') < MIN_SECRET_BYTES) {
    throw new HypernodeError(
      'BAD_SECRET',
      `The cluster secret in ${from} is ${Buffer.byteLength(secret, 'utf8')} bytes long; it needs at least ${MIN_SECRET_BYTES}. ` +
        'Make one with `openssl rand -hex 32` and give the same secret to every daemon and client of the cluster.',
    );
  }
  return secret;
}
