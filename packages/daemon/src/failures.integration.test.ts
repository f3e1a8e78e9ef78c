/**
 * Failures of a real cluster: a worker SIGKILLed, a node daemon SIGKILLed, the cluster daemon SIGKILLed and
 * restarted (on the machine's RabbitMQ and Redis: they only kill the test's own processes), and the broker
 * dropping every connection and restarting, on a RabbitMQ node of the test's own (own-servers.ts), so the
 * machine's broker is never cut or restarted. Each test gets its own cluster.
 */
import { describe, expect, it } from 'vitest';
import { connectCluster } from './connect-cluster';
import { describeWithOwnServers, useOwnRabbit, type OwnRabbit } from './own-servers';
import { dropBrokerConnections, eventually, repoPath, startClusterProcess, testClusterPerTest, watcherAcross, workerOf, type TestCluster, type TestClusterOptions } from './test-support';

const { start } = testClusterPerTest();

// A placement cost far above any event-loop delay: each spawn makes its worker the costlier one until its next
// load report, so a burst of children alternates between the workers however busy the machine is.
const spreadEvenly: TestClusterOptions = { nodeArgs: ['--placement-cost', '100000'] };

/**
 * Runs `outage` under a cluster (on the private broker `rabbit`) with a running counter, waits until every
 * program says it reconnected, then checks that admin commands, cross-worker messages and the counter's state
 * all came through.
 */
async function survivesBrokerOutage(rabbit: OwnRabbit, outage: (t: TestCluster) => Promise<void>, reconnectMs: number): Promise<void> {
  const t = await start([{ id: 'n1', workers: 2 }], { amqpUrl: rabbit.url, rabbitmqctl: rabbit.rabbitmqctl });
  const [a, b] = t.workers.get('n1')!;
  await t.client.load(repoPath('examples/ping-pong/pong.ts'));
  await t.client.load(repoPath('packages/daemon/test-fixtures/pinger.ts'));
  await t.client.load(repoPath('packages/daemon/test-fixtures/counter-v1.ts'));
  const counter = await t.client.spawn('Counter', { count: 0 }, { worker: b });
  t.client.send(counter, { type: 'INC' });
  expect(await t.client.call(counter, { type: 'GET' })).toMatchObject({ count: 1 });

  const node = t.nodes.get('n1')!;
  const marks = { cluster: t.clusterDaemon.lines.length, node: node.lines.length };
  await outage(t);
  await t.clusterDaemon.waitFor(new RegExp(`reconnected to RabbitMQ at 127\\.0\\.0\\.1:${rabbit.port}`), reconnectMs, marks.cluster);
  for (const who of ['node n1', `worker ${a}`, `worker ${b}`]) {
    await node.waitFor(new RegExp(`\\[${who}\\] reconnected to RabbitMQ`), reconnectMs, marks.node);
  }

  const inbox = t.client.inbox();
  const pong = await eventually(() => t.client.spawn('Pong', {}, { worker: a }), 30_000, 'a spawn after the outage');
  await t.client.spawn('Pinger', { pong, count: 200, notify: inbox.name }, { worker: b });
  expect((await inbox.receive(30_000)).message).toMatchObject({ type: 'DONE', rounds: 200 });
  t.client.send(counter, { type: 'INC' });
  expect(await t.client.call(counter, { type: 'GET' })).toMatchObject({ count: 2 });
  inbox.close();
}

type ChildExit = { type: 'CHILD_EXIT'; child: string; err: { name?: string; code?: string; message?: string } | string };

