import { systemClock, type Clock } from './clock';
import { HypernodeError } from './errors';
import type { FrameHandler, ListenOptions, RequestHandler, Subscription, Transport, TransportStats } from './transport';

type Listener = (cause?: Error) => void;

/** Frames handed over per macrotask turn before the pump yields to timers and I/O. */
const BUDGET = 8192;

const SLAB = 1 << 16;
const SMALL = 1 << 12;
let slab = new ArrayBuffer(SLAB);
let slabUsed = 0;

/**
 * A private copy of `frame`. Small frames are carved out of a shared 64 KiB slab (10x faster than one
 * allocation each), so a receiver must read a frame through its view, not through `frame.buffer`.
 */
function copyFrame(frame: Uint8Array): Uint8Array {
  const n = frame.length;
  if (n > SMALL) return frame.slice();
  if (slabUsed + n > SLAB) {
    slab = new ArrayBuffer(SLAB);
    slabUsed = 0;
  }
  const copy = new Uint8Array(slab, slabUsed, n);
  copy.set(frame);
  slabUsed += (n + 7) & ~7;
  return copy;
}

/** A queue of frames with one consumer: an inbox (`prefetch` from `listen`) or a subscriber (unbounded). */
class Box {
  q: Uint8Array[] = [];
  head = 0;
  inFlight = 0;
  scheduled = false;
  closed = false;
  readonly settle = (): void => {
    this.inFlight--;
    if (!this.scheduled && this.head < this.q.length) this.net.schedule(this);
  };
  constructor(
    readonly net: MemoryNetwork,
    readonly owner: MemoryTransport,
    readonly handler: FrameHandler,
    readonly prefetch: number,
  ) {}
}

/**
 * An in-process broker shared by the simulated workers of one embedded cluster. Each {@link connect}
 * returns a {@link Transport} that keeps every promise of that interface: asynchronous delivery,
 * per-(sender, inbox) FIFO, one listener per inbox, push-back up to `prefetch`, frames copied on send.
 *
 * Fault injection for tests: {@link disconnect}, {@link reconnect} and {@link inject}.
 *
 * What it does not do: cross process boundaries, or keep frames queued for an inbox after its listener
 * closes (they are dropped and counted). Like a broker's exclusive queues, a subscriber that is down
 * misses the events published meanwhile; frames for a down listener wait for it. A handed-over frame of up
 * to 4 KiB is a view into a shared 64 KiB slab: read it through the view (not `frame.buffer`), and copy it
 * to keep it for long.
 */
export class MemoryNetwork {
  /** The cluster name, used in error messages. */
  readonly cluster: string;
  /** @internal */ readonly clock: Clock;
  /** @internal */ readonly maxBuffered: number;
  /** @internal */ readonly maxFrameBytes: number;
  /** @internal */ readonly inboxes = new Map<string, Box>();
  /** @internal */ readonly subscribers = new Set<Box>();
  /** @internal */ readonly services = new Map<string, { owner: MemoryTransport; handler: RequestHandler }>();
  private readonly transports = new Set<MemoryTransport>();
  private budget = BUDGET;
  private readonly ready: Box[] = [];
  private immediate = false;

  /**
   * `maxBuffered` bounds the frames a disconnected transport keeps (default 100,000); beyond it they are dropped.
   * `maxFrameBytes` is the largest frame `send` and `publish` pass on (default: no limit); a larger one is
   * dropped and counted, as the AMQP transport does with a frame over the broker's limit.
   */
  constructor(options: { cluster?: string; clock?: Clock; maxBuffered?: number; maxFrameBytes?: number } = {}) {
    this.cluster = options.cluster ?? 'embedded';
    this.clock = options.clock ?? systemClock;
    this.maxBuffered = options.maxBuffered ?? 100_000;
    this.maxFrameBytes = options.maxFrameBytes ?? Infinity;
  }

  /** A new Transport on this network, one per simulated worker or client. */
  connect(): Transport {
    const t = new MemoryTransport(this);
    this.transports.add(t);
    return t;
  }

  /** Takes `transport` (or every transport) down: emits `'down'`, buffers its sends, pauses its inboxes. */
  disconnect(transport?: Transport): void {
    for (const t of this.pick(transport)) t.setUp(false);
  }

  /** Brings `transport` (or every transport) back: emits `'up'`, flushes its buffered frames in order. */
  reconnect(transport?: Transport): void {
    for (const t of this.pick(transport)) t.setUp(true);
  }

  /** Delivers `bytes` (copied) to `inbox` as if sent by an unknown sender; false when nobody listens. */
  inject(inbox: string, bytes: Uint8Array): boolean {
    const box = this.inboxes.get(inbox);
    if (!box) return false;
    this.enqueue(box, copyFrame(bytes));
    return true;
  }

