import { describe, expect, it } from 'vitest';
import { HypernodeError, ManualClock, silentLogger, type Logger, type ProcessInfo } from '@hypernode/core';
import type { WorkerLoad } from '@hypernode/core/runtime';
import type { MoveOutcome } from './move-outcome';
import { Rebalancer, rebalanceOptions, type RebalanceOptions } from './rebalancer';

/**
 * A cluster on paper: each worker's processes and the load report it last wrote. Reports change only when the test
 * says so (`report`), as a worker's heartbeat would write them; `move` carries a process from one list to another.
 */
class PaperCluster {
  readonly clock = new ManualClock(1_000_000);
  readonly procs = new Map<string, ProcessInfo[]>();
  readonly reports = new Map<string, WorkerLoad>();
  readonly moves: { name: string; from: string; to: string }[] = [];
  refuse = new Set<string>();
  lines: string[] = [];

  constructor(workers: Record<string, number>) {
    for (const [id, n] of Object.entries(workers)) {
      this.procs.set(id, Array.from({ length: n }, (_, i) => proc(`${id}:${i + 1}`, id)));
    }
  }

  /** Every worker writes a report now whose score is its delay: `delay[id]` ms (default: one point per process). */
  report(delay: Record<string, number> = {}, at = this.clock.now()): void {
    for (const [id, list] of this.procs) {
      this.reports.set(id, { id, load: { processes: list.length, backlog: 0, eventLoopDelayMs: delay[id] ?? list.length, rssBytes: 0, at } });
    }
  }

  rebalancer(options: RebalanceOptions = {}): Rebalancer {
    const logger: Logger = { ...silentLogger, info: (m: string) => this.lines.push(m) };
    return new Rebalancer(
      {
        clock: this.clock,
        logger,
        loads: async () => [...this.reports.values()],
        processesOf: async (w) => this.procs.get(w)?.map((p) => ({ ...p })),
        move: async (name, from, to): Promise<MoveOutcome> => {
          if (this.refuse.has(name)) return { name, moved: false, reason: 'refused', message: `process '${name}' refused to move` };
          const list = this.procs.get(from)!;
          const i = list.findIndex((p) => p.name === name);
          if (i < 0) return { name, moved: false, reason: 'not-found', message: `no process '${name}' on '${from}'` };
          const [p] = list.splice(i, 1);
          this.procs.get(to)!.push({ ...p!, worker: to });
          this.moves.push({ name, from, to });
          this.clock.advance(3);
          return { name, moved: true, from, to, pauseMs: 3 };
        },
      },
      options,
    );
  }

  count(id: string): number {
    return this.procs.get(id)!.length;
  }
}

function proc(name: string, worker: string, extra: Partial<ProcessInfo> = {}): ProcessInfo {
  return { name, module: 'Counter', version: 1, parent: 'root:1', worker, mailboxSize: 0, status: 'waiting', children: 0, names: [], ...extra };
}

