import { ManualClock } from '@hypernode/core';
import { LoadPlacer, type LoadReport } from '@hypernode/core/runtime';
import { describe, expect, it } from 'vitest';
import { Placer } from './index';
import { NOW, prng } from './test-support';

/** Random reports for `n` workers: some idle, some with delay, backlog, many processes or large memory. */
function randomReports(random: () => number, n: number): Array<{ id: string; load: LoadReport }> {
  return Array.from({ length: n }, (_, i) => ({
    id: `w${i + 1}`,
    load: {
      processes: Math.floor(random() * 2000),
      backlog: random() < 0.5 ? 0 : Math.floor(random() * 200),
      eventLoopDelayMs: random() < 0.5 ? 0 : Math.round(random() * 2000) / 100,
      rssBytes: Math.floor(50e6 + random() * 500e6),
      at: NOW,
    },
  }));
}

describe('one placement policy', () => {
  it("makes the embedded cluster's LoadPlacer choose the same worker as the scheduler's Placer for the same reports, over many random clusters", () => {
    const random = prng(13);
    for (let cluster = 0; cluster < 200; cluster++) {
      const workers = 1 + Math.floor(random() * 8);
      let reports = randomReports(random, workers);
      const embedded = new LoadPlacer(() => reports, { clock: new ManualClock(0) });
      const distributed = new Placer({ clock: new ManualClock(NOW) });
      distributed.sync(reports);
      const embeddedChoices: string[] = [];
      const distributedChoices: string[] = [];
      for (let spawn = 0; spawn < 300; spawn++) {
        if (spawn === 150) {
          // A new round of reports mid-way: both forget what they counted and start from the reports.
          reports = randomReports(random, workers);
          embedded.refresh();
          distributed.sync(reports);
        }
        const parent = random() < 0.1 ? 'not-a-worker' : `w${1 + Math.floor(random() * workers)}`;
        embeddedChoices.push(embedded.place(parent));
        distributedChoices.push(distributed.place(parent));
      }
      expect(embeddedChoices, `cluster ${cluster}`).toEqual(distributedChoices);
    }
  });

  it('gives both placers the same defaults: the parent keeps 101 children of a burst over idle workers, then they spread', () => {
    const idle = (id: string) => ({ id, load: { processes: 0, backlog: 0, eventLoopDelayMs: 0, rssBytes: 0, at: NOW } });
    const reports = [idle('a'), idle('b'), idle('c')];
    const embedded = new LoadPlacer(() => reports, { clock: new ManualClock(0) });
    const distributed = new Placer({ clock: new ManualClock(NOW) });
    distributed.sync(reports);
    const fromEmbedded = Array.from({ length: 102 }, () => embedded.place('b'));
    const fromDistributed = Array.from({ length: 102 }, () => distributed.place('b'));
    expect(fromEmbedded).toEqual(fromDistributed);
    expect(fromEmbedded.slice(0, 101).every((w) => w === 'b')).toBe(true);
    expect(fromEmbedded[101]).toBe('a');
  });
});
