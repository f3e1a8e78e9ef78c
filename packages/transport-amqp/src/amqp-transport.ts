/**
 * The RabbitMQ transport of hypernode, over amqplib.
 *
 * Start a broker locally with `rabbitmq-server -detached` (Debian/Ubuntu package `rabbitmq-server`), or with
 * Docker: `docker run -d --name rabbitmq -p 5672:5672 rabbitmq:3`. The default URL is
 * `amqp://guest:guest@127.0.0.1:5672` (the `guest` user may only connect from localhost).
 *
 * Layout (docs/design/002-rabbitmq-layout.md): everything under `hypernode.<cluster>.`; one queue per inbox
 * (`inbox.<inbox>`, fed through the default exchange); a fanout exchange `events` with one exclusive queue
 * per subscriber; RPC through `rpc.<service>` queues and direct reply-to.
 */
import { randomUUID } from 'node:crypto';
import { connect as amqpConnect } from 'amqplib';
import { DirectPublisher } from './direct-publish';
import type { Channel, ChannelModel, ConsumeMessage, Message, Options } from 'amqplib';
import { HypernodeError, systemClock } from '@hypernode/core';
import type { Clock } from '@hypernode/core';
import type { FrameHandler, ListenOptions, Subscription, Transport, TransportStats } from '@hypernode/core/runtime';

/** Where {@link AmqpTransport} writes what operators should know (reconnections, dropped redeliveries). */
export interface AmqpLogger {
  info(msg: string): void;
  warn(msg: string): void;
}

/** Options of {@link AmqpTransport.connect}. */
export interface AmqpTransportOptions {
  /** Broker URL; default `amqp://guest:guest@127.0.0.1:5672`. Its password is never logged. */
  url?: string;
  /** Cluster name: every queue and exchange is named `hypernode.<cluster>.…`; `[A-Za-z0-9][A-Za-z0-9._-]{0,99}`. */
  cluster: string;
  /** Default: `console` with a `[hypernode]` prefix. */
  logger?: AmqpLogger;
  /** Default `prefetch` of `listen` when its options omit it; default 1. */
  prefetch?: number;
  /** An inbox or RPC queue without a consumer for this long is deleted by the broker; default 60,000 ms. */
  queueExpiresMs?: number;
  /** Bytes of frames kept in memory while the connection is down or the socket pushes back; default 64 MiB. */
  maxBufferedBytes?: number;
  /** Time for request timeouts and reconnection backoff; default the system clock. */
  clock?: Clock;
  /**
   * Writes `send`'s frames to the socket directly, past amqplib's publish path, whenever amqplib holds
   * nothing unsent for the publisher channel (see docs/design/011-direct-publish.md); default true. Set
   * false to publish every frame through amqplib.
   */
  directPublish?: boolean;
}

const REPLY_TO = 'amq.rabbitmq.reply-to';
const ERROR_HEADER = 'x-hypernode-error';
const SERVE_PREFETCH = 16;
const MAX_BACKOFF_MS = 5000;
const CLOSE_FLUSH_MS = 5000;
/**
 * The longest an inbox's acknowledgement waits to be batched with later ones while the prefetch window has room.
 * Each ack costs the broker work on every delivery it covers; at a round trip's pace, 20 ms batches ~100 frames
 * per ack where 5 ms batched ~25, and took the broker's share off the round trip (design 012).
 */
const ACK_DELAY_MS = 20;
const HEARTBEAT_S = 10;
/** The cluster names the Redis registry accepts too, so one name serves both. */
const CLUSTER_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/;
const noop = (): void => {};

type Rec =
  | { kind: 'listen'; name: string; queue: string; handler: FrameHandler; prefetch: number; ch?: Channel; closed: boolean }
  | { kind: 'subscribe'; handler: (frame: Uint8Array) => void; ch?: Channel; closed: boolean }
  | { kind: 'serve'; name: string; queue: string; handler: (body: Uint8Array) => Promise<Uint8Array>; ch?: Channel; closed: boolean };