describe('Rebalancer', () => {
  it('moves processes from a loaded worker to idle ones, as many as planRelocations says', async () => {
    const c = new PaperCluster({ a: 30, b: 0, c: 0 });
    c.report();
    const r = c.rebalancer({ imbalanceThreshold: 5 });
    const round = await r.round();
    // Mean 10: 'a' sheds 20 processes' worth, 10 to each idle worker.
    expect(round.plan).toEqual([
      { from: 'a', to: 'b', count: 10 },
      { from: 'a', to: 'c', count: 10 },
    ]);
    expect(round.outcomes.every((o) => o.moved)).toBe(true);
    expect([c.count('a'), c.count('b'), c.count('c')]).toEqual([10, 10, 10]);
    expect(r.status()).toMatchObject({ on: true, movesLastMinute: 20, moved: 20, notMoved: 0 });
    expect(c.lines.join('\n')).toMatch(/rebalancer: planned 10 'a'→'b', 10 'a'→'c'; moved 20 processes, 0 moves refused or failed; 20 of 60 moves used in the last minute/);
  });

  it('moves nothing while the imbalance stays within the threshold', async () => {
    const c = new PaperCluster({ a: 14, b: 6 });
    c.report();
    const r = c.rebalancer({ imbalanceThreshold: 5 });
    // Mean 10: 'a' is 4 over, under the threshold of 5.
    expect(await r.round()).toMatchObject({ skipped: 'balanced', outcomes: [] });
    c.clock.advance(60_000);
    c.report();
    expect((await r.round()).skipped).toBe('balanced');
    expect(c.moves).toEqual([]);
  });

  it('never starts more moves in a minute than the cap, and continues after the minute has passed', async () => {
    const c = new PaperCluster({ a: 200, b: 0 });
    c.report();
    const r = c.rebalancer({ imbalanceThreshold: 1, maxMovesPerMinute: 7, cooldownMs: 0 });
    expect((await r.round()).outcomes).toHaveLength(7);
    // Fresh reports every second for the rest of the minute: the cap holds the whole time.
    for (let s = 1; s < 59; s++) {
      c.clock.advance(1000);
      c.report();
      const round = await r.round();
      expect(round.outcomes).toEqual([]);
      expect(r.movesLastMinute()).toBeLessThanOrEqual(7);
    }
    expect(c.moves).toHaveLength(7);
    c.clock.advance(2000);
    c.report();
    await r.round(); // the settling round may come first
    c.clock.advance(1000);
    c.report();
    await r.round();
    expect(c.moves).toHaveLength(14);
    expect(r.movesLastMinute()).toBe(7);
  });

  it('plans again only after every worker a move touched has written two reports after the first one it saw after the move', async () => {
    const c = new PaperCluster({ a: 30, b: 0 });
    c.report();
    const r = c.rebalancer({ imbalanceThreshold: 2, cooldownMs: 0 });
    expect((await r.round()).outcomes).toHaveLength(15);
    // A report written while the moves ran, still showing the old load: acting on it would move 15 more.
    c.report({ a: 30, b: 0 });
    c.clock.advance(1000);
    expect((await r.round()).skipped).toBe('settling');
    c.clock.advance(1000);
    expect((await r.round()).skipped).toBe('settling');
    // The next report was written after that look, but its loop delay covers the second before it: still old.
    c.report({ a: 30, b: 0 });
    c.clock.advance(1000);
    expect((await r.round()).skipped).toBe('settling');
    // The one after shows the moves: the loads are even, nothing moves.
    c.report();
    c.clock.advance(1000);
    expect((await r.round()).skipped).toBe('balanced');
    expect(c.moves).toHaveLength(15);
  });

  it('does not oscillate: a process it moved is not moved again within processCooldownMs, even when the load swings back', async () => {
    const c = new PaperCluster({ a: 7, b: 0 });
    c.report({ a: 70, b: 0 });
    const r = c.rebalancer({ imbalanceThreshold: 2, cooldownMs: 0, processCooldownMs: 120_000 });
    await r.round();
    expect(c.moves.map((m) => `${m.name} ${m.from}->${m.to}`)).toEqual(['a:1 a->b', 'a:2 a->b', 'a:3 a->b']);
    // The moved processes turn out to be the hot ones: 'b' now looks loaded. For two minutes they stay.
    for (let s = 0; s < 110; s++) {
      c.clock.advance(1000);
      c.report({ a: 0, b: 70 });
      await r.round();
    }
    expect(c.moves).toHaveLength(3);
    // After the cooldown one may go back (the imbalance has lasted two minutes).
    c.clock.advance(15_000);
    c.report({ a: 0, b: 70 });
    await r.round();
    expect(c.moves.slice(3).map((m) => `${m.from}->${m.to}`)).toEqual(['b->a']);
  });

  it('holds off for cooldownMs after a round that moved', async () => {
    const c = new PaperCluster({ a: 30, b: 0, c: 0 });
    c.report({ a: 60, b: 0, c: 0 });
    const r = c.rebalancer({ imbalanceThreshold: 2, cooldownMs: 10_000, maxMovesPerMinute: 2 });
    expect((await r.round()).outcomes).toHaveLength(2);
    for (let s = 0; s < 8; s++) {
      c.clock.advance(1000);
      c.report({ a: 60, b: 0, c: 0 });
      expect(['settling', 'cooldown']).toContain((await r.round()).skipped);
    }
    expect(c.moves).toHaveLength(2);
  });

  it('ignores a worker whose report is stale, as source and as target', async () => {
    const c = new PaperCluster({ a: 30, b: 0, c: 0 });
    c.report();
    // 'b' last reported 20 s ago: only 'a' and 'c' take part.
    c.reports.set('b', { id: 'b', load: { processes: 0, backlog: 0, eventLoopDelayMs: 0, rssBytes: 0, at: c.clock.now() - 20_000 } });
    const r = c.rebalancer({ imbalanceThreshold: 2 });
    await r.round();
    expect(new Set(c.moves.map((m) => m.to))).toEqual(new Set(['c']));
    expect(c.count('b')).toBe(0);
    // A loaded worker whose report is stale is not a source either.
    const d = new PaperCluster({ a: 30, b: 0 });
    d.report();
    d.reports.set('a', { id: 'a', load: { processes: 0, backlog: 0, eventLoopDelayMs: 30, rssBytes: 0, at: d.clock.now() - 20_000 } });
    expect((await d.rebalancer({ imbalanceThreshold: 2 }).round()).skipped).toBe('balanced');
    expect(d.moves).toEqual([]);
  });

  it('picks the quietest processes (shortest mailbox) first, never a starting or exiting one nor the root, and counts refusals', async () => {
    const c = new PaperCluster({ a: 0, b: 0 });
    c.procs.set('a', [
      proc('root:1', 'a'),
      proc('a:1', 'a', { mailboxSize: 5 }),
      proc('a:2', 'a', { mailboxSize: 50 }),
      proc('a:3', 'a', { mailboxSize: 500, status: 'starting' }),
      proc('a:4', 'a', { mailboxSize: 400, status: 'exiting' }),
      proc('a:5', 'a', { mailboxSize: 30, status: 'running' }),
      proc('a:6', 'a', { mailboxSize: 40 }),
      proc('a:7', 'a', { mailboxSize: 1 }),
      proc('a:8', 'a', { mailboxSize: 0 }),
    ]);
    c.refuse.add('a:7');
    c.report({ a: 90, b: 0 });
    const r = c.rebalancer({ imbalanceThreshold: 1 });
    const round = await r.round();
    // 9 listed, 'a' is 45 over the mean at 10 a process: 4 moves, the quietest movable first.
    expect(round.plan).toEqual([{ from: 'a', to: 'b', count: 4 }]);
    expect(round.outcomes.map((o) => [o.name, o.moved])).toEqual([
      ['a:8', true],
      ['a:7', false],
      ['a:1', true],
      ['a:5', true],
    ]);
    expect(r.status()).toMatchObject({ moved: 3, notMoved: 1, movesLastMinute: 4 });
    expect(c.lines.at(-1)).toContain("'a:7': process 'a:7' refused to move");
  });

  it('counts a move whose worker does not answer as not moved, and goes on', async () => {
    const c = new PaperCluster({ a: 10, b: 0 });
    c.report();
    const r = new Rebalancer(
      {
        clock: c.clock,
        logger: silentLogger,
        loads: async () => [...c.reports.values()],
        processesOf: async (w) => c.procs.get(w),
        move: async (name) => {
          throw new HypernodeError('REQUEST_TIMEOUT', `worker 'a' did not answer 'move' of '${name}' within 3000 ms`);
        },
      },
      { imbalanceThreshold: 1 },
    );
    const round = await r.round();
    expect(round.outcomes).toHaveLength(5);
    expect(round.outcomes[0]).toMatchObject({ moved: false, reason: 'target-unavailable', message: expect.stringContaining('did not answer') });
    expect(r.status()).toMatchObject({ moved: 0, notMoved: 5 });
  });

  it('never runs two rounds at once', async () => {
    const c = new PaperCluster({ a: 10, b: 0 });
    c.report();
    const r = c.rebalancer({ imbalanceThreshold: 1 });
    const [first, second] = await Promise.all([r.round(), r.round()]);
    expect(first.outcomes).toHaveLength(5);
    expect(second.skipped).toBe('busy');
  });

  it('rejects bad options with one sentence naming the option and the allowed range', () => {
    expect(() => rebalanceOptions({ maxMovesPerMinute: 0 }, 'startCluster()')).toThrow(
      /^startCluster\(\) got maxMovesPerMinute: 0; give a whole number from 1 to 10000, or leave it out for the default 60\.$/,
    );
    expect(() => rebalanceOptions({ imbalanceThreshold: -1 }, 'x')).toThrow(/imbalanceThreshold: -1; give a number from 0/);
    expect(() => rebalanceOptions({ cooldownMs: 1.5 }, 'x')).toThrow(/cooldownMs: 1.5; give a whole number/);
    expect(rebalanceOptions({}, 'x')).toEqual({ maxMovesPerMinute: 60, imbalanceThreshold: 10, cooldownMs: 5000, processCooldownMs: 300_000, staleAfterMs: 10_000 });
  });
});
