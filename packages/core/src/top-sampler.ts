/**
 * What `top` shows of one worker (design 020): its rates, computed from its counters' deltas since the previous
 * sample (whoever asked for it), the OS process's CPU and memory, the event loop's p99 delay over the same
 * interval, and its busiest processes. Nothing runs between two samples except the event-loop histogram, which
 * starts with the first sample.
 */
import type { Clock } from './clock';
import type { WorkerCounters } from './kernel-port';
import { LoadMeter } from './load-meter';
import { mailboxSize } from './mailbox';
import type { ProcRecord } from './process-record';
import { ENDING } from './process-record';

/** How many processes each worker reports by each of its three orders (messages, mailbox, turn time). */
export const TOP_PROCESSES = 50;

/** One process in `top`. */
export interface TopProcess {
  name: string;
  module: string;
  /** The version of its module it runs, or null while its module is fetched. */
  version: string | null;
  worker: string;
  /** Messages taken into its mailbox per second over the interval. */
  msgsInPerSec: number;
  /** Messages waiting in its mailbox now. */
  mailbox: number;
  /** Milliseconds of its turns (the synchronous part of its lifecycle functions) per second over the interval. */
  turnMsPerSec: number;
  /** Milliseconds since it started. */
  ageMs: number;
}

/** One worker in `top`. */
export interface TopWorker {
  id: string;
  node: string | null;
  pid: number | null;
  /** CPU time of its OS process (user + system) over the interval, as a percentage of one core. */
  cpuPercent: number;
  rssBytes: number;
  heapUsedBytes: number;
  /** The p99 event-loop delay over the interval, in ms beyond the histogram's 10 ms sampling interval. */
  eventLoopDelayMs: number;
  processes: number;
  /** Messages waiting in its processes' mailboxes. */
  backlog: number;
  /** Messages handled by its processes per second. */
  msgsInPerSec: number;
  /** Messages sent by its processes (send, call, sendAfter) per second. */
  msgsOutPerSec: number;
  deadLettersPerSec: number;
  draining: boolean;
  /** Its node daemon reports it silent (its event loop blocked), or it did not answer. */
  stalled: boolean;
}

/** What `top` answers: every worker, and the busiest processes of each, busiest first. */
export interface TopSnapshot {
  /** When it was taken (epoch ms). */
  at: number;
  workers: TopWorker[];
  processes: TopProcess[];
}

/** A worker's own sample: its {@link TopWorker} without what only the cluster knows, and its busiest processes. */
export interface WorkerTop extends Omit<TopWorker, 'node' | 'pid' | 'draining' | 'stalled'> {
  /** When it was taken (epoch ms, the worker's clock). */
  at: number;
  /** The busiest processes: the first {@link TOP_PROCESSES} by messages/s, by mailbox and by turn time, together. */
  top: TopProcess[];
}

interface Previous {
  at: number;
  cpu: NodeJS.CpuUsage;
  delivered: number;
  sent: number;
  deadLetters: number;
  /** Per process: messages received and turn ms at the previous sample. */
  procs: Map<ProcRecord, { received: number; turnMs: number }>;
}

/** Samples one worker for `top`; see the file's comment. */
export class TopSampler {
  private prev: Previous | undefined;
  private meter: LoadMeter | undefined;

  constructor(
    private readonly clock: Clock,
    /** When the worker started (epoch ms): the first sample's rates cover the time since. */
    private readonly startedAt: number,
  ) {}

