/**
 * A daemon's Prometheus metrics (docs/design/022-metrics-and-logs.md, docs/operations.md "Metrics"). Every value
 * is read at scrape time from counters the daemon keeps anyway (the worker runtime's `stats()`, the transport's
 * `stats()`, the node daemon's worker table): nothing here runs per message. The only counters this file
 * increments itself are for rare events: admin requests, broker reconnections, worker exits seen by a node.
 */
import type { WorkerStats } from '@hypernode/core';
import type { Transport, TransportStats } from '@hypernode/core/runtime';
import { collectDefaultMetrics, Counter, Gauge, Registry } from 'prom-client';
import { EventLoopDelayHistogram } from './event-loop-histogram';

/**
 * A worker's counters as this file reads them: core's `WorkerStats`, plus fields a newer core may add. Each
 * optional field is exported when present (`sent`, dead letters by reason, exits by kind), so a core that
 * has them shows them with no change here.
 */
export type ObservedStats = Omit<WorkerStats, 'sent' | 'deadLettersByReason' | 'exitsByKind' | 'forgedFrames' | 'mailboxes' | 'memory'> & {
  mailboxes?: WorkerStats['mailboxes'];
  memory?: WorkerStats['memory'];
  sent?: number;
  deadLettersByReason?: Record<string, number>;
  exitsByKind?: Record<string, number>;
  forgedFrames?: number;
};

/** The default labels of every series: which cluster, node and worker the daemon is. */
export interface MetricLabels {
  cluster: string;
  node?: string;
  worker?: string;
}

/** A node daemon's worker table as the metrics read it. */
export interface NodeWorkersView {
  up: number;
  down: number;
  /** Restarts of all slots since the node daemon started. */
  restarts: number;
}

/** What a daemon's metrics read from, at scrape time. */
export interface MetricsSources {
  labels: MetricLabels;
  /** A worker runtime's counters (worker daemons, and the cluster daemon's root runtime). */
  stats?: () => ObservedStats;
  /** The transport's frame and byte counters. */
  transport?: () => TransportStats;
  /** A node daemon's workers. */
  workers?: () => NodeWorkersView;
  /** Node.js process metrics (CPU, memory, GC, handles: prom-client's defaults). Default true. */
  processMetrics?: boolean;
}

/** How a worker ended, as seen by its node daemon. */
export type WorkerExitKind = 'signal' | 'code' | 'stalled' | 'fenced';

/** One daemon's Prometheus registry, with the few counters it increments on rare events. */
export class DaemonMetrics {
  readonly registry = new Registry();
  private readonly adminRequests: Counter<'method' | 'result'>;
  private readonly reconnects: Counter;
  private readonly workerExits: Counter<'kind'>;
  private readonly loop: EventLoopDelayHistogram;
  /** The worker counters of the scrape under way, read once for all series. */
  private snapshot: ObservedStats | undefined;

  constructor(sources: MetricsSources) {
    const r = this.registry;
    const labels: Record<string, string> = { cluster: sources.labels.cluster };
    if (sources.labels.node !== undefined) labels.node = sources.labels.node;
    if (sources.labels.worker !== undefined) labels.worker = sources.labels.worker;
    r.setDefaultLabels(labels);
    if (sources.processMetrics !== false) collectDefaultMetrics({ register: r });
    this.loop = new EventLoopDelayHistogram('hypernode_event_loop_delay_seconds');
    r.registerMetric(this.loop as never);
    this.adminRequests = new Counter({
      name: 'hypernode_admin_requests_total',
      help: 'Admin requests this daemon answered (hypernode-cli, connectCluster, other daemons), by operation and result (ok, or the error code).',
      labelNames: ['method', 'result'],
      registers: [r],
    });
    this.reconnects = new Counter({ name: 'hypernode_broker_reconnects_total', help: 'Times the connection to RabbitMQ was lost and made again.', registers: [r] });
    // A daemon without processes of its own (a node daemon) moves none: its series stays 0.
    if (!sources.stats) new Counter({ name: 'hypernode_relocations_total', help: RELOCATIONS_HELP, registers: [r] });
    this.workerExits = new Counter({
      name: 'hypernode_node_worker_exits_total',
      help: 'Workers of this node that exited without being asked (each is replaced), by kind: signal, code, stalled (killed for a stuck event loop), fenced.',
      labelNames: ['kind'],
      registers: sources.workers ? [r] : [],
    });
    if (sources.stats) {
      const read = sources.stats;
      workerSeries(r, () => (this.snapshot ??= read()));
      this.snapshot = undefined;
    }
    if (sources.transport) transportSeries(r, sources.transport);
    if (sources.workers) nodeSeries(r, sources.workers);
  }

  /** Counts one admin request: `method` as asked (`unknown` when the service has no such operation), `result` `ok` or an error code. */
  adminRequest(method: string, result: string): void {
    this.adminRequests.inc({ method, result });
  }

  /** Counts the transport's reconnections from now on (its `'up'` events). */
  watch(transport: Transport): void {
    transport.on('up', () => this.reconnects.inc());
  }

  /** Counts a worker of this node that exited without being asked. */
  workerExited(kind: WorkerExitKind): void {
    this.workerExits.inc({ kind });
  }

