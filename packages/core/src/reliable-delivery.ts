/**
 * Exactly-once, in-order delivery of frames between workers across lost frames, connection drops and broker
 * restarts (design 028): a {@link Transport} decorator that numbers the frames it sends to each inbox, keeps each
 * one until the receiving side acknowledges it, sends again what was not acknowledged (after a reconnect, on a
 * receiver's request, and on a retransmit timer with back-off), and on the receiving side hands over each frame
 * once, in order, dropping duplicates and frames that arrive after a gap (go-back-N).
 *
 * A data frame is the caller's frame, then a trailer (at most {@link DELIVERY_TRAILER_MAX} bytes):
 * `reply (n bytes, utf8) | n (1) | epoch (8) | seq (6) | low (6) | kind (1) | magic (2)`.
 * - `reply`: the inbox acknowledgements go to (the sender's own inbox);
 * - `epoch`: random bytes naming the sending transport's incarnation (a restarted sender is a new peer);
 * - `seq`: the frame's number in this sender's stream to this inbox (1, 2, 3...);
 * - `low`: the sender's lowest unacknowledged number when it sent, so a receiver that never heard of this sender
 *   (or forgot it) starts at the right place;
 * - `kind`: {@link KIND_DATA}; `magic`: {@link DELIVERY_MAGIC}.
 *
 * A data frame to an inbox that itself sent us frames carries our acknowledgement of them when one is due
 * (kind {@link KIND_DATA_ACK}): `ackEpoch (8) | ackSeq (6)` come between the content and `reply`, meaning that
 * this sender's own inbox has every frame of sender `ackEpoch` up to `ackSeq`. A request and its answer then
 * acknowledge each other, and no acknowledgement frame of its own is sent (design 028).
 *
 * An acknowledgement is a frame of its own: `inbox (n bytes) | n (1) | epoch (8) | seq (6) | flags (1) | kind (1) |
 * magic (2)` with kind {@link KIND_ACK}: the receiving inbox `inbox` has every frame of sender `epoch` up to `seq`;
 * flag 1 asks for what follows at once (a gap was seen). Acks are cumulative and batched (every
 * {@link ACK_EVERY} frames, or {@link ACK_DELAY_MS} after the first frame not yet acknowledged). Both kinds pass the
 * frame authentication below (design 025) like any frame: the decorator sits above `authenticateTransport`.
 *
 * A goodbye (kind {@link KIND_BYE}, `inbox (n) | n (1) | epoch (8) | kind | magic`) tells the peers that `inbox`
 * stopped for good: they give up what they hold for it. Frames without a delivery trailer (from a sender without
 * this decorator) are handed over untouched.
 */
import { randomBytes } from 'node:crypto';
import { systemClock, type Clock, type TimerHandle } from './clock';
import { ForwardingTransport } from './forwarding-transport';
import type { Logger } from './logger';
import type { DeliveryStats, FrameHandler, ListenOptions, Subscription, Transport, TransportFlow, TransportStats } from './transport';
import { readUint48, writeUint48 } from './uint48';

/** The last two bytes of every frame this decorator sends. */
export const DELIVERY_MAGIC = 0xd1c7;
/** The kind byte of a data frame. */
export const KIND_DATA = 1;
/** The kind byte of an acknowledgement. */
export const KIND_ACK = 2;
/** The kind byte of a goodbye: the sender stopped for good (see {@link ReliableTransport.stop}). */
export const KIND_BYE = 3;
/** The kind byte of a data frame that also carries an acknowledgement (piggybacked). */
export const KIND_DATA_ACK = 4;
/** The most bytes a data frame carries after its content (a 255-byte reply inbox name and an acknowledgement at most). */
export const DELIVERY_TRAILER_MAX = 8 + 6 + 255 + 1 + 8 + 6 + 6 + 1 + 2;
/** Frames received from one sender before an acknowledgement leaves at once. */
export const ACK_EVERY = 64;
/** How long an acknowledgement waits for more frames to cover before it leaves. */
export const ACK_DELAY_MS = 5;
/** Default frames held unacknowledged per destination before the sender is paused. */
export const DEFAULT_WINDOW_FRAMES = 2048;
/** Default bytes held unacknowledged per destination before the sender is paused (32 MiB). */
export const DEFAULT_WINDOW_BYTES = 32 * 1024 * 1024;
/** The first retransmit timeout, and the one after each acknowledgement that moves the window. */
export const RETRANSMIT_MS = 1000;
/**
 * How long a destination may hold frames with no acknowledgement while the connection is up before the sender asks
 * whether it still exists (`orphaned`), and gives up on it when not.
 */
