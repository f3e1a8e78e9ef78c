/**
 * Authenticated requests (docs/design/024-authenticated-admin.md, docs/security.md): who may ask a daemon what.
 *
 * A signed request is `[op, argsBytes, auth]` where `argsBytes` is the codec's encoding of the arguments and
 * `auth` is `{ v: 1, role, ts, nonce, mac, by? }`: the version of this format, the role the caller signs as, its
 * clock (epoch ms), 16 random bytes, HMAC-SHA256 with the role's key over every other part (below) and, optionally,
 * who the caller says it is (for logs). An unsigned request is `[op, args]`, as before. New fields (a key id for
 * rotation, a user name) may be added to `auth` under a new `v`; a role is a name looked up in {@link ROLE_RANK}, so
 * new roles need no change of format.
 */
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { HypernodeError, type Clock, type Logger } from '@hypernode/core';
import { deriveKey, macEquals, macOf, ROLES, type Role } from '@hypernode/core/runtime';

/** The format version of `auth`. */
export const AUTH_VERSION = 1;
/** How far a request's timestamp may be from the daemon's clock, either way. */
export const MAX_CLOCK_SKEW_MS = 60_000;
/** The bytes of a request's nonce. */
export const NONCE_BYTES = 16;

/** A role's rank: a role may do what its rank and every lower rank may. */
export const ROLE_RANK: Readonly<Record<Role, number>> = { read: 1, operate: 2, admin: 3 };

/** Methods that need less than `admin`; any other method (of any service) needs `admin`. */
const METHOD_ROLES: Readonly<Record<string, Role>> = {
  status: 'read',
  nodes: 'read',
  modules: 'read',
  ps: 'read',
  tree: 'read',
  stats: 'read',
  top: 'read',
  'dead-letters': 'read',
  exits: 'read',
  spawn: 'operate',
  send: 'operate',
  call: 'operate',
  kill: 'operate',
  // Moving one process is an operator's act; evacuating a whole worker is part of removing it (admin).
  move: 'operate',
};

/** The role a method needs: read, operate, or (for every other method) admin. */
export function requiredRole(method: string): Role {
  return Object.hasOwn(METHOD_ROLES, method) ? METHOD_ROLES[method]! : 'admin';
}

/** The part of a role secret before the key: `role:read:<64 hex digits>`. */
const ROLE_SECRET = /^role:([a-z]+):([0-9a-f]{64})$/;

/** What a client signs with: a role and that role's key. */
export interface Credential {
  role: Role;
  key: Buffer;
}

/**
 * The text of a role secret to hand out (`hypernode-cli secret role read`): `role:<role>:<key in hex>`, the key
 * being HKDF of the cluster secret for the cluster and `role:<role>`. It signs requests of that role and below and
 * cannot be turned back into the cluster secret or a higher role's key.
 */
export function roleSecretText(secret: string, cluster: string, role: Role): string {
  return `role:${role}:${deriveKey(secret, cluster, `role:${role}`).toString('hex')}`;
}

/** Whether `secret` is a role secret (`role:…`) rather than the cluster secret. */
export function isRoleSecret(secret: string): boolean {
  return secret.startsWith('role:');
}

/**
 * What a client holding `secret` signs with: for the cluster secret, the admin role's key; for a role secret
 * (`role:read:…`), that role and its key. A malformed role secret is `BAD_SECRET`, naming the fix.
 */
export function credentialOf(secret: string, cluster: string): Credential {
  if (!isRoleSecret(secret)) return { role: 'admin', key: deriveKey(secret, cluster, 'role:admin') };
  const m = ROLE_SECRET.exec(secret);
  if (!m || !(ROLES as readonly string[]).includes(m[1]!)) {
    throw new HypernodeError(
      'BAD_SECRET',
      `The secret starts with 'role:' but is not a role secret ('role:' then ${ROLES.join(', ')} or its name, ':' and 64 hex digits); print one with 'hypernode-cli secret role <role>', or give the cluster secret.`,
    );
  }
  return { role: m[1] as Role, key: Buffer.from(m[2]!, 'hex') };
}

/**
 * The signer of a caller holding `secret` (see {@link credentialOf}), naming itself `by` in the servers' logs; null
 * without a secret (requests go unsigned).
 */
export function signerOf(cluster: string, secret: string | null, clock: Pick<Clock, 'now'>, by: string): RpcSigner | null {
  return secret === null ? null : new RpcSigner(cluster, credentialOf(secret, cluster), clock, by);
}

