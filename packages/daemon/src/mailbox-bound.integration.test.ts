/**
 * Design 030 on a real cluster (this machine's RabbitMQ and Redis, its own cluster name): a bounded process flooded
 * from another worker keeps at most its bound, the overflow shows as dead letters 'mailbox-full' with its sender,
 * and `ps`, `status` and the worker's log show the full mailbox.
 */
import { describe, expect, it } from 'vitest';
import { eventually, repoPath, testClusterPerTest, workerOf } from './test-support';

const clusters = testClusterPerTest();

describe('bounded mailboxes on worker daemons', { timeout: 120_000 }, () => {
  it('keeps a mailbox flooded from another worker at its bound, and shows it in ps, status, dead letters and the log', async () => {
    const t = await clusters.start([{ id: 'n1', workers: 2 }]);
    const [w1, w2] = t.workers.get('n1')!;
    await t.client.load(repoPath('packages/daemon/test-fixtures/gate.ts'));
    await t.client.load(repoPath('packages/daemon/test-fixtures/flooder.ts'));
    const bound = 11_000;
    const gate = await t.client.spawn('Gate', {}, { worker: w1!, maxMailbox: bound });
    const flooder = await t.client.spawn('Flooder', {}, { worker: w2! });
    expect([workerOf(gate), workerOf(flooder)]).toEqual([w1, w2]);
    expect(await t.client.call(gate, 'block', 10_000)).toBe('blocked');

    const sent = 15_000;
    expect(await t.client.call(flooder, { flood: gate, n: sent }, 60_000)).toBe(sent);
    const refused = async () => {
      const s = (await t.client.stats()).find((x) => x.worker === w1);
      return s?.deadLettersByReason['mailbox-full'];
    };
    await eventually(async () => ((await refused()) === sent - bound ? true : undefined), 60_000, `${sent - bound} dead letters 'mailbox-full'`);

    const info = (await t.client.ps()).find((p) => p.name === gate)!;
    expect(info).toMatchObject({ worker: w1, mailboxSize: bound, maxMailbox: bound, mailboxOver: true });
    const status = (await t.client.status()).workers.find((w) => w.id === w1)!;
    expect(status.stats?.mailboxes).toEqual({ warnAt: 10_000, over: 1, largest: { name: gate, module: 'Gate', size: bound } });
    expect(status.stats?.memory).toMatchObject({ level: 'ok', shedding: [] });
    expect(status.stats!.memory!.heapLimit).toBeGreaterThan(status.stats!.memory!.heapUsed);
    const letters = (await t.client.deadLetters()).filter((d) => d.reason === 'mailbox-full');
    expect(letters.length).toBeGreaterThan(0);
    expect(letters.every((d) => d.from === flooder && d.to === gate && d.worker === w1)).toBe(true);

    // A call finds the mailbox full: it fails at once with MAILBOX_FULL (not a timeout).
    await expect(t.client.call(gate, 'anyone?', 10_000)).rejects.toMatchObject({ code: 'MAILBOX_FULL' });
    // The worker logged the crossing of the warning size, and the refusals.
    await t.nodes.get('n1')!.waitFor(new RegExp(`Process '${gate}' \\(Gate\\) has 10000 messages waiting, over the mailbox warning size of 10000`));
    await t.nodes.get('n1')!.waitFor(new RegExp(`Process '${gate}' \\(Gate\\) has ${bound} messages waiting, its bound of ${bound} messages`));
    expect(await t.client.kill(gate)).toBe(true);
  });
});