interface Outgoing {
  exchange: string;
  key: string;
  body: Buffer;
  opts: Options.Publish;
}

interface Unacked {
  rec: Rec;
  msg: ConsumeMessage;
  count: number;
  timer: unknown;
  soon: boolean;
}

interface Pending {
  service: string;
  timeoutMs: number;
  timer: unknown;
  resolve(reply: Uint8Array): void;
  reject(err: Error): void;
}

/** The password of `url` replaced by `***`, for logs and error messages. */
function maskUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return '<unparsable url>';
  }
}

function hostOf(url: string): string {
  try {
    const u = new URL(url);
    return `${u.hostname}:${u.port || (u.protocol === 'amqps:' ? 5671 : 5672)}`;
  } catch {
    return '<unparsable url>';
  }
}

/** Adds `heartbeat=10` (seconds) unless the URL sets one: a silently dead TCP connection is noticed in ~20 s. */
function withHeartbeat(url: string): string {
  try {
    const u = new URL(url);
    if (!u.searchParams.has('heartbeat')) u.searchParams.set('heartbeat', String(HEARTBEAT_S));
    return u.toString();
  } catch {
    return url;
  }
}

const asBuffer = (u: Uint8Array): Buffer => (Buffer.isBuffer(u) ? u : Buffer.from(u.buffer, u.byteOffset, u.byteLength));
const codeOf = (err: unknown): unknown => (err as { code?: unknown } | null)?.code;

/**
 * A {@link Transport} over RabbitMQ. It keeps every promise of that interface (see its TSDoc) against a
 * real broker, reconnects on its own after the connection drops (backoff from 100 ms doubling to 5 s),
 * re-declares its queues and consumers, buffers sends meanwhile (bounded by `maxBufferedBytes`, then
 * dropped and counted) and flushes them in order.
 *
 * What it does not do: survive a broker restart with frames in flight (queues are transient), or deliver
 * twice: a frame the broker redelivers after a connection loss may already have been handled, so it is
 * dropped and counted (at most `prefetch` frames per inbox per connection loss). Published events and
 * pending requests are lost while the connection is down.
 */
export class AmqpTransport implements Transport {
  private state: 'connecting' | 'up' | 'down' | 'closed' = 'connecting';
  private conn?: ChannelModel;
  private pub?: Channel;
  /** Writes `send`'s frames straight to the socket while it can (see direct-publish.ts). */
  private direct?: DirectPublisher;
  private blocked = false;
  private readonly outbox: Outgoing[] = [];
  private outboxHead = 0;
  private outboxBytes = 0;
  private readonly recs = new Set<Rec>();
  private readonly inboxes = new Map<string, Rec>();
  private readonly services = new Map<string, Rec>();
  private readonly pending = new Map<string, Pending>();
  private readonly events = { down: new Set<(cause?: Error) => void>(), up: new Set<(cause?: Error) => void>() };
  private readonly counters: TransportStats = { framesSent: 0, framesReceived: 0, bytesSent: 0, bytesReceived: 0, dropped: 0 };
  private readonly declaredQueues = new Set<string>();
  private readonly warnedRedelivery = new WeakSet<Channel>();
  private readonly prefix: string;
  private readonly exchange: string;
  private readonly host: string;
  private readonly connectionName: string;
  private requestSeq = 0;
  private attempt = 0;
  private reconnectTimer: unknown;
  /** Called once the outbox is empty or the connection is lost: `close()` waits for it. */
  private drained?: () => void;

  private constructor(
    private readonly url: string,
    private readonly cluster: string,
    private readonly logger: AmqpLogger,
    private readonly prefetch: number,
    private readonly expiresMs: number,
    private readonly maxBufferedBytes: number,
    private readonly clock: Clock,
    private readonly directPublish: boolean,
  ) {
    this.prefix = `hypernode.${cluster}.`;
    this.exchange = `${this.prefix}events`;
    this.host = hostOf(url);
    this.connectionName = `${this.prefix}${process.pid}.${randomUUID().slice(0, 8)}`;
  }

