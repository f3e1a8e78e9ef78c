/**
 * A real restart of the machine's Redis (shut down without saving and started again empty, as these
 * machines run it) under a running cluster. (The RabbitMQ restart is in failures.integration.test.ts.)
 *
 * It restarts a shared server, so it must not run beside other tests that use it: the root vitest config
 * runs integration files one at a time.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { connectCluster } from './connect-cluster';
import { eventually, repoPath, testClusterPerTest } from './test-support';

const run = promisify(execFile);
const { start } = testClusterPerTest();

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


describe('a Redis restart under a running cluster', { timeout: 120_000 }, () => {
  it('survives Redis coming back empty: modules are stored again, new workers spawn them, processes keep their state', async () => {
    const t = await start([{ id: 'n1', workers: 2 }]);
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
