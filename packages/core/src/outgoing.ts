/**
 * Frames out: envelopes for other workers wait here during a tick and leave as one frame per destination
 * worker (its header, then the envelopes, each encoded once), at the end of the run loop or in a microtask.
 */
import { outsideProcesses } from './process-scope';
import type { Transport } from './transport';
import { encodeEvent, encodeFrame, frameHeader } from './wire';

/** The envelopes one worker has yet to send. */
export class Outgoing {
  private readonly out = new Map<string, Uint8Array[]>();
  private queued = false;
  private readonly header: Uint8Array;
  /** Set while the run loop runs (it sends at its end): {@link Outgoing.soon} then waits for it. */
  held = false;
  /** Set once the worker closes: nothing leaves any more. */
  closed = false;

  constructor(
    private readonly transport: Transport,
    worker: string,
  ) {
    this.header = frameHeader(worker);
  }

  /** Queues an encoded envelope for `worker`. */
  push(worker: string, envelope: Uint8Array): void {
    const list = this.out.get(worker);
    if (list === undefined) this.out.set(worker, [envelope]);
    else list.push(envelope);
    this.soon();
  }

  /** Sends what is queued in a microtask, unless the run loop will. */
  soon(): void {
    if (this.queued || this.held || this.out.size === 0) return;
    this.queued = true;
    queueMicrotask(this.flush);
  }

  /** Sends what is queued now, outside any process's scope (what the transport starts is not a process's). */
  readonly flush = outsideProcesses((): void => {
    this.queued = false;
    if (this.out.size === 0 || this.closed) return;
    try {
      for (const [worker, envelopes] of this.out) this.transport.send(worker, encodeFrame(this.header, envelopes));
    } finally {
      this.out.clear();
    }
  });

  /** Publishes a cluster event to every worker (not held for the end of the tick). */
  publish(event: unknown[]): void {
    this.transport.publish(encodeEvent(event));
  }
}
