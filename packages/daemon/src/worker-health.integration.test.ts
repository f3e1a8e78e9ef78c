/**
 * Worker health on a real cluster (machine's RabbitMQ and Redis; only the test's own processes are signalled):
 * a worker stopped with SIGSTOP past its member TTL is declared lost, and when it wakes it fences itself and is
 * replaced; a worker whose event loop is stuck in an endless loop is killed at the node's stall limit and
 * replaced. In both, parents on the other worker are told WORKER_LOST. Each test gets its own cluster.
 */
import { describe, expect, it } from 'vitest';
import { eventually, repoPath, testClusterPerTest, watcherAcross, workerOf, type TestCluster } from './test-support';

const { start } = testClusterPerTest();

type ChildExit = { type: 'CHILD_EXIT'; child: string; err: { name?: string; code?: string; message?: string } | string };

/** Receives one CHILD_EXIT per name of `onB`, each a WORKER_LOST naming worker `b`. */
async function expectWorkerLost(t: TestCluster, inbox: { receive(ms: number): Promise<{ message: unknown }> }, onB: string[], b: string) {
  const exits: ChildExit[] = [];
  for (let i = 0; i < onB.length; i++) exits.push((await inbox.receive(60_000)).message as ChildExit);
  expect(exits.map((e) => e.child).sort()).toEqual(onB);
  for (const e of exits) {
    expect(e.err).toMatchObject({ name: 'HypernodeError', code: 'WORKER_LOST' });
    expect((e.err as { message: string }).message).toContain(`Worker '${b}' of cluster '${t.cluster}' was lost`);
  }
}

/** Waits until `status` lists two workers: `a` and a replacement of `b`. */
async function replaced(t: TestCluster, a: string, b: string): Promise<string> {
  return eventually(async () => {
    const ids = (await t.client.status()).workers.map((w) => w.id);
    return ids.length === 2 && ids.includes(a) && !ids.includes(b) ? ids.find((id) => id !== a) : undefined;
  }, 60_000, 'a replacement worker in status');
}

// A placement cost far above any event-loop delay makes the Watcher's children alternate between the workers.
const spread = ['--placement-cost', '100000'];

describe('worker health on a real cluster', { timeout: 180_000 }, () => {
  it('a worker stopped (SIGSTOP) past its member TTL is declared lost; woken (SIGCONT), it fences itself, exits 75 and is replaced', async () => {
    const t = await start([{ id: 'n1', workers: 2 }], { nodeArgs: [...spread, '--stall-limit', '300000'] });
    const [a, b] = t.workers.get('n1')!;
    const { inbox, onB } = await watcherAcross(t, a!, b!);
    const pid = (await t.client.status()).workers.find((w) => w.id === b)!.pid!;
    const node = t.nodes.get('n1')!;
    const mark = node.lines.length;
    process.kill(pid, 'SIGSTOP');
    try {
      // Its node daemon reports it silent (status shows it stalled) ...
      await eventually(async () => {
        const s = await t.client.status();
        return s.nodes.find((n) => n.id === 'n1')?.meta.stalled?.toString().includes(`${b}=`) ? true : undefined;
      }, 30_000, `node n1 reporting '${b}' stalled`);
      // ... and once its member record expires, the cluster declares it lost: parents are told.
      await expectWorkerLost(t, inbox, onB, b!);
    } finally {
      process.kill(pid, 'SIGCONT');
    }
    await node.waitFor(new RegExp(`\\[worker ${b}\\].*worker '${b}' fenced itself: `), 60_000, mark);
    await node.waitFor(new RegExp(`worker '${b}' \\(pid ${pid}\\) exited with code 75: it fenced itself`), 60_000, mark);
    await replaced(t, a!, b!);
    const ps = await t.client.ps();
    expect(ps.filter((p) => p.worker === b)).toEqual([]);
    inbox.close();
  });

  it('a worker stuck in an endless loop is killed at the stall limit, announced lost and replaced', async () => {
    const t = await start([{ id: 'n1', workers: 2 }], { nodeArgs: [...spread, '--stall-limit', '3000'] });
    const [a, b] = t.workers.get('n1')!;
    const { inbox, onB } = await watcherAcross(t, a!, b!);
    await t.client.load(repoPath('packages/daemon/test-fixtures/spinner.ts'));
    const spinner = await t.client.spawn('Spinner', {}, { worker: b });
    const pid = (await t.client.status()).workers.find((w) => w.id === b)!.pid!;
    const node = t.nodes.get('n1')!;
    const mark = node.lines.length;
    t.client.send(spinner, 'spin');
    await node.waitFor(new RegExp(`worker '${b}' \\(pid ${pid}\\) has not answered for \\d+ ms, over the stall limit of 3000 ms .*; killing it with SIGKILL`), 60_000, mark);
    await expectWorkerLost(t, inbox, onB, b!);
    await node.waitFor(new RegExp(`worker '${b}' \\(pid ${pid}\\) was stuck for \\d+ ms \\(stall limit 3000 ms\\) and was killed with SIGKILL; its processes are lost; starting a replacement`), 60_000, mark);
    await replaced(t, a!, b!);
    inbox.close();
  });
});