export const ORPHAN_AFTER_MS = 60_000;
/** The longest retransmit timeout (the back-off doubles up to it). */
export const MAX_RETRANSMIT_MS = 8000;

const TAIL = 3; // kind + magic
const DATA_FIXED = 1 + 8 + 6 + 6 + TAIL;
const ACK_FIXED = 1 + 8 + 6 + 1 + TAIL;
const BYE_FIXED = 1 + 8 + TAIL;
/** Bytes of a piggybacked acknowledgement: epoch and number. */
const PIGGY = 8 + 6;
const F_GAP = 1;

/** Options of {@link reliableDelivery}. */
export interface ReliableDeliveryOptions {
  /** The inbox this side listens on: acknowledgements for its frames come back there. At most 255 bytes. */
  self: string;
  /** Time for the ack batching and retransmit timers. Default `systemClock`. */
  clock?: Clock;
  logger: Logger;
  /** Frames held unacknowledged per destination before `flow.full` (default {@link DEFAULT_WINDOW_FRAMES}). */
  windowFrames?: number;
  /** Bytes held unacknowledged per destination before `flow.full` (default {@link DEFAULT_WINDOW_BYTES}). */
  windowBytes?: number;
  /**
   * Called with the frames (contents as sent, without trailers) given up for `inbox`: those held when
   * {@link ReliableTransport.peerLost} was called for it, and those sent to it afterwards. They are never sent
   * again; the caller counts them (dead letters).
   */
  gaveUp?: (inbox: string, frames: Uint8Array[]) => void;
  /**
   * Asked about a destination that has acknowledged nothing for `orphanAfterMs` while the connection was up: true
   * when it is known gone (not a member of the cluster: a client that was killed, a worker that never existed).
   * The sender then gives up on it as {@link ReliableTransport.peerLost} does, so a dead destination never holds
   * frames, and the sender's window, forever. Default: every such destination is gone.
   */
  orphaned?: (inbox: string) => boolean | Promise<boolean>;
  /** See `orphaned` (default {@link ORPHAN_AFTER_MS}). */
  orphanAfterMs?: number;
}

/** What one sender holds for one destination inbox. */
class Window {
  /** The number the next frame gets. */
  next = 1;
  /** Frames `low`, `low + 1`, ... (with trailers), oldest first, from `head`. */
  frames: Uint8Array[] = [];
  head = 0;
  /** The lowest unacknowledged number. */
  low = 1;
  bytes = 0;
  /** When to send again what is held, unless an ack moves the window first. */
  resendAt = 0;
  rto = RETRANSMIT_MS;
  /** The highest number a gap request made us send again from, so one gap is answered once. */
  gapFrom = 0;
  lost = false;
  /** Since when it holds frames with no acknowledgement, counting only time the connection was up. */
  silentSince = 0;
  /** Set while `orphaned` is being asked about it. */
  asking = false;

  get size(): number {
    return this.frames.length - this.head;
  }
}

/** What one receiving inbox knows of one sender incarnation. */
interface Peer {
  /** The receiving inbox's name, for the ack. */
  inbox: Buffer;
  reply: string;
  epoch: Uint8Array;
  /** The number of the next frame to hand over. */
  expected: number;
  /** Frames handed over (or seen again) since the last ack. */
  unacked: number;
  gap: boolean;
  /** The `expected` a gap request was sent for, so one gap asks once. */
  gapAsked: number;
  /** Whether frames went to our own inbox (`self`): then a data frame to `reply` may carry the acknowledgement. */
  own: boolean;
  /** Whether it is in the list the ack timer goes through. */
  due: boolean;
}

