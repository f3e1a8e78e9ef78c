/**
 * Authenticated frames and cluster events (docs/security.md, design 025): a {@link Transport} decorator that
 * signs every frame it sends to an inbox and every cluster event it publishes with a MAC made from the cluster
 * secret, and drops (and counts) what it receives that fails the check. Requests and replies (`serve`/`request`)
 * pass through untouched: admin requests carry their own MAC.
 *
 * A signed frame is the frame's bytes, then a trailer of {@link FRAME_TRAILER_BYTES} bytes:
 * `sender (8) | seq (6) | time (6) | mac (16) | tag (1)`.
 * - `sender`: random bytes naming this transport instance (one per daemon or client connection);
 * - `seq`: this sender's count of signed frames and events, which only grows;
 * - `time`: the sender's clock (epoch ms) when it signed;
 * - `mac`: HMAC-SHA256, cut to 16 bytes, keyed by `deriveKey(secret, cluster, 'frames')` for frames (`'events'`
 *   for events), over the destination inbox (empty for an event), the frame and the trailer's first 20 bytes.
 *   The key binds the cluster; the destination binds the worker, so a frame for worker A is refused by worker B;
 * - `tag`: the trailer layout's version ({@link FRAME_TAG}).
 *
 * Replays to the same receiver: each inbox (and each subscription) keeps the highest `seq` seen per sender and
 * refuses one not above it. A sender it has not heard from for twice the replay window is forgotten (memory stays
 * bounded), and a frame from a sender it does not know is refused when older than the window (`stale`), so a
 * captured frame cannot be replayed after its sender was forgotten either. What is not covered: a receiver that
 * restarts under the same inbox (only the cluster daemon's worker does) forgets what it saw, so a frame captured
 * less than the window before can be replayed to it once.
 */
import { randomBytes } from 'node:crypto';
import { systemClock, type Clock } from './clock';
import type { Logger } from './logger';
import { FrameMac, MAC128_BYTES } from './hmac-sha256';
import { deriveKey } from './secret';
import { ForwardingTransport } from './forwarding-transport';
import type { FrameHandler, ListenOptions, Subscription, Transport, TransportStats } from './transport';
import { readUint48, writeUint48 } from './uint48';

/** Bytes of the MAC in a signed frame: HMAC-SHA256 cut to 128 bits. */
export const FRAME_MAC_BYTES = MAC128_BYTES;
/** Bytes a signed frame carries after its content. */
export const FRAME_TRAILER_BYTES = 8 + 6 + 6 + FRAME_MAC_BYTES + 1;
/** The last byte of a signed frame: the trailer layout's version. */
export const FRAME_TAG = 0xa1;
/** How old a frame from a sender the receiver does not know may be (default 10 minutes). */
export const DEFAULT_REPLAY_WINDOW_MS = 10 * 60_000;

/** Why a frame or event was refused. */
export type ForgedCause = 'unsigned' | 'bad-mac' | 'stale' | 'replayed';

/** Options of {@link authenticateTransport}. */
export interface AuthenticatedTransportOptions {
  /** The cluster secret (`readSecret`): never logged, never sent. */
  secret: string;
  /** The cluster's name: part of the keys, so a frame of one cluster never passes in another sharing the secret. */
  cluster: string;
  /** Where refused frames are reported (at most once a second, naming the cause, never the key). */
  logger: Logger;
  /** Time for the trailer, the replay window and the log's rate limit. Default `systemClock`. */
  clock?: Clock;
  /** Default {@link DEFAULT_REPLAY_WINDOW_MS}. */
  replayWindowMs?: number;
}

const SIGNED_META = 8 + 6 + 6;
const MAX_SEQ = 2 ** 48 - 1;

/** What a {@link ReplayGuard} keeps of one sender. */
interface Seen {
  /** The sender's 8 bytes as two words, to recognise the last sender without making its key. */
  readonly hi: number;
  readonly lo: number;
  seq: number;
  at: number;
}

/** The highest sequence number seen per sender, for one inbox or subscription. */
class ReplayGuard {
  private readonly seen = new Map<string, Seen>();
  /** The sender of the last frame passed, while in `seen`: most frames come from the sender of the one before. */
  private last: Seen | undefined;
  private lastPrune = 0;

