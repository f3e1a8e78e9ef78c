import { HypernodeError, ManualClock } from '@hypernode/core';
import type { LoadReport, MemberInfo } from '@hypernode/core/runtime';
import { describe, expect, it } from 'vitest';
import { placeSpawn } from './index';
import { Placer } from './placer';
import { workerLoadsFromMembers } from './worker-load';
import { NOW, prng, worker } from './test-support';

function tally(placer: Placer, n: number, parent?: string): Record<string, number> {
  const counts: Record<string, number> = {};
  for (let i = 0; i < n; i++) {
    const id = placer.place(parent);
    counts[id] = (counts[id] ?? 0) + 1;
  }
  return counts;
}

describe('Placer', () => {
  it('spreads a burst of 10,000 spawns evenly over equally loaded workers', () => {
    const placer = new Placer({ clock: new ManualClock(NOW) });
    for (let i = 0; i < 8; i++) placer.update(worker(`w${i}`, { processes: 100, eventLoopDelayMs: 2 }));
    expect(tally(placer, 10_000)).toEqual(Object.fromEntries(Array.from({ length: 8 }, (_, i) => [`w${i}`, 1250])));
  });

  it('spreads a burst according to estimated load: the idle worker fills up before the busy one gets any', () => {
    const placer = new Placer({ clock: new ManualClock(NOW), placementCost: 0.5 });
    placer.update(worker('busy', { eventLoopDelayMs: 10 }));
    placer.update(worker('idle'));
    const order = Array.from({ length: 1000 }, () => placer.place());
    expect(order.slice(0, 20).every((id) => id === 'idle')).toBe(true);
    expect(order[20]).toBe('busy');
    expect(order.filter((id) => id === 'idle').length).toBe(510);
    expect(order.filter((id) => id === 'busy').length).toBe(490);
  });

  it('keeps children on their parent worker until it is busier than the least loaded by more than the slack', () => {
    const placer = new Placer({ clock: new ManualClock(NOW), affinitySlack: 5, placementCost: 0.5 });
    placer.update(worker('a'));
    placer.update(worker('b'));
    const order = Array.from({ length: 13 }, () => placer.place('b'));
    // b keeps children while its estimate (0.5 per child) is at most 0 + 5: the first 11.
    expect(order.slice(0, 11)).toEqual(Array(11).fill('b'));
    expect(order[11]).toBe('a');
    // With a at 0.5, b (5.5) is within the slack again and takes the next child.
    expect(order[12]).toBe('b');
  });

  it('forgets its own placements on a worker when a new report for it arrives', () => {
    const clock = new ManualClock(NOW);
    const placer = new Placer({ clock, placementCost: 1 });
    placer.update(worker('a'));
    placer.update(worker('b', { eventLoopDelayMs: 4 }));
    expect(tally(placer, 4)).toEqual({ a: 4 });
    expect(placer.snapshot().find((w) => w.id === 'a')?.placedSinceReport).toBe(4);
    clock.advance(1000);
    placer.update(worker('a', { eventLoopDelayMs: 1, at: NOW + 1000 }));
    expect(placer.snapshot().find((w) => w.id === 'a')?.placedSinceReport).toBe(0);
    expect(placer.place()).toBe('a');
  });

  it('ignores a report older than the one it holds', () => {
    const placer = new Placer({ clock: new ManualClock(NOW) });
    placer.update(worker('a', { eventLoopDelayMs: 50, at: NOW }));
    placer.update(worker('b', { eventLoopDelayMs: 10, at: NOW }));
    placer.update(worker('a', { eventLoopDelayMs: 0, at: NOW - 1 }));
    expect(placer.place()).toBe('b');
  });

  it('never chooses a worker marked as draining, and chooses it again once undrained', () => {
    const placer = new Placer({ clock: new ManualClock(NOW) });
    placer.update(worker('a'));
    placer.update(worker('b', { eventLoopDelayMs: 20 }));
    placer.setDraining('a', true);
    expect(tally(placer, 100, 'a')).toEqual({ b: 100 });
    placer.setDraining('a', false);
    expect(placer.place()).toBe('a');
  });

  it('stops choosing a worker once its report is older than staleAfterMs on its clock', () => {
    const clock = new ManualClock(NOW);
    const placer = new Placer({ clock, staleAfterMs: 5_000 });
    placer.update(worker('quiet', { at: NOW }));
    clock.advance(4_000);
    placer.update(worker('talkative', { eventLoopDelayMs: 30, at: NOW + 4_000 }));
    expect(placer.place()).toBe('quiet');
    clock.advance(1_001);
    expect(placer.place('quiet')).toBe('talkative');
  });

  it('says why it cannot place when every worker is draining or stale', () => {
    const clock = new ManualClock(NOW);
    const placer = new Placer({ clock, staleAfterMs: 5_000 });
    placer.update(worker('a', {}, { draining: true }));
    placer.update(worker('b'));
    clock.advance(6_000);
    let error: unknown;
    try {
      placer.place();
    } catch (e) {
      error = e;
    }
    expect(HypernodeError.is(error, 'INVALID_ARGUMENT')).toBe(true);
    expect((error as Error).message).toBe(
      "No worker can take the process: 'a' is draining, 'b' last reported 6000 ms ago (staleAfterMs is 5000); start or undrain a worker, make sure workers' load reports arrive, or raise staleAfterMs.",
    );
  });

  it('refuses to place before it holds any worker', () => {
    expect(() => new Placer().place()).toThrow(/the placer holds no workers; start at least one worker/);
  });

  it('forgets removed workers, and sync keeps exactly the workers listed', () => {
    const placer = new Placer({ clock: new ManualClock(NOW) });
    placer.update(worker('a'));
    placer.update(worker('b', { eventLoopDelayMs: 1 }));
    placer.update(worker('c', { eventLoopDelayMs: 2 }));
    placer.remove('a');
    placer.remove('nobody');
    expect(placer.size).toBe(2);
    expect(placer.place()).toBe('b');
    placer.sync([worker('c', { eventLoopDelayMs: 2 }), worker('d', { eventLoopDelayMs: 5 })]);
    expect(placer.snapshot().map((w) => w.id)).toEqual(['c', 'd']);
    expect(placer.place()).toBe('c');
  });

  it('decides exactly as placeSpawn does on its snapshot, over many random clusters', () => {
    const random = prng(7);
    for (let round = 0; round < 200; round++) {
      const clock = new ManualClock(NOW);
      const affinitySlack = random() * 10;
      const placer = new Placer({ clock, affinitySlack, staleAfterMs: 5_000 });
      const ids = Array.from({ length: 1 + Math.floor(random() * 8) }, (_, i) => `w${i}`);
      for (const id of ids) {
        placer.update(
          worker(
            id,
            { processes: Math.floor(random() * 500), backlog: Math.floor(random() * 50), eventLoopDelayMs: random() * 20, at: NOW - Math.floor(random() * 6_000) },
            { draining: random() < 0.1 },
          ),
        );
      }
      for (let i = 0; i < 50; i++) {
        const parent = random() < 0.7 ? ids[Math.floor(random() * ids.length)] : undefined;
        const snapshot = placer.snapshot();
        let expected: string | Error;
        try {
          expected = placeSpawn(snapshot, parent, { now: NOW, affinitySlack, staleAfterMs: 5_000 });
        } catch (e) {
          expected = e as Error;
        }
        if (expected instanceof Error) expect(() => placer.place(parent)).toThrow(expected.message);
        else expect(placer.place(parent)).toBe(expected);
      }
    }
  });

  it('plans relocations from its reports and its own placements', () => {
    const placer = new Placer({ clock: new ManualClock(NOW) });
    placer.update(worker('a'));
    placer.update(worker('b', { processes: 1000, eventLoopDelayMs: 40 }));
    // b scores 50 with 1000 processes (0.05 each); the mean is 25.
    expect(placer.planRelocations()).toEqual([{ from: 'b', to: 'a', count: 500 }]);
    expect(placer.planRelocations({ maxMoves: 10 })).toEqual([{ from: 'b', to: 'a', count: 10 }]);
    // 100 placements on a (0.05 each) raise it to 5 and the mean to 27.5.
    expect(tally(placer, 100)).toEqual({ a: 100 });
    expect(placer.planRelocations()).toEqual([{ from: 'b', to: 'a', count: 450 }]);
  });

  it('rejects bad options when it is built', () => {
    expect(() => new Placer({ affinitySlack: -1 })).toThrow(/'affinitySlack'/);
    expect(() => new Placer({ staleAfterMs: 0 })).toThrow(/'staleAfterMs'/);
    expect(() => new Placer({ placementCost: -0.1 })).toThrow(/'placementCost'/);
  });
});

describe('workerLoadsFromMembers', () => {
  it('keeps the workers that have a load report, with their node and draining flag', () => {
    const load: LoadReport = { processes: 1, backlog: 0, eventLoopDelayMs: 1, rssBytes: 1, at: NOW };
    const members: MemberInfo[] = [
      { id: 'cluster', role: 'cluster', startedAt: 0 },
      { id: 'node-1', role: 'node', startedAt: 0, load },
      { id: 'w1', role: 'worker', node: 'node-1', startedAt: 0, load },
      { id: 'w2', role: 'worker', node: 'node-1', startedAt: 0, load, meta: { draining: true } },
      { id: 'w3', role: 'worker', node: 'node-1', startedAt: 0 },
    ];
    expect(workerLoadsFromMembers(members)).toEqual([
      { id: 'w1', node: 'node-1', load },
      { id: 'w2', node: 'node-1', load, draining: true },
    ]);
  });
});