/** The senders one inbox hears from, by epoch (latin1), and the last one heard (most frames come from it again). */
interface PeerTable {
  byEpoch: Map<string, Peer>;
  last: Peer | undefined;
}

const latin1 = (b: Uint8Array, at: number, n: number): string => Buffer.from(b.buffer, b.byteOffset + at, n).toString('latin1');

/** Whether the 8 bytes of `b` at `at` are `epoch`. */
function sameEpoch(epoch: Uint8Array, b: Uint8Array, at: number): boolean {
  for (let i = 0; i < 8; i++) if (b[at + i] !== epoch[i]) return false;
  return true;
}

/** The kind of `frame` when it carries a delivery trailer, else 0. */
function kindOf(frame: Uint8Array): number {
  const n = frame.byteLength;
  if (n < BYE_FIXED || frame[n - 2] !== DELIVERY_MAGIC >>> 8 || frame[n - 1] !== (DELIVERY_MAGIC & 0xff)) return 0;
  return frame[n - 3]!;
}

/**
 * Wraps `inner` so that frames sent to an inbox reach its listener exactly once and in order per (sender, inbox),
 * as long as both sides live, whatever `inner` loses, duplicates or reorders, and across its `'down'`/`'up'`.
 * Memory stays bounded by `flow`: while one destination holds `windowFrames` frames or `windowBytes` bytes
 * unacknowledged, `flow.full` is true (the worker stops starting turns, design 028); `send` itself never refuses
 * and never drops.
 *
 * Does not: persist anything (a sender that dies loses what it held: its peers learn it as a lost worker), give up
 * on a live destination (only {@link ReliableTransport.peerLost} does, and `orphaned` for one silent for
 * `orphanAfterMs` of connected time that is not a member; a silent member holds its window, and pauses the sender
 * once full), or change events, requests and replies (they pass through).
 */
export function reliableDelivery(inner: Transport, options: ReliableDeliveryOptions): ReliableTransport {
  return new ReliableTransport(inner, options);
}

/** The transport {@link reliableDelivery} returns. */
export class ReliableTransport extends ForwardingTransport implements TransportFlow {
  /** This transport's back-pressure (see {@link TransportFlow}). */
  readonly flow: TransportFlow = this;
  private readonly epoch = randomBytes(8);
  private readonly selfBytes: Buffer;
  /** What every data frame carries after the content (and a piggybacked ack): `reply | n | epoch`. */
  private readonly selfTrailer: Buffer;
  private readonly selfText: string;
  private readonly windows = new Map<string, Window>();
  /** Receiving inbox → sender epoch (latin1) → what it knows. */
  private readonly peers = new Map<string, PeerTable>();
  private readonly clock: Clock;
  private readonly logger: Logger;
  private readonly windowFrames: number;
  private readonly windowBytes: number;
  private readonly gaveUpFn: ((inbox: string, frames: Uint8Array[]) => void) | undefined;
  private readonly orphaned: (inbox: string) => boolean | Promise<boolean>;
  private readonly orphanAfterMs: number;
  private readonly roomListeners = new Set<() => void>();
  /** Destinations whose window is over a bound. */
  private readonly fullOnes = new Set<Window>();
  private down = false;
  private closed = false;
  private tick: TimerHandle | undefined;
  private tickAt = Infinity;
  /** Peers that had frames handed over since the ack timer last ran; it acknowledges those still unacknowledged. */
  private ackDue: Peer[] = [];
  /** By `reply`: the newest peer that sends to our own inbox, whose acknowledgement a data frame to it can carry. */
  private readonly ownPeers = new Map<string, Peer>();
  private ackTimer: TimerHandle | undefined;
  private readonly counts: DeliveryStats = { unacked: 0, unackedBytes: 0, resent: 0, duplicates: 0, acksSent: 0, windowFull: 0, gaveUp: 0 };

