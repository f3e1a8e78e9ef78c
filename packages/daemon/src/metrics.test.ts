import { describe, expect, it } from 'vitest';
import type { TransportStats } from '@hypernode/core/runtime';
import { EventLoopDelayHistogram, type DelaySamples } from './event-loop-histogram';
import { DaemonMetrics, type ObservedStats } from './metrics';

const stats: ObservedStats = { spawned: 7, exited: 5, crashed: 2, delivered: 120, deadLetters: 3, badFrames: 1, backlog: 4, processes: 2 };
const transport: TransportStats = { framesSent: 10, framesReceived: 11, bytesSent: 1000, bytesReceived: 1100, dropped: 0 };
const labels = 'cluster="prod",node="web-1",worker="web-1-w1-abc"';

function metricsOf(s: () => ObservedStats) {
  return new DaemonMetrics({ labels: { cluster: 'prod', node: 'web-1', worker: 'web-1-w1-abc' }, stats: s, transport: () => transport, processMetrics: false });
}

describe('DaemonMetrics', () => {
  it("exposes a worker's counters with the cluster, node and worker labels, read at scrape time", async () => {
    let current = { ...stats };
    const m = metricsOf(() => current);
    const text = await m.text();
    expect(text).toContain(`# TYPE hypernode_messages_delivered_total counter`);
    expect(text).toContain(`hypernode_messages_delivered_total{${labels}} 120`);
    expect(text).toContain(`hypernode_processes_spawned_total{${labels}} 7`);
    expect(text).toContain(`hypernode_process_exits_total{kind="crash",${labels}} 2`);
    expect(text).toContain(`hypernode_process_exits_total{kind="other",${labels}} 3`);
    expect(text).toContain(`hypernode_dead_letters_total{reason="unclassified",${labels}} 3`);
    expect(text).toContain(`hypernode_bad_frames_total{${labels}} 1`);
    expect(text).toContain(`hypernode_mailbox_backlog{${labels}} 4`);
    expect(text).toContain(`hypernode_processes{${labels}} 2`);
    expect(text).toContain(`hypernode_transport_frames_total{direction="sent",${labels}} 10`);
    expect(text).toContain(`hypernode_transport_bytes_total{direction="received",${labels}} 1100`);
    expect(text).toContain(`hypernode_transport_frames_dropped_total{${labels}} 0`);
    expect(text).toContain(`hypernode_relocations_total{${labels}} 0`);
    expect(text).toContain(`hypernode_broker_reconnects_total{${labels}} 0`);
    // Without `sent` in the stats, there is no such series (rather than a false 0).
    expect(text).not.toContain('hypernode_messages_sent_total');
    expect(text).not.toContain('process_cpu');
    current = { ...stats, delivered: 130 };
    expect(await m.text()).toContain(`hypernode_messages_delivered_total{${labels}} 130`);
    m.close();
  });

  it('exports sent, dead letters by reason and exits by kind when the stats carry them', async () => {
    const extended: ObservedStats = {
      ...stats,
      sent: 99,
      deadLettersByReason: { 'no-process': 2, 'mailbox-dropped': 1 },
      exitsByKind: { normal: 1, shutdown: 1, killed: 1, crash: 2 },
    };
    const m = metricsOf(() => extended);
    const text = await m.text();
    expect(text).toContain(`hypernode_messages_sent_total{${labels}} 99`);
    expect(text).toContain(`hypernode_dead_letters_total{reason="no-process",${labels}} 2`);
    expect(text).toContain(`hypernode_dead_letters_total{reason="mailbox-dropped",${labels}} 1`);
    expect(text).not.toContain('reason="unclassified"');
    for (const [kind, n] of Object.entries({ normal: 1, shutdown: 1, killed: 1, crash: 2 })) {
      expect(text).toContain(`hypernode_process_exits_total{kind="${kind}",${labels}} ${n}`);
    }
    expect(text).not.toContain('kind="other"');
    m.close();
  });

  it('reads the stats once per scrape, however many series come from them', async () => {
    let reads = 0;
    const m = metricsOf(() => (reads++, stats));
    const atStart = reads;
    await m.text();
    expect(reads - atStart).toBe(1);
    await m.text();
    expect(reads - atStart).toBe(2);
    m.close();
  });

  it('counts admin requests by method and result, and worker exits of a node by kind', async () => {
    const m = new DaemonMetrics({ labels: { cluster: 'prod', node: 'web-1' }, workers: () => ({ up: 3, down: 1, restarts: 5 }), processMetrics: false });
    m.adminRequest('status', 'ok');
    m.adminRequest('status', 'ok');
    m.adminRequest('kill', 'NO_PROCESS');
    m.workerExited('signal');
    const text = await m.text();
    expect(text).toContain('hypernode_admin_requests_total{method="status",result="ok",cluster="prod",node="web-1"} 2');
    expect(text).toContain('hypernode_admin_requests_total{method="kill",result="NO_PROCESS",cluster="prod",node="web-1"} 1');
    expect(text).toContain('hypernode_node_workers{state="up",cluster="prod",node="web-1"} 3');
    expect(text).toContain('hypernode_node_workers{state="down",cluster="prod",node="web-1"} 1');
    expect(text).toContain('hypernode_node_worker_restarts_total{cluster="prod",node="web-1"} 5');
    expect(text).toContain('hypernode_node_worker_exits_total{kind="signal",cluster="prod",node="web-1"} 1');
    // A node daemon hosts no processes: no worker series.
    expect(text).not.toContain('hypernode_messages_delivered_total');
    m.close();
  });

  it("counts the transport's reconnections from its 'up' events", async () => {
    const listeners: (() => void)[] = [];
    const m = new DaemonMetrics({ labels: { cluster: 'c' }, processMetrics: false });
    m.watch({ on: (_e: string, l: () => void) => listeners.push(l) } as never);
    listeners.forEach((l) => l());
    listeners.forEach((l) => l());
    expect(await m.text()).toContain('hypernode_broker_reconnects_total{cluster="c"} 2');
    m.close();
  });

  it("adds Node's process metrics unless told not to", async () => {
    const m = new DaemonMetrics({ labels: { cluster: 'c' } });
    expect(await m.text()).toMatch(/^process_resident_memory_bytes\{cluster="c"\} \d+/m);
    m.close();
  });
});

