/**
 * Relocation operated on a real cluster (design 032), on this machine's RabbitMQ and Redis: `connectCluster().move`,
 * the evacuation `workers remove` and a node daemon's SIGTERM run, and the cluster daemon's `--rebalance` driven by
 * controlled load reports.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { Logger } from '@hypernode/core';
import type { WorkerLoad } from '@hypernode/core/runtime';
import { startCluster, type ClusterDaemon } from './cluster-daemon';
import { connectCluster, type ClusterClient } from './connect-cluster';
import {
  amqpUrl,
  clusterName,
  deleteTestCluster,
  eventually,
  redisUrl,
  repoPath,
  startNodeProcess,
  testClusterPerTest,
  type DaemonProcess,
  type TestCluster,
} from './test-support';

const { start } = testClusterPerTest();

/** Sends `n` INCs to `to` and resolves with its count, asked with a call after them (FIFO from one sender). */
async function incAndGet(client: ClusterClient, to: string, n: number): Promise<number> {
  for (let i = 0; i < n; i++) client.send(to, { type: 'INC' });
  return ((await client.call(to, { type: 'GET' }, 10_000)) as { count: number }).count;
}

/**
 * Loads Counter and Homebody (which refuses to move) and spawns on `worker` three Counters (at 10, 20 and 30, each
 * sent one INC) and a Homebody (sent two).
 */
async function countersAndHomebody(t: TestCluster, worker: string): Promise<{ counters: string[]; homebody: string }> {
  await t.client.load(repoPath('packages/daemon/test-fixtures/counter-v1.ts'));
  await t.client.load(repoPath('packages/daemon/test-fixtures/homebody.ts'));
  const counters = [await t.client.spawn('Counter', { count: 10 }, { worker }), await t.client.spawn('Counter', { count: 20 }, { worker }), await t.client.spawn('Counter', { count: 30 }, { worker })];
  expect(await Promise.all(counters.map((c) => incAndGet(t.client, c, 1)))).toEqual([11, 21, 31]);
  const homebody = await t.client.spawn('Homebody', { count: 0 }, { worker });
  expect(await incAndGet(t.client, homebody, 2)).toBe(2);
  return { counters, homebody };
}

/** The Counters of {@link countersAndHomebody} run on `b` and keep counting from their state; the Homebody ended; `b` is the only worker. */
async function expectMovedTo(t: TestCluster, counters: string[], homebody: string, b: string): Promise<void> {
  const ps = await t.client.ps();
  expect(counters.map((c) => ps.find((p) => p.name === c)?.worker)).toEqual([b, b, b]);
  expect(ps.some((p) => p.name === homebody)).toBe(false);
  expect(await Promise.all(counters.map((c) => incAndGet(t.client, c, 1)))).toEqual([12, 22, 32]);
  expect((await t.client.status()).workers.map((w) => w.id)).toEqual([b]);
}