  constructor(inner: Transport, options: ReliableDeliveryOptions) {
    super(inner);
    this.selfBytes = Buffer.from(options.self, 'utf8');
    this.selfText = options.self;
    const selfLen = this.selfBytes.byteLength;
    if (selfLen === 0 || selfLen > 255) {
      throw new Error(`Delivery needs the sender's own inbox name of 1 to 255 bytes; got '${options.self}' (${selfLen} bytes). Give the worker a shorter id.`);
    }
    this.selfTrailer = Buffer.alloc(selfLen + 1 + 8);
    this.selfTrailer.set(this.selfBytes, 0);
    this.selfTrailer[selfLen] = selfLen;
    this.selfTrailer.set(this.epoch, selfLen + 1);
    this.clock = options.clock ?? systemClock;
    this.logger = options.logger;
    this.windowFrames = options.windowFrames ?? DEFAULT_WINDOW_FRAMES;
    this.windowBytes = options.windowBytes ?? DEFAULT_WINDOW_BYTES;
    if (!(this.windowFrames >= 1) || !(this.windowBytes >= 1)) {
      throw new Error(`Delivery window of ${this.windowFrames} frames and ${this.windowBytes} bytes is not valid; give at least 1 of each.`);
    }
    this.gaveUpFn = options.gaveUp;
    this.orphaned = options.orphaned ?? (() => true);
    this.orphanAfterMs = options.orphanAfterMs ?? ORPHAN_AFTER_MS;
    inner.on('down', this.onDown);
    inner.on('up', this.onUp);
  }

  // ---------------------------------------------------------------- flow

  /** True while some destination holds a full window of unacknowledged frames. */
  get full(): boolean {
    return this.fullOnes.size > 0;
  }

  onRoom(listener: () => void): void {
    this.roomListeners.add(listener);
  }

  // ---------------------------------------------------------------- sending

  /** Numbers `frame`, keeps it until `inbox` acknowledges it, and sends it. Never drops it while `inbox` lives. */
  override send(inbox: string, frame: Uint8Array): void {
    if (this.closed) return this.inner.send(inbox, frame);
    let w = this.windows.get(inbox);
    if (w === undefined) this.windows.set(inbox, (w = new Window()));
    if (w.lost) return this.giveUp(inbox, [frame]);
    const n = frame.byteLength;
    const tail = this.selfTrailer;
    // An acknowledgement due to `inbox` for what it sent us rides along (resends carry it again: harmless, as
    // acknowledgements are cumulative).
    let ack = this.ownPeers.get(inbox);
    if (ack !== undefined && ack.unacked === 0) ack = undefined;
    // Pooled (allocUnsafe): every byte is written below.
    const out = Buffer.allocUnsafe(n + (ack === undefined ? 0 : PIGGY) + tail.byteLength + 6 + 6 + TAIL);
    out.set(frame, 0);
    let at = n;
    if (ack !== undefined) {
      ack.unacked = 0;
      out.set(ack.epoch, at);
      writeUint48(out, at + 8, ack.expected - 1);
      at += PIGGY;
    }
    out.set(tail, at);
    at += tail.byteLength;
    writeUint48(out, at, w.next++);
    writeUint48(out, at + 6, w.low);
    at += 12;
    out[at] = ack === undefined ? KIND_DATA : KIND_DATA_ACK;
    out[at + 1] = DELIVERY_MAGIC >>> 8;
    out[at + 2] = DELIVERY_MAGIC & 0xff;
    if (w.size === 0) {
      w.rto = RETRANSMIT_MS;
      w.silentSince = this.clock.now();
      w.resendAt = w.silentSince + w.rto;
      this.armTick(w.resendAt);
    }
    w.frames.push(out);
    w.bytes += out.byteLength;
    this.counts.unacked++;
    this.counts.unackedBytes += out.byteLength;
    if ((w.size > this.windowFrames || w.bytes > this.windowBytes) && !this.fullOnes.has(w)) {
      this.fullOnes.add(w);
      this.counts.windowFull++;
    }
    this.inner.send(inbox, out);
  }

