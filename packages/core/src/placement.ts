import type { LoadReport } from './registry';

/** A worker and its last load report. */
export interface WorkerLoadInfo {
  id: string;
  load: LoadReport;
}

const REFRESH_MS = 100;
/** How many more "process equivalents" the parent's worker may carry and still keep a child (affinity). */
const AFFINITY_SLACK = 64;

/**
 * The embedded cluster's placement: load-aware with affinity. A child stays on its parent's worker while that
 * worker's score is within a slack of the least-loaded one; otherwise it goes to the least-loaded. Placements
 * since the last report count as load, so a burst spreads. The daemons use the fuller policies of
 * `@hypernode/scheduler`.
 */
export class LoadPlacer {
  private loads: WorkerLoadInfo[] = [];
  private placed = new Map<string, number>();
  private refreshedAt = -Infinity;
  private calls = 0;

  constructor(private readonly read: () => WorkerLoadInfo[]) {}

  place(parentWorker: string): string {
    // Reading the time costs as much as the rest: look at it every 64 placements only.
    if ((++this.calls & 63) === 1) {
      const now = performance.now();
      if (now - this.refreshedAt > REFRESH_MS) {
        this.loads = this.read();
        this.placed.clear();
        this.refreshedAt = now;
      }
    }
    if (this.loads.length === 1) return this.loads[0]!.id;
    let best: string | undefined;
    let bestScore = Infinity;
    let parentScore = Infinity;
    for (const w of this.loads) {
      const s = score(w.load) + (this.placed.get(w.id) ?? 0);
      if (s < bestScore) {
        bestScore = s;
        best = w.id;
      }
      if (w.id === parentWorker) parentScore = s;
    }
    const chosen = best === undefined || parentScore <= bestScore + AFFINITY_SLACK ? parentWorker : best;
    this.placed.set(chosen, (this.placed.get(chosen) ?? 0) + 1);
    return chosen;
  }
}

function score(load: LoadReport): number {
  return load.processes + load.backlog * 4 + load.eventLoopDelayMs * 100;
}
