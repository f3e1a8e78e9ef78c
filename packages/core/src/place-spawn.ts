import {
  PLACEMENT_DEFAULTS,
  eligibleEstimate,
  noEligibleError,
  noWorkersError,
  numberOption,
  resolveScoring,
  type PlacementOptions,
  type WorkerLoad,
} from './placement-rules';

/**
 * Chooses the worker a new process should run on.
 *
 * Each eligible worker (not draining, report no older than `staleAfterMs`) gets an estimate:
 * `loadScore(load) + placementCost · placedSinceReport`. The child goes to the parent's worker when that
 * worker is eligible and its estimate is at most the lowest estimate plus `affinitySlack`; otherwise it
 * goes to the worker with the lowest estimate, ties broken by fewer `placedSinceReport`, then by the
 * smaller id. The answer depends only on the arguments: there is no hidden pointer and no randomness.
 *
 * The same rule as `Placer.place` (which keeps the reports and counts between calls) and so as the
 * embedded cluster's `LoadPlacer`. Does not: record the placement (the caller bumps `placedSinceReport`,
 * or uses `Placer`, which does), know about placements other callers made since the reports, or look at
 * `node`.
 *
 * @param parentWorker the worker hosting the parent, or `undefined` for a process without one (or
 *   whose worker is unknown); an id not in `workers` is treated like `undefined`.
 * @returns the chosen worker's id.
 * @throws HypernodeError `INVALID_ARGUMENT` when `workers` is empty, lists an id twice, holds an unusable
 *   load report, or when no worker is eligible (the message lists why each one is not);
 *   `INVALID_OPTIONS` for a bad option.
 */
export function placeSpawn(
  workers: readonly WorkerLoad[],
  parentWorker?: string,
  options?: PlacementOptions,
): string {
  const scoring = resolveScoring(options);
  const slack = numberOption('affinitySlack', options?.affinitySlack, PLACEMENT_DEFAULTS.affinitySlack, {
    min: 0,
    allowInfinity: true,
  });
  if (workers.length === 0) throw noWorkersError('the worker list');

  const seen = new Set<string>();
  let best: WorkerLoad | undefined;
  let bestEstimate = 0;
  let bestPlaced = 0;
  let parentEstimate: number | undefined;
  for (const w of workers) {
    const estimate = eligibleEstimate(w, seen, scoring);
    if (estimate === undefined) continue;
    const placed = w.placedSinceReport ?? 0;
    if (w.id === parentWorker) parentEstimate = estimate;
    if (
      best === undefined ||
      estimate < bestEstimate ||
      (estimate === bestEstimate && (placed < bestPlaced || (placed === bestPlaced && w.id < best.id)))
    ) {
      best = w;
      bestEstimate = estimate;
      bestPlaced = placed;
    }
  }
  if (best === undefined) {
    throw noEligibleError(
      workers.map((w) => ({ id: w.id, draining: w.draining, at: w.load.at })),
      scoring.now,
      scoring.staleAfterMs,
    );
  }
  if (parentEstimate !== undefined && parentEstimate <= bestEstimate + slack) return parentWorker as string;
  return best.id;
}
