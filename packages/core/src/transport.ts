/**
 * The Transport moves opaque frames (bytes) between the members of one cluster. It knows nothing of
 * processes, envelopes or the codec: the worker runtime owns naming, batching and encoding.
 *
 * What it promises:
 * - `send(inbox, frame)`: frames sent by one Transport instance to one inbox are handed to that inbox's
 *   handler in the order they were sent (per-destination FIFO from one sender), at most once each.
 *   A frame sent to an inbox nobody listens to is dropped (counted in `stats().dropped` where the
 *   implementation can tell).
 * - `listen(inbox, handler)`: one listener per inbox. The next frame for that inbox is not handed over
 *   until the handler's returned promise settles (or, with `prefetch` > 1, at most `prefetch` frames are
 *   outstanding); a frame is acknowledged only after its handler settles, so a slow listener pushes back.
 * - `publish(frame)` reaches every current `subscribe` handler of the cluster, including the sender's own.
 * - `serve(service, handler)` / `request(service, body, timeoutMs)`: request/reply. A request to a service
 *   with no server, or whose server does not answer in time, rejects with `HypernodeError` code
 *   `REQUEST_TIMEOUT`. At most once.
 * - `'down'` is emitted when the connection is lost and `'up'` when it is back; while down, `send` and
 *   `publish` buffer frames in memory (bounded) and flush them in order once up.
 *
 * What a plain transport (`MemoryNetwork`'s, `AmqpTransport`) leaves out: durability across a broker restart,
 * delivery to an inbox that is not listened to, ordering between different senders or different destinations,
 * and any knowledge of frame contents. A worker does not run on a plain transport: it wraps it with
 * `reliableDelivery` (design 028), which makes `send` exactly once and in order per (sender, inbox) as long as both
 * live, across lost, duplicated and reordered frames, connection drops and broker restarts, and gives `flow`.
 */
export interface Transport {
  /** Hands a frame to the listener of `inbox`. Never throws for a missing inbox. */
  send(inbox: string, frame: Uint8Array): void;
  /** Starts handing frames addressed to `inbox` to `handler`. Resolves once frames can flow. */
  listen(inbox: string, handler: FrameHandler, options?: ListenOptions): Promise<Subscription>;
  /** Broadcasts a frame to every subscriber of the cluster's events. */
  publish(frame: Uint8Array): void;
  /** Receives every published frame (in publish order for one publisher). */
  subscribe(handler: (frame: Uint8Array) => void): Promise<Subscription>;
  /** Answers requests addressed to `service`. One server per service name. */
  serve(service: string, handler: RequestHandler): Promise<Subscription>;
  /** Sends a request and waits up to `timeoutMs` for the reply. */
  request(service: string, body: Uint8Array, timeoutMs: number): Promise<Uint8Array>;
  /** Connection state changes: `'down'` (with the cause) and `'up'`. */
  on(event: 'down' | 'up', listener: (cause?: Error) => void): void;
  off(event: 'down' | 'up', listener: (cause?: Error) => void): void;
  /** Counters for operators. */
  stats(): TransportStats;
  /** Stops every listener, subscription and server, then releases the connection. Idempotent. */
  close(): Promise<void>;
  /**
   * Back-pressure, on a transport that bounds what it holds for its destinations (`reliableDelivery`); absent on a
   * plain one, whose `send` never holds anything back.
   */
  readonly flow?: TransportFlow;
}

/**
 * How a transport that keeps frames until they are acknowledged says it holds enough (design 028). A caller that
 * sees `full` starts no new work that sends, until a listener given to `onRoom` is called; what it already sent is
 * kept and delivered, never dropped.
 */
export interface TransportFlow {
  /** True while some destination holds its whole window of unacknowledged frames. */
  readonly full: boolean;
  /** Calls `listener` each time `full` turns false. */
  onRoom(listener: () => void): void;
}

/**
 * Answers one request. `meta` says what the transport can tell of the caller, for logs (it is not proof of who
 * asks: authentication is the request's MAC, docs/security.md).
 */
export type RequestHandler = (body: Uint8Array, meta: RequestMeta) => Promise<Uint8Array>;

/** What a transport can tell of a request's caller. */
export interface RequestMeta {
  /** The caller's connection as the transport sees it, e.g. `connection 'hn.prod.1234.ab12cd34' (as it names itself)`. */
  from: string;
}

/** Called with each frame for an inbox; the frame is acknowledged when the returned promise settles. */
export type FrameHandler = (frame: Uint8Array) => void | Promise<void>;

export interface ListenOptions {
  /** Frames handed over but not yet settled, at most. Default 1 for strict order with push-back. */
  prefetch?: number;
  /**
   * The listener recovers lost frames itself and bounds what is in flight to it (exactly-once delivery, design
   * 028, whose per-sender window is then the finite prefetch): a transport may hand frames over without the
   * broker's acknowledgements, and `prefetch` may be ignored. Default false.
   */
  ownAcks?: boolean;
}

/** A started listener, subscription or server; `close()` stops it. */
export interface Subscription {
  close(): Promise<void>;
}

export interface TransportStats {
  framesSent: number;
  framesReceived: number;
  bytesSent: number;
  bytesReceived: number;
  /** Frames that could not be delivered (no listener for the inbox). */
  dropped: number;
  /**
   * Frames and events received that failed the cluster secret's check and were dropped (no MAC, a wrong one, a
   * stale or replayed one): set by the authenticated transport (`authenticateTransport`), absent otherwise.
   */
  forgedFrames?: number;
  /** The delivery layer's counters (unacknowledged frames, frames sent again, duplicates dropped...): set by `reliableDelivery`. */
  delivery?: DeliveryStats;
}

/** Counters of the delivery layer (`reliableDelivery`, design 028), in `TransportStats.delivery`. */
export interface DeliveryStats {
  /** Frames sent and not yet acknowledged, over every destination. */
  unacked: number;
  /** Bytes of those frames. */
  unackedBytes: number;
  /** Frames sent again (after a reconnect, a gap or a retransmit timeout). */
  resent: number;
  /** Frames received twice (or after a gap) and dropped. */
  duplicates: number;
  /** Acknowledgement frames sent. */
  acksSent: number;
  /** Times a destination's window filled and paused the sender. */
  windowFull: number;
  /** Frames given up because their destination was lost (counted as dead letters by the worker). */
  gaveUp: number;
}
