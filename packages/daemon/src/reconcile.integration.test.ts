/**
 * Reconciliation after outages and module code that survives Redis loss (design 029), on servers of this file's
 * own (own-servers.ts): a worker SIGKILLed while a private RabbitMQ node is stopped, and a private Redis flushed
 * while the cluster daemon is down. The machine's RabbitMQ and Redis are never stopped or flushed.
 */
import { expect, it } from 'vitest';
import { describeWithOwnServers, useOwnRabbit, useOwnRedis } from './own-servers';
import { eventually, repoPath, startClusterProcess, testClusterPerTest, workerOf, type DaemonProcess } from './test-support';

const { start } = testClusterPerTest();

type Tally = { names: string[]; told: Record<string, number>; reasons: Record<string, string> };

describeWithOwnServers(['rabbitmq'], 'reconciliation after a broker outage', { timeout: 240_000 }, () => {
  const rabbit = useOwnRabbit();

  it('a worker SIGKILLed while RabbitMQ is stopped: once it is back, the parent on another worker is told once and the orphans end', async () => {
    const t = await start([{ id: 'n1', workers: 2 }], { amqpUrl: rabbit().url, rabbitmqctl: rabbit().rabbitmqctl, nodeArgs: ['--placement-cost', '100000'] });
    const [a, b] = t.workers.get('n1')!;
    await t.client.load(repoPath('packages/daemon/test-fixtures/idle.ts'));
    await t.client.load(repoPath('packages/daemon/test-fixtures/exit-tally.ts'));
    // A parent on a with children on a and b; and a parent on b whose children on a are orphaned when b dies.
    const parent = await t.client.spawn('ExitTally', { children: 10 }, { worker: a });
    const doomed = await t.client.spawn('ExitTally', { children: 10 }, { worker: b });
    const onB = ((await t.client.call(parent, { type: 'GET' })) as Tally).names.filter((n) => workerOf(n) === b).sort();
    const orphans = ((await t.client.call(doomed, { type: 'GET' })) as Tally).names.filter((n) => workerOf(n) === a);
    expect(onB.length).toBeGreaterThan(0);
    expect(orphans.length).toBeGreaterThan(0);
    const pid = (await t.client.status()).workers.find((w) => w.id === b)!.pid!;

    const node = t.nodes.get('n1')!;
    const mark = node.lines.length;
    await rabbit().stopApp();
    process.kill(pid, 'SIGKILL');
    await node.waitFor(new RegExp(`worker '${b}' \\(pid ${pid}\\) killed by SIGKILL; its processes are lost`), 30_000, mark);
    await rabbit().startApp();
    await node.waitFor(new RegExp(`\\[worker ${a}\\] reconnected to RabbitMQ`), 90_000, mark);

    const tally = await eventually(async () => {
      const now = (await t.client.call(parent, { type: 'GET' }, 3000)) as Tally;
      return onB.every((n) => now.told[n] !== undefined) ? now : undefined;
    }, 90_000, 'the parent told of every child on the lost worker');
    for (const n of onB) {
      expect(tally.told[n]).toBe(1);
      expect(tally.reasons[n]).toBe('WORKER_LOST');
    }
    expect(Object.keys(tally.told).sort()).toEqual(onB);
    await eventually(async () => {
      const ps = await t.client.ps();
      return orphans.every((o) => !ps.some((p) => p.name === o)) ? true : undefined;
    }, 60_000, 'the orphans of the lost worker ended');
    // Still once, after both the node daemon's event and the registry's record had their chance.
    const again = (await t.client.call(parent, { type: 'GET' })) as Tally;
    for (const n of onB) expect(again.told[n]).toBe(1);
    // Which path told it varies from run to run (the event may or may not reach the new event queues): say which.
    const reconciled = node.lines.slice(mark).some((l) => l.includes(`reconciled a loss it had not heard of: worker '${b}'`));
    console.info(`worker '${a}' learned of the loss of '${b}' ${reconciled ? 'from the registry (reconciliation)' : 'from the worker-lost event'}`);
  });
});

describeWithOwnServers(['redis'], 'module code after Redis lost its data while the cluster daemon was down', { timeout: 180_000 }, () => {
  const redis = useOwnRedis();

  it('a module loaded before spawns without reloading once the cluster daemon is back on the flushed Redis', async () => {
    const t = await start([{ id: 'n1', workers: 1 }], { redisUrl: redis().url });
    await t.client.load(repoPath('packages/daemon/test-fixtures/counter-v1.ts'));
    await t.clusterDaemon.stop();
    await redis().flushall();
    let restarted: DaemonProcess | undefined;
    try {
      restarted = await startClusterProcess(t.cluster, { redisUrl: redis().url });
      const warned = await restarted.waitFor(/lacked .* module version/);
      expect(warned).toContain('lacked 1 module version kept in the state directory');
      expect((await t.client.modules()).find((m) => m.name === 'Counter')).toMatchObject({ version: 1 });
      // A worker that never ran Counter fetches its code from the restored registry.
      const [added] = await eventually(() => t.client.addWorkers('n1', 1), 60_000, 'a new worker');
      const counter = await eventually(() => t.client.spawn('Counter', { count: 41 }, { worker: added! }), 60_000, 'a spawn of Counter on the new worker');
      t.client.send(counter, { type: 'INC' });
      expect(await t.client.call(counter, { type: 'GET' })).toMatchObject({ count: 42, code: 1 });
    } finally {
      await restarted?.stop();
    }
  });
});
