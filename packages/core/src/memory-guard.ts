/**
 * A worker's memory guard (design 030): a check every `intervalMs` of the worker's V8 heap against its limit
 * (`heap_size_limit`). At `warnRatio` (default 70%) it logs once, naming the largest mailboxes; at `shedRatio`
 * (default 90%) it makes the largest mailboxes refuse new user messages (dead letters `heap-full`, calls fail with
 * `MAILBOX_FULL`) rather than let the worker die of an out-of-memory error, which would lose every process of it.
 * Back under `warnRatio` it stops refusing and logs once that the heap recovered. Time is the worker's clock; the
 * heap reading is injectable, so tests drive both by hand.
 */
import { getHeapStatistics } from 'node:v8';
import type { Clock, TimerHandle } from './clock';
import { describeArg } from './describe-arg';

const shown = (value: unknown): string => (typeof value === 'number' ? String(value) : describeArg(value));
import { HypernodeError } from './errors';
import type { Logger } from './logger';
import type { MailboxBounds } from './mailbox-bound';
import { ENDING, extrasOf, type ProcRecord } from './process-record';

/** The heap of a worker as the guard reads it, in bytes. */
export interface HeapReading {
  used: number;
  limit: number;
}

/** How a worker's memory guard behaves (`WorkerOptions.memoryGuard`). */
export interface MemoryGuardOptions {
  /** Heap used over its limit at which the guard warns (default 0.7). */
  warnRatio?: number;
  /** Heap used over its limit at which the largest mailboxes refuse messages (default 0.9); `null`: never refuse. */
  shedRatio?: number | null;
  /** How many of the largest mailboxes refuse messages at `shedRatio` (default 3). */
  shedCount?: number;
  /** Milliseconds between two checks (default 1000). */
  intervalMs?: number;
  /** Reads the heap (default: `v8.getHeapStatistics()`'s `used_heap_size` and `heap_size_limit`). */
  heap?: () => HeapReading;
}

/** `ok` under the warning ratio; `warn` at or over it; `shed` while the largest mailboxes refuse messages. */
export type MemoryLevel = 'ok' | 'warn' | 'shed';

/** One of the largest mailboxes of a worker. */
export interface LargeMailbox {
  name: string;
  module: string;
  /** Messages waiting. */
  size: number;
}

/** What the guard last saw (`WorkerStats.memory`). */
export interface MemoryStatus {
  heapUsed: number;
  heapLimit: number;
  /** `heapUsed / heapLimit`. */
  ratio: number;
  level: MemoryLevel;
  /** The processes whose mailboxes refuse messages now (level `shed`). */
  shedding: string[];
}

/** What the guard needs of its worker. */
export interface GuardPort {
  readonly id: string;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly bounds: MailboxBounds;
  /** Every process of the worker (inboxes included: they are skipped). */
  records(): Iterable<ProcRecord>;
}

/** Reads V8's heap statistics. */
export function v8Heap(): HeapReading {
  const h = getHeapStatistics();
  return { used: h.used_heap_size, limit: h.heap_size_limit };
}

/** The `n` largest non-empty mailboxes among `records`, largest first. */
export function largestMailboxes(records: Iterable<ProcRecord>, n: number): LargeMailbox[] {
  return largestRecords(records, n).map((rec) => ({ name: rec.name, module: rec.moduleName, size: rec.mailboxCount }));
}

function largestRecords(records: Iterable<ProcRecord>, n: number): ProcRecord[] {
  const top: ProcRecord[] = [];
  for (const rec of records) {
    if (rec.inbox !== null || rec.mailboxCount === 0 || rec.status >= ENDING) continue;
    if (top.length === n && top[n - 1]!.mailboxCount >= rec.mailboxCount) continue;
    let i = top.length < n ? top.length : n - 1;
    while (i > 0 && top[i - 1]!.mailboxCount < rec.mailboxCount) {
      if (i < n) top[i] = top[i - 1]!;
      i--;
    }
    top[i] = rec;
  }
  return top;
}

function ratioOption(value: unknown, what: string, worker: string): number {
  if (typeof value !== 'number' || !(value > 0 && value <= 1)) {
    throw new HypernodeError('INVALID_OPTIONS', `The memory guard's ${what} of worker '${worker}' is ${shown(value)}; give a fraction of the heap limit above 0 and at most 1, such as 0.7.`);
  }
  return value;
}

function mib(bytes: number): string {
  return `${Math.round(bytes / 1048576)} MiB`;
}

/** A worker's memory guard: see the file's comment. */
export class MemoryGuard {
  private readonly warnRatio: number;
  private readonly shedRatio: number | null;
  private readonly shedCount: number;
  private readonly intervalMs: number;
  private readonly heap: () => HeapReading;
  private level: MemoryLevel = 'ok';
  private last: HeapReading = { used: 0, limit: 1 };
  private readonly shed = new Set<ProcRecord>();
  private timer: TimerHandle | undefined;

