import { placementRules, type ScoringOptions, type WorkerLoad } from '@hypernode/core/runtime';
import { SCHEDULER_DEFAULTS } from './options';

const { eligibleEstimate, numberOption, resolveScoring } = placementRules;

/** Options of {@link planRelocations}. */
export interface RelocationOptions extends ScoringOptions {
  /**
   * A worker is a source only when its estimate exceeds the mean of the eligible workers by more than
   * this many load-score points. Default 10 (twice the default `affinitySlack`, so placement and
   * relocation do not undo each other).
   */
  imbalanceThreshold?: number;
  /** The most processes one plan moves, summed over all moves. Default 1000. */
  maxMoves?: number;
}

/** One suggested move: relocate `count` processes from worker `from` to worker `to`. */
export interface Relocation {
  from: string;
  to: string;
  count: number;
}

interface Candidate {
  id: string;
  estimate: number;
  units: number;
  gap: number;
}

/**
 * Suggests moves that bring overloaded workers back toward the mean load.
 *
 * Only eligible workers take part (not draining, report no older than `staleAfterMs`), as sources and
 * as targets, and at least two are needed. With `estimate = loadScore(load) + placementCost ·
 * placedSinceReport` and `mean` the eligible workers' average, a worker whose estimate exceeds `mean +
 * imbalanceThreshold` sheds its excess over the mean to workers below the mean (largest excess to largest
 * deficit first, ties by id). A process is assumed to carry its worker's average cost (`estimate /
 * (processes + placedSinceReport)`), and counts are rounded down, so a move never pushes a target above
 * the mean and a worker whose load sits in one hot process is left alone rather than made to ping-pong
 * it. Each (from, to) pair appears at most once; the counts sum to at most `maxMoves`.
 *
 * Does not: choose which processes move (the runtime picks ones that can be relocated, between
 * messages), evacuate a draining worker (that is the runtime's drain, not balancing), or remember
 * earlier plans: call it again after fresh reports, and it converges as they reflect the moves.
 *
 * @returns the moves, sources in order of decreasing excess; empty when the load is even enough.
 * @throws HypernodeError `INVALID_ARGUMENT` for a duplicate id or an unusable load report;
 *   `INVALID_OPTIONS` for a bad option.
 */
export function planRelocations(workers: readonly WorkerLoad[], options?: RelocationOptions): Relocation[] {
  const scoring = resolveScoring(options);
  const threshold = numberOption('imbalanceThreshold', options?.imbalanceThreshold, SCHEDULER_DEFAULTS.imbalanceThreshold, {
    min: 0,
  });
  let budget = numberOption('maxMoves', options?.maxMoves, SCHEDULER_DEFAULTS.maxMoves, {
    min: 0,
    allowInfinity: true,
    integer: true,
  });

  const seen = new Set<string>();
  const eligible: Candidate[] = [];
  let total = 0;
  for (const w of workers) {
    const estimate = eligibleEstimate(w, seen, scoring);
    if (estimate === undefined) continue;
    eligible.push({ id: w.id, estimate, units: w.load.processes + (w.placedSinceReport ?? 0), gap: 0 });
    total += estimate;
  }
  if (eligible.length < 2 || budget === 0) return [];

  const mean = total / eligible.length;
  const byGapThenId = (a: Candidate, b: Candidate) => b.gap - a.gap || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
  const sources: Candidate[] = [];
  const targets: Candidate[] = [];
  for (const c of eligible) {
    if (c.estimate - mean > threshold) sources.push({ ...c, gap: c.estimate - mean });
    else if (c.estimate < mean) targets.push({ ...c, gap: mean - c.estimate });
  }
  sources.sort(byGapThenId);
  targets.sort(byGapThenId);

  const moves: Relocation[] = [];
  for (const source of sources) {
    if (source.units < 1) continue;
    const perProcess = source.estimate / source.units;
    let movable = Math.floor(source.units);
    for (const target of targets) {
      if (budget === 0 || movable === 0 || source.gap < perProcess) break;
      const count = Math.min(Math.floor(Math.min(source.gap, target.gap) / perProcess), movable, budget);
      if (count === 0) continue;
      moves.push({ from: source.id, to: target.id, count });
      source.gap -= count * perProcess;
      target.gap -= count * perProcess;
      movable -= count;
      budget -= count;
    }
  }
  return moves;
}