  /**
   * Connects to the broker and declares the cluster's events exchange. Rejects with `TRANSPORT_DOWN`
   * (naming the host, never the password) when the broker cannot be reached or refuses the login; it
   * does not retry a first connection.
   */
  static async connect(options: AmqpTransportOptions): Promise<AmqpTransport> {
    const { cluster } = options;
    if (typeof cluster !== 'string' || !CLUSTER_NAME.test(cluster)) {
      throw new HypernodeError('INVALID_OPTIONS', `Cluster name '${String(cluster)}' is not valid; use 1-100 letters, digits, '.', '_' or '-', starting with a letter or digit.`);
    }
    const prefetch = options.prefetch ?? 1;
    if (!Number.isInteger(prefetch) || prefetch < 1) {
      throw new HypernodeError('INVALID_OPTIONS', `Prefetch ${prefetch} is not a positive integer; pass 1 or more.`);
    }
    const logger = options.logger ?? { info: (m: string) => console.info(`[hypernode] ${m}`), warn: (m: string) => console.warn(`[hypernode] ${m}`) };
    const url = options.url ?? 'amqp://guest:guest@127.0.0.1:5672';
    const t = new AmqpTransport(url, cluster, logger, prefetch, options.queueExpiresMs ?? 60_000, options.maxBufferedBytes ?? 64 << 20, options.clock ?? systemClock, options.directPublish ?? true);
    try {
      await t.open();
    } catch (err) {
      throw t.downError(err);
    }
    t.state = 'up';
    return t;
  }

  send(inbox: string, frame: Uint8Array): void {
    const direct = this.direct;
    if (direct !== undefined && this.canPublishNow() && direct.publish(inbox, frame)) return this.sent(frame.byteLength);
    this.write('', this.inboxQueue(inbox), frame, { mandatory: true });
  }

  private readonly inboxQueue = (inbox: string): string => this.prefix + 'inbox.' + inbox;

  async listen(inbox: string, handler: FrameHandler, options?: ListenOptions): Promise<Subscription> {
    const prefetch = options?.prefetch ?? this.prefetch;
    if (!Number.isInteger(prefetch) || prefetch < 1) {
      throw new HypernodeError('INVALID_ARGUMENT', `Prefetch ${prefetch} for inbox '${inbox}' is not a positive integer; pass 1 or more.`);
    }
    const queue = this.queueName('inbox', inbox);
    if (this.inboxes.has(inbox)) throw this.takenError('Inbox', inbox, 'listener');
    const rec: Rec = { kind: 'listen', name: inbox, queue, handler, prefetch, closed: false };
    this.inboxes.set(inbox, rec);
    return this.start(rec, () => this.inboxes.delete(inbox));
  }

  publish(frame: Uint8Array): void {
    this.write(this.exchange, '', frame, {});
  }

  async subscribe(handler: (frame: Uint8Array) => void): Promise<Subscription> {
    return this.start({ kind: 'subscribe', handler, closed: false }, noop);
  }

  async serve(service: string, handler: (body: Uint8Array) => Promise<Uint8Array>): Promise<Subscription> {
    const queue = this.queueName('rpc', service);
    if (this.services.has(service)) throw this.takenError('Service', service, 'server');
    const rec: Rec = { kind: 'serve', name: service, queue, handler, closed: false };
    this.services.set(service, rec);
    return this.start(rec, () => this.services.delete(service));
  }

  request(service: string, body: Uint8Array, timeoutMs: number): Promise<Uint8Array> {
    if (this.state === 'closed') return Promise.reject(this.closedError(`send a request to '${service}'`));
    let queue: string;
    try {
      queue = this.queueName('rpc', service);
    } catch (err) {
      return Promise.reject(err);
    }
    const correlationId = String(++this.requestSeq);
    return new Promise<Uint8Array>((resolve, reject) => {
      const timer = this.clock.setTimeout(() => this.finish(correlationId, this.timeoutError(service, timeoutMs, 'no answer')), timeoutMs);
      this.pending.set(correlationId, { service, timeoutMs, timer, resolve, reject });
      this.write('', queue, body, { mandatory: true, replyTo: REPLY_TO, correlationId, expiration: String(Math.max(1, Math.ceil(timeoutMs))) });
    });
  }