  /**
   * Gives up on destination `inbox` (its worker was lost): the frames held for it, and any sent to it later, go to
   * `gaveUp` and are never sent again; what was received from that worker is forgotten.
   */
  peerLost(inbox: string): void {
    let w = this.windows.get(inbox);
    if (w === undefined) this.windows.set(inbox, (w = new Window()));
    w.lost = true;
    const held = this.release(w, w.next - 1, true);
    if (held.length > 0) this.giveUp(inbox, held);
    for (const table of this.peers.values()) {
      for (const [key, p] of table.byEpoch) {
        if (p.reply !== inbox) continue;
        p.unacked = 0;
        table.byEpoch.delete(key);
        if (table.last === p) table.last = undefined;
        if (this.ownPeers.get(inbox) === p) this.ownPeers.delete(inbox);
      }
    }
  }

  private giveUp(inbox: string, frames: Uint8Array[]): void {
    this.counts.gaveUp += frames.length;
    this.gaveUpFn?.(inbox, frames);
  }

  /** Forgets frames up to `acked` (inclusive) from `w`; with `keep`, returns their contents without trailers. */
  private release(w: Window, acked: number, keep = false): Uint8Array[] {
    const out: Uint8Array[] = [];
    while (w.low <= acked && w.head < w.frames.length) {
      const f = w.frames[w.head]!;
      w.frames[w.head++] = undefined as unknown as Uint8Array;
      w.bytes -= f.byteLength;
      this.counts.unacked--;
      this.counts.unackedBytes -= f.byteLength;
      w.low++;
      if (keep) out.push(f.subarray(0, f.byteLength - trailerOf(f)));
    }
    if (w.low <= acked) w.low = acked + 1;
    if (w.head === w.frames.length) {
      w.frames = [];
      w.head = 0;
    } else if (w.head > 1024 && w.head * 2 > w.frames.length) {
      w.frames = w.frames.slice(w.head);
      w.head = 0;
    }
    // The retransmit timer stays armed when nothing is held: it finds nothing to do and is not armed again, which
    // costs less than clearing and arming it for every round trip.
    if (this.fullOnes.has(w) && w.size <= this.windowFrames && w.bytes <= this.windowBytes) {
      this.fullOnes.delete(w);
      if (this.fullOnes.size === 0) for (const l of [...this.roomListeners]) l();
    }
    return out;
  }

  /** Sends again every frame `w` holds for `inbox`, from `from` on, with the current `low`. */
  private resend(inbox: string, w: Window, from: number): void {
    const frames = w.frames;
    for (let i = w.head + Math.max(0, from - w.low); i < frames.length; i++) {
      const f = frames[i]!;
      writeUint48(f, f.byteLength - TAIL - 6, w.low);
      this.counts.resent++;
      this.inner.send(inbox, f);
    }
  }

  private onAck(frame: Uint8Array): void {
    const n = frame.byteLength;
    const len = frame[n - ACK_FIXED]!;
    if (n !== len + ACK_FIXED) return;
    const inbox = Buffer.from(frame.buffer, frame.byteOffset, len).toString('utf8');
    const at = len + 1;
    for (let i = 0; i < 8; i++) if (frame[at + i] !== this.epoch[i]) return; // for an earlier incarnation of this inbox
    this.ackArrived(inbox, readUint48(frame, at + 8), frame[at + 14]!);
  }

