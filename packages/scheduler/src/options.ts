import { HypernodeError } from '@hypernode/core';

/**
 * The defaults of every scheduler option, in load-score points (see `LOAD_WEIGHTS`: one point is about
 * one millisecond of event-loop delay) or in milliseconds.
 */
export const SCHEDULER_DEFAULTS: Readonly<{
  affinitySlack: number;
  staleAfterMs: number;
  placementCost: number;
  imbalanceThreshold: number;
  maxMoves: number;
}> = Object.freeze({
  affinitySlack: 5,
  staleAfterMs: 10_000,
  placementCost: 0.05,
  imbalanceThreshold: 10,
  maxMoves: 1000,
});

/** Options shared by every decision: how old a report may be, and what a fresh placement is assumed to cost. */
export interface ScoringOptions {
  /**
   * A worker whose latest report is older than this (milliseconds before `now`) is never chosen, as
   * source or target. Default 10 000. `Infinity` turns the check off.
   */
  staleAfterMs?: number;
  /** Epoch milliseconds to judge staleness against. Default `Date.now()`. */
  now?: number;
  /**
   * Load-score points added to a worker's estimate for each process placed on it since its report
   * (`WorkerLoad.placedSinceReport`). Default 0.05 (five idle processes' worth: a new process runs
   * `processWillRun` and usually gets its first messages). Must be above 0 for bursts to spread.
   */
  placementCost?: number;
}

/** Checks an optional numeric option; returns it or its default. Internal. */
export function numberOption(
  name: string,
  value: number | undefined,
  fallback: number,
  rule: { min: number; exclusiveMin?: boolean; allowInfinity?: boolean; integer?: boolean },
): number {
  if (value === undefined) return fallback;
  const tooSmall = rule.exclusiveMin ? !(value > rule.min) : !(value >= rule.min);
  const badInfinity = value === Infinity && !rule.allowInfinity;
  const notInteger = rule.integer === true && value !== Infinity && !Number.isInteger(value);
  if (typeof value !== 'number' || tooSmall || badInfinity || notInteger) {
    const kind = rule.integer ? 'an integer' : 'a number';
    const bound = rule.exclusiveMin ? `above ${rule.min}` : `of at least ${rule.min}`;
    const inf = rule.allowInfinity ? ' (Infinity allowed)' : ' and finite';
    throw new HypernodeError(
      'INVALID_OPTIONS',
      `Scheduler option '${name}' is ${String(value)}; it must be ${kind} ${bound}${inf}, so pass such a value or leave it out for the default ${fallback}.`,
      { details: { option: name, value: String(value) } },
    );
  }
  return value;
}

/** Resolved scoring options. Internal. */
export interface ResolvedScoring {
  staleAfterMs: number;
  now: number;
  placementCost: number;
}

/** Validates the shared options. Internal. */
export function resolveScoring(options: ScoringOptions | undefined): ResolvedScoring {
  const now = options?.now;
  if (now !== undefined && !Number.isFinite(now)) {
    throw new HypernodeError(
      'INVALID_OPTIONS',
      `Scheduler option 'now' is ${String(now)}; it must be finite epoch milliseconds, so pass a clock reading or leave it out for Date.now().`,
      { details: { option: 'now', value: String(now) } },
    );
  }
  return {
    staleAfterMs: numberOption('staleAfterMs', options?.staleAfterMs, SCHEDULER_DEFAULTS.staleAfterMs, { min: 0, exclusiveMin: true, allowInfinity: true }),
    now: now ?? Date.now(),
    placementCost: numberOption('placementCost', options?.placementCost, SCHEDULER_DEFAULTS.placementCost, { min: 0 }),
  };
}

/** Why one worker cannot be chosen, or `undefined` when it can. Internal. */
export function ineligibility(
  id: string,
  draining: boolean | undefined,
  at: number,
  now: number,
  staleAfterMs: number,
): string | undefined {
  if (draining) return `'${id}' is draining`;
  // Written so that a NaN `at` counts as stale. A report from the future (clock skew) counts as fresh.
  if (!(now - at <= staleAfterMs)) return `'${id}' last reported ${now - at} ms ago (staleAfterMs is ${staleAfterMs})`;
  return undefined;
}

/** The error for an empty worker list. Internal. */
export function noWorkersError(where: string): HypernodeError {
  return new HypernodeError(
    'INVALID_ARGUMENT',
    `No worker can take the process because ${where} holds no workers; start at least one worker and pass its load report before spawning.`,
  );
}

/** The error for a list where every worker is draining or stale. Internal. */
export function noEligibleError(
  workers: ReadonlyArray<{ id: string; draining?: boolean; at: number }>,
  now: number,
  staleAfterMs: number,
): HypernodeError {
  const reasons: string[] = [];
  for (const w of workers) {
    const reason = ineligibility(w.id, w.draining, w.at, now, staleAfterMs);
    if (reason) reasons.push(reason);
  }
  const shown = reasons.length > 5 ? `${reasons.slice(0, 5).join(', ')} and ${reasons.length - 5} more` : reasons.join(', ');
  return new HypernodeError(
    'INVALID_ARGUMENT',
    `No worker can take the process: ${shown}; start or undrain a worker, make sure workers' load reports arrive, or raise staleAfterMs.`,
    { details: { reasons, now, staleAfterMs } },
  );
}

/** The error for a worker id listed twice. Internal. */
export function duplicateWorkerError(id: string): HypernodeError {
  return new HypernodeError(
    'INVALID_ARGUMENT',
    `Worker '${id}' appears twice in the worker list; pass each worker once, with its latest load report.`,
    { details: { id } },
  );
}

/** Validates `placedSinceReport` and returns it (0 when absent). Internal. */
export function placedCount(id: string, placed: number | undefined): number {
  if (placed === undefined) return 0;
  if (!Number.isInteger(placed) || placed < 0) {
    throw new HypernodeError(
      'INVALID_ARGUMENT',
      `Worker '${id}' has placedSinceReport ${String(placed)}; it must be a whole number of at least 0, so count the placements made since its report or leave it out.`,
      { details: { id, placedSinceReport: String(placed) } },
    );
  }
  return placed;
}
