/**
 * A real Redis restart (shut down without saving and started again empty) under a running cluster, on a Redis
 * server of this file's own (own-servers.ts: a free port, a temporary directory), so the machine's Redis and
 * what it holds are never touched. The cluster uses the machine's RabbitMQ. (The RabbitMQ restart is in
 * failures.integration.test.ts, on a RabbitMQ node of its own.)
 */
import { expect, it } from 'vitest';
import { connectCluster } from './connect-cluster';
import { describeWithOwnServers, useOwnRedis } from './own-servers';
import { amqpUrl, eventually, repoPath, testClusterPerTest } from './test-support';

const { start } = testClusterPerTest();

describeWithOwnServers(['redis'], 'a Redis restart under a running cluster', { timeout: 180_000 }, () => {
  const redis = useOwnRedis();

  it('survives Redis coming back empty: modules are stored again, new workers spawn them, processes keep their state', async () => {
    const t = await start([{ id: 'n1', workers: 2 }], { redisUrl: redis().url });
    const [, b] = t.workers.get('n1')!;
    await t.client.load(repoPath('packages/daemon/test-fixtures/counter-v1.ts'));
    await t.client.load(repoPath('packages/daemon/test-fixtures/named.ts'));
    const counter = await t.client.spawn('Counter', { count: 0 }, { worker: b });
    t.client.send(counter, { type: 'INC' });
    expect(await t.client.call(counter, { type: 'GET' })).toMatchObject({ count: 1 });
    const named = await t.client.spawn('Named', { name: `svc-${t.cluster}` }, { worker: b });
    await eventually(() => t.client.call(`svc-${t.cluster}`, 'who').catch(() => undefined), 30_000, 'the name registered');

    const marks = { cluster: t.clusterDaemon.lines.length };
    await redis().restart();
    await t.clusterDaemon.waitFor(/the registry of cluster '.*' is restored/, 60_000, marks.cluster);

    // A worker that never ran Counter fetches it from the restored registry.
    const [added] = await eventually(() => t.client.addWorkers('n1', 1), 60_000, 'a new worker after the Redis restart');
    expect((await t.client.modules()).find((m) => m.name === 'Counter')).toMatchObject({ version: 1 });
    const fresh = await eventually(() => t.client.spawn('Counter', { count: 10 }, { worker: added! }), 60_000, 'a spawn on the new worker');
    expect(await t.client.call(fresh, { type: 'GET' })).toMatchObject({ count: 10 });
    // Nothing was announced lost while members re-registered, and the old process kept its state.
    t.client.send(counter, { type: 'INC' });
    expect(await t.client.call(counter, { type: 'GET' })).toMatchObject({ count: 2 });
    expect(t.clusterDaemon.lines.join('\n')).not.toMatch(/announcing it lost/);
    // Registered names were registered again: a client that connects now (and reads names from Redis) finds it.
    const late = await connectCluster({ cluster: t.cluster, amqp: amqpUrl, redis: redis().url });
    try {
      expect(await eventually(() => late.call(`svc-${t.cluster}`, 'who').catch(() => undefined), 30_000, 'the name again')).toMatchObject({ pid: named });
    } finally {
      await late.stop();
    }
  });
});