  /** Inbox `inbox` has every frame we sent it up to `acked`; with {@link F_GAP} in `flags`, it asks for the rest. */
  private ackArrived(inbox: string, acked: number, flags: number): void {
    const w = this.windows.get(inbox);
    if (w === undefined || w.lost || acked >= w.next) return;
    if (acked >= w.low) {
      this.release(w, acked);
      w.rto = RETRANSMIT_MS;
      w.silentSince = this.clock.now();
      w.resendAt = w.silentSince + w.rto;
      if (w.size > 0) this.armTick(w.resendAt);
    }
    if ((flags & F_GAP) !== 0 && w.size > 0 && acked + 1 > w.gapFrom && !this.down) {
      w.gapFrom = acked + 1;
      this.resend(inbox, w, acked + 1);
    }
  }

  /** A peer stopped for good: what is held for it is given up (a restart under the same inbox is a new epoch). */
  private onBye(frame: Uint8Array): void {
    const len = frame[frame.byteLength - BYE_FIXED]!;
    if (frame.byteLength !== len + BYE_FIXED) return;
    this.peerLost(Buffer.from(frame.buffer, frame.byteOffset, len).toString('utf8'));
  }

  private readonly onDown = (): void => {
    this.down = true;
  };

  /** Back up: everything unacknowledged is sent again at once (what was in flight may be gone with the broker). */
  private readonly onUp = (): void => {
    this.down = false;
    const now = this.clock.now();
    for (const [inbox, w] of this.windows) {
      if (w.size === 0 || w.lost) continue;
      w.gapFrom = 0;
      w.rto = RETRANSMIT_MS;
      w.silentSince = now; // the outage does not count as silence
      w.resendAt = now + w.rto;
      this.resend(inbox, w, w.low);
      this.armTick(w.resendAt);
    }
  };

  private armTick(at: number): void {
    if (this.closed || at >= this.tickAt) return;
    if (this.tick !== undefined) this.clock.clearTimeout(this.tick);
    this.tickAt = at;
    this.tick = this.clock.setTimeout(this.onTick, Math.max(0, at - this.clock.now()));
  }

  /** Retransmit timer: a window no ack moved for its timeout is sent again, and its timeout doubles (up to 8 s). */
  private readonly onTick = (): void => {
    this.tick = undefined;
    this.tickAt = Infinity;
    const now = this.clock.now();
    let next = Infinity;
    for (const [inbox, w] of this.windows) {
      if (w.size === 0 || w.lost) continue;
      if (w.resendAt <= now) {
        // While the connection is down the transport buffers: sending again would only fill its buffer.
        if (!this.down) this.resend(inbox, w, w.low);
        if (!this.down && !w.asking && now - w.silentSince >= this.orphanAfterMs) this.askOrphaned(inbox, w);
        w.gapFrom = 0;
        w.rto = Math.min(MAX_RETRANSMIT_MS, w.rto * 2);
        w.resendAt = now + w.rto;
      }
      if (w.resendAt < next) next = w.resendAt;
    }
    if (next < Infinity) this.armTick(next);
  };

  /** Asks whether the silent destination `inbox` still exists; gives up on it (a log line says so) when not. */
  private askOrphaned(inbox: string, w: Window): void {
    w.asking = true;
    const silentMs = this.clock.now() - w.silentSince;
    Promise.resolve()
      .then(() => this.orphaned(inbox))
      .then(
        (gone) => {
          w.asking = false;
          if (!gone || w.lost || w.size === 0 || this.closed || this.clock.now() - w.silentSince < this.orphanAfterMs) return;
          this.logger.warn(
            `'${this.selfText}' gave up on ${w.size} frame(s) for '${inbox}': nothing was acknowledged for ${Math.round(silentMs / 1000)} s while connected, and '${inbox}' is not a member of the cluster (a client or worker that ended without saying goodbye); their messages count as dead letters (worker-lost)`,
          );
          this.peerLost(inbox);
        },
        (err: unknown) => {
          w.asking = false;
          this.logger.warn(`'${this.selfText}' could not tell whether '${inbox}' still exists (${(err as Error).message}); it keeps its frames and asks again later`);
        },
      );
  }

  // ---------------------------------------------------------------- receiving

