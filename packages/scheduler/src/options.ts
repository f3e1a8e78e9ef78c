import { placementRules } from '@hypernode/core/runtime';

/**
 * The defaults of every scheduler option, in load-score points (see `LOAD_WEIGHTS`: one point is about
 * one millisecond of event-loop delay) or in milliseconds: the placement defaults of `@hypernode/core`
 * (`affinitySlack`, `staleAfterMs`, `placementCost`, the same ones the embedded cluster uses) plus the
 * relocation options.
 */
export const SCHEDULER_DEFAULTS: Readonly<{
  affinitySlack: number;
  staleAfterMs: number;
  placementCost: number;
  imbalanceThreshold: number;
  maxMoves: number;
}> = Object.freeze({
  ...placementRules.PLACEMENT_DEFAULTS,
  imbalanceThreshold: 10,
  maxMoves: 1000,
});
