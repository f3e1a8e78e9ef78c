import type { Clock, Logger } from '@hypernode/core';
import { LOST_RECORD_TTL_MS, recordLostWorkers, type LostWorker, type Registry } from '@hypernode/core/runtime';

/** How often a worker reads the registry's lost-worker record besides after outages (design 029). */
export const RECONCILE_MS = 15_000;

/**
 * The losses a daemon declared, kept until they are in the registry's lost-worker record (design 029): a node
 * daemon records each worker it saw die, the cluster daemon each worker whose heartbeat stopped unannounced.
 * {@link LostWorkerLog.sync} (run after every heartbeat) writes the ones the record lacks, so a loss declared
 * while Redis was down, or wiped by a FLUSHALL, is written again once Redis is back, until
 * `LOST_RECORD_TTL_MS` after the loss.
 *
 * It does not publish the `worker-lost` event (the daemon does, at once), and it never throws.
 */
export class LostWorkerLog {
  private readonly entries = new Map<string, LostWorker>();
  private syncing: Promise<void> | null = null;
  private warned = false;

  constructor(
    private readonly registry: Pick<Registry, 'getValue' | 'setValue'>,
    private readonly clock: Clock,
    private readonly logger: Logger,
    /** Names the daemon in log lines. */
    private readonly who: string,
  ) {}

  /** Keeps `worker` as lost (a second call for it changes nothing) and writes it to the registry soon. */
  record(worker: string, why: string): void {
    if (!this.entries.has(worker)) this.entries.set(worker, { id: worker, why, at: this.clock.now() });
    void this.sync();
  }

  /** Losses kept and not yet expired. */
  get size(): number {
    return this.entries.size;
  }

  /** Writes the kept losses the record lacks; drops those past the TTL. One write at a time; never rejects. */
  sync(): Promise<void> {
    this.syncing ??= this.syncNow().finally(() => (this.syncing = null));
    return this.syncing;
  }

  private async syncNow(): Promise<void> {
    const now = this.clock.now();
    for (const [id, e] of this.entries) if (now - e.at >= LOST_RECORD_TTL_MS) this.entries.delete(id);
    if (this.entries.size === 0) return;
    try {
      const complete = await recordLostWorkers(this.registry, [...this.entries.values()], now);
      if (!complete) throw new Error('other writers kept overwriting it');
      if (this.warned) this.logger.info(`${this.who} recorded its lost workers in the registry again`);
      this.warned = false;
    } catch (err) {
      if (!this.warned) {
        this.logger.warn(`${this.who} could not record lost workers (${[...this.entries.keys()].map((id) => `'${id}'`).join(', ')}) in the registry: ${(err as Error).message}; it retries every heartbeat`);
      }
      this.warned = true;
    }
  }
}