  override listen(inbox: string, handler: FrameHandler, options?: ListenOptions): Promise<Subscription> {
    let table = this.peers.get(inbox);
    if (table === undefined) this.peers.set(inbox, (table = { byEpoch: new Map(), last: undefined }));
    const inboxBytes = Buffer.from(inbox, 'utf8');
    return this.inner.listen(
      inbox,
      (frame) => {
        const kind = kindOf(frame);
        if (kind === KIND_DATA || kind === KIND_DATA_ACK) return this.onData(inboxBytes, table!, frame, handler, kind === KIND_DATA_ACK);
        if (kind === KIND_ACK) return this.onAck(frame);
        if (kind === KIND_BYE) return this.onBye(frame);
        return handler(frame);
      },
      // The window per sender bounds what is in flight to this inbox, and lost frames are sent again: the broker
      // need not acknowledge them (its acks cost the round trip ~0.04× of raw amqplib; design 028).
      { ...options, ownAcks: true },
    );
  }

  private onData(inboxBytes: Buffer, table: PeerTable, frame: Uint8Array, handler: FrameHandler, withAck: boolean): void | Promise<void> {
    const n = frame.byteLength;
    const at = n - DATA_FIXED + 1; // the epoch
    const replyLen = frame[at - 1]!;
    const body = at - 1 - replyLen - (withAck ? PIGGY : 0);
    if (body < 0) return handler(frame); // not one of ours after all: the router judges it
    const seq = readUint48(frame, at + 8);
    const low = readUint48(frame, at + 14);
    let p = table.last;
    if (p === undefined || !sameEpoch(p.epoch, frame, at)) p = table.byEpoch.get(latin1(frame, at, 8));
    if (p === undefined) {
      const reply = Buffer.from(frame.buffer, frame.byteOffset + at - 1 - replyLen, replyLen).toString('utf8');
      const own = inboxBytes.equals(this.selfBytes);
      p = { inbox: inboxBytes, reply, epoch: frame.slice(at, at + 8), expected: low, unacked: 0, gap: false, gapAsked: 0, own, due: false };
      table.byEpoch.set(latin1(frame, at, 8), p);
      if (own) this.ownPeers.set(reply, p);
      const w = this.windows.get(p.reply);
      if (w !== undefined && w.lost) w.lost = false; // a new incarnation under an inbox given up: it lives again
    } else if (low > p.expected) {
      p.expected = low; // the sender gave up on what lies between (its worker counted them)
    }
    table.last = p;
    // It acknowledges what we sent to its own inbox: applied whether this frame is new or a duplicate.
    if (withAck && sameEpoch(this.epoch, frame, body)) this.ackArrived(p.reply, readUint48(frame, body + 8), 0);
    if (seq !== p.expected) {
      // A duplicate (already handed over) or a frame after a gap: dropped; the sender learns where we are.
      this.counts.duplicates++;
      if (seq > p.expected && p.gapAsked !== p.expected) {
        p.gapAsked = p.expected;
        p.gap = true;
        this.sendAck(p);
      } else this.ackSoon(p);
      return;
    }
    p.expected++;
    // Due before the handler runs, so that an answer it sends at once carries the acknowledgement.
    this.ackSoon(p);
    return handler(frame.subarray(0, body));
  }

  /**
   * Acknowledges `p` once it sent {@link ACK_EVERY} frames; else within {@link ACK_DELAY_MS}, or sooner on the next
   * data frame we send to `p.reply` (piggybacked).
   */
  private ackSoon(p: Peer): void {
    if (++p.unacked >= ACK_EVERY) return this.sendAck(p);
    if (!p.due) {
      p.due = true;
      this.ackDue.push(p);
    }
    if (this.ackTimer === undefined) this.ackTimer = this.clock.setTimeout(this.onAckTimer, ACK_DELAY_MS);
  }

