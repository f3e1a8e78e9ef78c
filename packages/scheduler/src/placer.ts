import { Placer as PolicyPlacer } from '@hypernode/core/runtime';
import { planRelocations, type Relocation, type RelocationOptions } from './plan-relocations';

/**
 * The stateful placement helper a worker runtime keeps: `@hypernode/core`'s `Placer` (the placement policy
 * the embedded cluster uses too: `update`, `sync`, `setDraining`, `remove`, `place`, `snapshot`, with the
 * same options and promises) plus {@link Placer.planRelocations}.
 *
 * Does not: see placements made by other placers (other workers) until they show in reports, talk to the
 * Registry or Transport (the runtime feeds it), or carry out the relocations it plans.
 */
export class Placer extends PolicyPlacer {
  /**
   * `planRelocations` over the held workers, judged at the placer's clock and with its
   * `staleAfterMs` and `placementCost` (other options are passed through).
   */
  planRelocations(options: Omit<RelocationOptions, 'now' | 'staleAfterMs' | 'placementCost'> = {}): Relocation[] {
    return planRelocations(this.snapshot(), {
      ...options,
      now: this.clock.now(),
      staleAfterMs: this.staleAfterMs,
      placementCost: this.placementCost,
    });
  }
}
