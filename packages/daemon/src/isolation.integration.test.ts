/**
 * Clusters sharing one RabbitMQ and one Redis stay apart; a client says clearly what is missing when the
 * broker, Redis or the cluster daemon is not there.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { AmqpTransport } from '@hypernode/transport-amqp';
import { connectCluster } from './connect-cluster';
import { clusterName, DaemonProcess, daemonEnv, deleteTestCluster, eventually, repoPath, startClusterProcess, startTestCluster, type TestCluster } from './test-support';

const running: TestCluster[] = [];
const cleanups: (() => Promise<void>)[] = [];

afterEach(async () => {
  for (const t of running.splice(0)) await t.stop();
  for (const c of cleanups.splice(0)) await c();
}, 60_000);

describe('clusters and clients', { timeout: 90_000 }, () => {
  it('keeps two clusters on one broker and one Redis apart: modules, processes, members and messages', async () => {
    const [a, b] = await Promise.all([startTestCluster([{ id: 'n1', workers: 1 }]), startTestCluster([{ id: 'n1', workers: 1 }])]);
    running.push(a!, b!);
    await a!.client.load(repoPath('packages/daemon/test-fixtures/counter-v1.ts'));
    await b!.client.load(repoPath('packages/daemon/test-fixtures/idle.ts'));

    expect((await a!.client.modules()).map((m) => m.name)).toEqual(['Counter', 'Root', 'Supervisor']);
    expect((await b!.client.modules()).map((m) => m.name)).toEqual(['Idle', 'Root', 'Supervisor']);
    await expect(b!.client.spawn('Counter', { count: 0 })).rejects.toMatchObject({ code: 'MODULE_NOT_FOUND' });

    const counter = await a!.client.spawn('Counter', { count: 0 });
    const idle = await b!.client.spawn('Idle', {});
    expect((await a!.client.ps()).map((p) => p.name)).toEqual(['root:1', counter]);
    expect((await b!.client.ps()).map((p) => p.name)).toEqual(['root:1', idle]);
    const [sa, sb] = await Promise.all([a!.client.status(), b!.client.status()]);
    expect(sa.members.map((m) => m.id).filter((id) => sb.members.some((m) => m.id === id && m.role === 'worker'))).toEqual([]);

    // A name of cluster A means nothing in cluster B: B's frame has no queue to go to and the broker returns it.
    const transportB = (b!.client as unknown as { adapters: { transport: AmqpTransport } }).adapters.transport;
    const droppedBefore = transportB.stats().dropped;
    b!.client.send(counter, { type: 'INC' });
    await eventually(async () => (transportB.stats().dropped > droppedBefore ? true : undefined), 10_000, "B's frame for A's process being returned");
    expect(await a!.client.call(counter, { type: 'GET' })).toMatchObject({ count: 0 });
  });

  it('refuses a second cluster daemon for the same cluster and says why', async () => {
    const cluster = clusterName();
    const first = await startClusterProcess(cluster);
    cleanups.push(async () => {
      await first.stop();
      await deleteTestCluster(cluster);
    });
    const second = new DaemonProcess('cluster', [], daemonEnv(cluster));
    // Should it not exit as it must, it is stopped before the cluster is deleted.
    cleanups.unshift(() => second.stop());
    const { code } = await second.exited;
    expect(code).toBe(1);
    expect(second.lines.join('\n')).toContain(
      `hypernode-cluster: Another cluster daemon already runs for cluster '${cluster}' (pid ${first.pid} on`,
    );
    // The first one is unaffected.
    const client = await connectCluster({ cluster });
    try {
      expect((await client.status()).daemon.pid).toBe(first.pid);
    } finally {
      await client.stop();
    }
  });

  it('answers REQUEST_TIMEOUT naming the cluster and the fix when no cluster daemon runs', async () => {
    const cluster = clusterName();
    const client = await connectCluster({ cluster, timeoutMs: 2000 });
    cleanups.push(async () => {
      await client.stop();
      await deleteTestCluster(cluster);
    });
    const err = await client.spawn('Anything').catch((e: unknown) => e);
    expect(err).toMatchObject({ name: 'HypernodeError', code: 'REQUEST_TIMEOUT' });
    expect((err as Error).message).toBe(
      `No cluster daemon answers for cluster '${cluster}' (no reply to 'spawn' within 2000 ms); start one with 'hypernode-cluster --cluster ${cluster}'.`,
    );
  });

  it('reports an unreachable broker or Redis by host, never with the password', async () => {
    const amqp = await connectCluster({ cluster: clusterName(), amqp: 'amqp://guest:Sesame42@127.0.0.1:1' }).catch((e: unknown) => e);
    expect(amqp).toMatchObject({ code: 'TRANSPORT_DOWN' });
    expect((amqp as Error).message).toContain('127.0.0.1:1');
    expect((amqp as Error).message).not.toContain('Sesame42');

    const redis = await connectCluster({ cluster: clusterName(), redis: 'redis://:Sesame42@127.0.0.1:1' }).catch((e: unknown) => e);
    expect(redis).toMatchObject({ code: 'REGISTRY_DOWN' });
    expect((redis as Error).message).toContain("Redis at 'redis://:***@127.0.0.1:1'");
    expect((redis as Error).message).not.toContain('Sesame42');
  });
});