  constructor(private readonly windowMs: number) {}

  /**
   * Null when the frame whose sender's 8 bytes are at `f[at..]` is new; else why it is refused. Only called on a
   * frame whose MAC is good.
   */
  check(f: Uint8Array, at: number, seq: number, time: number, now: number): ForgedCause | null {
    const hi = (f[at]! << 24) | (f[at + 1]! << 16) | (f[at + 2]! << 8) | f[at + 3]!;
    const lo = (f[at + 4]! << 24) | (f[at + 5]! << 16) | (f[at + 6]! << 8) | f[at + 7]!;
    let known = this.last;
    if (known === undefined || known.hi !== hi || known.lo !== lo) {
      const sender = String.fromCharCode(f[at]!, f[at + 1]!, f[at + 2]!, f[at + 3]!, f[at + 4]!, f[at + 5]!, f[at + 6]!, f[at + 7]!);
      known = this.seen.get(sender);
      if (known === undefined) {
        if (time < now - this.windowMs) return 'stale';
        const entry: Seen = { hi, lo, seq, at: now };
        this.seen.set(sender, entry);
        this.last = entry;
        if (now - this.lastPrune > this.windowMs) this.prune(now);
        return null;
      }
      this.last = known;
    }
    if (seq <= known.seq) return 'replayed';
    known.seq = seq;
    known.at = now;
    return null;
  }

  private prune(now: number): void {
    this.lastPrune = now;
    const before = now - 2 * this.windowMs;
    // `last` is the sender just added, so it is never one of those forgotten here.
    for (const [sender, e] of this.seen) if (e.at < before) this.seen.delete(sender);
  }
}

/** The destination bound into an event's MAC: none. */
const NO_DESTINATION = new Uint8Array(0);

/**
 * Wraps `inner` so that with a cluster secret every frame sent to an inbox and every published event carries a
 * MAC, and every frame and event received without a good one (none, a wrong one, one made for another worker or
 * cluster or with another secret, a stale or replayed one) is dropped before the runtime sees it, counted in
 * `stats().forgedFrames` and logged (at most once a second, with the cause, never the key).
 *
 * Does not: authenticate requests and replies (admin RPC has its own MACs), encrypt anything (use TLS), or bind a
 * process's claimed sender name to the worker that signed the frame (any member can sign).
 */
export function authenticateTransport(inner: Transport, options: AuthenticatedTransportOptions): Transport {
  return new AuthenticatedTransport(inner, options);
}

class AuthenticatedTransport extends ForwardingTransport {
  private readonly frameKey: FrameMac;
  private readonly eventKey: FrameMac;
  /** Destination inbox names as bytes, for the MAC. */
  private readonly names = new Map<string, Buffer>();
  private readonly sender = randomBytes(8);
  private seq = 0;
  private lastTime = 0;
  private forged = 0;
  private lastLog = -Infinity;
  private readonly clock: Clock;
  private readonly windowMs: number;
  private readonly cluster: string;
  private readonly logger: Logger;

  constructor(inner: Transport, options: AuthenticatedTransportOptions) {
    super(inner);
    this.frameKey = new FrameMac(deriveKey(options.secret, options.cluster, 'frames'));
    this.eventKey = new FrameMac(deriveKey(options.secret, options.cluster, 'events'));
    this.clock = options.clock ?? systemClock;
    this.windowMs = options.replayWindowMs ?? DEFAULT_REPLAY_WINDOW_MS;
    this.cluster = options.cluster;
    this.logger = options.logger;
  }

  override send(inbox: string, frame: Uint8Array): void {
    this.inner.send(inbox, this.sign(this.frameKey, this.bytesOf(inbox), frame));
  }

  override listen(inbox: string, handler: FrameHandler, options?: ListenOptions): Promise<Subscription> {
    const guard = new ReplayGuard(this.windowMs);
    const destination = Buffer.from(inbox, 'utf8');
    const what = `a frame for worker '${inbox}'`;
    return this.inner.listen(
      inbox,
      (frame) => {
        const body = this.verify(this.frameKey, destination, frame, guard, what);
        return body === null ? undefined : handler(body);
      },
      options,
    );
  }