describe('relocation operated on a cluster of daemons', { timeout: 120_000 }, () => {
  it('connectCluster().move carries a process to another worker with its state; its name keeps answering; bad targets are refused', async () => {
    const t = await start([{ id: 'n1', workers: 2 }]);
    const [a, b] = t.workers.get('n1')!;
    await t.client.load(repoPath('packages/daemon/test-fixtures/counter-v1.ts'));
    const pid = await t.client.spawn('Counter', { count: 0 }, { worker: a });
    expect(await incAndGet(t.client, pid, 5)).toBe(5);

    const outcome = await t.client.move(pid, { to: b });
    expect(outcome).toMatchObject({ name: pid, moved: true, from: a, to: b });
    // The same name, now served from b, with the state it had.
    expect(await incAndGet(t.client, pid, 3)).toBe(8);
    expect((await t.client.ps()).find((p) => p.name === pid)?.worker).toBe(b);
    await t.clusterDaemon.waitFor(new RegExp(`moved process '${pid}' from worker '${a}' to '${b}'`));

    await expect(t.client.move(pid, { to: 'nope' })).rejects.toThrow(`Worker 'nope' is not a live worker of cluster '${t.cluster}'`);
    await expect(t.client.move(pid, { to: b })).rejects.toThrow(`Process '${pid}' already runs on worker '${b}'`);
    expect(await t.client.move(`${a}:999999`)).toMatchObject({ moved: false, reason: 'not-found', message: expect.stringContaining("list the running ones with 'hypernode-cli ps'") });
    // No --to: the least-loaded other worker, here the only other one.
    expect(await t.client.move(pid)).toMatchObject({ moved: true, from: b, to: a });
    expect(await incAndGet(t.client, pid, 1)).toBe(9);
  });

  it('workers remove moves the processes to the other worker (they keep their state) and ends only the one that refuses, reporting both counts', async () => {
    const t = await start([{ id: 'n1', workers: 2 }]);
    const [a, b] = t.workers.get('n1')!;
    const { counters, homebody } = await countersAndHomebody(t, a!);

    const removal = await t.client.removeWorker(a!);
    expect(removal).toMatchObject({ worker: a, node: 'n1', removed: true, moved: 3, refused: 1, failed: 0, ended: 1, targets: [b] });
    await t.clusterDaemon.waitFor(new RegExp(`evacuation of '${a}' \\(worker '${a}' is being removed\\): moved 3 processes to '${b}'; 1 to end with 'shutdown' \\(1 refused, 0 could not move\\)`));
    // Every counter lives on, on b, with its count, although its home (the removed worker) is gone (design 031).
    await expectMovedTo(t, counters, homebody, b!);
  });
});

describe('a node daemon stopped by SIGTERM', { timeout: 120_000 }, () => {
  it("moves its workers' processes to the other node's worker first: they answer from there with their state under the same names, and its log shows the counts", async () => {
    const t = await start([
      { id: 'n1', workers: 1 },
      { id: 'n2', workers: 1 },
    ]);
    const [a] = t.workers.get('n1')!;
    const [b] = t.workers.get('n2')!;
    const { counters, homebody } = await countersAndHomebody(t, a!);

    const n1 = t.nodes.get('n1')!;
    n1.kill('SIGTERM');
    expect(await n1.exited).toEqual({ code: 0, signal: null });
    expect(n1.lines.some((l) => l.includes(`evacuation of '${a}' (node 'n1' is draining: got SIGTERM): moved 3 processes to '${b}'; 1 to end with 'shutdown' (1 refused, 0 could not move)`)), n1.lines.join('\n')).toBe(true);
    await expectMovedTo(t, counters, homebody, b!);
  });
});

describe('a node daemon stopped by Ctrl-C', { timeout: 120_000 }, () => {
  it('leaves the SIGINT its worker also got to the node daemon, which moves the processes before the worker stops', async () => {
    const t = await start([
      { id: 'n1', workers: 1 },
      { id: 'n2', workers: 1 },
    ]);
    const [a] = t.workers.get('n1')!;
    const [b] = t.workers.get('n2')!;
    await t.client.load(repoPath('packages/daemon/test-fixtures/counter-v1.ts'));
    const counters = [await t.client.spawn('Counter', { count: 10 }, { worker: a }), await t.client.spawn('Counter', { count: 20 }, { worker: a })];
    expect(await Promise.all(counters.map((c) => incAndGet(t.client, c, 1)))).toEqual([11, 21]);
    const pid = (await t.client.status()).workers.find((w) => w.id === a)?.pid;
    expect(pid).toBeTypeOf('number');

    // Ctrl-C signals the whole process group: the worker first here, the harder order for the node daemon.
    process.kill(pid!, 'SIGINT');
    const n1 = t.nodes.get('n1')!;
    n1.kill('SIGINT');
    expect(await n1.exited).toEqual({ code: 0, signal: null });
    expect(n1.lines.some((l) => l.includes(`evacuation of '${a}' (node 'n1' is draining: got SIGINT): moved 2 processes to '${b}'; 0 to end with 'shutdown'`)), n1.lines.join('\n')).toBe(true);
    expect(await Promise.all(counters.map((c) => incAndGet(t.client, c, 1)))).toEqual([12, 22]);
  });
});

