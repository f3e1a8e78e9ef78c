/**
 * A {@link Transport} decorator for fault tests: frames sent to inboxes pass, are dropped, duplicated or held
 * back (and released later, so they arrive out of order) as the test decides, and the test can take the
 * connection "down" (every frame sent meanwhile is lost, as in a broker restart) and bring it back "up".
 * Everything else passes through to the wrapped transport.
 */
import { ForwardingTransport } from '../forwarding-transport';
import type { Transport } from '../transport';

/** What happens to one frame sent: `pass`, `drop`, `duplicate` (sent twice), `hold` (kept until `release`). */
export type FaultAction = 'pass' | 'drop' | 'duplicate' | 'hold';

/** A transport whose sends fail on demand (see the file's header). */
export class FaultyTransport extends ForwardingTransport {
  /** Decides each frame's fate; `n` counts the frames sent through this transport (from 1). Default: pass. */
  policy: ((inbox: string, frame: Uint8Array, n: number) => FaultAction) | undefined;
  /** Frames dropped, duplicated and held so far (an outage's drops included). */
  readonly faults = { dropped: 0, duplicated: 0, held: 0 };
  private n = 0;
  private held: { inbox: string; frame: Uint8Array }[] = [];
  private isDown = false;
  private readonly listeners = { down: new Set<(cause?: Error) => void>(), up: new Set<(cause?: Error) => void>() };

  constructor(override readonly inner: Transport) {
    super(inner);
  }

  override send(inbox: string, frame: Uint8Array): void {
    if (this.isDown) return void this.faults.dropped++;
    const action = this.policy?.(inbox, frame, ++this.n) ?? 'pass';
    if (action === 'drop') return void this.faults.dropped++;
    if (action === 'hold') {
      this.faults.held++;
      this.held.push({ inbox, frame: frame.slice() });
      return;
    }
    this.inner.send(inbox, frame);
    if (action === 'duplicate') {
      this.faults.duplicated++;
      this.inner.send(inbox, frame);
    }
  }

  /** Sends the held frames now, newest first when `reversed`. */
  release(reversed = false): void {
    const held = this.held;
    this.held = [];
    if (reversed) held.reverse();
    for (const h of held) this.inner.send(h.inbox, h.frame);
  }

  /** The connection drops: `'down'` is emitted and every frame sent until {@link up} is lost. */
  down(): void {
    if (this.isDown) return;
    this.isDown = true;
    const err = new Error('the test took the connection down');
    for (const l of [...this.listeners.down]) l(err);
  }

  /** The connection is back: `'up'` is emitted. */
  up(): void {
    if (!this.isDown) return;
    this.isDown = false;
    for (const l of [...this.listeners.up]) l();
  }

  override on(event: 'down' | 'up', listener: (cause?: Error) => void): void {
    this.listeners[event].add(listener);
    this.inner.on(event, listener);
  }

  override off(event: 'down' | 'up', listener: (cause?: Error) => void): void {
    this.listeners[event].delete(listener);
    this.inner.off(event, listener);
  }
}