  /** A sample of worker `id` now; its rates cover the time since the previous sample (or since the worker started). */
  sample(id: string, counters: WorkerCounters, records: Iterable<ProcRecord>, limit = TOP_PROCESSES): WorkerTop {
    const now = this.clock.now();
    const prev = this.prev;
    const since = prev?.at ?? this.startedAt;
    const seconds = Math.max(now - since, 1) / 1000;
    const cpu = process.cpuUsage();
    const cpuMs = prev ? (cpu.user - prev.cpu.user + cpu.system - prev.cpu.system) / 1000 : (cpu.user + cpu.system) / 1000;
    const cpuSpanMs = prev ? now - prev.at : process.uptime() * 1000;
    const firstMeter = this.meter === undefined;
    this.meter ??= new LoadMeter(99, 10);
    const eventLoopDelayMs = firstMeter ? 0 : this.meter.read();
    const procs = new Map<ProcRecord, { received: number; turnMs: number }>();
    const active: TopProcess[] = [];
    const idle: TopProcess[] = [];
    let processes = 0;
    for (const rec of records) {
      if (rec.inbox !== null || rec.status >= ENDING) continue;
      processes++;
      procs.set(rec, { received: rec.received, turnMs: rec.turnMs });
      const before = prev?.procs.get(rec);
      // A process new since the previous sample counts from that sample (its messages arrived in the interval).
      const started = this.startedAt + rec.startedAt;
      const procSeconds = before || prev ? seconds : Math.max(now - Math.max(started, since), 1000) / 1000;
      const p: TopProcess = {
        name: rec.name,
        module: rec.moduleName,
        version: rec.module ? String(rec.module.version) : null,
        worker: id,
        msgsInPerSec: round((rec.received - (before?.received ?? 0)) / procSeconds),
        mailbox: rec.mailboxHead === null ? 0 : mailboxSize(rec),
        turnMsPerSec: round((rec.turnMs - (before?.turnMs ?? 0)) / procSeconds),
        ageMs: Math.max(0, now - started),
      };
      if (p.msgsInPerSec > 0 || p.mailbox > 0 || p.turnMsPerSec > 0) active.push(p);
      else if (idle.length < limit) idle.push(p);
    }
    this.prev = { at: now, cpu, delivered: counters.delivered, sent: counters.sent, deadLetters: counters.deadLetters, procs };
    const mem = process.memoryUsage();
    return {
      at: now,
      id,
      cpuPercent: round(cpuSpanMs > 0 ? (cpuMs / cpuSpanMs) * 100 : 0),
      rssBytes: mem.rss,
      heapUsedBytes: mem.heapUsed,
      eventLoopDelayMs,
      processes,
      backlog: counters.backlog,
      msgsInPerSec: round((counters.delivered - (prev?.delivered ?? 0)) / seconds),
      msgsOutPerSec: round((counters.sent - (prev?.sent ?? 0)) / seconds),
      deadLettersPerSec: round((counters.deadLetters - (prev?.deadLetters ?? 0)) / seconds),
      top: busiest(active, idle, limit),
    };
  }

  /** Stops the event-loop histogram. */
  stop(): void {
    this.meter?.stop();
  }
}

/** Orders processes busiest first: by messages/s, then mailbox, then turn time, then name. */
export function byBusiest(a: TopProcess, b: TopProcess): number {
  return b.msgsInPerSec - a.msgsInPerSec || b.mailbox - a.mailbox || b.turnMsPerSec - a.turnMsPerSec || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
}

/** The first `limit` active processes by each order, together (busiest first), filled up with idle ones to `limit`. */
function busiest(active: TopProcess[], idle: TopProcess[], limit: number): TopProcess[] {
  let chosen: TopProcess[];
  if (active.length <= limit) chosen = active;
  else {
    const set = new Set<TopProcess>(active.sort(byBusiest).slice(0, limit));
    for (const p of [...active].sort((a, b) => b.mailbox - a.mailbox).slice(0, limit)) set.add(p);
    for (const p of [...active].sort((a, b) => b.turnMsPerSec - a.turnMsPerSec).slice(0, limit)) set.add(p);
    chosen = [...set];
  }
  if (chosen.length < limit) chosen = chosen.concat(idle.slice(0, limit - chosen.length));
  return chosen.sort(byBusiest);
}

function round(n: number): number {
  return Math.round(n * 100) / 100;
}
