/**
 * A worker's reconciliation after outages (design 029): the `worker-lost` event is published once, and a worker
 * whose event queue was gone at that moment (RabbitMQ down or restarting) never hears it. So every worker also
 * reads the registry's lost-worker record (lost-workers.ts) and applies each loss it has not applied yet:
 * - when its transport comes back (`'up'` after `'down'`),
 * - when the cluster announces the registry restored,
 * - every `everyMs` (a slow safety net; off when not given),
 * - and on {@link Reconciler.reconcile}.
 *
 * Applying goes through the worker's own path (`workerLost`, idempotent per worker), so a loss heard both as an
 * event and from the record is applied once. A record naming this very worker calls `onLostSelf` (fencing,
 * design 017): the rest of the cluster has acted on it. A failed registry read changes nothing and is retried at
 * the next trigger. It never infers a loss from membership: only a daemon's record declares one.
 */
import type { Clock, TimerHandle } from './clock';
import type { Logger } from './logger';
import { readLostWorkers } from './lost-workers';
import type { Registry } from './registry';
import type { Transport } from './transport';
import type { EventHandler } from './kernel-port';
import { EV_REGISTRY_RESTORED } from './wire';

/** What the reconciler needs of its worker. */
export interface ReconcilePort {
  readonly id: string;
  /** Applies the loss of `worker` here and says whether it was new; a second call for the same worker does nothing. */
  workerLost(worker: string, why: string): boolean;
  onEvent(kind: string, handler: EventHandler): void;
}

/** What {@link Reconciler} works with. */
export interface ReconcilerSetup {
  port: ReconcilePort;
  transport: Pick<Transport, 'on' | 'off'>;
  registry: Pick<Registry, 'getValue'>;
  clock: Clock;
  logger: Logger;
  /** Called (once) when the record names this worker. */
  onLostSelf?: ((why: string) => void) | undefined;
  /** Reconcile this often besides the triggers; off when undefined. */
  everyMs?: number | undefined;
}

/** Counters of a worker's reconciliation, for `stats` and tests. */
export interface ReconcileStats {
  /** Reads of the record that completed. */
  runs: number;
  /** Losses applied from the record that no event had brought (each worker counted once). */
  applied: number;
  /** Reads that failed (the registry was unreachable). */
  failed: number;
}

/** Reads the lost-worker record at the triggers above and applies the losses it holds. */
export class Reconciler {
  private readonly known = new Set<string>();
  private wasDown = false;
  private timer: TimerHandle | null = null;
  private closed = false;
  private running: Promise<number> | null = null;
  private again = false;
  private selfLost = false;
  readonly stats: ReconcileStats = { runs: 0, applied: 0, failed: 0 };
  private readonly onDown = () => {
    this.wasDown = true;
  };
  private readonly onUp = () => {
    if (!this.wasDown) return;
    this.wasDown = false;
    void this.reconcile();
  };

  constructor(private readonly setup: ReconcilerSetup) {
    setup.port.onEvent(EV_REGISTRY_RESTORED, () => void this.reconcile());
  }

  /** Starts listening to the transport's state and the periodic timer. Idempotent. */
  start(): void {
    if (this.closed || this.timer !== null) return;
    this.setup.transport.on('down', this.onDown);
    this.setup.transport.on('up', this.onUp);
    this.schedule();
  }

  /** Stops the timer and the transport listeners; a read already running finishes. Idempotent. */
  close(): void {
    this.closed = true;
    if (this.timer !== null) this.setup.clock.clearTimeout(this.timer);
    this.timer = null;
    this.setup.transport.off('down', this.onDown);
    this.setup.transport.off('up', this.onUp);
  }

  /**
   * Reads the record once and applies every loss not applied yet; resolves with how many it applied (0 when the
   * read failed). Calls made while a read runs share one more read after it.
   */
  reconcile(): Promise<number> {
    if (this.running) {
      this.again = true;
      return this.running;
    }
    this.running = this.once().finally(() => {
      this.running = null;
      if (this.again && !this.closed) {
        this.again = false;
        void this.reconcile();
      }
    });
    return this.running;
  }

  private async once(): Promise<number> {
    const { port, registry, logger } = this.setup;
    let lost;
    try {
      lost = await readLostWorkers(registry);
    } catch {
      this.stats.failed++;
      return 0;
    }
    this.stats.runs++;
    let applied = 0;
    for (const entry of lost) {
      if (this.closed) break;
      if (entry.id === port.id) {
        if (!this.selfLost) {
          this.selfLost = true;
          this.setup.onLostSelf?.(entry.why);
        }
        continue;
      }
      if (this.known.has(entry.id)) continue;
      this.known.add(entry.id);
      // Applied already when the event came through (or a daemon applied it directly): nothing to do.
      if (!port.workerLost(entry.id, entry.why)) continue;
      applied++;
      logger.warn(`worker '${port.id}' reconciled a loss it had not heard of: worker '${entry.id}' was lost (${entry.why}); the parents of its processes here were told and their orphans here ended`);
    }
    this.stats.applied += applied;
    return applied;
  }

  private schedule(): void {
    const every = this.setup.everyMs;
    if (every === undefined || this.closed) return;
    this.timer = this.setup.clock.setTimeout(() => {
      this.schedule();
      void this.reconcile();
    }, every);
  }
}
