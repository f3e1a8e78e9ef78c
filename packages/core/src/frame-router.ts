/**
 * Frames and cluster events in: each is decoded, checked, and each envelope (or event) handed to the handler
 * registered for its kind. What cannot be read is counted (`badFrames`) and logged at most once a second; it
 * never throws at the transport.
 */
import type { Clock } from './clock';
import type { EnvelopeHandler, EventHandler, WorkerCounters } from './kernel-port';
import type { Logger } from './logger';
import { decodeEvent, decodeFrame, isOlderFrame } from './wire';

/** Routes one worker's incoming frames and cluster events by kind. */
export class FrameRouter {
  private readonly envelopeHandlers: (EnvelopeHandler | undefined)[] = [];
  private readonly eventHandlers = new Map<string, EventHandler>();
  private lastBadFrameLog = 0;
  /**
   * Set while a process of this worker moved away or is expected here (relocation.ts): sees every envelope
   * first and returns true when it took it (forwarded or parked), so no handler runs for it.
   */
  intercept: ((envelope: unknown[]) => boolean) | null = null;

  constructor(
    private readonly worker: string,
    private readonly counters: WorkerCounters,
    private readonly clock: Clock,
    private readonly logger: Logger,
  ) {}

  /** Routes envelopes of `kind` to `handler` (one handler per kind; a later one replaces it). */
  onEnvelope(kind: number, handler: EnvelopeHandler): void {
    this.envelopeHandlers[kind] = handler;
  }

  /** Routes cluster events of `kind` to `handler` (one handler per kind; a later one replaces it). */
  onEvent(kind: string, handler: EventHandler): void {
    this.eventHandlers.set(kind, handler);
  }

  /** Handles one frame: a header, then envelopes. An envelope that fails is counted; the others still run. */
  receiveFrame(frame: Uint8Array): void {
    let items: unknown[];
    try {
      items = decodeFrame(frame);
    } catch (err) {
      if (isOlderFrame(frame)) {
        this.badFrame(frame, new Error('a frame of an older hypernode version'), 'Upgrade every worker of the cluster to the same hypernode version.');
      } else {
        this.badFrame(frame, err);
      }
      return;
    }
    for (let i = 1; i < items.length; i++) {
      try {
        const env = items[i] as unknown[];
        if (this.intercept === null || !this.intercept(env)) this.dispatch(env);
      } catch (err) {
        this.badFrame(frame, err);
      }
    }
  }

  /** Hands one envelope to the handler of its kind; throws for an unknown kind. */
  dispatch(env: unknown[]): void {
    const kind = env[0];
    const handler = typeof kind === 'number' ? this.envelopeHandlers[kind] : undefined;
    if (handler === undefined) throw new Error(`unknown envelope kind ${String(kind)}`);
    handler(env);
  }

  /** Handles one published cluster event; events of kinds nobody handles are ignored. */
  receiveEvent(frame: Uint8Array): void {
    let ev: unknown[];
    try {
      ev = decodeEvent(frame);
    } catch (err) {
      this.badFrame(frame, err);
      return;
    }
    this.eventHandlers.get(ev[0] as string)?.(ev);
  }

  private badFrame(frame: Uint8Array, err: unknown, hint = "Another program may be publishing to this cluster's queues."): void {
    this.counters.badFrames++;
    const now = this.clock.now();
    if (now - this.lastBadFrameLog > 1000) {
      this.lastBadFrameLog = now;
      this.logger.warn(
        `worker '${this.worker}' dropped an unreadable frame of ${frame.byteLength} bytes (${(err as Error).message}); ${this.counters.badFrames} so far. ${hint}`,
      );
    }
  }
}
