import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';


/**
 * Event-loop delay per heartbeat period, as the scheduler's load score expects it: the p50 of the delays
 * sampled since the last read, in milliseconds beyond the sampling interval (Node's histogram records the
 * whole interval, so an idle loop reads ~20 ms there), and 0 before the first sample.
 *
 * Node's lifetime p50 would mislead a scheduler: every settled idle worker would report ~20 ms and a worker in
 * its first second ~0, so every placer would send that newcomer all spawns until its next report.
 */
export class LoadMeter {
  private readonly h: IntervalHistogram;

  /** Reads percentile `percentile` (default the p50) of delays sampled every `resolutionMs` (default 20). */
  constructor(
    private readonly percentile = 50,
    private readonly resolutionMs = 20,
  ) {
    this.h = monitorEventLoopDelay({ resolution: resolutionMs });
    this.h.enable();
  }

  /** The delay since the previous read (see the class), then starts a new period. */
  read(): number {
    const value = this.h.count === 0 ? 0 : Math.max(0, this.h.percentile(this.percentile) / 1e6 - this.resolutionMs);
    this.h.reset();
    return Math.round(value * 1000) / 1000;
  }

  stop(): void {
    this.h.disable();
  }
}