  constructor(
    private readonly port: GuardPort,
    options: MemoryGuardOptions = {},
  ) {
    this.warnRatio = ratioOption(options.warnRatio ?? 0.7, 'warnRatio', port.id);
    this.shedRatio = options.shedRatio === null ? null : ratioOption(options.shedRatio ?? 0.9, 'shedRatio', port.id);
    if (this.shedRatio !== null && this.shedRatio < this.warnRatio) {
      throw new HypernodeError('INVALID_OPTIONS', `The memory guard's shedRatio (${this.shedRatio}) of worker '${port.id}' is under its warnRatio (${this.warnRatio}); give a shedRatio at or above the warnRatio, or null to never refuse messages.`);
    }
    const count = options.shedCount ?? 3;
    if (!Number.isInteger(count) || count < 1) {
      throw new HypernodeError('INVALID_OPTIONS', `The memory guard's shedCount of worker '${port.id}' is ${shown(count)}; give a whole number of processes, at least 1.`);
    }
    this.shedCount = count;
    const every = options.intervalMs ?? 1000;
    if (typeof every !== 'number' || !Number.isFinite(every) || every < 10) {
      throw new HypernodeError('INVALID_OPTIONS', `The memory guard's intervalMs of worker '${port.id}' is ${shown(every)}; give milliseconds, at least 10.`);
    }
    this.intervalMs = every;
    this.heap = options.heap ?? v8Heap;
  }

  /** Checks every `intervalMs` on the worker's clock until {@link MemoryGuard.stop}; the timer does not keep Node alive. */
  start(): void {
    if (this.timer !== undefined) return;
    const tick = (): void => {
      this.check();
      this.timer = this.port.clock.setTimeout(tick, this.intervalMs);
      (this.timer as { unref?: () => void }).unref?.();
    };
    this.timer = this.port.clock.setTimeout(tick, this.intervalMs);
    (this.timer as { unref?: () => void }).unref?.();
  }

  stop(): void {
    if (this.timer !== undefined) this.port.clock.clearTimeout(this.timer);
    this.timer = undefined;
  }

  /** Reads the heap and acts on it (see the file's comment); returns what it saw. */
  check(): MemoryStatus {
    this.port.bounds.sweep();
    const h = (this.last = this.heap());
    const ratio = h.used / h.limit;
    if (this.shedRatio !== null && ratio >= this.shedRatio) this.startShedding(ratio);
    else if (ratio >= this.warnRatio) {
      if (this.level === 'ok') {
        this.level = 'warn';
        const top = largestMailboxes(this.port.records(), 5);
        this.port.logger.warn(
          `Worker '${this.port.id}' uses ${Math.round(ratio * 100)}% of its heap limit (${mib(h.used)} of ${mib(h.limit)}); ${top.length === 0 ? 'no mailbox holds messages, so its processes\' state is what grows' : `its largest mailboxes: ${top.map((m) => `'${m.name}' (${m.module}) ${m.size}`).join(', ')}`}; at ${Math.round((this.shedRatio ?? 1) * 100)}% the largest refuse messages. Find what grows with 'hypernode-cli ps', or give the worker more heap (--max-old-space-size).`,
        );
      }
    } else if (this.level !== 'ok') this.recover(ratio);
    return this.status();
  }

  /** What the guard last saw: the heap as of its last check while it checks on its timer, else read now. */
  status(): MemoryStatus {
    if (this.timer === undefined || this.last.used === 0) this.last = this.heap();
    return {
      heapUsed: this.last.used,
      heapLimit: this.last.limit,
      ratio: this.last.used / this.last.limit,
      level: this.level,
      shedding: [...this.shed].filter((rec) => rec.status < ENDING).map((rec) => rec.name),
    };
  }

  private startShedding(ratio: number): void {
    const before = this.shed.size;
    const wasShedding = this.level === 'shed';
    this.level = 'shed';
    for (const rec of largestRecords(this.port.records(), this.shedCount)) {
      if (this.shed.has(rec)) continue;
      this.shed.add(rec);
      extrasOf(rec).mailboxShed = true;
      this.port.bounds.recheck(rec);
    }
    if (!wasShedding || this.shed.size > before) {
      this.port.logger.error(
        `Worker '${this.port.id}' uses ${Math.round(ratio * 100)}% of its heap limit (${mib(this.last.used)} of ${mib(this.last.limit)}): new messages to ${this.shed.size === 0 ? 'no process (no mailbox holds messages)' : [...this.shed].map((r) => `'${r.name}' (${r.moduleName}, ${r.mailboxCount} waiting)`).join(', ')} are refused (dead letters 'heap-full') until it is back under ${Math.round(this.warnRatio * 100)}%; slow their senders down or give the worker more heap.`,
      );
    }
  }

  private recover(ratio: number): void {
    const refused = this.shed.size;
    for (const rec of this.shed) {
      if (rec.extras) rec.extras.mailboxShed = false;
      if (rec.status < ENDING) this.port.bounds.recheck(rec);
    }
    this.shed.clear();
    this.level = 'ok';
    this.port.logger.info(`Worker '${this.port.id}' is back under ${Math.round(this.warnRatio * 100)}% of its heap limit (${Math.round(ratio * 100)}%)${refused > 0 ? `; the ${refused} mailboxes that refused messages take them again` : ''}.`);
  }
}
