/**
 * Destroying a stopped cluster (`hypernode-cli cluster destroy`): every queue and exchange it left on RabbitMQ
 * and every key it left in Redis. Refuses a cluster that is running. Layout: docs/design/002 and 003; the
 * decision: docs/design/023-traces-and-cleanup.md.
 */
import { HypernodeError } from '@hypernode/core';
import type { MemberInfo } from '@hypernode/core/runtime';
import { RedisRegistry } from '@hypernode/registry-redis';
import { BrokerObjects, listByManagement, type QueueFacts } from '@hypernode/transport-amqp';
import { MEMBER_TTL_MS } from './heartbeat';
import { plural } from './plural';
import { ROOT_WORKER } from './root-process';

/** Options of {@link destroyCluster}. */
export interface DestroyClusterOptions {
  cluster: string;
  amqpUrl: string;
  redisUrl: string;
  /** Connecting to each of RabbitMQ and Redis; default 10 000 ms. */
  connectTimeoutMs?: number;
  /** RabbitMQ's management API; default `http://<AMQP host>:15672` with the AMQP URL's user and password. */
  managementUrl?: string;
  /**
   * Asked once the cluster is known to be stopped, with what is about to be deleted; nothing is deleted unless
   * it resolves true. Default: no question.
   */
  confirm?: (plan: DestroyPlan) => Promise<boolean>;
}

/** What {@link destroyCluster} is about to delete (Redis keys are counted as they are deleted). */
export interface DestroyPlan {
  queues: string[];
  messages: number;
  exchanges: string[];
  listedBy: 'management' | 'known names';
}

/** What {@link destroyCluster} removed; `confirmed: false` (nothing removed) when `confirm` said no. */
export interface DestroyReport {
  cluster: string;
  confirmed: boolean;
  /** Queues deleted, by full name. */
  queues: string[];
  /** Messages that were still in them. */
  messages: number;
  /** Exchanges deleted, by full name. */
  exchanges: string[];
  /** Redis keys deleted. */
  keys: number;
  /** How the queues were found: every queue under the prefix (`management`), or only the names the registry knew. */
  listedBy: 'management' | 'known names';
  /** When listed by known names: why the management API could not list, and what that leaves unchecked. */
  unchecked?: string;
}

/**
 * Checks that cluster `cluster` is stopped, then deletes its queues (`hypernode.<cluster>.*`), its events
 * exchange and its Redis keys (`hypernode:<cluster>:*`, SCAN + UNLINK), and resolves with what was removed.
 *
 * Running means: some queue of the cluster has a consumer (a cluster daemon serves `rpc.admin`, a worker
 * listens to its inbox, a client is connected), or a member is live in the registry (a member killed without
 * leaving stays live until its heartbeat expires, 5 s). Then it rejects with `INVALID_ARGUMENT` saying what is
 * running and how to stop it, and deletes nothing.
 *
 * The queues are listed through RabbitMQ's management API when it answers; otherwise only the names known
 * without it are checked (the admin queue, the root's inbox, and the queues of members still on record) and
 * the report's `unchecked` says so: the inbox of a worker that left the registry then stays until RabbitMQ's
 * `x-expires` removes it (60 s after its last consumer). Not atomic: a daemon started meanwhile loses its queues.
 */