  /** The Prometheus text exposition of every series. */
  async text(): Promise<string> {
    this.snapshot = undefined;
    try {
      return await this.registry.metrics();
    } finally {
      this.snapshot = undefined;
    }
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  /** Stops the event-loop sampling. */
  close(): void {
    this.loop.close();
    this.registry.clear();
  }
}

/** A counter whose values are read at scrape time: `read` gives `[labels, total]` pairs. */
function readCounter<L extends string>(r: Registry, name: string, help: string, labelNames: L[], read: () => [Partial<Record<L, string>>, number][]): void {
  new Counter<L>({
    name,
    help,
    labelNames,
    registers: [r],
    collect() {
      this.reset();
      for (const [labels, value] of read()) this.inc(labels as never, Math.max(0, value));
    },
  });
}

function readGauge(r: Registry, name: string, help: string, read: () => number): void {
  new Gauge({
    name,
    help,
    registers: [r],
    collect() {
      this.set(read());
    },
  });
}

/** The series of a worker runtime's counters; `s` gives the scrape's snapshot of them. */
const RELOCATIONS_HELP = 'Processes this worker moved to another worker (design 031: move, evacuation, rebalancing).';

function workerSeries(r: Registry, s: () => ObservedStats): void {
  readCounter(r, 'hypernode_messages_delivered_total', 'Messages handed to processDidReceiveMessage of a process on this worker (messages in).', [], () => [[{}, s().delivered]]);
  // Only a runtime that counts sent messages has the series (no false 0 from one that does not): the shape of the
  // stats is fixed by the core version, so one look at start tells.
  if (s().sent !== undefined) {
    readCounter(r, 'hypernode_messages_sent_total', 'Messages sent by processes on this worker, to any process (messages out).', [], () => [[{}, s().sent ?? 0]]);
  }
  readCounter(r, 'hypernode_processes_spawned_total', 'Processes started on this worker.', [], () => [[{}, s().spawned]]);
  readCounter(r, 'hypernode_process_exits_total', 'Processes of this worker that ended, by kind (normal, shutdown, killed, crash; "other" is normal, shutdown or killed when the runtime does not tell them apart).', ['kind'], () => {
    const { exitsByKind, exited, crashed } = s();
    if (exitsByKind) return Object.entries(exitsByKind).map(([kind, n]) => [{ kind }, n]);
    return [
      [{ kind: 'crash' }, crashed],
      [{ kind: 'other' }, exited - crashed],
    ];
  });
  readCounter(r, 'hypernode_dead_letters_total', 'Messages dropped because their target had ended (or a mailbox dropped with its process), by reason ("unclassified" when the runtime does not tell reasons apart).', ['reason'], () => {
    const { deadLettersByReason, deadLetters } = s();
    if (deadLettersByReason) return Object.entries(deadLettersByReason).map(([reason, n]) => [{ reason }, n]);
    return [[{ reason: 'unclassified' }, deadLetters]];
  });
  readCounter(r, 'hypernode_relocations_total', RELOCATIONS_HELP, [], () => [[{}, s().relocations ?? 0]]);
  readCounter(r, 'hypernode_bad_frames_total', 'Frames from other workers that could not be read and were dropped.', [], () => [[{}, s().badFrames]]);
  readGauge(r, 'hypernode_mailbox_backlog', 'Messages waiting in the mailboxes of processes on this worker.', () => s().backlog);
  readGauge(r, 'hypernode_processes', 'Processes running on this worker.', () => s().processes);
  // A runtime with mailbox warnings and a memory guard (design 030) has these series; an older one does not.
  if (s().mailboxes !== undefined) {
    readGauge(r, 'hypernode_mailboxes_over_warning', "Processes of this worker whose mailbox holds at least the worker's mailbox warning size.", () => s().mailboxes?.over ?? 0);
    readGauge(r, 'hypernode_mailbox_largest', 'Messages waiting in the largest mailbox of this worker.', () => s().mailboxes?.largest?.size ?? 0);
  }
  if (s().memory !== undefined) {
    readGauge(r, 'hypernode_heap_used_ratio', "This worker's V8 heap in use over its limit (heap_size_limit), as its memory guard last read it.", () => s().memory?.ratio ?? 0);
    readGauge(r, 'hypernode_memory_guard_level', "This worker's memory guard: 0 under its warning ratio, 1 warning, 2 refusing messages to its largest mailboxes.", () => {
      const level = s().memory?.level;
      return level === 'shed' ? 2 : level === 'warn' ? 1 : 0;
    });
  }
}

function transportSeries(r: Registry, stats: () => TransportStats): void {
  readCounter(r, 'hypernode_transport_frames_total', 'Frames this daemon sent to or received from RabbitMQ (a frame batches the envelopes for one worker).', ['direction'], () => {
    const t = stats();
    return [
      [{ direction: 'sent' }, t.framesSent],
      [{ direction: 'received' }, t.framesReceived],
    ];
  });
  readCounter(r, 'hypernode_transport_bytes_total', 'Bytes of frames this daemon sent to or received from RabbitMQ.', ['direction'], () => {
    const t = stats();
    return [
      [{ direction: 'sent' }, t.bytesSent],
      [{ direction: 'received' }, t.bytesReceived],
    ];
  });
  readCounter(r, 'hypernode_transport_frames_dropped_total', 'Frames the transport could not deliver or dropped (too large, no inbox, redelivered after a connection loss).', [], () => [[{}, stats().dropped]]);
}

function nodeSeries(r: Registry, workers: () => NodeWorkersView): void {
  new Gauge({
    name: 'hypernode_node_workers',
    help: 'Worker slots of this node daemon, by state (up, or down: starting, or waiting to be restarted).',
    labelNames: ['state'],
    registers: [r],
    collect() {
      const w = workers();
      this.set({ state: 'up' }, w.up);
      this.set({ state: 'down' }, w.down);
    },
  });
  readCounter(r, 'hypernode_node_worker_restarts_total', 'Workers this node daemon started again after one died.', [], () => [[{}, workers().restarts]]);
}