  private pick(transport?: Transport): MemoryTransport[] {
    if (transport === undefined) return [...this.transports];
    if (!(transport instanceof MemoryTransport) || transport.net !== this) {
      throw new HypernodeError('INVALID_ARGUMENT', `The transport given is not connected to memory network '${this.cluster}'; pass one returned by this network's connect().`);
    }
    return [transport];
  }

  /** @internal */ forget(t: MemoryTransport): void {
    this.transports.delete(t);
  }

  /** @internal */ enqueue(box: Box, frame: Uint8Array): void {
    box.q.push(frame);
    if (!box.scheduled && box.inFlight < box.prefetch) this.schedule(box);
  }

  /** @internal */ schedule(box: Box): void {
    box.scheduled = true;
    if (this.budget > 0) {
      queueMicrotask(() => this.pump(box));
    } else {
      this.ready.push(box);
      if (!this.immediate) {
        this.immediate = true;
        setImmediate(this.turn);
      }
    }
  }

  private readonly turn = (): void => {
    this.immediate = false;
    this.budget = BUDGET;
    const boxes = this.ready.splice(0);
    for (const box of boxes) this.pump(box);
  };

  private pump(box: Box): void {
    box.scheduled = false;
    if (box.closed || !box.owner.up) return;
    const q = box.q;
    while (box.inFlight < box.prefetch && box.head < q.length) {
      if (this.budget <= 0) {
        this.schedule(box);
        break;
      }
      this.budget--;
      const frame = q[box.head]!;
      q[box.head++] = undefined as unknown as Uint8Array;
      box.owner.received(frame.length);
      box.inFlight++;
      let result: void | Promise<void>;
      try {
        result = box.handler(frame);
      } catch {
        result = undefined;
      }
      if (result && typeof result.then === 'function') result.then(box.settle, box.settle);
      else box.inFlight--;
    }
    if (box.head === q.length) {
      box.q = [];
      box.head = 0;
    } else if (box.head > 4096 && box.head * 2 > q.length) {
      box.q = q.slice(box.head);
      box.head = 0;
    }
  }
}

type Op = () => void;

/** Numbers the in-memory transports of a process, so that a server's log can tell callers apart. */
let transportSeq = 0;

class MemoryTransport implements Transport {
  up = true;
  /** How a server names this transport's requests: `in-memory transport #3`. */
  readonly caller = `in-memory transport #${++transportSeq}`;
  private closed = false;
  private readonly buffered: Op[] = [];
  private readonly listeners = { down: new Set<Listener>(), up: new Set<Listener>() };
  private readonly boxes = new Set<Box>();
  private readonly closers = new Set<() => void>();
  private readonly pending = new Set<(err: Error) => void>();
  private readonly counters: TransportStats = { framesSent: 0, framesReceived: 0, bytesSent: 0, bytesReceived: 0, dropped: 0 };

  constructor(readonly net: MemoryNetwork) {}

  send(inbox: string, frame: Uint8Array): void {
    if (frame.length > this.net.maxFrameBytes) return void this.counters.dropped++;
    const copy = copyFrame(frame);
    if (this.up) this.deliver(inbox, copy);
    else this.buffer(() => this.deliver(inbox, copy));
  }

  private deliver(inbox: string, frame: Uint8Array): void {
    const box = this.closed ? undefined : this.net.inboxes.get(inbox);
    if (!box) return void this.counters.dropped++;
    this.counters.framesSent++;
    this.counters.bytesSent += frame.length;
    this.net.enqueue(box, frame);
  }

  async listen(inbox: string, handler: FrameHandler, options?: ListenOptions): Promise<Subscription> {
    const prefetch = options?.prefetch ?? 1;
    if (!(prefetch >= 1)) {
      throw new HypernodeError('INVALID_ARGUMENT', `Prefetch ${prefetch} for inbox '${inbox}' is not a positive number; pass 1 or more.`);
    }
    this.assertOpen(`listen on inbox '${inbox}'`);
    const inboxes = this.net.inboxes;
    if (inboxes.has(inbox)) {
      throw new HypernodeError('INVALID_ARGUMENT', `Inbox '${inbox}' of cluster '${this.net.cluster}' already has a listener; close that subscription first, or listen on another inbox.`);
    }
    const box = new Box(this.net, this, handler, prefetch);
    inboxes.set(inbox, box);
    return this.track(box, () => inboxes.get(inbox) === box && inboxes.delete(inbox));
  }

  publish(frame: Uint8Array): void {
    if (frame.length > this.net.maxFrameBytes) return void this.counters.dropped++;
    const copy = copyFrame(frame);
    if (this.up) this.broadcast(copy);
    else this.buffer(() => this.broadcast(copy));
  }

