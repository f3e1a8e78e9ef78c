import { describe, expect, it } from 'vitest';
import { ManualClock } from './clock';
import { HypernodeError } from './errors';
import { LoadPlacer, type WorkerLoadInfo } from './placement';
import type { LoadReport } from './registry';

/** A simulated worker whose report is all zeros except for `load`. */
function worker(id: string, load: Partial<LoadReport> = {}): WorkerLoadInfo {
  return { id, load: { processes: 0, backlog: 0, eventLoopDelayMs: 0, rssBytes: 0, at: 0, ...load } };
}

/** A LoadPlacer over reports the test sets, on a manual clock, counting the reads of the reports. */
function embedded(initial: WorkerLoadInfo[]) {
  let reports = initial;
  let reads = 0;
  const clock = new ManualClock(0);
  const placer = new LoadPlacer(
    () => {
      reads++;
      return reports;
    },
    { clock },
  );
  return {
    placer,
    clock,
    report(next: WorkerLoadInfo[]) {
      reports = next;
    },
    reads: () => reads,
  };
}

function placeMany(placer: LoadPlacer, parent: string, n: number): string[] {
  return Array.from({ length: n }, () => placer.place(parent));
}

function countBy(ids: string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const id of ids) out[id] = (out[id] ?? 0) + 1;
  return out;
}

