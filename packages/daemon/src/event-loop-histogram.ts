import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';

/** Upper bounds (seconds) of the event-loop delay histogram's buckets. */
export const EVENT_LOOP_BUCKETS = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10] as const;
/** How often the event loop is sampled, in ms. */
const RESOLUTION_MS = 20;

/** The part of node's `IntervalHistogram` this file reads (so a test can feed it samples). */
export type DelaySamples = Pick<IntervalHistogram, 'count' | 'mean' | 'percentiles' | 'reset'>;

/**
 * A Prometheus histogram of event-loop delay, as prom-client's registry reads a metric (`name`, `help`, `type`,
 * `get()`). Node samples the loop every 20 ms (`perf_hooks.monitorEventLoopDelay`, in C++, no JavaScript per
 * sample); at each scrape the samples since the last one are added to cumulative buckets and the sampler is
 * reset. Each sample is how late the 20 ms timer fired. Bucket counts come from the sampler's percentiles, so
 * a bucket's count is exact to the sampler's precision (about 1 %).
 */
export class EventLoopDelayHistogram {
  readonly help = 'How late the event loop ran a timer due every 20 ms, in seconds: the time each callback waited for the loop.';
  readonly type = 'histogram';
  readonly aggregator = 'sum';
  private readonly counts = EVENT_LOOP_BUCKETS.map(() => 0);
  private count = 0;
  private sum = 0;
  private readonly samples: DelaySamples & { disable?: () => void };

  constructor(
    readonly name: string,
    samples?: DelaySamples,
  ) {
    if (samples) this.samples = samples;
    else {
      const h = monitorEventLoopDelay({ resolution: RESOLUTION_MS });
      h.enable();
      this.samples = h;
    }
  }

  /** Adds the samples taken since the last call to the buckets. */
  private take(): void {
    const h = this.samples;
    const n = h.count;
    if (n > 0) {
      const points = [...h.percentiles.entries()].sort((a, b) => a[0] - b[0]).map(([p, ns]) => [p, delayOf(ns)] as const);
      EVENT_LOOP_BUCKETS.forEach((le, i) => {
        let fraction = 0;
        for (const [p, s] of points) if (s <= le) fraction = p / 100;
        this.counts[i]! += Math.round(n * fraction);
      });
      this.count += n;
      this.sum += n * delayOf(h.mean);
    }
    h.reset();
  }

  get(): { name: string; help: string; type: string; aggregator: string; values: { labels: Record<string, string>; value: number; metricName: string }[] } {
    this.take();
    const values: { labels: Record<string, string>; value: number; metricName: string }[] = EVENT_LOOP_BUCKETS.map((le, i) => ({ labels: { le: String(le) }, value: this.counts[i]!, metricName: `${this.name}_bucket` }));
    values.push({ labels: { le: '+Inf' }, value: this.count, metricName: `${this.name}_bucket` });
    values.push({ labels: {}, value: this.sum, metricName: `${this.name}_sum` });
    values.push({ labels: {}, value: this.count, metricName: `${this.name}_count` });
    return { name: this.name, help: this.help, type: this.type, aggregator: this.aggregator, values };
  }

  reset(): void {
    this.counts.fill(0);
    this.count = this.sum = 0;
  }

  close(): void {
    this.samples.disable?.();
  }
}

/** A sample (ns between two runs of a timer due every 20 ms) as the delay past the 20 ms, in seconds. */
function delayOf(ns: number): number {
  return Math.max(0, ns / 1e6 - RESOLUTION_MS) / 1000;
}
