/**
 * A worker's side of exactly-once delivery (design 028): the worker's transport wrapped with `reliableDelivery`
 * (its own id is the inbox acknowledgements come back to), and what the worker does when a destination worker is
 * lost: its window is dropped and every envelope held for it, or sent to it later, counts as a dead letter
 * (reason `worker-lost`), so nothing is kept forever and nothing is lost silently.
 */
import type { EndHooks } from './kernel-port';
import type { LiveLog } from './live-stats';
import { asLogger } from './logger';
import { reliableDelivery, type ReliableTransport } from './reliable-delivery';
import type { Transport } from './transport';
import type { WorkerOptions } from './worker-options';
import { decodeFrame, E_MSG, E_SPAWN } from './wire';

/** The delivery layer of one worker; an end hook, so a lost worker's window is given up with the rest. */
export class WorkerDelivery implements EndHooks {
  /** The worker's transport, with delivery. */
  readonly transport: ReliableTransport;
  private live: LiveLog | undefined;

  constructor(
    private readonly worker: string,
    inner: Transport,
    options: Pick<WorkerOptions, 'clock' | 'logger' | 'delivery' | 'registry'>,
  ) {
    const { registry } = options;
    const window = options.delivery === false ? undefined : options.delivery;
    this.transport = reliableDelivery(inner, {
      self: worker,
      clock: options.clock,
      logger: asLogger(options.logger),
      windowFrames: window?.windowFrames,
      windowBytes: window?.windowBytes,
      gaveUp: (inbox, frames) => this.deadLetters(inbox, frames),
      // A silent destination that is a member is a live (or stalled) worker: its loss comes by the worker-lost path.
      orphaned: registry ? async (inbox) => !(await registry.listMembers()).some((m) => m.id === inbox) : undefined,
    });
  }

  /** Where the given-up envelopes are counted (the worker's live log, made after the transport). */
  attach(live: LiveLog): void {
    this.live = live;
  }

  workerLost(worker: string): void {
    this.transport.peerLost(worker);
  }

  /** Counts each envelope of `frames` (for worker `inbox`) as a dead letter `worker-lost`. */
  private deadLetters(inbox: string, frames: Uint8Array[]): void {
    const live = this.live;
    if (live === undefined) return;
    let other = 0;
    for (const frame of frames) {
      let items: unknown[];
      try {
        items = decodeFrame(frame);
      } catch {
        other++;
        continue;
      }
      for (let i = 1; i < items.length; i++) {
        const env = items[i] as unknown[];
        if (env[0] === E_MSG) live.deadLetter(String(env[2]), String(env[1]), 'worker-lost');
        else if (env[0] === E_SPAWN) live.deadLetter(String(env[3] ?? this.worker), String(env[1]), 'worker-lost');
        else other++;
      }
    }
    // Notices (exits, monitors, links, replies) for that worker: counted too, under this worker's name.
    if (other > 0) live.deadLetter(this.worker, inbox, 'worker-lost', other);
  }
}

/** The transport a worker made with `options` runs over: its own with delivery, unless `delivery: false`. */
export function workerDelivery(options: WorkerOptions): WorkerDelivery | undefined {
  return options.delivery === false ? undefined : new WorkerDelivery(options.id, options.transport, options);
}
