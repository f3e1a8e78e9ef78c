/**
 * Real restarts of the machine's RabbitMQ (`rabbitmqctl stop_app` then `start_app`: every connection drops
 * and every non-durable queue is gone when it comes back) and Redis (shut down without saving and started
 * again empty, as these machines run it) under a running cluster.
 *
 * They restart shared servers, so they must not run beside other tests that use them: the root vitest
 * config runs integration files one at a time.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { connectCluster } from './connect-cluster';
import { eventually, repoPath, startTestCluster, type TestCluster } from './test-support';

const run = promisify(execFile);
let current: TestCluster | undefined;

afterEach(async () => {
  await current?.stop();
  current = undefined;
}, 60_000);

/** Restarts the machine's Redis the way it was started (no persistence: it comes back empty). */
async function restartRedis(): Promise<void> {
  await run('redis-cli', ['-p', '6379', 'shutdown', 'nosave']).catch(() => undefined);
  await run('redis-server', ['--daemonize', 'yes', '--bind', '127.0.0.1', '-::1', '--port', '6379', '--save', '', '--appendonly', 'no', '--dir', '/var/lib/redis', '--logfile', '/var/log/redis/ci.log']);
  for (let i = 0; i < 100; i++) {
    const pong = await run('redis-cli', ['-p', '6379', 'ping']).then((r) => r.stdout.trim(), () => '');
    if (pong === 'PONG') return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('redis-server did not come back on 127.0.0.1:6379');
}

async function restartBroker(): Promise<void> {
  await run('rabbitmqctl', ['-q', 'stop_app']);
  await run('rabbitmqctl', ['-q', 'start_app']);
  await run('rabbitmqctl', ['-q', 'await_startup']);
}

describe('a RabbitMQ restart under a running cluster', { timeout: 120_000 }, () => {
  it('is survived: daemons and the client reconnect, queues come back, processes keep their state', async () => {
    current = await startTestCluster([{ id: 'n1', workers: 2 }]);
    const t = current;
    const [a, b] = t.workers.get('n1')!;
    await t.client.load(repoPath('examples/ping-pong/pong.ts'));
    await t.client.load(repoPath('packages/daemon/test-fixtures/pinger.ts'));
    await t.client.load(repoPath('packages/daemon/test-fixtures/counter-v1.ts'));
    const counter = await t.client.spawn('Counter', { count: 0 }, { worker: b });
    t.client.send(counter, { type: 'INC' });
    expect(await t.client.call(counter, { type: 'GET' })).toMatchObject({ count: 1 });

    const node = t.nodes.get('n1')!;
    const marks = { cluster: t.clusterDaemon.lines.length, node: node.lines.length };
    await restartBroker();
    await t.clusterDaemon.waitFor(/reconnected to RabbitMQ at 127\.0\.0\.1:5672/, 60_000, marks.cluster);
    for (const who of ['node n1', `worker ${a}`, `worker ${b}`]) {
      await node.waitFor(new RegExp(`\\[${who}\\] reconnected to RabbitMQ`), 60_000, marks.node);
    }

    const inbox = t.client.inbox();
    const pong = await eventually(() => t.client.spawn('Pong', {}, { worker: a }), 30_000, 'a spawn after the restart');
    await t.client.spawn('Pinger', { pong, count: 200, notify: inbox.name }, { worker: b });
    expect((await inbox.receive(20_000)).message).toMatchObject({ type: 'DONE', rounds: 200 });
    t.client.send(counter, { type: 'INC' });
    expect(await t.client.call(counter, { type: 'GET' })).toMatchObject({ count: 2 });
    inbox.close();
  });

  it('survives Redis coming back empty: modules are stored again, new workers spawn them, processes keep their state', async () => {
    current = await startTestCluster([{ id: 'n1', workers: 2 }]);
    const t = current;
    const [, b] = t.workers.get('n1')!;
    await t.client.load(repoPath('packages/daemon/test-fixtures/counter-v1.ts'));
    await t.client.load(repoPath('packages/daemon/test-fixtures/named.ts'));
    const counter = await t.client.spawn('Counter', { count: 0 }, { worker: b });
    t.client.send(counter, { type: 'INC' });
    expect(await t.client.call(counter, { type: 'GET' })).toMatchObject({ count: 1 });
    const named = await t.client.spawn('Named', { name: `svc-${t.cluster}` }, { worker: b });
    await eventually(() => t.client.call(`svc-${t.cluster}`, 'who').catch(() => undefined), 10_000, 'the name registered');

    const marks = { cluster: t.clusterDaemon.lines.length };
    await restartRedis();
    await t.clusterDaemon.waitFor(/the registry of cluster '.*' is restored/, 30_000, marks.cluster);

    // A worker that never ran Counter fetches it from the restored registry.
    const [added] = await eventually(() => t.client.addWorkers('n1', 1), 30_000, 'a new worker after the Redis restart');
    expect((await t.client.modules()).find((m) => m.name === 'Counter')).toMatchObject({ version: 1 });
    const fresh = await eventually(() => t.client.spawn('Counter', { count: 10 }, { worker: added! }), 30_000, 'a spawn on the new worker');
    expect(await t.client.call(fresh, { type: 'GET' })).toMatchObject({ count: 10 });
    // Nothing was announced lost while members re-registered, and the old process kept its state.
    t.client.send(counter, { type: 'INC' });
    expect(await t.client.call(counter, { type: 'GET' })).toMatchObject({ count: 2 });
    expect(t.clusterDaemon.lines.join('\n')).not.toMatch(/announcing it lost/);
    // Registered names were registered again: a client that connects now (and reads names from Redis) finds it.
    const late = await connectCluster({ cluster: t.cluster });
    try {
      expect(await eventually(() => late.call(`svc-${t.cluster}`, 'who').catch(() => undefined), 10_000, 'the name again')).toMatchObject({ pid: named });
    } finally {
      await late.stop();
    }
  });
});
