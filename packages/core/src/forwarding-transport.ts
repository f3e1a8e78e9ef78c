/**
 * The base of the {@link Transport} decorators (authenticated frames, exactly-once delivery, the fault-test
 * transport): every method hands the call to `inner` as it is, so a decorator overrides only what it changes.
 * `flow` is not forwarded: a decorator that bounds what it holds (`reliableDelivery`) gives its own.
 */
import type { FrameHandler, ListenOptions, RequestHandler, Subscription, Transport, TransportStats } from './transport';

/** A transport that forwards every call to the one it wraps. */
export class ForwardingTransport implements Transport {
  constructor(protected readonly inner: Transport) {}

  send(inbox: string, frame: Uint8Array): void {
    this.inner.send(inbox, frame);
  }

  listen(inbox: string, handler: FrameHandler, options?: ListenOptions): Promise<Subscription> {
    return this.inner.listen(inbox, handler, options);
  }

  publish(frame: Uint8Array): void {
    this.inner.publish(frame);
  }

  subscribe(handler: (frame: Uint8Array) => void): Promise<Subscription> {
    return this.inner.subscribe(handler);
  }

  serve(service: string, handler: RequestHandler): Promise<Subscription> {
    return this.inner.serve(service, handler);
  }

  request(service: string, body: Uint8Array, timeoutMs: number): Promise<Uint8Array> {
    return this.inner.request(service, body, timeoutMs);
  }

  on(event: 'down' | 'up', listener: (cause?: Error) => void): void {
    this.inner.on(event, listener);
  }

  off(event: 'down' | 'up', listener: (cause?: Error) => void): void {
    this.inner.off(event, listener);
  }

  stats(): TransportStats {
    return this.inner.stats();
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}
