/**
 * Operating a real cluster: adding and removing workers, draining a node, a worker started without a node
 * daemon, and what the cluster daemon does when a worker's heartbeat stops with nobody announcing it.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { DaemonProcess, daemonEnv, eventually, repoPath, testClusterPerTest } from './test-support';

const { start } = testClusterPerTest();
const extra: DaemonProcess[] = [];

// Registered after the cluster's: vitest runs afterEach hooks last-registered first, so these stop first.
afterEach(async () => {
  for (const p of extra.splice(0)) await p.stop();
}, 60_000);

function workerOf(name: string): string {
  return name.slice(0, name.indexOf(':'));
}

describe('operating a cluster', { timeout: 90_000 }, () => {
  it('adds a worker to a node, removes it for good (its processes move to the other worker), then drains the node', async () => {
    const t = await start([{ id: 'n1', workers: 1 }]);
    const [first] = t.workers.get('n1')!;
    await expect(t.client.addWorkers('nope', 1)).rejects.toThrow("Node 'nope' is not a live node of cluster");

    const [added] = await t.client.addWorkers('n1', 1);
    expect(added).toMatch(/^n1-w2-[0-9a-z]+$/);
    await eventually(async () => ((await t.client.status()).workers.some((w) => w.id === added) ? true : undefined), 10_000, 'the new worker in status');
    expect((await t.client.nodes()).find((n) => n.id === 'n1')?.workers.sort()).toEqual([first, added].sort());

    await t.client.load(repoPath('packages/daemon/test-fixtures/idle.ts'));
    const idle = await t.client.spawn('Idle', {}, { worker: added });
    expect(workerOf(idle)).toBe(added);
    expect(await t.client.removeWorker(added!)).toMatchObject({ worker: added, removed: true, moved: 1, ended: 0 });
    const node = t.nodes.get('n1')!;
    await node.waitFor(new RegExp(`\\[worker ${added}\\] worker '${added}' stopped`), 15_000);
    const after = await t.client.status();
    expect(after.workers.map((w) => w.id)).toEqual([first]);
    // Evacuated, not ended: it keeps its name and now runs on the remaining worker.
    expect((await t.client.ps()).find((p) => p.name === idle)?.worker).toBe(first);
    // Removed on purpose: not replaced.
    expect(node.lines.some((l) => l.includes('starting a replacement'))).toBe(false);

    await t.client.removeNode('n1');
    expect(await node.exited).toEqual({ code: 0, signal: null });
    await eventually(async () => {
      const s = await t.client.status();
      return s.nodes.length === 0 && s.workers.length === 0 ? true : undefined;
    }, 10_000, 'no node and no worker left');
  });

  it('announces a worker lost when its heartbeat stops and no node daemon speaks for it', async () => {
    const t = await start([{ id: 'n1', workers: 1 }]);
    const [a] = t.workers.get('n1')!;
    // A worker started by hand, without a node daemon: nobody watches its process.
    const solo = new DaemonProcess('worker', ['--id', 'solo1'], daemonEnv(t.cluster));
    extra.push(solo);
    await solo.waitFor(/worker 'solo1' of cluster .* is up/);
    await eventually(async () => {
      const s = await t.client.status();
      return s.workers.length === 2 && s.workers.every((w) => w.placesOn?.length === 2) ? true : undefined;
    }, 20_000, 'both workers placing on each other');

    await t.client.load(repoPath('packages/daemon/test-fixtures/watcher.ts'));
    await t.client.load(repoPath('packages/daemon/test-fixtures/idle.ts'));
    const inbox = t.client.inbox();
    await t.client.spawn('Watcher', { children: 10, notify: inbox.name }, { worker: a });
    const { names } = (await inbox.receive(10_000)).message as { names: string[] };
    const onSolo = names.filter((n) => workerOf(n) === 'solo1').sort();
    expect(onSolo.length).toBeGreaterThan(0);

    const mark = t.clusterDaemon.lines.length;
    solo.kill('SIGKILL');
    const exits: { child: string; err: { code?: string; message?: string } }[] = [];
    // The heartbeat TTL is 5 s; the cluster daemon checks every second.
    for (let i = 0; i < onSolo.length; i++) exits.push((await inbox.receive(15_000)).message as (typeof exits)[number]);
    expect(exits.map((e) => e.child).sort()).toEqual(onSolo);
    for (const e of exits) {
      expect(e.err.code).toBe('WORKER_LOST');
      expect(e.err.message).toContain("Worker 'solo1'");
      expect(e.err.message).toContain('its heartbeat stopped');
    }
    await t.clusterDaemon.waitFor(/worker 'solo1' stopped heartbeating and no node daemon announced it; announcing it lost/, 5_000, mark);
    inbox.close();
  });
});