describe('LoadPlacer (embedded placement)', () => {
  it("keeps a child on its parent's worker while that worker is within the affinity slack (5 points) of the least-loaded one", () => {
    // w1: 5 ms of delay = 5 points, exactly the slack above the idle workers.
    const { placer } = embedded([worker('w1', { eventLoopDelayMs: 5 }), worker('w2'), worker('w3')]);
    expect(placer.place('w1')).toBe('w1');
    // The same holds for load made of processes and backlog: 300 processes (3) + 20 messages (2) = 5 points.
    const other = embedded([worker('w1'), worker('w2', { processes: 300, backlog: 20 })]);
    expect(other.placer.place('w2')).toBe('w2');
  });

  it("sends a child to the least-loaded worker once its parent's worker is busier than that one by more than the slack", () => {
    // w1 at 5.3 points is more than 5 above w3 (0.2), though within 5 of w2 (1).
    const { placer } = embedded([
      worker('w1', { eventLoopDelayMs: 5.3 }),
      worker('w2', { eventLoopDelayMs: 1 }),
      worker('w3', { backlog: 2 }),
    ]);
    expect(placer.place('w1')).toBe('w3');
  });

  it("keeps a burst of children with their parent for slack / placementCost placements, then spreads the rest over every worker", () => {
    const { placer } = embedded([worker('w1'), worker('w2'), worker('w3'), worker('w4')]);
    const burst = placeMany(placer, 'w1', 1000);
    // Each placement adds 0.05 to its worker's estimate: w1 keeps children until it is 5 above the others.
    expect(burst.slice(0, 101)).toEqual(Array(101).fill('w1'));
    expect(burst[101]).not.toBe('w1');
    const counts = countBy(burst);
    expect(counts).toEqual({ w1: 325, w2: 225, w3: 225, w4: 225 });
  });

  it('spreads a burst evenly over equally loaded workers when the parent\'s worker is unknown to it', () => {
    const { placer } = embedded([worker('w1'), worker('w2'), worker('w3'), worker('w4')]);
    const burst = placeMany(placer, 'elsewhere', 1000);
    expect(countBy(burst)).toEqual({ w1: 250, w2: 250, w3: 250, w4: 250 });
    // Round by round: every worker takes one before any takes a second.
    expect(burst.slice(0, 8)).toEqual(['w1', 'w2', 'w3', 'w4', 'w1', 'w2', 'w3', 'w4']);
  });

  it('fills an idle worker before a busy one gets any child of a burst', () => {
    // w2 is 2 points busier: w1 takes 40 placements (40 · 0.05 = 2) before w2 gets one.
    const { placer } = embedded([worker('w1'), worker('w2', { eventLoopDelayMs: 2 })]);
    const burst = placeMany(placer, 'elsewhere', 60);
    expect(burst.indexOf('w2')).toBe(40);
  });

  it('replaces its estimates with each new report, forgetting the placements it counted since the previous one', () => {
    const h = embedded([worker('w1'), worker('w2')]);
    expect(placeMany(h.placer, 'w1', 101)).toEqual(Array(101).fill('w1'));
    expect(h.placer.place('w1')).toBe('w2');
    // The next report shows the 101 processes (1.01 points), far below the 5.05 the placer had counted.
    h.report([worker('w1', { processes: 101 }), worker('w2', { processes: 1 })]);
    h.placer.refresh();
    expect(h.placer.place('w1')).toBe('w1');
  });

  it('counts a process that ended off its worker, so a stream of short-lived children stays with its parent', () => {
    const h = embedded([worker('w1'), worker('w2')]);
    // 1000 children that each end before the next is spawned (one per request): all stay on w1.
    for (let i = 0; i < 1000; i++) {
      expect(h.placer.place('w1')).toBe('w1');
      h.placer.ended('w1');
    }
    // Without the ends, the same stream leaves w1 after 101 placements.
    const kept = embedded([worker('w1'), worker('w2')]);
    expect(placeMany(kept.placer, 'w1', 102)[101]).toBe('w2');
  });

  it('never counts an ended process below the report, and ignores a worker it does not hold', () => {
    const h = embedded([worker('w1', { eventLoopDelayMs: 2 }), worker('w2')]);
    h.placer.refresh();
    // Processes placed before the report ended: nothing placed since, so w1 stays 2 points busier.
    for (let i = 0; i < 50; i++) h.placer.ended('w1');
    h.placer.ended('elsewhere');
    expect(placeMany(h.placer, 'elsewhere', 41)).toEqual([...Array(40).fill('w2'), 'w1']);
  });

  it('reads the reports on its first placement, then on the first placement once refreshMs has passed since the read, without reading the time', () => {
    const clock = new ManualClock(0);
    let timeReads = 0;
    const counting = {
      setTimeout: clock.setTimeout.bind(clock),
      clearTimeout: clock.clearTimeout.bind(clock),
      now: () => {
        timeReads++;
        return clock.now();
      },
    };
    let reads = 0;
    const placer = new LoadPlacer(
      () => {
        reads++;
        return [worker('w1'), worker('w2')];
      },
      { clock: counting },
    );
    placeMany(placer, 'w1', 200);
    expect(reads).toBe(1);
    clock.advance(99);
    placeMany(placer, 'w1', 200);
    expect(reads).toBe(1);
    clock.advance(1);
    expect(reads).toBe(1); // due, but read on the next placement only
    placeMany(placer, 'w1', 200);
    expect(reads).toBe(2);
    clock.advance(10_000);
    placeMany(placer, 'w1', 200);
    expect(reads).toBe(3);
    expect(timeReads).toBe(0);
  });

  it('places a burst on one read of the reports, however long ago the previous read was', () => {
    const h = embedded([worker('w1'), worker('w2')]);
    h.placer.place('w1');
    h.clock.advance(500);
    const burst = placeMany(h.placer, 'w1', 150);
    expect(h.reads()).toBe(2);
    // One read: the parent keeps 101 children, then the two workers share.
    expect(countBy(burst)).toEqual({ w1: 125, w2: 25 });
  });

  it('counts refreshMs from the latest read, also when the read was asked for with refresh()', () => {
    const h = embedded([worker('w1'), worker('w2')]);
    h.placer.place('w1');
    h.clock.advance(60);
    h.placer.refresh();
    expect(h.reads()).toBe(2);
    h.clock.advance(60);
    h.placer.place('w1');
    expect(h.reads()).toBe(2);
    h.clock.advance(40);
    h.placer.place('w1');
    expect(h.reads()).toBe(3);
  });

  it('places every child on the only worker when the reader lists one, whatever the parent', () => {
    const { placer } = embedded([worker('w1', { eventLoopDelayMs: 50 })]);
    expect(placeMany(placer, 'w1', 3).concat(placeMany(placer, 'w9', 3))).toEqual(Array(6).fill('w1'));
  });

  it('forgets a worker the reader no longer lists', () => {
    const h = embedded([worker('w1'), worker('w2')]);
    expect(h.placer.place('w2')).toBe('w2');
    h.report([worker('w1')]);
    h.placer.refresh();
    expect(placeMany(h.placer, 'w2', 10)).toEqual(Array(10).fill('w1'));
  });

  it("places by the reports whatever their time says, since the embedded cluster reads them in-process (they are never stale)", () => {
    const h = embedded([worker('w1', { at: 0, eventLoopDelayMs: 10 }), worker('w2', { at: 0 })]);
    h.clock.advance(10 * 365 * 24 * 3600 * 1000);
    expect(h.placer.place('w1')).toBe('w2');
  });

  it('takes the policy options of the distributed scheduler', () => {
    const tight = embedded([worker('w1', { eventLoopDelayMs: 1 }), worker('w2')]);
    expect(tight.placer.place('w1')).toBe('w1');
    const strict = new LoadPlacer(() => [worker('w1', { eventLoopDelayMs: 1 }), worker('w2')], { affinitySlack: 0 });
    expect(strict.place('w1')).toBe('w2');
  });

  it('says what is wrong when the reader lists no worker or an option is bad', () => {
    expect(() => new LoadPlacer(() => []).place('w1')).toThrow(HypernodeError);
    expect(() => new LoadPlacer(() => []).place('w1')).toThrow(/holds no workers/);
    expect(() => new LoadPlacer(() => [], { refreshMs: -1 })).toThrow(/'refreshMs'/);
    expect(() => new LoadPlacer(() => [], { affinitySlack: -1 })).toThrow(/'affinitySlack'/);
  });
});