export async function destroyCluster(o: DestroyClusterOptions): Promise<DestroyReport> {
  const timeoutMs = o.connectTimeoutMs ?? 10_000;
  const prefix = `hypernode.${o.cluster}.`;
  const broker = await BrokerObjects.connect(o.amqpUrl, o.cluster, timeoutMs);
  let registry: RedisRegistry | undefined;
  try {
    registry = await RedisRegistry.connect({ url: o.redisUrl, cluster: o.cluster, connectTimeoutMs: timeoutMs });
    const recorded = await registry.recordedMembers();
    const live = await registry.listMembers();
    const listing = await listByManagement({ amqpUrl: o.amqpUrl, managementUrl: o.managementUrl, cluster: o.cluster });
    let queues: QueueFacts[];
    let unchecked: string | undefined;
    if (listing.ok) {
      // The management API lists the names; its consumer and message counts lag by up to its statistics interval
      // (5 s by default), so each queue is asked again over AMQP, whose answer is current.
      queues = (await Promise.all(listing.queues.map((q) => broker.queue(q.name)))).filter((q): q is QueueFacts => q !== undefined);
    } else {
      const names = knownQueueNames(prefix, recorded);
      queues = (await Promise.all(names.map((n) => broker.queue(n)))).filter((q): q is QueueFacts => q !== undefined);
      unchecked = `${listing.why}, so only the queues whose names are known without it were checked (${plural(names.length, 'name')}: the admin queue, the root's inbox, and those of members on record); the inbox of a worker that has left the registry stays until RabbitMQ's x-expires removes it, 60 s after its last consumer left. To check them all, enable the management plugin ('rabbitmq-plugins enable rabbitmq_management') or give --management-url`;
    }
    const running = runningSentence(o.cluster, queues, live);
    if (running) throw new HypernodeError('INVALID_ARGUMENT', running);

    const listedBy = listing.ok ? 'management' : 'known names';
    const candidates = [...new Set([`${prefix}events`, `${prefix}rpc`, ...(listing.ok ? listing.exchanges : [])])];
    const existing = (await Promise.all(candidates.map(async (x) => ((await broker.exchangeExists(x)) ? x : undefined)))).filter((x): x is string => x !== undefined);
    const plan: DestroyPlan = { queues: queues.map((q) => q.name), messages: sum(queues), exchanges: existing, listedBy };
    const base = { cluster: o.cluster, listedBy, ...(unchecked ? { unchecked } : {}) } as const;
    if (o.confirm && !(await o.confirm(plan))) return { ...base, confirmed: false, queues: [], messages: 0, exchanges: [], keys: 0 };

    const deleted: QueueFacts[] = [];
    for (const q of queues) if (await broker.deleteQueue(q.name)) deleted.push(q);
    const exchanges: string[] = [];
    for (const x of existing) if (await broker.deleteExchange(x)) exchanges.push(x);
    const keys = await registry.purgeCluster();
    return { ...base, confirmed: true, queues: deleted.map((q) => q.name), messages: sum(deleted), exchanges, keys };
  } finally {
    await registry?.close();
    await broker.close();
  }
}

const sum = (queues: QueueFacts[]): number => queues.reduce((n, q) => n + q.messages, 0);

/** The queue names a cluster's daemons declare that can be known without listing the broker. */
function knownQueueNames(prefix: string, recorded: { id: string; role: string }[]): string[] {
  const names = new Set([`${prefix}rpc.admin`, `${prefix}inbox.${ROOT_WORKER}`]);
  for (const m of recorded) {
    if (m.role === 'node') names.add(`${prefix}rpc.node.${m.id}`);
    if (m.role === 'worker') {
      names.add(`${prefix}inbox.${m.id}`);
      names.add(`${prefix}rpc.worker.${m.id}`);
    }
  }
  return [...names];
}

/** Why the cluster counts as running, as a sentence with the fix, or undefined when it is stopped. */
function runningSentence(cluster: string, queues: QueueFacts[], live: MemberInfo[]): string | undefined {
  const consumed = queues.filter((q) => q.consumers > 0);
  if (consumed.length === 0 && live.length === 0) return undefined;
  const reasons: string[] = [];
  const prefix = `hypernode.${cluster}.`;
  if (consumed.some((q) => q.name === `${prefix}rpc.admin`)) reasons.push('a cluster daemon serves its admin queue');
  const others = consumed.filter((q) => q.name !== `${prefix}rpc.admin`);
  if (others.length > 0) reasons.push(`${plural(others.length, 'queue has a consumer', 'queues have consumers')} (${others.slice(0, 5).map((q) => `'${q.name}'`).join(', ')}${others.length > 5 ? ', ...' : ''})`);
  if (live.length > 0) {
    const shown = live.slice(0, 5).map((m) => `${m.role} '${m.id}'${m.pid ? ` (pid ${m.pid}${m.host ? ` on ${m.host}` : ''})` : ''}`);
    reasons.push(`${plural(live.length, 'member is', 'members are')} live in the registry: ${shown.join(', ')}${live.length > 5 ? ', ...' : ''}`);
  }
  return (
    `Cluster '${cluster}' is running, so it was not destroyed: ${reasons.join('; ')}. ` +
    `Stop it first: 'hypernode-cli nodes remove <node>' drains each node, then stop the cluster daemon with SIGTERM (or Ctrl-C); ` +
    `a daemon killed without leaving counts as live for ${MEMBER_TTL_MS / 1000} s more. Then run destroy again.`
  );
}
