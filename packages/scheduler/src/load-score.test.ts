import { HypernodeError } from '@hypernode/core';
import type { LoadReport } from '@hypernode/core/runtime';
import { describe, expect, it } from 'vitest';
import { LOAD_WEIGHTS, loadScore } from './index';

const report = (fields: Partial<LoadReport> = {}): LoadReport => ({
  processes: 0,
  backlog: 0,
  eventLoopDelayMs: 0,
  rssBytes: 0,
  at: 0,
  ...fields,
});

describe('loadScore', () => {
  it('scores an empty, idle worker as zero', () => {
    expect(loadScore(report())).toBe(0);
  });

  it('adds up the documented weights', () => {
    const score = loadScore(report({ eventLoopDelayMs: 3, backlog: 20, processes: 300, rssBytes: 512 * 1024 * 1024 }));
    expect(score).toBeCloseTo(3 + 2 + 3 + 2, 10);
    expect(LOAD_WEIGHTS).toEqual({ eventLoopDelayMs: 1, backlog: 0.1, processes: 0.01, rssBytes: 1 / (256 * 1024 * 1024) });
  });

  it('weighs event-loop delay far more than a count of idle processes', () => {
    const manyIdle = loadScore(report({ processes: 1000 }));
    const fewBehind = loadScore(report({ processes: 10, eventLoopDelayMs: 30 }));
    expect(fewBehind).toBeGreaterThan(manyIdle);
  });

  it('weighs a backlog far more than a count of idle processes', () => {
    const manyIdle = loadScore(report({ processes: 1000 }));
    const fewBehind = loadScore(report({ processes: 10, backlog: 200 }));
    expect(fewBehind).toBeGreaterThan(manyIdle);
  });

  it('grows with every field and ignores the report time', () => {
    const base = loadScore(report({ processes: 5, backlog: 5, eventLoopDelayMs: 5, rssBytes: 5e8 }));
    expect(loadScore(report({ processes: 6, backlog: 5, eventLoopDelayMs: 5, rssBytes: 5e8 }))).toBeGreaterThan(base);
    expect(loadScore(report({ processes: 5, backlog: 6, eventLoopDelayMs: 5, rssBytes: 5e8 }))).toBeGreaterThan(base);
    expect(loadScore(report({ processes: 5, backlog: 5, eventLoopDelayMs: 6, rssBytes: 5e8 }))).toBeGreaterThan(base);
    expect(loadScore(report({ processes: 5, backlog: 5, eventLoopDelayMs: 5, rssBytes: 6e8 }))).toBeGreaterThan(base);
    expect(loadScore(report({ processes: 5, backlog: 5, eventLoopDelayMs: 5, rssBytes: 5e8, at: 99 }))).toBe(base);
  });

  it.each([
    ['a negative backlog', { backlog: -1 }],
    ['a NaN delay', { eventLoopDelayMs: Number.NaN }],
    ['an infinite process count', { processes: Infinity }],
    ['a negative memory figure', { rssBytes: -5 }],
  ])('rejects a report with %s as an invalid argument naming the fields', (_label, fields) => {
    let error: unknown;
    try {
      loadScore(report(fields));
    } catch (e) {
      error = e;
    }
    expect(HypernodeError.is(error, 'INVALID_ARGUMENT')).toBe(true);
    expect((error as Error).message).toMatch(/every field must be a finite number of at least 0/);
  });
});
