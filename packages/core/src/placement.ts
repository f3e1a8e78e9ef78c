import type { Clock, TimerHandle } from './clock';
import { numberOption, type PlacementOptions } from './placement-rules';
import { Placer } from './placer';
import type { LoadReport } from './registry';

/** A worker and its last load report. */
export interface WorkerLoadInfo {
  id: string;
  load: LoadReport;
}

/** Options of a {@link LoadPlacer}: the policy's own options, and when to re-read the reports. */
export interface LoadPlacerOptions extends Pick<PlacementOptions, 'affinitySlack' | 'placementCost'> {
  /**
   * Where the placer sets the timer after which its reports are due for a re-read. Default: Node's timers,
   * unreferenced (a pending one does not keep the process alive), whatever clock the cluster runs on.
   */
  clock?: Pick<Clock, 'setTimeout' | 'clearTimeout'>;
  /** The least time, in milliseconds, between two reads of the reports. Default 100. */
  refreshMs?: number;
}

const REFRESH_MS = 100;
const unreferencedTimers: Pick<Clock, 'setTimeout' | 'clearTimeout'> = {
  setTimeout(fn, ms) {
    const timer = setTimeout(fn, ms);
    timer.unref();
    return timer;
  },
  clearTimeout(handle) {
    clearTimeout(handle as NodeJS.Timeout);
  },
};

/**
 * The embedded cluster's placement: the distributed scheduler's policy (`Placer`, with its defaults), fed
 * by the simulated workers' own load reports. A child stays on its parent's worker while that worker's
 * estimate is within `affinitySlack` (5 load-score points) of the least-loaded one; otherwise it goes to
 * the least-loaded. Each placement since the last report adds `placementCost` (0.05) to its worker's
 * estimate, so a burst spreads. The embedded and distributed clusters therefore rank workers identically;
 * see docs/design/004 (the policy) and 013.
 *
 * Reports come from `read`: on the first placement, then on the first placement after a timer of
 * `refreshMs` (100 ms) set at the previous read has fired. So `place` never reads the clock (a read per
 * placement was measured as costly), a burst of spawns made in one synchronous run is placed on one read
 * (no timer fires inside it, so the counted placements are not replaced halfway by a report that weighs
 * them as idle processes), and on a slow stream of spawns the reports can be older than `refreshMs` (its
 * own placements since then are counted, less the processes that ended since). No timer is pending unless a
 * read happened in the last `refreshMs`.
 *
 * Embedded workers are never draining and their reports never stale (they are read in-process, so their
 * `at` is not judged). Does not: place on a worker `read` did not list, or throw for a parent it does not
 * know (such a child goes to the least-loaded worker).
 */
export class LoadPlacer {
  private readonly placer: Placer;
  private readonly clock: Pick<Clock, 'setTimeout' | 'clearTimeout'>;
  private readonly refreshMs: number;
  /** Whether the next placement reads the reports first. */
  private due = true;
  private timer: TimerHandle | undefined;
  /** The worker's id when the last read listed exactly one: the policy has no choice to make. */
  private only: string | undefined;

  /**
   * @param read the workers and their current load reports; called on the first placement and then at
   *   most every `refreshMs`. It must list at least one worker.
   * @throws HypernodeError `INVALID_OPTIONS` for a bad option.
   */
  constructor(
    private readonly read: () => WorkerLoadInfo[],
    options: LoadPlacerOptions = {},
  ) {
    this.placer = new Placer({
      affinitySlack: options.affinitySlack,
      placementCost: options.placementCost,
      staleAfterMs: Infinity,
    });
    this.clock = options.clock ?? unreferencedTimers;
    this.refreshMs = numberOption('refreshMs', options.refreshMs, REFRESH_MS, { min: 0 });
  }

  /**
   * The worker for a child of a process on `parentWorker` (see the class for the rule); counts the
   * placement against it.
   *
   * @throws HypernodeError `INVALID_ARGUMENT` when `read` listed no worker, or an unusable load report.
   */
  place(parentWorker: string): string {
    if (this.due) this.refresh();
    return this.only ?? this.placer.place(parentWorker);
  }

  /** A process on `worker` has ended: count it off the placements since the last read (see `Placer.ended`). */
  ended(worker: string): void {
    this.placer.ended(worker);
  }

  /**
   * Reads the reports now: each replaces its worker's estimate and forgets the placements counted on it;
   * workers `read` no longer lists are forgotten. The next automatic read comes `refreshMs` after this one
   * at the earliest.
   */
  refresh(): void {
    const reports = this.read();
    this.placer.sync(reports);
    this.only = reports.length === 1 ? reports[0]!.id : undefined;
    this.due = false;
    if (this.timer !== undefined) this.clock.clearTimeout(this.timer);
    this.timer = this.clock.setTimeout(() => {
      this.timer = undefined;
      this.due = true;
    }, this.refreshMs);
  }
}
