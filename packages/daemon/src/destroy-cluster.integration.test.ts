/**
 * `hypernode-cli cluster destroy` against real clusters: daemons started by the test under a cluster name of its
 * own, refused while they run, then stopped and destroyed. With the management API (a private RabbitMQ node with
 * the management plugin, own-servers.ts) every queue is found; on the machine's broker, with the management API
 * unreachable, the names the registry knows are. Checks go around the code under test: amqplib's checkQueue /
 * checkExchange on a fresh channel (404 when gone) and `redis-cli --scan`.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { connect as amqpConnect, type ChannelModel } from 'amqplib';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { RedisRegistry } from '@hypernode/registry-redis';
import { AmqpTransport } from '@hypernode/transport-amqp';
import { clusterDestroy } from '../../../apps/cli/src/commands/cluster-destroy';
import { startCli, type CliResult } from '../../../apps/cli/src/test-cli';
import { describeWithOwnServers, freePort, startOwnRabbit, type OwnRabbit } from './own-servers';
import { amqpUrl, clusterName, redisUrl, repoPath, startTestCluster, type TestCluster } from './test-support';
import type { DestroyReport } from './destroy-cluster';

const run = promisify(execFile);

/** Whether the broker at `url` has the queue (or, with `exchange`, the exchange): a passive check on a fresh channel. */
async function exists(conn: ChannelModel, name: string, kind: 'queue' | 'exchange'): Promise<boolean> {
  const ch = await conn.createChannel();
  ch.on('error', () => undefined);
  try {
    await (kind === 'queue' ? ch.checkQueue(name) : ch.checkExchange(name));
    await ch.close();
    return true;
  } catch (err) {
    if ((err as { code?: number }).code === 404) return false;
    throw err;
  }
}

async function redisKeys(url: string, cluster: string): Promise<string[]> {
  const { stdout } = await run('redis-cli', ['-u', url, '--scan', '--pattern', `hypernode:${cluster}:*`]);
  return stdout.split('\n').filter(Boolean);
}

function cli(args: string[], env: Record<string, string>): Promise<CliResult> {
  return startCli(args, env, ['HYPERNODE_CLUSTER']).finished();
}

/** Stops the cluster's client and daemons without deleting anything. */
async function stopDaemons(t: TestCluster): Promise<void> {
  await t.client.stop();
  for (const node of t.nodes.values()) await node.stop();
  await t.clusterDaemon.stop();
}

/** The queues a cluster with these workers declared, by full name. */
function queuesOf(t: TestCluster): string[] {
  const p = `hypernode.${t.cluster}.`;
  const workers = [...t.workers.values()].flat();
  return [`${p}rpc.admin`, `${p}inbox.root`, ...[...t.nodes.keys()].map((n) => `${p}rpc.node.${n}`), ...workers.flatMap((w) => [`${p}inbox.${w}`, `${p}rpc.worker.${w}`])];
}