  on(event: 'down' | 'up', listener: (cause?: Error) => void): void {
    this.events[event].add(listener);
  }

  off(event: 'down' | 'up', listener: (cause?: Error) => void): void {
    this.events[event].delete(listener);
  }

  stats(): TransportStats {
    return { ...this.counters };
  }

  /**
   * Flushes what is buffered (while connected, for up to 5 s), then closes the connection, which stops
   * every consumer. Frames whose handler is still running are requeued by the broker and dropped by the
   * inbox's next listener (they were handed over once). Pending requests reject with `TRANSPORT_DOWN`.
   */
  async close(): Promise<void> {
    if (this.state === 'closed') return;
    if (this.state === 'up' && this.outboxHead < this.outbox.length) {
      let timer: unknown;
      await new Promise<void>((resolve) => {
        this.drained = resolve;
        timer = this.clock.setTimeout(resolve, CLOSE_FLUSH_MS);
      });
      this.clock.clearTimeout(timer as never);
    }
    for (const ch of [...this.lastUnacked.keys()]) this.flushAcks(ch);
    this.state = 'closed';
    this.clock.clearTimeout(this.reconnectTimer as never);
    for (const rec of this.recs) rec.closed = true;
    for (const id of [...this.pending.keys()]) this.finish(id, this.closedError('wait for a reply'));
    const { conn, pub } = this;
    this.conn = this.pub = this.direct = undefined;
    this.outbox.length = this.outboxHead = this.outboxBytes = 0;
    if (pub) await pub.close().catch(noop);
    if (conn) await conn.close().catch(noop);
  }

  /**
   * Deletes the queues this instance declared (inboxes and RPC queues) and the cluster's events exchange.
   * Meant for tests' cleanup; works after {@link close}. Frames still queued there are lost.
   */
  async deleteClusterTopology(): Promise<void> {
    const conn = await amqpConnect(this.url).catch((err: unknown) => {
      throw this.downError(err);
    });
    conn.on('error', noop);
    try {
      for (const queue of this.declaredQueues) await this.onChannel(conn, (ch) => ch.deleteQueue(queue));
      await this.onChannel(conn, (ch) => ch.deleteExchange(this.exchange));
    } finally {
      await conn.close().catch(noop);
    }
  }

  private async onChannel(conn: ChannelModel, op: (ch: Channel) => Promise<unknown>): Promise<void> {
    const ch = await conn.createChannel();
    ch.on('error', noop);
    await op(ch).catch(noop);
    await ch.close().catch(noop);
  }

  // ---- publishing -------------------------------------------------------------------------------------

  private write(exchange: string, key: string, frame: Uint8Array, opts: Options.Publish): void {
    if (this.state === 'closed') return void this.counters.dropped++;
    if (this.canPublishNow() && this.tryPublish(exchange, key, asBuffer(frame), opts)) return;
    if (this.outboxBytes + frame.byteLength > this.maxBufferedBytes) return void this.counters.dropped++;
    this.outbox.push({ exchange, key, body: Buffer.from(frame), opts });
    this.outboxBytes += frame.byteLength;
  }

  /** Whether a frame may be published at once: connected, not pushed back, nothing older waiting in the outbox. */
  private canPublishNow(): boolean {
    return this.state === 'up' && !this.blocked && this.outboxHead === this.outbox.length;
  }

  private sent(bytes: number): void {
    this.counters.framesSent++;
    this.counters.bytesSent += bytes;
  }

  /**
   * Hands a message to amqplib (which copies it at once). False when the channel is gone (keep it for
   * the next connection); a message amqplib refuses for itself (a routing key over 255 bytes) is dropped.
   */
  private tryPublish(exchange: string, key: string, body: Buffer, opts: Options.Publish): boolean {
    try {
      if (!this.pub!.publish(exchange, key, body, opts)) this.blocked = true;
    } catch (err) {
      if (!this.pub || (err as Error).name === 'IllegalOperationError') return false;
      this.counters.dropped++;
      this.logger.warn(`dropped a frame for '${key}': ${(err as Error).message}`);
      return true;
    }
    this.sent(body.length);
    return true;
  }

