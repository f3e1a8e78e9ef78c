import { HypernodeError } from '@hypernode/core';
import { describe, expect, it } from 'vitest';
import { loadScore } from './index';
import { planRelocations } from './plan-relocations';
import { NOW, prng, worker } from './test-support';

describe('planRelocations', () => {
  it('suggests nothing when the load is even', () => {
    const workers = ['a', 'b', 'c'].map((id) => worker(id, { processes: 200, eventLoopDelayMs: 4 }));
    expect(planRelocations(workers, { now: NOW })).toEqual([]);
  });

  it('suggests nothing while no worker exceeds the mean by more than the threshold', () => {
    // Scores 20, 0: mean 10, excess 10, which is not more than the threshold of 10.
    const workers = [worker('a', { processes: 10, eventLoopDelayMs: 19.9 }), worker('b')];
    expect(planRelocations(workers, { now: NOW, imbalanceThreshold: 10 })).toEqual([]);
  });

  it('moves an overloaded worker\'s excess over the mean to the workers below it', () => {
    // a scores 100 with 100 processes (1 point each); b and c score 0; the mean is 33.3.
    const workers = [worker('a', { processes: 100, eventLoopDelayMs: 99 }), worker('b'), worker('c')];
    expect(planRelocations(workers, { now: NOW })).toEqual([
      { from: 'a', to: 'b', count: 33 },
      { from: 'a', to: 'c', count: 33 },
    ]);
  });

  it('pairs the largest excess with the largest deficit first, ties by id', () => {
    const workers = [
      worker('low2', { processes: 0, eventLoopDelayMs: 10 }),
      worker('hot1', { processes: 50, eventLoopDelayMs: 49.5 }),
      worker('low1'),
      worker('hot2', { processes: 80, eventLoopDelayMs: 79.2 }),
    ];
    // Scores: hot2 80, hot1 50, low2 10, low1 0; mean 35.
    const moves = planRelocations(workers, { now: NOW });
    expect(moves.map((m) => `${m.from}->${m.to}`)).toEqual(['hot2->low1', 'hot2->low2', 'hot1->low2']);
    expect(moves).toEqual([
      { from: 'hot2', to: 'low1', count: 35 },
      { from: 'hot2', to: 'low2', count: 10 },
      { from: 'hot1', to: 'low2', count: 15 },
    ]);
  });

  it('never moves from or to a draining worker, and leaves draining workers out of the mean', () => {
    const workers = [
      worker('drainHot', { processes: 100, eventLoopDelayMs: 99 }, { draining: true }),
      worker('drainIdle', {}, { draining: true }),
      worker('hot', { processes: 60, eventLoopDelayMs: 59.4 }),
      worker('idle'),
    ];
    const moves = planRelocations(workers, { now: NOW });
    expect(moves).toEqual([{ from: 'hot', to: 'idle', count: 30 }]);
  });

  it('never moves from or to a worker whose report is stale', () => {
    const workers = [
      worker('staleHot', { processes: 100, eventLoopDelayMs: 99, at: NOW - 20_000 }),
      worker('staleIdle', { at: NOW - 20_000 }),
      worker('hot', { processes: 60, eventLoopDelayMs: 59.4 }),
      worker('idle'),
    ];
    expect(planRelocations(workers, { now: NOW, staleAfterMs: 10_000 })).toEqual([{ from: 'hot', to: 'idle', count: 30 }]);
  });

  it('needs at least two eligible workers', () => {
    expect(planRelocations([], { now: NOW })).toEqual([]);
    const workers = [worker('hot', { processes: 60, eventLoopDelayMs: 59.4 }), worker('idle', {}, { draining: true })];
    expect(planRelocations(workers, { now: NOW })).toEqual([]);
  });

  it('leaves alone a worker whose load sits in one hot process rather than bouncing it', () => {
    const workers = [worker('hot', { processes: 1, eventLoopDelayMs: 99.99 }), worker('idle')];
    expect(planRelocations(workers, { now: NOW })).toEqual([]);
  });

  it('caps the moves of one plan at maxMoves', () => {
    const workers = [worker('a', { processes: 100, eventLoopDelayMs: 99 }), worker('b'), worker('c')];
    expect(planRelocations(workers, { now: NOW, maxMoves: 40 })).toEqual([
      { from: 'a', to: 'b', count: 33 },
      { from: 'a', to: 'c', count: 7 },
    ]);
    expect(planRelocations(workers, { now: NOW, maxMoves: 0 })).toEqual([]);
  });

  it('counts placements since the report as load and as movable processes', () => {
    // 'a' reported 0 processes but 400 were placed on it since (400 · 0.05 = 20 points).
    const workers = [worker('a', {}, { placedSinceReport: 400 }), worker('b')];
    expect(planRelocations(workers, { now: NOW, imbalanceThreshold: 5 })).toEqual([{ from: 'a', to: 'b', count: 200 }]);
  });

  it('never pushes a target above the mean nor a source below it, on many random clusters', () => {
    const random = prng(42);
    let planned = 0;
    for (let round = 0; round < 500; round++) {
      const workers = Array.from({ length: 2 + Math.floor(random() * 10) }, (_, i) =>
        worker(`w${i}`, {
          processes: Math.floor(random() * 2000),
          backlog: Math.floor(random() * 500),
          eventLoopDelayMs: random() * 80,
          rssBytes: Math.floor(random() * 2e9),
        }),
      );
      const score = new Map(workers.map((w) => [w.id, loadScore(w.load)]));
      const mean = [...score.values()].reduce((a, b) => a + b, 0) / workers.length;
      const after = new Map(score);
      for (const move of planRelocations(workers, { now: NOW })) {
        planned++;
        const from = workers.find((w) => w.id === move.from)!;
        const perProcess = score.get(from.id)! / from.load.processes;
        expect(move.count).toBeGreaterThan(0);
        expect(score.get(move.from)! - mean).toBeGreaterThan(10);
        expect(score.get(move.to)!).toBeLessThan(mean);
        after.set(move.from, after.get(move.from)! - move.count * perProcess);
        after.set(move.to, after.get(move.to)! + move.count * perProcess);
      }
      for (const [id, value] of after) {
        if (score.get(id)! > mean) expect(value).toBeGreaterThanOrEqual(mean - 1e-9);
        else expect(value).toBeLessThanOrEqual(mean + 1e-9);
      }
    }
    expect(planned).toBeGreaterThan(100);
  });

  it.each([
    ['a negative threshold', { imbalanceThreshold: -1 }, 'imbalanceThreshold'],
    ['a fractional maxMoves', { maxMoves: 2.5 }, 'maxMoves'],
    ['a negative maxMoves', { maxMoves: -1 }, 'maxMoves'],
  ])('rejects %s as invalid options naming the option', (_label, options, name) => {
    let error: unknown;
    try {
      planRelocations([worker('a'), worker('b')], { now: NOW, ...options });
    } catch (e) {
      error = e;
    }
    expect(HypernodeError.is(error, 'INVALID_OPTIONS')).toBe(true);
    expect((error as Error).message).toContain(`'${name}'`);
  });

  it('rejects a worker listed twice', () => {
    expect(() => planRelocations([worker('a'), worker('a')], { now: NOW })).toThrow(/Worker 'a' appears twice/);
  });
});
