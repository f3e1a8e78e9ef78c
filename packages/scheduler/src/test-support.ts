/** Support for the scheduler's tests (not exported from the package): made-up load reports. */
import type { LoadReport, WorkerLoad } from '@hypernode/core/runtime';

/** The clock's time in the tests, and the time of every made-up load report. */
export const NOW = 1_000_000;

/** A worker whose load report is all zeros (reported at NOW) except for `load`. */
export function worker(id: string, load: Partial<LoadReport> = {}, extra: Partial<WorkerLoad> = {}): WorkerLoad {
  return {
    id,
    load: { processes: 0, backlog: 0, eventLoopDelayMs: 0, rssBytes: 0, at: NOW, ...load },
    ...extra,
  };
}

/** A small seeded pseudo-random generator (numbers in [0, 1)), so that randomized tests repeat exactly. */
export function prng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}