  private readonly flush = (): void => {
    this.blocked = false;
    const box = this.outbox;
    while (this.state === 'up' && !this.blocked && this.outboxHead < box.length) {
      const m = box[this.outboxHead]!;
      if (!this.tryPublish(m.exchange, m.key, m.body, m.opts)) return;
      box[this.outboxHead++] = undefined as never;
      this.outboxBytes -= m.body.length;
    }
    if (this.outboxHead === box.length) {
      box.length = this.outboxHead = 0;
      this.drained?.();
    }
  };

  private readonly onReturn = (msg: Message): void => {
    const id = msg.properties.correlationId as string | undefined;
    const p = id === undefined ? undefined : this.pending.get(id);
    if (p) this.finish(id!, this.timeoutError(p.service, p.timeoutMs, 'no server'));
    else this.counters.dropped++;
  };

  private readonly onReply = (msg: ConsumeMessage | null): void => {
    if (!msg) return;
    const error = msg.properties.headers?.[ERROR_HEADER];
    const id = msg.properties.correlationId as string;
    const p = this.pending.get(id);
    if (!p) return;
    if (error === undefined) this.finish(id, null, msg.content);
    else this.finish(id, new HypernodeError('REMOTE_ERROR', `Service '${p.service}' of cluster '${this.cluster}' failed: ${String(error)}`));
  };

  private finish(id: string, err: Error | null, reply?: Uint8Array): void {
    const p = this.pending.get(id);
    if (!p) return;
    this.pending.delete(id);
    this.clock.clearTimeout(p.timer as never);
    if (err) p.reject(err);
    else p.resolve(reply!);
  }

  // ---- consumers --------------------------------------------------------------------------------------

  private async start(rec: Rec, unregister: () => void): Promise<Subscription> {
    const close = async (): Promise<void> => {
      if (rec.closed) return;
      if (rec.ch) this.flushAcks(rec.ch);
      rec.closed = true;
      this.recs.delete(rec);
      unregister();
      const ch = rec.ch;
      rec.ch = undefined;
      await ch?.close().catch(noop);
    };
    if (this.state === 'closed') {
      unregister();
      throw this.closedError(rec.kind === 'subscribe' ? 'subscribe' : `${rec.kind} on '${rec.name}'`);
    }
    this.recs.add(rec);
    if (this.state === 'up') {
      try {
        await this.establish(rec, this.conn!);
      } catch (err) {
        if (this.state === 'up' || codeOf(err) === 403 || codeOf(err) === 406) {
          this.recs.delete(rec);
          unregister();
          throw this.establishError(rec, err);
        }
      }
    }
    if (this.state !== 'up') await this.untilUp();
    return { close };
  }

  private untilUp(): Promise<void> {
    return new Promise((resolve, reject) => {
      const up = (): void => {
        this.off('up', up);
        resolve();
      };
      this.on('up', up);
      if (this.state === 'closed') reject(this.closedError('wait for the connection'));
    });
  }