  private broadcast(frame: Uint8Array): void {
    if (this.closed) return void this.counters.dropped++;
    this.counters.framesSent++;
    this.counters.bytesSent += frame.length;
    let first = true;
    for (const box of this.net.subscribers) {
      if (!box.owner.up) continue;
      this.net.enqueue(box, first ? frame : copyFrame(frame));
      first = false;
    }
  }

  async subscribe(handler: (frame: Uint8Array) => void): Promise<Subscription> {
    this.assertOpen('subscribe');
    const box = new Box(this.net, this, handler, Infinity);
    this.net.subscribers.add(box);
    return this.track(box, () => this.net.subscribers.delete(box));
  }

  async serve(service: string, handler: RequestHandler): Promise<Subscription> {
    this.assertOpen(`serve '${service}'`);
    const services = this.net.services;
    if (services.has(service)) {
      throw new HypernodeError('INVALID_ARGUMENT', `Service '${service}' of cluster '${this.net.cluster}' already has a server; close it first, or serve another name.`);
    }
    const entry = { owner: this, handler };
    services.set(service, entry);
    return this.track(undefined, () => services.get(service) === entry && services.delete(service));
  }

  request(service: string, body: Uint8Array, timeoutMs: number): Promise<Uint8Array> {
    if (this.closed) return Promise.reject(this.closedError(`send a request to '${service}'`));
    const copy = copyFrame(body);
    return new Promise<Uint8Array>((resolve, reject) => {
      let done = false;
      const finish = (err: Error | null, reply?: Uint8Array): void => {
        if (done) return;
        done = true;
        this.net.clock.clearTimeout(timer);
        this.pending.delete(finish);
        if (err) reject(err);
        else resolve(reply!);
      };
      const timeout = (why: string) =>
        new HypernodeError('REQUEST_TIMEOUT', `Request to service '${service}' of cluster '${this.net.cluster}' got no reply within ${timeoutMs} ms (${why}); check that a server for '${service}' runs, or raise the timeout.`);
      const timer = this.net.clock.setTimeout(() => finish(timeout('no answer')), timeoutMs);
      this.pending.add(finish);
      const go = (): void => {
        const server = this.net.services.get(service);
        if (!server) return void queueMicrotask(() => finish(timeout('no server')));
        if (!server.owner.up) return;
        const remoteError = (err: unknown) =>
          finish(new HypernodeError('REMOTE_ERROR', `Service '${service}' of cluster '${this.net.cluster}' failed: ${err instanceof Error ? err.message : String(err)}`, { cause: err }));
        Promise.resolve()
          .then(() => server.handler(copy, { from: this.caller }))
          .then((reply) => finish(null, copyFrame(reply)), remoteError);
      };
      if (this.up) go();
      else this.buffer(go);
    });
  }

  on(event: 'down' | 'up', listener: Listener): void {
    this.listeners[event].add(listener);
  }

  off(event: 'down' | 'up', listener: Listener): void {
    this.listeners[event].delete(listener);
  }

  stats(): TransportStats {
    return { ...this.counters };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const close of [...this.closers]) close();
    for (const finish of [...this.pending]) finish(this.closedError('wait for a reply'));
    this.buffered.length = 0;
    this.net.forget(this);
  }

  /** @internal */ received(bytes: number): void {
    this.counters.framesReceived++;
    this.counters.bytesReceived += bytes;
  }

  /** @internal */ setUp(up: boolean): void {
    if (this.closed || this.up === up) return;
    this.up = up;
    const cause = up ? undefined : new HypernodeError('TRANSPORT_DOWN', `Memory network '${this.net.cluster}' disconnected this transport; call network.reconnect() to bring it back.`);
    for (const l of [...this.listeners[up ? 'up' : 'down']]) l(cause);
    if (!up) return;
    for (const op of this.buffered.splice(0)) op();
    for (const box of this.boxes) if (!box.scheduled && box.head < box.q.length) this.net.schedule(box);
  }

  private buffer(op: Op): void {
    if (this.buffered.length >= this.net.maxBuffered) this.counters.dropped++;
    else this.buffered.push(op);
  }

  /** Registers a started listener, subscription or server so that `close()` of either stops it. */
  private track(box: Box | undefined, unregister: () => unknown): Subscription {
    const close = (): void => {
      if (!this.closers.delete(close)) return;
      unregister();
      if (!box) return;
      box.closed = true;
      this.boxes.delete(box);
      this.counters.dropped += box.q.length - box.head;
      box.q = [];
      box.head = 0;
    };
    this.closers.add(close);
    if (box) this.boxes.add(box);
    return { close: async () => close() };
  }

  private assertOpen(what: string): void {
    if (this.closed) throw this.closedError(what);
  }

  private closedError(what: string): HypernodeError {
    return new HypernodeError('TRANSPORT_DOWN', `Cannot ${what}: this transport of memory network '${this.net.cluster}' is closed; connect a new one with network.connect().`);
  }
}