  override publish(frame: Uint8Array): void {
    this.inner.publish(this.sign(this.eventKey, NO_DESTINATION, frame));
  }

  override subscribe(handler: (frame: Uint8Array) => void): Promise<Subscription> {
    const guard = new ReplayGuard(this.windowMs);
    return this.inner.subscribe((frame) => {
      const body = this.verify(this.eventKey, NO_DESTINATION, frame, guard, 'a cluster event');
      if (body !== null) handler(body);
    });
  }

  override stats(): TransportStats {
    return { ...this.inner.stats(), forgedFrames: this.forged };
  }

  /**
   * `frame` with its trailer, for `destination` (the inbox's bytes; none for an event): one buffer (pooled for a
   * small frame), the trailer written into it in place.
   */
  private sign(key: FrameMac, destination: Uint8Array, frame: Uint8Array): Uint8Array {
    const n = frame.byteLength;
    const out = Buffer.allocUnsafe(n + FRAME_TRAILER_BYTES);
    out.set(frame, 0);
    const s = this.sender;
    for (let i = 0; i < 8; i++) out[n + i] = s[i]!;
    this.seq = this.seq >= MAX_SEQ ? 1 : this.seq + 1;
    writeUint48(out, n + 8, this.seq);
    // Never earlier than the last frame's time, so a receiver's window sees this sender's times only grow.
    let now = this.clock.now();
    if (now < this.lastTime) now = this.lastTime;
    else this.lastTime = now;
    writeUint48(out, n + 14, now);
    key.put(destination, out, n + SIGNED_META, out, n + SIGNED_META);
    out[n + FRAME_TRAILER_BYTES - 1] = FRAME_TAG;
    return out;
  }

  /** The frame's content when its trailer checks out, else null (counted and logged). */
  private verify(key: FrameMac, destination: Uint8Array, frame: Uint8Array, guard: ReplayGuard, what: string): Uint8Array | null {
    const len = frame.byteLength;
    if (len < FRAME_TRAILER_BYTES || frame[len - 1] !== FRAME_TAG) return this.refuse('unsigned', what, len);
    const n = len - FRAME_TRAILER_BYTES;
    const signed = n + SIGNED_META;
    if (!key.matches(destination, frame, signed, frame, signed)) return this.refuse('bad-mac', what, len);
    const cause = guard.check(frame, n, readUint48(frame, n + 8), readUint48(frame, n + 14), this.clock.now());
    if (cause !== null) return this.refuse(cause, what, len);
    return frame.subarray(0, n);
  }

  /** A destination inbox's name as bytes, for the MAC (kept, since a transport sends to few inboxes). */
  private bytesOf(name: string): Buffer {
    let b = this.names.get(name);
    if (b === undefined) {
      if (this.names.size > 10_000) this.names.clear();
      b = Buffer.from(name, 'utf8');
      this.names.set(name, b);
    }
    return b;
  }

  private refuse(cause: ForgedCause, what: string, bytes: number): null {
    this.forged++;
    const now = this.clock.now();
    if (now - this.lastLog >= 1000) {
      this.lastLog = now;
      this.logger.warn(
        `dropped ${what} of cluster '${this.cluster}' (${bytes} bytes): ${CAUSES[cause](this.windowMs)}; ${this.forged} refused so far (stats forgedFrames). ` +
          'Give every daemon and client of the cluster the same secret (HYPERNODE_SECRET or --secret-file); otherwise something else is publishing into its queues.',
      );
    }
    return null;
  }
}

const CAUSES: Record<ForgedCause, (windowMs: number) => string> = {
  unsigned: () => 'it carries no MAC (its sender has no cluster secret, or is not hypernode)',
  'bad-mac': () => 'its MAC does not match (forged, tampered with, meant for another worker or cluster, or signed with another secret)',
  stale: (ms) => `it was signed more than ${Math.round(ms / 1000)} s ago by a sender not heard from since (a replay, or a sender whose clock is behind)`,
  replayed: () => 'it repeats a sequence number its sender already used (a replay)',
};
