import type { LoadReport, MemberInfo } from '@hypernode/core';

/**
 * One worker as the scheduler sees it: its latest load report plus what the caller knows locally.
 *
 * The scheduler reads `id`, `load`, `draining` and `placedSinceReport`. `node` is carried for callers
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

/**
 * Turns Registry members into scheduler input: every `worker` member that has a load report, with its
 * `node`, and `draining: true` when its `meta.draining` is `true` (the convention a worker uses to
 * announce it is draining). Members without a report are left out: the scheduler cannot judge them.
 * Does not check staleness; the decision functions do.
 */
export function workerLoadsFromMembers(members: readonly MemberInfo[]): WorkerLoad[] {
  const out: WorkerLoad[] = [];
  for (const m of members) {
    if (m.role !== 'worker' || !m.load) continue;
    const w: WorkerLoad = { id: m.id, load: m.load };
    if (m.node !== undefined) w.node = m.node;
    if (m.meta?.draining === true) w.draining = true;
    out.push(w);
  }
  return out;
}
