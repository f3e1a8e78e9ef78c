/**
 * How many placements per second `Placer.place` makes with 8 workers, on the system clock (as in
 * production). Run: `pnpm exec tsx packages/scheduler/bench/placer-throughput.ts` from the repo root.
 */
import { Placer } from '../src/index';

const WORKERS = 8;
const ROUNDS = 5;
const PER_ROUND = 5_000_000;

const placer = new Placer();

/** Gives every worker a fresh report (so none turns stale on a slow machine) and resets the counts. */
function report(): void {
  const now = Date.now();
  for (let i = 0; i < WORKERS; i++) {
    placer.update({
      id: `worker-${i}`,
      load: { processes: 1000 + i * 10, backlog: i, eventLoopDelayMs: 1 + i / 10, rssBytes: 100e6, at: now },
    });
  }
}

function round(parent: string | undefined): number {
  // Start every round from the same reports, so estimates do not grow without bound.
  report();
  const start = process.hrtime.bigint();
  let sink = 0;
  for (let i = 0; i < PER_ROUND; i++) sink += placer.place(parent).length;
  const ns = Number(process.hrtime.bigint() - start);
  if (sink === 0) throw new Error('unreachable');
  return PER_ROUND / (ns / 1e9);
}

for (const [label, parent] of [['no parent', undefined], ['parent on worker-3', 'worker-3']] as const) {
  round(parent); // warm-up
  const rates = Array.from({ length: ROUNDS }, () => round(parent)).sort((a, b) => a - b);
  const median = rates[Math.floor(ROUNDS / 2)]!;
  console.log(`${label}: median ${(median / 1e6).toFixed(1)} M placements/s (min ${(rates[0]! / 1e6).toFixed(1)}, max ${(rates[ROUNDS - 1]! / 1e6).toFixed(1)}), ${WORKERS} workers`);
}