  /** Declares what `rec` needs and starts its consumer on a channel of its own. */
  private async establish(rec: Rec, conn: ChannelModel): Promise<void> {
    const ch = await conn.createChannel();
    ch.on('error', noop);
    rec.ch = ch; // before consuming: the first delivery may arrive before `consume` resolves
    try {
      if (rec.kind === 'subscribe') {
        const queue = `${this.prefix}events.${randomUUID()}`;
        await ch.assertQueue(queue, { exclusive: true, autoDelete: true, durable: false });
        await ch.bindQueue(queue, this.exchange, '');
        await ch.consume(queue, this.onEvent(rec, ch), { noAck: true });
      } else {
        await ch.prefetch(rec.kind === 'listen' ? rec.prefetch : SERVE_PREFETCH);
        await ch.assertQueue(rec.queue, { durable: false, arguments: { 'x-expires': this.expiresMs } });
        this.declaredQueues.add(rec.queue);
        await ch.consume(rec.queue, rec.kind === 'listen' ? this.onFrame(rec, ch) : this.onRequest(rec, ch), { exclusive: true });
      }
    } catch (err) {
      if (rec.ch === ch) rec.ch = undefined;
      await ch.close().catch(noop);
      throw err;
    }
    if (rec.closed) return void (await ch.close().catch(noop));
    ch.on('close', () => {
      // Deferred: when the whole connection drops, its own 'close' (with the real cause) comes first.
      setImmediate(() => {
        if (rec.ch === ch && !rec.closed) this.lose(new Error(`the channel of a ${rec.kind} was closed by the broker`));
      });
    });
  }

  private onEvent(rec: Rec & { kind: 'subscribe' }, ch: Channel) {
    return (msg: ConsumeMessage | null): void => {
      if (!msg || rec.closed || rec.ch !== ch) return;
      this.received(msg);
      try {
        rec.handler(msg.content);
      } catch {
        // A subscriber's failure is its own; the next event still arrives.
      }
    };
  }

  private received(msg: ConsumeMessage): void {
    this.counters.framesReceived++;
    this.counters.bytesReceived += msg.content.length;
  }

  /** Skips a redelivered message (it may have been handled before the connection broke): at most once. */
  private redelivered(rec: Rec & { queue: string }, ch: Channel, msg: ConsumeMessage): boolean {
    if (!msg.fields.redelivered) return false;
    this.counters.dropped++;
    if (!this.warnedRedelivery.has(ch)) {
      this.warnedRedelivery.add(ch);
      this.logger.warn(`dropping frames that RabbitMQ redelivered to '${rec.queue}' after a connection loss, since they may have been handled already (at most once); stats().dropped counts them`);
    }
    this.ack(rec, ch, msg);
    return true;
  }

  /** Per listening channel: the newest frame handled synchronously and not yet acknowledged, and how many. */
  private readonly lastUnacked = new Map<Channel, Unacked>();
  /** Per listening channel: frames whose handler's promise has not settled yet. */
  private readonly asyncPending = new Map<Channel, number>();

  private ack(rec: Rec, ch: Channel, msg: ConsumeMessage): void {
    if (rec.ch !== ch || rec.closed) return;
    try {
      ch.ack(msg);
    } catch {
      // The channel died: the broker requeues the frame, and its next consumer drops it as redelivered.
    }
  }

  private onFrame(rec: Rec & { kind: 'listen' }, ch: Channel) {
    return (msg: ConsumeMessage | null): void => {
      if (!msg) return this.lose(new Error(`RabbitMQ cancelled the consumer of '${rec.queue}' (queue deleted?)`));
      if (rec.closed || this.redelivered(rec, ch, msg)) return;
      this.received(msg);
      let result: void | Promise<void>;
      try {
        result = rec.handler(msg.content);
      } catch {
        result = undefined;
      }
      if (result && typeof result.then === 'function') {
        this.asyncPending.set(ch, (this.asyncPending.get(ch) ?? 0) + 1);
        const done = (): void => {
          this.asyncPending.set(ch, this.asyncPending.get(ch)! - 1);
          this.ack(rec, ch, msg);
        };
        result.then(done, done);
      } else if (this.asyncPending.get(ch)) {
        this.ack(rec, ch, msg);
      } else {
        this.ackLater(rec, ch, msg);
      }
    };
  }