describe('EventLoopDelayHistogram', () => {
  /** Samples as node's monitor gives them: each is the time between two runs of a 20 ms timer, in ns. */
  function samples(count: number, percentiles: [number, number][], meanMs: number): DelaySamples & { resets: number } {
    const s = {
      count,
      mean: meanMs * 1e6,
      percentiles: new Map(percentiles.map(([p, ms]) => [p, ms * 1e6])),
      resets: 0,
      reset() {
        s.resets++;
        s.count = 0;
        s.percentiles = new Map();
      },
    };
    return s as never;
  }

  it('turns the samples since the last scrape into cumulative buckets of delay past the 20 ms timer, and resets them', () => {
    // 100 samples: half 20.5 ms late (0.5 ms past due), up to 75 % 26 ms (6 ms), the rest 320 ms (0.3 s).
    const s = samples(100, [[0, 20.5], [50, 20.5], [75, 26], [100, 320]], 30);
    const h = new EventLoopDelayHistogram('loop', s);
    const first = h.get().values;
    const bucket = (le: string) => first.find((v) => v.metricName === 'loop_bucket' && v.labels.le === le)!.value;
    expect(bucket('0.001')).toBe(50);
    expect(bucket('0.005')).toBe(50);
    expect(bucket('0.01')).toBe(75);
    expect(bucket('0.25')).toBe(75);
    expect(bucket('0.5')).toBe(100);
    expect(bucket('+Inf')).toBe(100);
    expect(first.find((v) => v.metricName === 'loop_count')!.value).toBe(100);
    expect(first.find((v) => v.metricName === 'loop_sum')!.value).toBeCloseTo(1.0, 6);
    expect(s.resets).toBe(1);
    // No new samples: the counts stay (cumulative), nothing is added twice.
    const second = h.get().values;
    expect(second.find((v) => v.metricName === 'loop_count')!.value).toBe(100);
    h.close();
  });
});