describeWithOwnServers(['rabbitmq'], 'cluster destroy, with the management API', { timeout: 180_000 }, () => {
  let rabbit: OwnRabbit;
  let conn: ChannelModel;
  beforeAll(async () => {
    rabbit = await startOwnRabbit({ management: true });
    conn = await amqpConnect(rabbit.url);
    conn.on('error', () => undefined);
  }, 180_000);
  afterAll(async () => {
    await conn?.close().catch(() => undefined);
    await rabbit?.stop();
  });

  it("refuses a running cluster, then deletes every queue, the exchange and every key of the stopped one, and nothing of another cluster's", async () => {
    const t = await startTestCluster([{ id: 'n1', workers: 2 }], { amqpUrl: rabbit.url, rabbitmqctl: rabbit.rabbitmqctl });
    const other = clusterName();
    const otherRegistry = await RedisRegistry.connect({ url: redisUrl, cluster: other });
    const otherTransport = await AmqpTransport.connect({ url: rabbit.url, cluster: other, logger: { info() {}, warn() {} } });
    try {
      await t.client.load(repoPath('packages/daemon/test-fixtures/idle.ts'));
      await t.client.spawn('Idle', {});
      await otherRegistry.setValue('kept', new Uint8Array([1, 2, 3]));
      await (await otherTransport.listen('w1', () => undefined)).close();
      const env = { HYPERNODE_AMQP_URL: rabbit.url, HYPERNODE_REDIS_URL: redisUrl, HYPERNODE_MANAGEMENT_URL: rabbit.managementUrl! };

      const refused = await cli(['cluster', 'destroy', t.cluster, '--yes'], env);
      expect(refused.code).toBe(1);
      expect(refused.err.join('\n')).toMatch(new RegExp(`Cluster '${t.cluster}' is running, so it was not destroyed: a cluster daemon serves its admin queue; .*members are live in the registry: .*Stop it first: 'hypernode-cli nodes remove <node>'`));
      expect(await exists(conn, `hypernode.${t.cluster}.events`, 'exchange')).toBe(true);
      expect((await redisKeys(redisUrl, t.cluster)).length).toBeGreaterThan(0);

      await stopDaemons(t);
      const queues = queuesOf(t);
      for (const q of queues) expect(await exists(conn, q, 'queue'), q).toBe(true);
      const unconfirmed = await cli(['cluster', 'destroy', t.cluster], env);
      expect(unconfirmed.code).toBe(1);
      expect(unconfirmed.err.join('\n')).toMatch(`Refusing to destroy cluster '${t.cluster}' without confirmation: stdin is not a terminal; pass --yes`);

      const done = await cli(['cluster', 'destroy', t.cluster, '--yes', '--json'], env);
      expect(done.code, done.err.join('\n')).toBe(0);
      const report = JSON.parse(done.out.join('\n')) as DestroyReport;
      expect(report).toMatchObject({ cluster: t.cluster, confirmed: true, listedBy: 'management' });
      expect(report.exchanges.sort()).toEqual([`hypernode.${t.cluster}.events`, `hypernode.${t.cluster}.rpc`]);
      expect(report.unchecked).toBeUndefined();
      expect(report.queues).toEqual(expect.arrayContaining(queues));
      expect(report.keys).toBeGreaterThan(0);
      for (const q of report.queues) expect(await exists(conn, q, 'queue'), q).toBe(false);
      expect(await exists(conn, `hypernode.${t.cluster}.events`, 'exchange')).toBe(false);
      expect(await exists(conn, `hypernode.${t.cluster}.rpc`, 'exchange')).toBe(false);
      expect(await redisKeys(redisUrl, t.cluster)).toEqual([]);

      expect(await otherRegistry.getValue('kept')).toEqual(new Uint8Array([1, 2, 3]));
      expect(await exists(conn, `hypernode.${other}.events`, 'exchange')).toBe(true);
      expect(await exists(conn, `hypernode.${other}.inbox.w1`, 'queue')).toBe(true);
    } finally {
      await t.stop();
      await otherTransport.close();
      await otherTransport.deleteClusterTopology();
      await otherRegistry.deleteCluster();
      await otherRegistry.close();
    }
  });
});

describeWithOwnServers([], 'cluster destroy, without the management API', { timeout: 120_000 }, () => {
  it('asks for the name, and deletes what the known names find, saying what it could not check', async () => {
    const t = await startTestCluster([{ id: 'n1', workers: 1 }]);
    const conn = await amqpConnect(amqpUrl);
    conn.on('error', () => undefined);
    try {
      await stopDaemons(t);
      const p = `hypernode.${t.cluster}.`;
      const closed = `http://127.0.0.1:${await freePort()}`;
      const out: string[] = [];
      const err: string[] = [];
      const io = { out: (l: string) => out.push(l), err: (l: string) => err.push(l), progress: () => undefined, showsProgress: false };
      const options = { name: t.cluster, amqpUrl, redisUrl, managementUrl: closed };

      expect(await clusterDestroy(options, io, async () => 'not-the-name')).toBe(1);
      expect(err.join('\n')).toMatch(`Cluster '${t.cluster}' was not destroyed: the name typed did not match.`);
      expect(await exists(conn, `${p}events`, 'exchange')).toBe(true);
      expect((await redisKeys(redisUrl, t.cluster)).length).toBeGreaterThan(0);

      err.length = 0;
      const questions: string[] = [];
      expect(await clusterDestroy(options, io, async (q) => (questions.push(q), t.cluster))).toBe(0);
      expect(questions).toEqual([`Type the cluster's name (${t.cluster}) to destroy it: `]);
      expect(err[0]).toMatch(`Cluster '${t.cluster}' is stopped. Destroying it deletes, on RabbitMQ at 'amqp://guest:***@127.0.0.1:5672', 2 queues found by name`);
      expect(out).toEqual([expect.stringMatching(new RegExp(`^destroyed cluster '${t.cluster}': 2 queues \\(\\d+ messages? in them\\), 2 exchanges, \\d+ Redis keys?$`))]);
      expect(err[1]).toMatch(new RegExp(`note: the management API at ${closed} did not answer \\(ECONNREFUSED\\), so only the queues whose names are known without it were checked`));
      for (const q of [`${p}rpc.admin`, `${p}inbox.root`]) expect(await exists(conn, q, 'queue'), q).toBe(false);
      expect(await exists(conn, `${p}events`, 'exchange')).toBe(false);
      expect(await exists(conn, `${p}rpc`, 'exchange')).toBe(false);
      expect(await redisKeys(redisUrl, t.cluster)).toEqual([]);
    } finally {
      await conn.close().catch(() => undefined);
      await t.stop();
    }
  });
});