  /**
   * Acknowledges frames whose handler returned at once in batches (one `ack` with `allUpTo`): right after
   * the tick once half the prefetch window is unacknowledged (at once with prefetch 1), otherwise after
   * {@link ACK_DELAY_MS}. Replies the handlers queued leave before the ack, and a lone round trip does not
   * pay for an ack write (on both sides) while it waits for its reply.
   */
  private ackLater(rec: Rec & { kind: 'listen' }, ch: Channel, msg: ConsumeMessage): void {
    let u = this.lastUnacked.get(ch);
    if (u === undefined) {
      u = { rec, msg, count: 0, timer: undefined, soon: false };
      this.lastUnacked.set(ch, u);
    }
    u.msg = msg;
    if (++u.count * 2 >= rec.prefetch) {
      if (u.soon) return;
      u.soon = true;
      setImmediate(() => this.flushAcks(ch));
    } else if (u.timer === undefined) {
      u.timer = setTimeout(() => this.flushAcks(ch), ACK_DELAY_MS);
      (u.timer as { unref?: () => void }).unref?.();
    }
  }

  /** Sends the batched acknowledgement of `ch`, if any. */
  private flushAcks(ch: Channel): void {
    const u = this.lastUnacked.get(ch);
    if (u === undefined) return;
    this.lastUnacked.delete(ch);
    if (u.timer !== undefined) clearTimeout(u.timer as never);
    if (u.rec.ch !== ch || u.rec.closed) return;
    try {
      ch.ack(u.msg, true);
    } catch {
      // The channel died: the broker requeues the frames, and their next consumer drops them as redelivered.
    }
  }

  private onRequest(rec: Rec & { kind: 'serve' }, ch: Channel) {
    return (msg: ConsumeMessage | null): void => {
      if (!msg) return this.lose(new Error(`RabbitMQ cancelled the consumer of '${rec.queue}' (queue deleted?)`));
      if (rec.closed || this.redelivered(rec, ch, msg)) return;
      const { replyTo, correlationId } = msg.properties;
      const reply = (body: Uint8Array, headers?: Record<string, string>): void => {
        if (replyTo) this.write('', replyTo, body, { correlationId, headers });
        this.ack(rec, ch, msg);
      };
      Promise.resolve()
        .then(() => rec.handler(msg.content))
        .then(
          (body) => reply(body),
          (err: unknown) => reply(new Uint8Array(0), { [ERROR_HEADER]: err instanceof Error ? err.message : String(err) }),
        );
    };
  }

  // ---- connection -------------------------------------------------------------------------------------

  /** Opens a connection, the publisher channel and every consumer; on failure closes what it opened. */
  private async open(): Promise<void> {
    const conn = await amqpConnect(withHeartbeat(this.url), { noDelay: true, clientProperties: { connection_name: this.connectionName } });
    conn.on('error', noop);
    conn.on('close', (err?: Error) => {
      if (this.conn === conn) this.lose(err);
    });
    try {
      const pub = await conn.createChannel();
      pub.on('error', noop);
      await pub.assertExchange(this.exchange, 'fanout', { durable: false, autoDelete: false });
      await pub.consume(REPLY_TO, this.onReply, { noAck: true });
      pub.on('return', this.onReturn);
      pub.on('drain', this.flush);
      pub.on('close', () => {
        setImmediate(() => {
          if (this.pub === pub) this.lose(new Error('the publisher channel was closed by the broker'));
        });
      });
      for (const rec of this.recs) await this.establish(rec, conn);
      this.conn = conn;
      this.pub = pub;
      this.blocked = false;
      this.direct = this.directPublish ? DirectPublisher.attach(pub, this.inboxQueue) : undefined;
    } catch (err) {
      await conn.close().catch(noop);
      throw err;
    }
  }

  private lose(cause?: Error): void {
    if (this.state !== 'up') return;
    this.state = 'down';
    const conn = this.conn;
    this.conn = this.pub = this.direct = undefined;
    for (const rec of this.recs) rec.ch = undefined;
    conn?.close().catch(noop);
    this.drained?.();
    const err = new HypernodeError('TRANSPORT_DOWN', `Lost the connection to RabbitMQ at ${this.host} (cluster '${this.cluster}'): ${cause?.message ?? 'closed'}; reconnecting on its own, sends are buffered meanwhile.`, { cause });
    this.logger.warn(err.message);
    for (const l of [...this.events.down]) l(err);
    this.reconnectLater();
  }