describe('failures of a real cluster', { timeout: 120_000 }, () => {
  it('a worker killed with SIGKILL: parents elsewhere get WORKER_LOST naming it, and its node starts a replacement', async () => {
    const t = await start([{ id: 'n1', workers: 2 }], spreadEvenly);
    const [a, b] = t.workers.get('n1')!;
    const { inbox, names, onB } = await watcherAcross(t, a!, b!);
    expect(onB.length).toBeLessThan(names.length);

    const pid = (await t.client.status()).workers.find((w) => w.id === b)!.pid!;
    const node = t.nodes.get('n1')!;
    const mark = node.lines.length;
    process.kill(pid, 'SIGKILL');

    const exits: ChildExit[] = [];
    for (let i = 0; i < onB.length; i++) exits.push((await inbox.receive(30_000)).message as ChildExit);
    expect(exits.map((e) => e.child).sort()).toEqual(onB);
    for (const e of exits) {
      expect(e.err).toMatchObject({ name: 'HypernodeError', code: 'WORKER_LOST' });
      expect((e.err as { message: string }).message).toContain(`Worker '${b}' of cluster '${t.cluster}' was lost`);
    }
    await node.waitFor(new RegExp(`worker '${b}' \\(pid ${pid}\\) killed by SIGKILL; its processes are lost; starting a replacement`), 30_000, mark);
    const replaced = await eventually(async () => {
      const s = await t.client.status();
      const ids = s.workers.map((w) => w.id);
      return ids.length === 2 && ids.includes(a!) && !ids.includes(b!) ? ids.find((id) => id !== a) : undefined;
    }, 40_000, 'a replacement worker in status');
    expect(replaced).toMatch(/^n1-w2-[0-9a-z]+$/);
    // The children on the surviving worker are untouched.
    const ps = await t.client.ps();
    for (const n of names.filter((n) => workerOf(n) === a)) expect(ps.some((p) => p.name === n)).toBe(true);
    inbox.close();
  });

  it('a node daemon killed with SIGKILL: its workers stop by themselves and parents on other nodes are told', async () => {
    const t = await start(
      [
        { id: 'n1', workers: 1 },
        { id: 'n2', workers: 1 },
      ],
      spreadEvenly,
    );
    const [a] = t.workers.get('n1')!;
    const [b] = t.workers.get('n2')!;
    const { inbox, onB } = await watcherAcross(t, a!, b!);

    const n2 = t.nodes.get('n2')!;
    n2.kill('SIGKILL');
    const exits: ChildExit[] = [];
    for (let i = 0; i < onB.length; i++) exits.push((await inbox.receive(30_000)).message as ChildExit);
    expect(exits.map((e) => e.child).sort()).toEqual(onB);
    // The orphaned worker ended its processes itself ('shutdown', not a crash) when its node's IPC closed.
    for (const e of exits) expect(e.err).toBe('shutdown');
    await n2.waitFor(new RegExp(`worker '${b}' is stopping \\(its node daemon is gone\\)`), 30_000);
    await eventually(async () => {
      const s = await t.client.status();
      return s.workers.map((w) => w.id).join() === a && s.nodes.map((n) => n.id).join() === 'n1' ? true : undefined;
    }, 40_000, 'only n1 and its worker in status');
    inbox.close();
  });

  it('the cluster daemon killed and restarted: running processes keep running, then spawn works again', async () => {
    const t = await start([{ id: 'n1', workers: 2 }]);
    await t.client.load(repoPath('packages/daemon/test-fixtures/counter-v1.ts'));
    await t.client.load(repoPath('packages/daemon/test-fixtures/idle.ts'));
    const counter = await t.client.spawn('Counter', { count: 0 });
    t.client.send(counter, { type: 'INC' });
    const oldPid = t.clusterDaemon.pid;
    t.clusterDaemon.kill('SIGKILL');
    await t.clusterDaemon.exited;

    // Messages go worker to worker: the counter answers while no cluster daemon runs.
    t.client.send(counter, { type: 'INC' });
    expect(await t.client.call(counter, { type: 'GET' })).toMatchObject({ count: 2 });
    const impatient = await connectCluster({ cluster: t.cluster, timeoutMs: 1500 });
    try {
      const err = await impatient.status().catch((e: unknown) => e);
      expect(err).toMatchObject({ code: 'REQUEST_TIMEOUT' });
      expect((err as Error).message).toBe(
        `No cluster daemon answers for cluster '${t.cluster}' (no reply to 'status' within 1500 ms); start one with 'hypernode-cluster --cluster ${t.cluster}'.`,
      );
    } finally {
      await impatient.stop();
    }

    const restarted = await startClusterProcess(t.cluster);
    t.clusterDaemon = restarted;
    expect(await restarted.waitFor(/is up/)).toContain(`took the role back from pid ${oldPid}`);
    const idle = await eventually(() => t.client.spawn('Idle', {}), 40_000, 'a spawn after the restart');
    const ps = await t.client.ps();
    expect(ps.find((p) => p.name === counter)).toMatchObject({ module: 'Counter', parent: 'root:1' });
    expect(ps.find((p) => p.name === idle)).toMatchObject({ module: 'Idle', parent: 'root:1' });
    expect(ps.find((p) => p.name === 'root:1')).toMatchObject({ module: 'Root', worker: 'root' });
    t.client.send(counter, { type: 'INC' });
    expect(await t.client.call(counter, { type: 'GET' })).toMatchObject({ count: 3 });
  });
});

// The broker's failures, on a RabbitMQ node of this file's own (free ports, a temporary directory, its own node
// name and cookie), started once for these tests and removed after them: the machine's broker is untouched.
describeWithOwnServers(['rabbitmq'], 'a real cluster when its broker fails', { timeout: 180_000 }, () => {
  const rabbit = useOwnRabbit();

  it('the broker drops every connection: daemons and the client reconnect and messages flow again', async () => {
    await survivesBrokerOutage(rabbit(), async (t) => {
      // Only this cluster's connections: rabbitmqctl close_connection on each of them.
      const dropped = await dropBrokerConnections(t.cluster, { rabbitmqctl: rabbit().rabbitmqctl });
      expect(dropped).toBeGreaterThanOrEqual(5); // cluster daemon, node daemon, 2 workers, this client
    }, 60_000);
  });

  it('RabbitMQ restarts (every connection drops, every queue is gone): daemons and the client reconnect, declare their queues again, and processes keep their state', async () => {
    // stop_app and start_app on the private node: every connection drops and its non-durable queues go.
    await survivesBrokerOutage(rabbit(), () => rabbit().restart(), 90_000);
  });
});
