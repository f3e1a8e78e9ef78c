/**
 * Worker SIGKILL → parent told (design 029), on a real cluster of daemons over the machine's RabbitMQ and Redis: a
 * cluster daemon and a node daemon in this process, its 2 workers forked as OS processes, a client. Each sample
 * spawns a Watcher (test fixture) on one worker with children spread over both, SIGKILLs the other worker, and
 * times from the kill to the first `CHILD_EXIT` the Watcher forwards to the client's inbox (the parent told, plus
 * one hop to the client). Then it waits for the replacement worker before the next sample. The cluster has a name
 * of its own and is destroyed after. Needs RabbitMQ on 127.0.0.1:5672 and Redis on 127.0.0.1:6379.
 */
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { connectCluster, startCluster, startNode } from '../packages/daemon/src/index';
import { destroyCluster } from '../packages/daemon/src/destroy-cluster';

const AMQP_URL = process.env.HYPERNODE_AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672';
const REDIS_URL = process.env.HYPERNODE_REDIS_URL ?? 'redis://127.0.0.1:6379';
const quiet = { debug() {}, info() {}, warn() {}, error() {} };
const fixture = (f: string) => fileURLToPath(new URL(`../packages/daemon/test-fixtures/${f}`, import.meta.url));

/** Polls `probe` every 100 ms until it returns a value, at most `ms`. */
async function until<T>(what: string, ms: number, probe: () => Promise<T | undefined>): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await probe().catch(() => undefined);
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`worker-lost bench: ${what} did not happen within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Milliseconds from a worker's SIGKILL to its processes' parent being told, `samples` times. */
export async function workerLostLatency(samples: number): Promise<number[]> {
  const cluster = `bench-lost-${randomUUID().slice(0, 8)}`;
  const stateDir = await mkdtemp(join(tmpdir(), 'hn-bench-state-'));
  const conn = { cluster, amqpUrl: AMQP_URL, redisUrl: REDIS_URL, insecure: true, logger: quiet };
  const daemon = await startCluster({ ...conn, stateDir });
  const node = await startNode({ ...conn, id: 'n1', workers: 2, placementCost: 100_000, affinitySlack: 0, logLevel: 'error' });
  const client = await connectCluster({ cluster, amqp: AMQP_URL, redis: REDIS_URL });
  const out: number[] = [];
  try {
    await client.load(fixture('watcher.ts'));
    await client.load(fixture('idle.ts'));
    for (let i = 0; i < samples; i++) {
      const status = await until('2 workers that place on each other', 60_000, async () => {
        const s = await client.status();
        return s.workers.length === 2 && s.workers.every((w) => w.placesOn?.length === 2) ? s : undefined;
      });
      const [a, b] = status.workers;
      const inbox = client.inbox();
      await client.spawn('Watcher', { children: 6, notify: inbox.name }, { worker: a!.id });
      const { names } = (await inbox.receive(30_000)).message as { names: string[] };
      if (!names.some((n) => n.startsWith(`${b!.id}:`))) {
        inbox.close();
        i--;
        continue;
      }
      const t0 = performance.now();
      process.kill(b!.pid!, 'SIGKILL');
      await inbox.receive(30_000);
      out.push(performance.now() - t0);
      inbox.close();
      // The replacement comes up before the next sample (its slot's backoff doubles while it dies young).
      await until('the replacement worker', 60_000, async () => ((await client.status()).workers.some((w) => w.id === b!.id) ? undefined : true));
    }
  } finally {
    await client.stop();
    await node.stop();
    await daemon.stop();
    await until('the cluster to be destroyed', 30_000, async () => (await destroyCluster({ cluster, amqpUrl: AMQP_URL, redisUrl: REDIS_URL }).then(() => true)));
    await rm(stateDir, { recursive: true, force: true });
  }
  return out;
}

/** The `q` quantile (0..1) of `xs`, nearest rank. */
export function quantile(xs: number[], q: number): number {
  const s = [...xs].sort((x, y) => x - y);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil(q * s.length) - 1))]!;
}
