import type { Clock } from './clock';
import { HypernodeError } from './errors';
import { loadScore } from './load-score';
import type { LoadReport } from './registry';

/**
 * The placement policy's inputs, defaults and eligibility rules, shared by `placeSpawn`, `Placer`, the
 * embedded cluster's `LoadPlacer` and `@hypernode/scheduler` (which builds its relocation planning on them).
 * Applications do not need this module; see docs/design/004 (the policy) and 013 (why it lives in core).
 */

/**
 * The defaults of the placement options, in load-score points (see `LOAD_WEIGHTS`: one point is about one
 * millisecond of event-loop delay) or in milliseconds. `@hypernode/scheduler`'s `SCHEDULER_DEFAULTS` adds
 * the relocation options to these.
 */
export const PLACEMENT_DEFAULTS: Readonly<{
  affinitySlack: number;
  staleAfterMs: number;
  placementCost: number;
}> = Object.freeze({
  affinitySlack: 5,
  staleAfterMs: 10_000,
  placementCost: 0.05,
});

/**
 * One worker as the placement policy sees it: its latest load report plus what the caller knows locally.
 *
 * The policy reads `id`, `load`, `draining` and `placedSinceReport`. `node` is carried for callers
 * (and for future node-aware policies); no decision uses it today.
 */
export interface WorkerLoad {
  /** The worker's cluster-unique id (the Registry member id). */
  id: string;
  /** The node daemon that owns the worker. Informational. */
  node?: string;
  /** The worker's latest load report; its `at` decides staleness. */
  load: LoadReport;
  /** A draining worker is never chosen for a spawn and never takes part in a relocation. */
  draining?: boolean;
  /**
   * Processes the caller has placed on this worker since `load` was reported; each adds
   * `placementCost` to the worker's estimate. Default 0.
   */
  placedSinceReport?: number;
}

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

/** Options of `placeSpawn` and of the `Placer`. */
export interface PlacementOptions extends ScoringOptions {
  /**
   * How many load-score points busier than the least-loaded eligible worker the parent's worker may be
   * and still receive the child. Default 5 (about 5 ms of event-loop delay). `0` keeps a child with its
   * parent only on a tie; `Infinity` always keeps it (while the parent's worker is eligible).
   */
  affinitySlack?: number;
}

/** Options of a `Placer`. */
export interface PlacerOptions extends Omit<PlacementOptions, 'now'> {
  /** Where the placer reads the time to judge staleness. Default: the system clock. */
  clock?: Clock;
}

/**
 * Checks an optional numeric option against `rule` and returns it, or `fallback` when it is `undefined`.
 * For the policy's options and `@hypernode/scheduler`'s relocation options.
 *
 * @throws HypernodeError `INVALID_OPTIONS` naming the option, the value and what is allowed.
 */
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

/** {@link ScoringOptions} with every default filled in. */
export interface ResolvedScoring {
  staleAfterMs: number;
  now: number;
  placementCost: number;
}

/**
 * Validates the shared options and fills in their defaults (`now` from `Date.now()`).
 *
 * @throws HypernodeError `INVALID_OPTIONS` for a bad option.
 */
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
    staleAfterMs: numberOption('staleAfterMs', options?.staleAfterMs, PLACEMENT_DEFAULTS.staleAfterMs, { min: 0, exclusiveMin: true, allowInfinity: true }),
    now: now ?? Date.now(),
    placementCost: numberOption('placementCost', options?.placementCost, PLACEMENT_DEFAULTS.placementCost, { min: 0 }),
  };
}

/**
 * Why one worker cannot be chosen (it is draining, or its report is older than `staleAfterMs` at `now`),
 * as a phrase for an error message, or `undefined` when it can be chosen. A NaN `at` counts as stale; a
 * report from the future (clock skew) counts as fresh.
 */
export function ineligibility(
  id: string,
  draining: boolean | undefined,
  at: number,
  now: number,
  staleAfterMs: number,
): string | undefined {
  if (draining) return `'${id}' is draining`;
  // Written so that a NaN `at` counts as stale.
  if (!(now - at <= staleAfterMs)) return `'${id}' last reported ${now - at} ms ago (staleAfterMs is ${staleAfterMs})`;
  return undefined;
}

/** The error for an empty worker list; `where` names the list ("the placer", "the worker list"). */
export function noWorkersError(where: string): HypernodeError {
  return new HypernodeError(
    'INVALID_ARGUMENT',
    `No worker can take the process because ${where} holds no workers; start at least one worker and pass its load report before spawning.`,
  );
}

/** The error for a list where every worker is draining or stale: it says why each one is out (up to five). */
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

/** The error for a worker id listed twice. */
export function duplicateWorkerError(id: string): HypernodeError {
  return new HypernodeError(
    'INVALID_ARGUMENT',
    `Worker '${id}' appears twice in the worker list; pass each worker once, with its latest load report.`,
    { details: { id } },
  );
}

/**
 * Validates `placedSinceReport` and returns it (0 when absent).
 *
 * @throws HypernodeError `INVALID_ARGUMENT` when it is not a whole number of at least 0.
 */
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

/**
 * Checks one entry of a worker list and returns its estimate (`loadScore(load) + placementCost ·
 * placedSinceReport`), or `undefined` when it is not eligible (draining, or its report is stale). Adds its
 * id to `seen`. The checks run in this order, so an unusable report throws even for an ineligible worker.
 *
 * @throws HypernodeError `INVALID_ARGUMENT` when the id is already in `seen`, `placedSinceReport` is not a
 *   whole number of at least 0, or the load report is unusable.
 */
export function eligibleEstimate(worker: WorkerLoad, seen: Set<string>, scoring: ResolvedScoring): number | undefined {
  if (seen.has(worker.id)) throw duplicateWorkerError(worker.id);
  seen.add(worker.id);
  const estimate = loadScore(worker.load) + placedCount(worker.id, worker.placedSinceReport) * scoring.placementCost;
  if (ineligibility(worker.id, worker.draining, worker.load.at, scoring.now, scoring.staleAfterMs) !== undefined) return undefined;
  return estimate;
}
