import { HypernodeError } from '@hypernode/core';
import { describe, expect, it } from 'vitest';
import { placeSpawn } from './index';
import type { WorkerLoad } from './index';
import { NOW, worker } from './test-support';

const busy = (id: string, eventLoopDelayMs: number, extra: Partial<WorkerLoad> = {}) =>
  worker(id, { eventLoopDelayMs }, extra);

function errorOf(fn: () => unknown): HypernodeError {
  try {
    fn();
  } catch (e) {
    if (e instanceof HypernodeError) return e;
    throw e;
  }
  throw new Error('expected a HypernodeError');
}

describe('placeSpawn', () => {
  it('puts a process without a parent on the least-loaded worker', () => {
    expect(placeSpawn([busy('a', 8), busy('b', 2), busy('c', 5)], undefined, { now: NOW })).toBe('b');
  });

  it('gives the same answer for the same inputs instead of rotating', () => {
    const workers = [busy('a', 3), busy('b', 3), busy('c', 3)];
    const answers = Array.from({ length: 5 }, () => placeSpawn(workers, undefined, { now: NOW }));
    expect(answers).toEqual(['a', 'a', 'a', 'a', 'a']);
  });

  it('keeps a child on its parent worker while that worker is within the slack of the least loaded', () => {
    const workers = [busy('a', 1), busy('b', 4), busy('c', 9)];
    expect(placeSpawn(workers, 'b', { now: NOW, affinitySlack: 5 })).toBe('b');
  });

  it('keeps a child on its parent worker when it is busier than the least loaded by exactly the slack', () => {
    const workers = [busy('a', 1), busy('b', 6)];
    expect(placeSpawn(workers, 'b', { now: NOW, affinitySlack: 5 })).toBe('b');
  });

  it('sends a child to the least-loaded worker once its parent worker is busier by more than the slack', () => {
    const workers = [busy('a', 1), busy('b', 6.5), busy('c', 3)];
    expect(placeSpawn(workers, 'b', { now: NOW, affinitySlack: 5 })).toBe('a');
  });

  it('keeps a child with its parent only on a tie when the slack is zero', () => {
    expect(placeSpawn([busy('a', 1), busy('b', 1.5)], 'b', { now: NOW, affinitySlack: 0 })).toBe('a');
    expect(placeSpawn([busy('a', 1), busy('b', 1)], 'b', { now: NOW, affinitySlack: 0 })).toBe('b');
  });

  it('uses a default slack of five points', () => {
    expect(placeSpawn([busy('a', 0), busy('b', 5)], 'b', { now: NOW })).toBe('b');
    expect(placeSpawn([busy('a', 0), busy('b', 5.5)], 'b', { now: NOW })).toBe('a');
  });

  it('treats a parent worker it does not know like no parent', () => {
    expect(placeSpawn([busy('a', 4), busy('b', 2)], 'gone', { now: NOW })).toBe('b');
  });

  it('avoids a worker that is behind even when it hosts fewer processes', () => {
    const manyIdle = worker('idle', { processes: 1000 });
    const behind = worker('behind', { processes: 10, backlog: 300, eventLoopDelayMs: 25 });
    expect(placeSpawn([behind, manyIdle], undefined, { now: NOW })).toBe('idle');
  });

  it('breaks ties by fewer placements since the report, then by id, whatever the list order', () => {
    const byCount = [busy('z', 2, { placedSinceReport: 1 }), busy('y', 2, { placedSinceReport: 3 })];
    expect(placeSpawn(byCount, undefined, { now: NOW, placementCost: 0 })).toBe('z');
    const byId = [busy('q', 2), busy('p', 2), busy('r', 2)];
    expect(placeSpawn(byId, undefined, { now: NOW })).toBe('p');
    expect(placeSpawn([...byId].reverse(), undefined, { now: NOW })).toBe('p');
  });

  it('counts placements since the report in the estimate', () => {
    const workers = [busy('a', 0, { placedSinceReport: 40 }), busy('b', 1.5)];
    expect(placeSpawn(workers, undefined, { now: NOW, placementCost: 0.05 })).toBe('b');
    expect(placeSpawn(workers, undefined, { now: NOW, placementCost: 0.01 })).toBe('a');
  });

  it('never chooses a draining worker, even the idlest or the parent one', () => {
    const workers = [busy('a', 0, { draining: true }), busy('b', 7), busy('c', 9)];
    expect(placeSpawn(workers, undefined, { now: NOW })).toBe('b');
    expect(placeSpawn(workers, 'a', { now: NOW, affinitySlack: Infinity })).toBe('b');
  });

  it('never chooses a worker whose report is older than staleAfterMs', () => {
    const workers = [worker('old', { at: NOW - 10_001 }), worker('fresh', { eventLoopDelayMs: 50, at: NOW - 10_000 })];
    expect(placeSpawn(workers, 'old', { now: NOW, staleAfterMs: 10_000, affinitySlack: Infinity })).toBe('fresh');
  });

  it('accepts any report age when staleAfterMs is Infinity, and a report from the future as fresh', () => {
    expect(placeSpawn([worker('old', { at: 0 }), busy('b', 5)], undefined, { now: NOW, staleAfterMs: Infinity })).toBe('old');
    expect(placeSpawn([worker('ahead', { at: NOW + 5_000 }), busy('b', 5)], undefined, { now: NOW })).toBe('ahead');
  });

  it('explains why no worker can take the process when every one is draining or stale', () => {
    const workers = [busy('w1', 0, { draining: true }), worker('w2', { at: NOW - 12_000 })];
    const error = errorOf(() => placeSpawn(workers, undefined, { now: NOW, staleAfterMs: 10_000 }));
    expect(error.code).toBe('INVALID_ARGUMENT');
    expect(error.message).toBe(
      "No worker can take the process: 'w1' is draining, 'w2' last reported 12000 ms ago (staleAfterMs is 10000); start or undrain a worker, make sure workers' load reports arrive, or raise staleAfterMs.",
    );
    expect(error.details).toEqual({
      reasons: ["'w1' is draining", "'w2' last reported 12000 ms ago (staleAfterMs is 10000)"],
      now: NOW,
      staleAfterMs: 10_000,
    });
  });

  it('lists at most five reasons in the message and counts the rest', () => {
    const workers = Array.from({ length: 8 }, (_, i) => busy(`w${i}`, 0, { draining: true }));
    const error = errorOf(() => placeSpawn(workers, undefined, { now: NOW }));
    expect(error.message).toContain("'w4' is draining and 3 more;");
  });

  it('rejects an empty worker list with a message saying to start a worker', () => {
    const error = errorOf(() => placeSpawn([], undefined, { now: NOW }));
    expect(error.code).toBe('INVALID_ARGUMENT');
    expect(error.message).toMatch(/holds no workers; start at least one worker/);
  });

  it('rejects a worker listed twice', () => {
    const error = errorOf(() => placeSpawn([busy('a', 1), busy('a', 2)], undefined, { now: NOW }));
    expect(error.code).toBe('INVALID_ARGUMENT');
    expect(error.message).toContain("Worker 'a' appears twice");
  });

  it('rejects a placement count that is not a whole number', () => {
    const error = errorOf(() => placeSpawn([busy('a', 1, { placedSinceReport: -1 })], undefined, { now: NOW }));
    expect(error.code).toBe('INVALID_ARGUMENT');
    expect(error.message).toContain('placedSinceReport -1');
  });

  it.each([
    ['a negative slack', { affinitySlack: -1 }, 'affinitySlack'],
    ['a zero staleAfterMs', { staleAfterMs: 0 }, 'staleAfterMs'],
    ['a NaN placement cost', { placementCost: Number.NaN }, 'placementCost'],
    ['an infinite placement cost', { placementCost: Infinity }, 'placementCost'],
    ['a NaN now', { now: Number.NaN }, 'now'],
  ])('rejects %s as invalid options naming the option', (_label, options, name) => {
    const error = errorOf(() => placeSpawn([busy('a', 1)], undefined, options));
    expect(error.code).toBe('INVALID_OPTIONS');
    expect(error.message).toContain(`'${name}'`);
  });

  it('judges staleness against the current time when now is left out', () => {
    const workers = [worker('old', { at: Date.now() - 60_000 }), worker('fresh', { at: Date.now(), eventLoopDelayMs: 9 })];
    expect(placeSpawn(workers)).toBe('fresh');
  });
});
