import { systemClock, type Clock } from './clock';
import type { HypernodeError } from './errors';
import { loadScore } from './load-score';
import type { LoadReport } from './registry';
import {
  PLACEMENT_DEFAULTS,
  noEligibleError,
  noWorkersError,
  numberOption,
  type PlacerOptions,
  type WorkerLoad,
} from './placement-rules';

interface Slot {
  id: string;
  node: string | undefined;
  load: LoadReport;
  /** loadScore(load), computed once per report. */
  base: number;
  placed: number;
  /** base + placed · placementCost. */
  estimate: number;
  at: number;
  draining: boolean;
}

/**
 * The stateful placement helper a worker runtime keeps: it holds the latest load report of every
 * worker, counts the placements it made on each since that report, and answers {@link Placer.place} on
 * every spawn with the same rule as `placeSpawn`.
 *
 * Each placement raises the chosen worker's estimate by `placementCost`, so a burst of spawns between two
 * reports spreads over the workers in proportion to their headroom instead of piling onto the one that
 * looked idlest; a new report for a worker replaces its estimate and resets its count.
 *
 * Promises: `place` allocates nothing and runs in time linear in the number of workers; decisions are
 * deterministic (no pointer rotates, nothing is random); with `staleAfterMs: Infinity` it does not read
 * the clock to place. Does not: see placements made by other placers (other workers) until they show in
 * reports, talk to the Registry or Transport (the runtime feeds it), or relocate anything
 * (`@hypernode/scheduler`'s `Placer` extends this class with relocation planning).
 *
 * The embedded cluster's `LoadPlacer` and the daemons' placers are this class: both cluster kinds rank
 * workers identically.
 */
export class Placer {
  /** Where staleness is judged (for subclasses, e.g. to plan relocations at the same time). */
  protected readonly clock: Clock;
  private readonly affinitySlack: number;
  /** The resolved `staleAfterMs` option. */
  protected readonly staleAfterMs: number;
  /** The resolved `placementCost` option. */
  protected readonly placementCost: number;
  /** Sorted by id, so a scan with strict comparisons breaks the last tie by the smaller id. */
  private slots: Slot[] = [];
  private readonly byId = new Map<string, Slot>();

  /** @throws HypernodeError `INVALID_OPTIONS` for a bad option. */
  constructor(options: PlacerOptions = {}) {
    this.clock = options.clock ?? systemClock;
    this.affinitySlack = numberOption('affinitySlack', options.affinitySlack, PLACEMENT_DEFAULTS.affinitySlack, {
      min: 0,
      allowInfinity: true,
    });
    this.staleAfterMs = numberOption('staleAfterMs', options.staleAfterMs, PLACEMENT_DEFAULTS.staleAfterMs, {
      min: 0,
      exclusiveMin: true,
      allowInfinity: true,
    });
    this.placementCost = numberOption('placementCost', options.placementCost, PLACEMENT_DEFAULTS.placementCost, {
      min: 0,
    });
  }

  /** How many workers the placer holds. */
  get size(): number {
    return this.slots.length;
  }

  /**
   * Records a worker's latest report (adding the worker if new) and resets the count of placements made
   * on it since its report. A report older than the one held is ignored, so reports arriving out of
   * order never roll the estimate back. `draining` and `node` are updated when given;
   * `placedSinceReport` is ignored (the placer keeps its own count).
   *
   * @throws HypernodeError `INVALID_ARGUMENT` for an unusable load report.
   */
  update(worker: WorkerLoad): void {
    const base = loadScore(worker.load);
    const slot = this.byId.get(worker.id);
    if (slot === undefined) {
      const fresh: Slot = {
        id: worker.id,
        node: worker.node,
        load: worker.load,
        base,
        placed: 0,
        estimate: base,
        at: worker.load.at,
        draining: worker.draining === true,
      };
      this.byId.set(fresh.id, fresh);
      this.slots.push(fresh);
      this.slots.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
      return;
    }
    if (worker.node !== undefined) slot.node = worker.node;
    if (worker.draining !== undefined) slot.draining = worker.draining;
    if (worker.load.at < slot.at) return;
    slot.load = worker.load;
    slot.base = base;
    slot.placed = 0;
    slot.estimate = base;
    slot.at = worker.load.at;
  }

