/**
 * Who may see the web dashboard. Without a cluster secret, anyone who reaches the (loopback) port. With one,
 * whoever gives the read-role secret (`roleSecret(secret, cluster, 'read')`), a higher role's, or the cluster
 * secret itself, once, in the login form: they get a session cookie (a random token held in memory, HttpOnly,
 * SameSite=Strict) that the page and its websocket carry.
 */
import { randomBytes } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { macEquals, macOf, roleSecret, ROLES } from '@hypernode/core/runtime';
import { isLoopback } from './http-address';

/** The session cookie's name. */
export const SESSION_COOKIE = 'hypernode_dashboard';
/** How long a session lasts. */
export const SESSION_MS = 12 * 60 * 60 * 1000;
/** Sessions held at most (the oldest is dropped beyond). */
const MAX_SESSIONS = 1000;

/** The dashboard's sessions and the secrets that open one. */
export class DashboardAuth {
  /** A key of this run only: secrets are compared as MACs under it, in constant time. */
  private readonly key = randomBytes(32);
  private readonly accepted: Buffer[];
  private readonly sessions = new Map<string, number>();

  constructor(
    secret: string | null,
    cluster: string,
    private readonly now: () => number = Date.now,
  ) {
    this.accepted = secret === null ? [] : [secret, ...ROLES.map((r) => roleSecret(secret, cluster, r))].map((s) => macOf(this.key, s));
  }

  /** Whether a secret is needed at all. */
  get required(): boolean {
    return this.accepted.length > 0;
  }

  /** Whether `given` is the cluster secret or one of its role secrets (each compared in constant time). */
  accepts(given: string): boolean {
    const mac = macOf(this.key, given.trim());
    let ok = false;
    for (const a of this.accepted) ok = macEquals(a, mac) || ok;
    return ok;
  }

  /** Opens a session: the cookie header value to set. */
  open(): string {
    const token = randomBytes(32).toString('hex');
    this.sessions.set(token, this.now() + SESSION_MS);
    if (this.sessions.size > MAX_SESSIONS) this.sessions.delete(this.sessions.keys().next().value!);
    return `${SESSION_COOKIE}=${token}; HttpOnly; SameSite=Strict; Path=/; Max-Age=${SESSION_MS / 1000}`;
  }

  /** Whether the request may see the dashboard: no secret needed, or it carries a live session cookie. */
  allows(req: IncomingMessage): boolean {
    if (!this.required) return true;
    const token = cookie(req, SESSION_COOKIE);
    if (token === undefined) return false;
    const until = this.sessions.get(token);
    if (until === undefined) return false;
    if (until < this.now()) {
      this.sessions.delete(token);
      return false;
    }
    return true;
  }

  /** Ends the session the request carries (logout). */
  close(req: IncomingMessage): void {
    const token = cookie(req, SESSION_COOKIE);
    if (token !== undefined) this.sessions.delete(token);
  }
}

/** A cookie's value from the request, or undefined. */
export function cookie(req: IncomingMessage, name: string): string | undefined {
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

/**
 * Refuses requests another site makes the browser send: a websocket or form post whose `Origin` is not this
 * server's own host, and, when `loopbackOnly` (a dashboard on loopback with no secret), any request whose `Host`
 * is not a loopback name (a DNS-rebinding page). Returns the reason to refuse, or null.
 */
export function foreignRequest(req: IncomingMessage, loopbackOnly: boolean): string | null {
  const host = req.headers.host ?? '';
  const origin = req.headers.origin;
  if (origin !== undefined && origin !== 'null') {
    let originHost: string;
    try {
      originHost = new URL(origin).host;
    } catch {
      return `its Origin '${origin}' is not a URL`;
    }
    if (originHost !== host) return `it comes from another site (Origin '${origin}', this server is '${host}')`;
  } else if (origin === 'null') {
    return "its Origin is 'null' (a sandboxed or file page)";
  }
  if (loopbackOnly) {
    const name = host.startsWith('[') ? host.slice(0, host.indexOf(']') + 1) : host.replace(/:\d+$/, '');
    if (!isLoopback(name)) return `its Host '${host}' is not a loopback name, and without a cluster secret the dashboard only answers those`;
  }
  return null;
}
