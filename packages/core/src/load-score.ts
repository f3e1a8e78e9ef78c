import { HypernodeError } from './errors';
import type { LoadReport } from './registry';

// The placement policy's score, shared by the embedded cluster (`LoadPlacer`) and the distributed
// scheduler (`@hypernode/scheduler` re-exports it): see docs/design/004 and 013.

/**
 * The weights {@link loadScore} applies to each field of a {@link LoadReport}. One point is about one
 * millisecond of event-loop delay, and every other field is converted to that unit:
 *
 * - `eventLoopDelayMs`: 1 point per millisecond: the most direct sign that a worker is behind.
 * - `backlog`: 0.1 point per waiting message: ten queued messages count as one millisecond of lag.
 * - `processes`: 0.01 point per process: an idle process costs almost nothing (100 of them ≈ 1 ms).
 * - `rssBytes`: 1 point per 256 MiB: memory matters only when it is large.
 *
 * The weights are fixed so that every worker in a cluster, and the embedded cluster alike, ranks loads the
 * same way; they are not options.
 */
export const LOAD_WEIGHTS: Readonly<{
  eventLoopDelayMs: number;
  backlog: number;
  processes: number;
  rssBytes: number;
}> = Object.freeze({
  eventLoopDelayMs: 1,
  backlog: 0.1,
  processes: 0.01,
  rssBytes: 1 / (256 * 1024 * 1024),
});

const W_DELAY = LOAD_WEIGHTS.eventLoopDelayMs;
const W_BACKLOG = LOAD_WEIGHTS.backlog;
const W_PROCESSES = LOAD_WEIGHTS.processes;
const W_RSS = LOAD_WEIGHTS.rssBytes;

/**
 * Turns a load report into one comparable number, higher meaning busier:
 * `eventLoopDelayMs + 0.1·backlog + 0.01·processes + rssBytes / 256 MiB` (see {@link LOAD_WEIGHTS}).
 *
 * Promises: the result is finite and non-negative, the same report always gives the same number, and it
 * grows with every field. Does not: look at `at` (staleness is the caller's concern), subtract the
 * idle baseline of the event-loop delay or of memory (it cancels out when workers are compared), or
 * predict the cost of a process not yet started.
 *
 * @throws HypernodeError `INVALID_ARGUMENT` when a field is negative, `NaN` or infinite.
 */
export function loadScore(load: LoadReport): number {
  const { eventLoopDelayMs, backlog, processes, rssBytes } = load;
  // `!(x >= 0)` also rejects NaN; `x === Infinity` is the only other non-finite non-negative value.
  if (
    !(eventLoopDelayMs >= 0) || eventLoopDelayMs === Infinity ||
    !(backlog >= 0) || backlog === Infinity ||
    !(processes >= 0) || processes === Infinity ||
    !(rssBytes >= 0) || rssBytes === Infinity
  ) {
    throw new HypernodeError(
      'INVALID_ARGUMENT',
      `Load report is not usable: processes=${processes}, backlog=${backlog}, eventLoopDelayMs=${eventLoopDelayMs}, rssBytes=${rssBytes}; every field must be a finite number of at least 0, so fix the reporter that produced it.`,
      { details: { load: { processes, backlog, eventLoopDelayMs, rssBytes, at: load.at } } },
    );
  }
  return eventLoopDelayMs * W_DELAY + backlog * W_BACKLOG + processes * W_PROCESSES + rssBytes * W_RSS;
}
