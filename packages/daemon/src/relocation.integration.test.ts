/**
 * Relocation across daemons (design 031), against the machine's RabbitMQ and Redis under a fresh cluster name:
 * a process moves between workers of two node daemons through the worker RPC `move`, while producers on every
 * worker send it numbered messages; each producer's messages arrive in order, once each.
 */
import type { MoveOutcome } from '@hypernode/core';
import type { Transport } from '@hypernode/core/runtime';
import { describe, expect, it } from 'vitest';
import { callRpc } from './rpc';
import { repoPath, testClusterPerTest } from './test-support';

const { start } = testClusterPerTest();

describe('moving a process across daemons', { timeout: 120_000 }, () => {
  it('moves a receiver between workers of two nodes through the worker RPC, keeping every sender\'s order', async () => {
    const t = await start([
      { id: 'n1', workers: 2 },
      { id: 'n2', workers: 1 },
    ]);
    const workers = [...t.workers.values()].flat();
    expect(workers).toHaveLength(3);
    await t.client.load(repoPath('packages/daemon/test-fixtures/reloc-producer.ts'));
    await t.client.load(repoPath('packages/daemon/test-fixtures/reloc-consumer.ts'));
    const inbox = t.client.inbox();
    const consumer = await t.client.spawn('RelocConsumer', { notify: inbox.name, senders: 3, next: {}, errors: [], got: 0 }, { worker: workers[0] });
    const producers: string[] = [];
    for (const w of workers) producers.push(await t.client.spawn('RelocProducer', {}, { worker: w }));
    const transport = (t.client as unknown as { adapters: { transport: Transport } }).adapters.transport;
    const hostOf = async (name: string) => (await t.client.ps()).find((p) => p.name === name)?.worker;

    const per = 2000;
    for (const p of producers) t.client.send(p, { go: consumer, n: per, i: 0 });
    const outcomes: MoveOutcome[] = [];
    // Around the three workers and back to its home, while the producers send.
    for (const to of [workers[1], workers[2], workers[0], workers[2]]) {
      const from = (await hostOf(consumer))!;
      outcomes.push(await callRpc<MoveOutcome>(transport, `worker.${from}`, 'move', { process: consumer, to }, 30_000));
    }
    expect(outcomes.filter((o) => o.moved).map((o) => o.moved && o.to)).toEqual([workers[1], workers[2], workers[0], workers[2]]);
    // For design 031's table: the pause each move reported (freeze to the target's acknowledgement).
    console.log(`relocation pauses across daemons (ms): ${outcomes.map((o) => (o.moved ? o.pauseMs : o.reason)).join(', ')}`);
    const done = (await inbox.receive(60_000)).message as { done: string; errors: string[]; got: number };
    expect(done).toEqual({ done: consumer, errors: [], got: per * 3 });
    expect(await hostOf(consumer)).toBe(workers[2]);
    // A bad worker: the process stays, the reason names it.
    const refused = await callRpc<MoveOutcome>(transport, `worker.${workers[2]}`, 'move', { process: consumer, to: 'nowhere' }, 30_000);
    expect(refused).toMatchObject({ moved: false, reason: 'target-unavailable' });
    expect(await hostOf(consumer)).toBe(workers[2]);
    const stats = await t.client.stats();
    expect(stats.reduce((n, s) => n + (s.relocations ?? 0), 0)).toBe(4);
    inbox.close();
  });
});
