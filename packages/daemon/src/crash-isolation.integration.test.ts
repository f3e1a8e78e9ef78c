/**
 * Design 016 on a worker daemon: a process whose timer throws ends alone; its worker keeps serving the others.
 */
import { describe, expect, it } from 'vitest';
import { repoPath, testClusterPerTest } from './test-support';

const clusters = testClusterPerTest();

describe('crash isolation on a worker daemon', { timeout: 90_000 }, () => {
  it('ends only the process whose timer throws: its parent is told, and its worker keeps serving another process', async () => {
    const t = await clusters.start([{ id: 'n1', workers: 1 }]);
    const [worker] = t.workers.get('n1')!;
    await t.client.load(repoPath('packages/daemon/test-fixtures/timer-crash.ts'));
    const inbox = t.client.inbox();
    const parent = await t.client.spawn('TimerCrash', { inbox: inbox.name });
    const bystander = await t.client.spawn('TimerCrash', {});
    const victim = (await t.client.call(parent, 'spawn', 10_000)) as string;
    expect([parent, bystander, victim].every((name) => name.startsWith(`${worker}:`))).toBe(true);

    const pidBefore = (await t.client.status()).workers.find((w) => w.id === worker)?.pid;
    expect(pidBefore).toBeGreaterThan(0);
    t.client.send(victim, 'arm');
    const exit = await inbox.receiveMatching((m) => (m.message as any)?.childExit === victim, 20_000);
    expect((exit.message as any).err).toMatchObject({ name: 'Error', message: 'thrown in a timer on a worker daemon' });

    expect(await t.client.call(bystander, 'ping', 10_000)).toBe('pong');
    const ps = (await t.client.ps()).map((p) => p.name);
    expect(ps).toEqual(expect.arrayContaining([parent, bystander]));
    expect(ps).not.toContain(victim);
    // The same worker process still serves: it was not replaced.
    const status = await t.client.status();
    expect(status.workers.map((w) => [w.id, w.pid])).toEqual([[worker, pidBefore]]);
    await t.nodes.get('n1')!.waitFor(new RegExp(`process '${victim}' \\(TimerCrash\\) crashed in a callback or promise it started`));
  });
});