/** The signed parts of a request, in the order the MAC covers them. */
function macInput(v: number, cluster: string, service: string, op: string, role: string, ts: number, nonce: Uint8Array, args: Uint8Array, by: string): (string | Uint8Array)[] {
  return ['hypernode-rpc', String(v), cluster, service, op, role, String(ts), nonce, args, by];
}

/** A request's `auth` field. */
export interface RequestAuth {
  v: number;
  role: string;
  ts: number;
  nonce: Uint8Array;
  mac: Uint8Array;
  by: string;
}

/** Signs requests with one credential (a client's or a daemon's). */
export class RpcSigner {
  /** Who this caller says it is in the servers' logs, e.g. `hypernode-cli pid 4242 on build-1`. */
  readonly by: string;

  constructor(
    private readonly cluster: string,
    private readonly credential: Credential,
    private readonly clock: Pick<Clock, 'now'>,
    by = `${process.title.split(/[\\/]/).pop() ?? 'node'} pid ${process.pid} on ${hostname()}`,
  ) {
    this.by = by.slice(0, 200);
  }

  get role(): Role {
    return this.credential.role;
  }

  /** The `auth` field of a request to `service`'s `op` with the encoded arguments `args`. */
  sign(service: string, op: string, args: Uint8Array): RequestAuth {
    const ts = this.clock.now();
    const nonce = randomBytes(NONCE_BYTES);
    const role = this.credential.role;
    const mac = macOf(this.credential.key, ...macInput(AUTH_VERSION, this.cluster, service, op, role, ts, nonce, args, this.by));
    return { v: AUTH_VERSION, role, ts, nonce, mac, by: this.by };
  }
}

/** The nonces seen in the last window, each kept until its timestamp leaves the window. */
class NonceWindow {
  private readonly until = new Map<string, number>();

  /** True the first time a nonce is seen within its window; false for a replay. */
  add(nonce: Uint8Array, keepUntil: number, now: number): boolean {
    for (const [key, at] of this.until) {
      if (at >= now) break; // mostly in time order: stop at the first one still in its window
      this.until.delete(key);
    }
    const key = Buffer.from(nonce).toString('base64');
    if (this.until.has(key)) return false;
    this.until.set(key, keepUntil);
    return true;
  }

  get size(): number {
    return this.until.size;
  }
}

/** At most this many refusals are logged per minute by one server; the rest are counted in the next line. */
const LOG_BUDGET_PER_MINUTE = 20;

/** Checks requests to the services of one daemon. */
export class RpcGuard {
  private readonly keys: Map<string, Buffer> | null;
  private readonly nonces = new NonceWindow();
  private logWindowStart = 0;
  private logged = 0;
  private unlogged = 0;

  constructor(
    private readonly cluster: string,
    secret: string | null,
    private readonly clock: Pick<Clock, 'now'>,
    private readonly logger: Logger,
  ) {
    this.keys = secret === null ? null : new Map(ROLES.map((r) => [r, deriveKey(secret, cluster, `role:${r}`)]));
  }

  /** Whether this daemon has a secret (and so refuses unsigned requests). */
  get required(): boolean {
    return this.keys !== null;
  }

  /**
   * Checks one request; throws `UNAUTHENTICATED` (no MAC, a wrong one, a stale timestamp, a replayed nonce, a
   * signed request to a daemon without a secret) or `FORBIDDEN` (a role too low for the method), after logging
   * the refusal with the caller's connection (`from`). Never names a secret or a key.
   */
  check(service: string, op: string, args: Uint8Array | null, auth: unknown, from: string): void {
    try {
      this.verify(service, op, args, auth);
    } catch (err) {
      const by = isAuth(auth) ? ` (signed by '${shown(auth.by)}')` : '';
      this.log(`refused request '${op}' to '${service}' from ${from}${by}: ${(err as Error).message}`);
      throw err;
    }
  }

