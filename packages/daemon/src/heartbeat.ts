import { systemClock, type Clock, type Logger, type TimerHandle } from '@hypernode/core';
import type { MemberInfo, Registry } from '@hypernode/core/runtime';

/** How often members heartbeat and placers re-read loads. */
export const HEARTBEAT_MS = 1000;
/** A member that misses this long of heartbeats is gone from the registry. */
export const MEMBER_TTL_MS = 5000;

/** Options of {@link Heartbeat}. */
export interface HeartbeatOptions {
  registry: Pick<Registry, 'putMember'>;
  /** The record to write, read again before every beat (so it carries the current load, workers, draining...). */
  member: () => MemberInfo;
  /** Names the daemon in log lines: `${who} could not heartbeat: ...`, `${who} heartbeats again`. */
  who: string;
  logger: Logger;
  /** Default `systemClock`. */
  clock?: Clock;
  /** Time between beats. Default {@link HEARTBEAT_MS}. */
  intervalMs?: number;
  /** How long the registry keeps the record without a new beat. Default {@link MEMBER_TTL_MS}. */
  ttlMs?: number;
  /** Other periodic work of the daemon, run after each timed beat in the same tick (never two ticks at once). */
  afterBeat?: () => Promise<void>;
}

/**
 * A daemon's heartbeat: writes its member record with a TTL every `intervalMs` once started, then runs
 * `afterBeat`. A tick that is still running when the next falls due makes that one skip (as `setInterval`
 * with a busy flag would). When the registry cannot be reached it logs one warning per outage, and one info
 * line when a beat succeeds again; it never throws.
 *
 * It does not decide liveness (the registry's TTL does), retry a failed beat before the next tick, or remove
 * the member when stopped (the daemon does that as it leaves).
 */
export class Heartbeat {
  private readonly clock: Clock;
  private readonly intervalMs: number;
  private readonly ttlMs: number;
  private warned = false;
  private running = false;
  private timer: TimerHandle | null = null;

  constructor(private readonly options: HeartbeatOptions) {
    this.clock = options.clock ?? systemClock;
    this.intervalMs = options.intervalMs ?? HEARTBEAT_MS;
    this.ttlMs = options.ttlMs ?? MEMBER_TTL_MS;
  }

  /** Writes the member record once, now. Never rejects: resolves true when the registry took it. */
  async beat(): Promise<boolean> {
    const { logger, who } = this.options;
    try {
      await this.options.registry.putMember(this.options.member(), this.ttlMs);
      if (this.warned) logger.info(`${who} heartbeats again`);
      this.warned = false;
      return true;
    } catch (err) {
      if (!this.warned) logger.warn(`${who} could not heartbeat: ${(err as Error).message}`);
      this.warned = true;
      return false;
    }
  }

  /** Starts the timer: the first timed beat comes one interval from now. Idempotent. */
  start(): void {
    if (this.timer === null) this.schedule();
  }

  /** Stops the timer; a tick already running finishes. Idempotent. */
  stop(): void {
    if (this.timer !== null) this.clock.clearTimeout(this.timer);
    this.timer = null;
  }

  private schedule(): void {
    this.timer = this.clock.setTimeout(() => {
      this.schedule();
      if (this.running) return;
      this.running = true;
      void this.tick().finally(() => {
        this.running = false;
      });
    }, this.intervalMs);
  }

  private async tick(): Promise<void> {
    await this.beat();
    try {
      await this.options.afterBeat?.();
    } catch (err) {
      this.options.logger.warn(`${this.options.who}: a periodic check failed: ${(err as Error)?.message ?? String(err)}`);
    }
  }
}