  private reconnectLater(): void {
    const delay = Math.min(MAX_BACKOFF_MS, 100 * 2 ** this.attempt++) * (0.8 + 0.2 * Math.random());
    this.reconnectTimer = this.clock.setTimeout(() => void this.reconnect(), delay);
  }

  private async reconnect(): Promise<void> {
    if (this.state !== 'down') return;
    try {
      await this.open();
    } catch (err) {
      this.conn = this.pub = this.direct = undefined;
      if (this.state !== 'down') return;
      this.logger.warn(`RabbitMQ at ${this.host} is still unreachable (attempt ${this.attempt}): ${(err as Error).message}; retrying.`);
      return this.reconnectLater();
    }
    if (this.state !== 'down') return void this.conn?.close().catch(noop);
    this.state = 'up';
    this.attempt = 0;
    this.logger.info(`reconnected to RabbitMQ at ${this.host}`);
    for (const l of [...this.events.up]) l();
    this.flush();
  }

  // ---- names and errors -------------------------------------------------------------------------------

  private queueName(kind: 'inbox' | 'rpc', name: string): string {
    const queue = `${this.prefix}${kind}.${name}`;
    if (!name || Buffer.byteLength(queue) > 255) {
      throw new HypernodeError('INVALID_ARGUMENT', `${kind === 'inbox' ? 'Inbox' : 'Service'} name '${name}' makes queue name '${queue}', which RabbitMQ refuses (empty or over 255 bytes); use a shorter name.`);
    }
    return queue;
  }

  private takenError(what: string, name: string, role: string): HypernodeError {
    return new HypernodeError('INVALID_ARGUMENT', `${what} '${name}' of cluster '${this.cluster}' already has a ${role}; close that subscription first, or use another name.`);
  }

  private establishError(rec: Rec, err: unknown): HypernodeError {
    const target = rec.kind === 'subscribe' ? `the events of cluster '${this.cluster}'` : `'${rec.queue}'`;
    if (codeOf(err) === 403 && rec.kind !== 'subscribe') {
      return this.takenError(rec.kind === 'listen' ? 'Inbox' : 'Service', rec.name, rec.kind === 'listen' ? 'listener' : 'server');
    }
    if (codeOf(err) === 406) {
      return new HypernodeError('INVALID_OPTIONS', `Queue ${target} exists on RabbitMQ at ${this.host} with other properties (another 'queueExpiresMs'?); delete it or use the same options everywhere.`, { cause: err });
    }
    return new HypernodeError('TRANSPORT_DOWN', `Could not consume from ${target} on RabbitMQ at ${this.host}: ${(err as Error).message}; check the broker's log.`, { cause: err });
  }

  private downError(err: unknown): HypernodeError {
    const code = codeOf(err);
    const msg = (err as Error)?.message ?? String(err);
    const where = `RabbitMQ at '${maskUrl(this.url)}'`;
    const fix =
      code === 'ECONNREFUSED'
        ? `nothing listens on ${this.host}; start RabbitMQ with 'rabbitmq-server -detached' (or 'docker run -d -p 5672:5672 rabbitmq:3'), or pass the right url`
        : /ACCESS.REFUSED|403/.test(msg)
          ? 'the broker refused the login; check the user and password in the url'
          : `${msg.replaceAll(this.url, maskUrl(this.url))}; check that the broker runs and the url is right`;
    return new HypernodeError('TRANSPORT_DOWN', `Cannot connect to ${where} for cluster '${this.cluster}': ${fix}.`, { cause: err });
  }

  private timeoutError(service: string, timeoutMs: number, why: string): HypernodeError {
    return new HypernodeError('REQUEST_TIMEOUT', `Request to service '${service}' of cluster '${this.cluster}' got no reply within ${timeoutMs} ms (${why}); check that a server for '${service}' runs, or raise the timeout.`);
  }

  private closedError(what: string): HypernodeError {
    return new HypernodeError('TRANSPORT_DOWN', `Cannot ${what}: this RabbitMQ transport of cluster '${this.cluster}' is closed; connect a new one.`);
  }
}
