/**
 * Listing a cluster's queues and exchanges through RabbitMQ's management HTTP API (the `rabbitmq_management`
 * plugin: `rabbitmq-plugins enable rabbitmq_management`, port 15672). AMQP cannot list queues; this is how
 * `hypernode-cli cluster destroy` finds the inbox queues of workers the registry no longer knows.
 */
import { maskUrl } from './amqp-url';
import type { QueueFacts } from './broker-objects';

/** What the management API lists under one cluster's prefix, or why it could not. */
export type ManagementListing =
  | { ok: true; queues: QueueFacts[]; exchanges: string[]; where: string }
  | { ok: false; why: string; where: string };

/** Options of {@link listByManagement}. */
export interface ManagementOptions {
  /** The AMQP URL of the broker: its host, vhost and credentials are the defaults below. */
  amqpUrl: string;
  /** `http(s)://[user:password@]host:port`; default `http://<AMQP host>:15672` with the AMQP URL's user and password. */
  managementUrl?: string;
  /** The cluster: objects named `hypernode.<cluster>.*` are listed. */
  cluster: string;
  /** Per HTTP request; default 5000 ms. */
  timeoutMs?: number;
}

const PAGE_SIZE = 500;

/** The management base URL (no credentials, no trailing `/`), its Authorization header, and the vhost. */
export function managementTarget(o: Pick<ManagementOptions, 'amqpUrl' | 'managementUrl'>): { base: string; auth: string; vhost: string } {
  const amqp = new URL(o.amqpUrl);
  const http = new URL(o.managementUrl ?? `http://${amqp.hostname}:15672`);
  const user = decodeURIComponent(http.username || amqp.username || 'guest');
  const password = decodeURIComponent(http.password || amqp.password || 'guest');
  http.username = http.password = '';
  const vhost = amqp.pathname.length > 1 ? decodeURIComponent(amqp.pathname.slice(1)) : '/';
  return { base: http.toString().replace(/\/$/, ''), auth: `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`, vhost };
}

/**
 * Lists the queues (with consumers and messages) and exchanges named `hypernode.<cluster>.*` in the AMQP URL's
 * vhost. Never rejects: an unreachable API, a refused login or an unexpected answer resolve `{ ok: false, why }`
 * (a sentence, without the password).
 */
export async function listByManagement(o: ManagementOptions): Promise<ManagementListing> {
  let target: ReturnType<typeof managementTarget>;
  try {
    target = managementTarget(o);
  } catch {
    return { ok: false, why: `the management URL '${maskUrl(o.managementUrl ?? '')}' is not a URL`, where: maskUrl(o.managementUrl ?? '') };
  }
  const where = target.base;
  const prefix = `hypernode.${o.cluster}.`;
  try {
    const queues = (await pages(target, 'queues', prefix, o.timeoutMs ?? 5000, 'name,consumers,messages')).map((q) => ({
      name: String(q.name),
      consumers: Number(q.consumers ?? 0),
      messages: Number(q.messages ?? 0),
    }));
    const exchanges = (await pages(target, 'exchanges', prefix, o.timeoutMs ?? 5000, 'name')).map((e) => String(e.name));
    return { ok: true, queues, exchanges, where };
  } catch (err) {
    return { ok: false, why: (err as Error).message, where };
  }
}

async function pages(t: { base: string; auth: string; vhost: string }, kind: 'queues' | 'exchanges', prefix: string, timeoutMs: number, columns: string): Promise<Record<string, unknown>[]> {
  const out: Record<string, unknown>[] = [];
  const name = `^${prefix.replaceAll('.', '\\.')}`;
  for (let page = 1; ; page++) {
    const url = `${t.base}/api/${kind}/${encodeURIComponent(t.vhost)}?page=${page}&page_size=${PAGE_SIZE}&name=${encodeURIComponent(name)}&use_regex=true&columns=${columns}`;
    let res: Response;
    try {
      res = await fetch(url, { headers: { authorization: t.auth }, signal: AbortSignal.timeout(timeoutMs) });
    } catch (err) {
      const cause = (err as { cause?: { code?: string } }).cause?.code ?? (err as Error).name;
      throw new Error(`the management API at ${t.base} did not answer (${cause})`);
    }
    if (res.status === 401) throw new Error(`the management API at ${t.base} refused the login (401); give a user with the 'monitoring' or 'administrator' tag in --management-url`);
    if (res.status === 404 && page === 1) throw new Error(`the management API at ${t.base} has no vhost '${t.vhost}' (404)`);
    if (!res.ok) throw new Error(`the management API at ${t.base} answered ${res.status} ${res.statusText}`);
    const body = (await res.json()) as { items?: Record<string, unknown>[]; page_count?: number };
    if (!Array.isArray(body.items)) throw new Error(`the management API at ${t.base} answered without a list of ${kind}`);
    out.push(...body.items.filter((i) => String(i.name).startsWith(prefix)));
    if (page >= (body.page_count ?? 1)) return out;
  }
}
