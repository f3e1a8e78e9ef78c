// The placement policy itself (score, eligibility, affinity, the Placer's rule) lives in @hypernode/core's
// runtime subpath, so that the embedded cluster places by it too; this package re-exports it and adds
// relocation planning and the Registry adapter (docs/design/013).
export { LOAD_WEIGHTS, loadScore, placeSpawn } from '@hypernode/core/runtime';
export type { ScoringOptions, PlacementOptions, PlacerOptions, WorkerLoad } from '@hypernode/core/runtime';
export { SCHEDULER_DEFAULTS } from './options';
export { workerLoadsFromMembers } from './worker-load';
export { planRelocations } from './plan-relocations';
export type { RelocationOptions, Relocation } from './plan-relocations';
export { Placer } from './placer';