  /**
   * Makes the held set of workers exactly `workers`: updates those listed (as {@link Placer.update}) and
   * forgets the others, e.g. after reading the Registry's members.
   */
  sync(workers: readonly WorkerLoad[]): void {
    const keep = new Set<string>();
    for (const w of workers) {
      this.update(w);
      keep.add(w.id);
    }
    if (keep.size === this.slots.length) return;
    this.slots = this.slots.filter((s) => keep.has(s.id));
    for (const id of [...this.byId.keys()]) if (!keep.has(id)) this.byId.delete(id);
  }

  /** Marks a worker as draining (never chosen) or not. Unknown ids are ignored. */
  setDraining(id: string, draining: boolean): void {
    const slot = this.byId.get(id);
    if (slot) slot.draining = draining;
  }

  /** Forgets a worker (it left the cluster). Unknown ids are ignored. */
  remove(id: string): void {
    const slot = this.byId.get(id);
    if (!slot) return;
    this.byId.delete(id);
    this.slots.splice(this.slots.indexOf(slot), 1);
  }

  /**
   * Counts a process that ended on worker `id` off the placements made there since its report, so that a
   * stream of short-lived processes (one per HTTP request, say) does not push the worker's estimate up
   * until the next report. Never below the report itself: with no placement counted, nothing changes.
   * Unknown ids are ignored.
   *
   * The ended process may have been placed before the report (the report counts it, and this takes off a
   * newer placement instead): the estimate is then low by one `placementCost` per such process until the
   * next report, which replaces it.
   */
  ended(id: string): void {
    const slot = this.byId.get(id);
    if (slot === undefined || slot.placed === 0) return;
    slot.placed--;
    slot.estimate = slot.base + slot.placed * this.placementCost;
  }

  /**
   * Chooses the worker for a new process and counts the placement against it. Same rule as
   * `placeSpawn`: the parent's worker while its estimate is within `affinitySlack` of the lowest eligible
   * estimate, else the lowest estimate, ties by fewer placements since the report, then by smaller id.
   *
   * @param parentWorker the worker hosting the parent, or `undefined`; an unknown id is treated like
   *   `undefined`.
   * @throws HypernodeError `INVALID_ARGUMENT` when the placer holds no workers or none is eligible (the
   *   message says why each is not).
   */
  place(parentWorker?: string): string {
    const slots = this.slots;
    // With staleness off (the embedded cluster), skip the clock: a read is a measurable share of a placement.
    const oldest = this.staleAfterMs === Infinity ? -Infinity : this.clock.now() - this.staleAfterMs;
    let best: Slot | undefined;
    for (let i = 0; i < slots.length; i++) {
      const s = slots[i]!;
      // `!(s.at >= oldest)` also treats a NaN `at` as stale, like placeSpawn.
      if (s.draining || !(s.at >= oldest)) continue;
      if (best === undefined || s.estimate < best.estimate || (s.estimate === best.estimate && s.placed < best.placed)) {
        best = s;
      }
    }
    if (best === undefined) throw this.noneEligible();
    let chosen = best;
    if (parentWorker !== undefined && parentWorker !== best.id) {
      const parent = this.byId.get(parentWorker);
      if (
        parent !== undefined &&
        !parent.draining &&
        parent.at >= oldest &&
        parent.estimate <= best.estimate + this.affinitySlack
      ) {
        chosen = parent;
      }
    }
    chosen.placed++;
    chosen.estimate = chosen.base + chosen.placed * this.placementCost;
    return chosen.id;
  }

  /**
   * The held workers as `WorkerLoad`s, sorted by id, with `placedSinceReport` set to this placer's
   * count: the input `placeSpawn` and `@hypernode/scheduler`'s `planRelocations` expect. A copy:
   * changing it changes nothing here.
   */
  snapshot(): WorkerLoad[] {
    return this.slots.map((s) => {
      const w: WorkerLoad = { id: s.id, load: s.load, placedSinceReport: s.placed };
      if (s.node !== undefined) w.node = s.node;
      if (s.draining) w.draining = true;
      return w;
    });
  }

  private noneEligible(): HypernodeError {
    if (this.slots.length === 0) return noWorkersError('the placer');
    return noEligibleError(
      this.slots.map((s) => ({ id: s.id, draining: s.draining, at: s.at })),
      this.clock.now(),
      this.staleAfterMs,
    );
  }
}