  private verify(service: string, op: string, args: Uint8Array | null, auth: unknown): void {
    const where = `daemon of cluster '${this.cluster}'`;
    if (this.keys === null) {
      if (auth === undefined) return;
      throw new HypernodeError(
        'UNAUTHENTICATED',
        `The request '${op}' is signed with a cluster secret, but this ${where} has none: give the daemons the same secret (HYPERNODE_SECRET or --secret-file), or leave it out of the client.`,
      );
    }
    if (auth === undefined) {
      throw new HypernodeError(
        'UNAUTHENTICATED',
        `The request '${op}' carries no MAC, and this ${where} requires the cluster secret: set HYPERNODE_SECRET (or --secret-file) to the cluster secret or a role secret.`,
      );
    }
    if (!isAuth(auth) || args === null) {
      throw new HypernodeError('UNAUTHENTICATED', `The request '${op}' has a malformed signature; are the client and the daemon of the same version?`);
    }
    if (auth.v !== AUTH_VERSION) {
      throw new HypernodeError('UNAUTHENTICATED', `The request '${op}' is signed in format ${auth.v}, which this ${where} does not know (it knows ${AUTH_VERSION}); use a client of the daemon's version.`);
    }
    const key = this.keys.get(auth.role);
    if (!key) {
      throw new HypernodeError('UNAUTHENTICATED', `The request '${op}' is signed as role '${shown(auth.role)}', which this ${where} does not know (it knows ${ROLES.join(', ')}).`);
    }
    const expected = macOf(key, ...macInput(auth.v, this.cluster, service, op, auth.role, auth.ts, auth.nonce, args, auth.by));
    if (!macEquals(expected, auth.mac)) {
      throw new HypernodeError(
        'UNAUTHENTICATED',
        `The request '${op}' has a wrong MAC: it was signed with another secret (or for another cluster than '${this.cluster}'); give the client this cluster's secret, or a role secret printed by 'hypernode-cli secret role' for this cluster.`,
      );
    }
    const now = this.clock.now();
    const skew = auth.ts - now;
    if (Math.abs(skew) > MAX_CLOCK_SKEW_MS) {
      throw new HypernodeError(
        'UNAUTHENTICATED',
        `The request '${op}' is stale: its timestamp is ${Math.round(Math.abs(skew) / 1000)} s ${skew < 0 ? 'behind' : 'ahead of'} this daemon's clock, over the ${MAX_CLOCK_SKEW_MS / 1000} s allowed; sync the clocks of the client's and the daemon's machines (NTP).`,
      );
    }
    if (!this.nonces.add(auth.nonce, auth.ts + MAX_CLOCK_SKEW_MS, now)) {
      throw new HypernodeError('UNAUTHENTICATED', `The request '${op}' is a replay: its nonce was already used; a request is accepted once (send a new one).`);
    }
    const needed = requiredRole(op);
    if (ROLE_RANK[auth.role as Role] < ROLE_RANK[needed]) {
      throw new HypernodeError('FORBIDDEN', `The request '${op}' needs the role '${needed}'; it is signed as '${auth.role}'. Use a secret of role '${needed}' or higher (hypernode-cli secret role ${needed}).`);
    }
  }

  /** Logs a refusal, at most {@link LOG_BUDGET_PER_MINUTE} a minute; the others are counted in the next line. */
  private log(line: string): void {
    const now = this.clock.now();
    if (now - this.logWindowStart >= 60_000) {
      this.logWindowStart = now;
      this.logged = 0;
    }
    if (this.logged >= LOG_BUDGET_PER_MINUTE) {
      this.unlogged++;
      return;
    }
    this.logged++;
    const more = this.unlogged > 0 ? ` (and ${this.unlogged} more refusals not logged before this one)` : '';
    this.unlogged = 0;
    this.logger.warn(line + more);
  }

  /** Nonces held for replay detection (for tests and stats). */
  get noncesHeld(): number {
    return this.nonces.size;
  }
}

/** Text a caller chose, made safe for one log line: control characters out, at most 100 characters. */
export function shown(text: string): string {
  // eslint-disable-next-line no-control-regex
  const clean = text.replace(/[\u0000-\u001f\u007f]/g, '?');
  return clean.length > 100 ? `${clean.slice(0, 100)}…` : clean;
}

function isAuth(a: unknown): a is RequestAuth {
  const x = a as RequestAuth | null;
  return (
    x !== null &&
    typeof x === 'object' &&
    typeof x.v === 'number' &&
    typeof x.role === 'string' &&
    typeof x.ts === 'number' &&
    Number.isFinite(x.ts) &&
    x.nonce instanceof Uint8Array &&
    x.nonce.length === NONCE_BYTES &&
    x.mac instanceof Uint8Array &&
    typeof x.by === 'string'
  );
}