  /** Acknowledges every peer still unacknowledged (a data frame to it may have carried its ack meanwhile). */
  private readonly onAckTimer = (): void => {
    this.ackTimer = undefined;
    const due = this.ackDue;
    this.ackDue = [];
    for (const p of due) {
      p.due = false;
      if (p.unacked > 0) this.sendAck(p);
    }
  };

  private sendAck(p: Peer): void {
    const inboxBytes = p.inbox;
    p.unacked = 0;
    if (this.closed) return;
    const len = inboxBytes.byteLength;
    const out = new Uint8Array(len + ACK_FIXED);
    out.set(inboxBytes, 0);
    out[len] = len;
    out.set(p.epoch, len + 1);
    writeUint48(out, len + 9, p.expected - 1);
    out[len + 15] = p.gap ? F_GAP : 0;
    p.gap = false;
    out[len + 16] = KIND_ACK;
    out[len + 17] = DELIVERY_MAGIC >>> 8;
    out[len + 18] = DELIVERY_MAGIC & 0xff;
    this.counts.acksSent++;
    this.inner.send(p.reply, out);
  }

  // ---------------------------------------------------------------- events, requests and connection state pass through (ForwardingTransport)

  override stats(): TransportStats {
    return { ...this.inner.stats(), delivery: { ...this.counts } };
  }

  /**
   * Sends the acknowledgements still waiting and a goodbye to every peer (each gives up what it holds for this
   * inbox, and what it sends there later, as for a lost worker), then stops: no timer runs any more and what is
   * unacknowledged is not sent again. Leaves `inner` open. Idempotent.
   */
  stop(): void {
    if (this.closed) return;
    if (this.tick !== undefined) this.clock.clearTimeout(this.tick);
    this.tick = undefined;
    if (this.ackTimer !== undefined) this.clock.clearTimeout(this.ackTimer);
    this.ackTimer = undefined;
    const told = new Set<string>();
    for (const table of this.peers.values()) {
      for (const p of table.byEpoch.values()) {
        if (p.unacked > 0) this.sendAck(p); // what was handed over is acknowledged before leaving
        told.add(p.reply);
      }
    }
    for (const [inbox, w] of this.windows) if (!w.lost) told.add(inbox);
    // Goodbye to every peer: they give up what they hold for this inbox instead of keeping it for ever.
    const self = this.selfBytes;
    const bye = new Uint8Array(self.byteLength + BYE_FIXED);
    bye.set(self, 0);
    bye[self.byteLength] = self.byteLength;
    bye.set(this.epoch, self.byteLength + 1);
    bye[self.byteLength + 9] = KIND_BYE;
    bye[self.byteLength + 10] = DELIVERY_MAGIC >>> 8;
    bye[self.byteLength + 11] = DELIVERY_MAGIC & 0xff;
    for (const inbox of told) if (inbox !== this.selfText) this.inner.send(inbox, bye);
    this.closed = true;
    this.inner.off('down', this.onDown);
    this.inner.off('up', this.onUp);
  }

  /** {@link ReliableTransport.stop}, then closes `inner`. */
  override async close(): Promise<void> {
    this.stop();
    await this.inner.close();
  }
}

/**
 * What a frame sent by {@link reliableDelivery} carries: the caller's frame for a data frame, null for an
 * acknowledgement or a goodbye, and the frame itself when it has no delivery trailer. For tests and tools that
 * read frames below the delivery layer.
 */
export function deliveredContent(frame: Uint8Array): Uint8Array | null {
  const kind = kindOf(frame);
  if (kind === KIND_ACK || kind === KIND_BYE) return null;
  if (kind !== KIND_DATA && kind !== KIND_DATA_ACK) return frame;
  const end = frame.byteLength - trailerOf(frame);
  return end < 0 ? frame : frame.subarray(0, end);
}

/** Bytes of `f`'s data trailer. */
function trailerOf(f: Uint8Array): number {
  const n = f.byteLength;
  return f[n - DATA_FIXED]! + DATA_FIXED + (f[n - TAIL] === KIND_DATA_ACK ? PIGGY : 0);
}