describe('the cluster daemon with --rebalance', { timeout: 150_000 }, () => {
  const cluster = clusterName();
  let daemon: ClusterDaemon | undefined;
  let node: DaemonProcess | undefined;
  let client: ClusterClient | undefined;
  afterEach(async () => {
    await client?.stop();
    await node?.stop();
    await daemon?.stop();
    await deleteTestCluster(cluster);
  }, 60_000);

  it('moves processes from a loaded worker to an idle one as the reports come in, never more than its cap a minute', async () => {
    const lines: string[] = [];
    const logger: Logger = { debug() {}, info: (m) => void lines.push(m), warn: (m) => void lines.push(m), error: (m) => void lines.push(m) };
    // The load the rebalancer plans on: one point per process the worker hosts (as its ps lists them: a home's
    // forwarding entries for processes that moved away are not processes), nothing else, so the test controls it by
    // spawning. The reports' `at` stay the workers' own, so the rebalancer's wait for fresh reports is real.
    const hosted = new Map<string, number>();
    const byProcesses = (ws: WorkerLoad[]) =>
      ws.map((w) => {
        const n = hosted.get(w.id) ?? w.load.processes;
        return { ...w, load: { ...w.load, processes: n, eventLoopDelayMs: n, backlog: 0, rssBytes: 0 } };
      });
    daemon = await startCluster({ cluster, amqpUrl, redisUrl, logger, rebalance: { maxMovesPerMinute: 3, imbalanceThreshold: 1, cooldownMs: 0 }, rebalanceLoads: byProcesses });
    node = await startNodeProcess(cluster, 'n1', 2, ['--affinity-slack', '0']);
    client = await connectCluster({ cluster, amqp: amqpUrl, redis: redisUrl });
    const c = client;
    const status = await eventually(async () => {
      const s = await c.status();
      return s.workers.length === 2 && s.workers.every((w) => w.load !== null) ? s : undefined;
    }, 20_000, 'two workers with load reports');
    expect(status.rebalancer).toMatchObject({ on: true, maxMovesPerMinute: 3, movesLastMinute: 0 });
    const [a, b] = status.workers.map((w) => w.id).sort() as [string, string];
    const count = async () => {
      const ps = await c.ps();
      for (const w of [a, b]) hosted.set(w, ps.filter((p) => p.worker === w).length);
      return ps;
    };
    await count();
    let polling = true;
    const poll = (async () => {
      while (polling) {
        await count().catch(() => undefined);
        await new Promise((r) => setTimeout(r, 250));
      }
    })();

    try {
      await c.load(repoPath('packages/daemon/test-fixtures/counter-v1.ts'));
      const names: string[] = [];
      for (let i = 0; i < 11; i++) names.push(await c.spawn('Counter', { count: i }, { worker: a }));
      // 11 against 0: planRelocations would move 5, the cap allows 3 this minute.
      await eventually(async () => (hosted.get(b) === 3 && hosted.get(a) === 8 ? true : undefined), 40_000, 'three counters moved to the idle worker');
      // Rounds go on every second with fresh reports; the plan still wants 2 more, but the cap holds for the minute.
      const seen = new Map((await c.status()).workers.map((w) => [w.id, w.load!.at]));
      await eventually(async () => ((await c.status()).workers.every((w) => w.load!.at > seen.get(w.id)! + 3000) ? true : undefined), 20_000, 'three more rounds of reports');
      expect((await c.status()).rebalancer).toMatchObject({ movesLastMinute: 3, moved: 3, notMoved: 0 });
      expect((await count()).filter((p) => names.includes(p.name) && p.worker === b)).toHaveLength(3);
      // Every counter still answers with its own state.
      expect(await Promise.all(names.map((n) => incAndGet(c, n, 1)))).toEqual(names.map((_n, i) => i + 1));
      expect(lines.filter((l) => l.startsWith('rebalancer: planned')).join('\n')).toMatch(/moved \d+ process(es)?, 0 moves refused or failed; [1-3] of 3 moves used in the last minute/);
    } finally {
      polling = false;
      await poll;
    }
  });
});
