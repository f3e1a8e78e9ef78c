/**
 * The RabbitMQ transport of hypernode, over amqplib.
 *
 * Start a broker locally with `rabbitmq-server -detached` (Debian/Ubuntu package `rabbitmq-server`), or with
 * Docker: `docker run -d --name rabbitmq -p 5672:5672 rabbitmq:3`. The default URL is
 * `amqp://guest:guest@127.0.0.1:5672` (the `guest` user may only connect from localhost).
 *
 * Layout (docs/design/002-rabbitmq-layout.md): everything under `hypernode.<cluster>.`; one queue per inbox
 * (`inbox.<inbox>`, fed through the default exchange); a fanout exchange `events` with one exclusive queue
 * per subscriber; RPC through `rpc.<service>` queues, each bound by its service name to the topic exchange `rpc`
 * (so a broker user can be let publish requests to one service only: docs/design/027), and direct reply-to.
 *
 * Beside this file: `acks.ts` (batched acks of handled frames), `outbox.ts` (frames kept while disconnected),
 * `requests.ts` (requests awaiting replies), `frame-limit.ts` (the largest frame published), `topology.ts` (test
 * cleanup), `direct-publish.ts`, `amqp-errors.ts` and `amqp-url.ts`.
 */
import { randomUUID } from 'node:crypto';
import { connect as amqpConnect } from 'amqplib';
import { Acks } from './acks';
import { AmqpErrors, codeOf } from './amqp-errors';
import { hostOf, withHeartbeat } from './amqp-url';
import { withDeadline } from './deadline';
import { DirectPublisher } from './direct-publish';
import { FrameLimit } from './frame-limit';
import { deleteTopology } from './topology';
import { Outbox, type Outgoing } from './outbox';
import { callerOf, ERROR_HEADER, PendingRequests } from './requests';
import type { Channel, ChannelModel, ConsumeMessage, Message, Options } from 'amqplib';
import { HypernodeError } from '@hypernode/core';
import type { Clock } from '@hypernode/core';
import { resolveAmqpOptions, type AmqpLogger, type AmqpTransportOptions, type ResolvedAmqpOptions } from './amqp-options';
import type { FrameHandler, ListenOptions, RequestHandler, Subscription, Transport, TransportStats } from '@hypernode/core/runtime';

const REPLY_TO = 'amq.rabbitmq.reply-to';
const SERVE_PREFETCH = 16;
const MAX_BACKOFF_MS = 5000;
const CLOSE_FLUSH_MS = 5000;
const noop = (): void => {};
type Rec =
  | { kind: 'listen'; name: string; queue: string; handler: FrameHandler; prefetch: number; ownAcks: boolean; ch?: Channel; closed: boolean }
  | { kind: 'subscribe'; handler: (frame: Uint8Array) => void; ch?: Channel; closed: boolean }
  | { kind: 'serve'; name: string; queue: string; handler: RequestHandler; ch?: Channel; closed: boolean };


const asBuffer = (u: Uint8Array): Buffer => (Buffer.isBuffer(u) ? u : Buffer.from(u.buffer, u.byteOffset, u.byteLength));

/**
 * A {@link Transport} over RabbitMQ. It keeps every promise of that interface (see its TSDoc) against a
 * real broker, reconnects on its own after the connection drops (backoff from 100 ms doubling to 5 s),
 * re-declares its queues and consumers, buffers sends meanwhile (bounded by `maxBufferedBytes`, then
 * dropped, counted and logged) and flushes them in order.
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
  private readonly outbox: Outbox;
  private readonly recs = new Set<Rec>();
  private readonly inboxes = new Map<string, Rec>();
  private readonly services = new Map<string, Rec>();
  private readonly requests: PendingRequests;
  private readonly events = { down: new Set<(cause?: Error) => void>(), up: new Set<(cause?: Error) => void>() };
  private readonly counters: TransportStats = { framesSent: 0, framesReceived: 0, bytesSent: 0, bytesReceived: 0, dropped: 0 };
  private readonly limit: FrameLimit;
  private readonly declaredQueues = new Set<string>();
  private readonly warnedRedelivery = new WeakSet<Channel>();
  private readonly prefix: string;
  private readonly exchange: string;
  /** The topic exchange requests are published to, routed by service name. */
  private readonly rpcExchange: string;
  private readonly host: string;
  private readonly errors: AmqpErrors;
  private readonly acks = new Acks();
  private readonly connectionName: string;
  private attempt = 0;
  private lastOverflowLog = -Infinity;
  private reconnectTimer: unknown;
  /** Called once the outbox is empty or the connection is lost: `close()` waits for it. */
  private drained?: () => void;

  private readonly url: string;
  private readonly cluster: string;
  private readonly logger: AmqpLogger;
  private readonly prefetch: number;
  private readonly expiresMs: number;
  private readonly clock: Clock;
  private readonly directPublish: boolean;
  private readonly connectTimeoutMs: number;
  /** TLS material for amqplib's socket (`amqps://` only). */
  private readonly socket: ResolvedAmqpOptions['socket'];

  private constructor(o: ResolvedAmqpOptions) {
    ({ url: this.url, cluster: this.cluster, logger: this.logger, prefetch: this.prefetch, clock: this.clock, directPublish: this.directPublish } = o);
    this.expiresMs = o.queueExpiresMs;
    this.connectTimeoutMs = o.connectTimeoutMs;
    this.socket = o.socket;
    this.limit = new FrameLimit(o.maxFrameBytes, o.logger, this.counters);
    this.prefix = `hypernode.${o.cluster}.`;
    this.exchange = `${this.prefix}events`;
    this.rpcExchange = `${this.prefix}rpc`;
    this.host = hostOf(o.url);
    this.errors = new AmqpErrors(o.cluster, o.url, this.host, o.connectTimeoutMs, /^amqps:/i.test(o.url) ? { clientCert: o.socket.cert !== undefined } : undefined);
    this.outbox = new Outbox(o.maxBufferedBytes);
    this.requests = new PendingRequests(o.clock, this.errors);
    this.connectionName = `${this.prefix}${process.pid}.${randomUUID().slice(0, 8)}`;
  }

  /**
   * Connects to the broker and declares the cluster's events and RPC exchanges. Rejects with `INVALID_OPTIONS` for a bad
   * option (naming it), and with `TRANSPORT_DOWN` (naming the URL, never the password) when the broker cannot be
   * reached, refuses the login, or does not complete the AMQP handshake within `connectTimeoutMs`; it does not
   * retry a first connection.
   */
  static async connect(options: AmqpTransportOptions): Promise<AmqpTransport> {
    const t = new AmqpTransport(resolveAmqpOptions(options));
    try {
      await t.open();
    } catch (err) {
      throw t.errors.down(err);
    }
    t.state = 'up';
    return t;
  }

  send(inbox: string, frame: Uint8Array): void {
    if (this.limit.drops(frame, inbox)) return;
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
    if (this.inboxes.has(inbox)) throw this.errors.taken('Inbox', inbox, 'listener');
    const rec: Rec = { kind: 'listen', name: inbox, queue, handler, prefetch, ownAcks: options?.ownAcks === true, closed: false };
    this.inboxes.set(inbox, rec);
    return this.start(rec, () => this.inboxes.delete(inbox));
  }

  publish(frame: Uint8Array): void {
    if (this.limit.drops(frame, this.exchange)) return;
    this.write(this.exchange, '', frame, {});
  }

  async subscribe(handler: (frame: Uint8Array) => void): Promise<Subscription> {
    return this.start({ kind: 'subscribe', handler, closed: false }, noop);
  }

  async serve(service: string, handler: RequestHandler): Promise<Subscription> {
    const queue = this.queueName('rpc', service);
    if (this.services.has(service)) throw this.errors.taken('Service', service, 'server');
    const rec: Rec = { kind: 'serve', name: service, queue, handler, closed: false };
    this.services.set(service, rec);
    return this.start(rec, () => this.services.delete(service));
  }

  request(service: string, body: Uint8Array, timeoutMs: number): Promise<Uint8Array> {
    if (this.state === 'closed') return Promise.reject(this.errors.closed(`send a request to '${service}'`));
    if (body.byteLength > this.limit.maxBytes) return Promise.reject(this.limit.tooLarge(`request to '${service}'`, body.byteLength));
    let queue: string;
    try {
      queue = this.queueName('rpc', service); // checks the name
    } catch (err) {
      return Promise.reject(err);
    }
    return this.requests.start(service, timeoutMs, (correlationId) =>
      this.write(this.rpcExchange, service, body, { mandatory: true, replyTo: REPLY_TO, correlationId, appId: this.connectionName, expiration: String(Math.max(1, Math.ceil(timeoutMs))) }),
    );
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
    if (this.state === 'up' && !this.outbox.empty) {
      let timer: unknown;
      await new Promise<void>((resolve) => {
        this.drained = resolve;
        timer = this.clock.setTimeout(resolve, CLOSE_FLUSH_MS);
      });
      this.clock.clearTimeout(timer as never);
    }
    this.acks.flushAll();
    this.state = 'closed';
    this.clock.clearTimeout(this.reconnectTimer as never);
    for (const rec of this.recs) rec.closed = true;
    this.requests.failAll(this.errors.closed('wait for a reply'));
    const { conn, pub } = this;
    this.conn = this.pub = this.direct = undefined;
    this.outbox.clear();
    if (pub) await pub.close().catch(noop);
    if (conn) await conn.close().catch(noop);
  }

  /**
   * Deletes the queues this instance declared (inboxes and RPC queues) and the cluster's events and RPC exchanges.
   * Meant for tests' cleanup; works after {@link close}. Frames still queued there are lost.
   */
  async deleteClusterTopology(): Promise<void> {
    await deleteTopology(this.url, this.errors, [...this.declaredQueues], [this.exchange, this.rpcExchange], { ...this.socket, timeout: this.connectTimeoutMs });
  }

  // ---- publishing -------------------------------------------------------------------------------------

  private write(exchange: string, key: string, frame: Uint8Array, opts: Options.Publish): void {
    if (this.state === 'closed') return void this.counters.dropped++;
    if (this.canPublishNow() && this.tryPublish(exchange, key, asBuffer(frame), opts)) return;
    if (!this.outbox.add(exchange, key, frame, opts)) this.overflow(key || exchange, frame.byteLength);
  }

  /** A frame the full outbox could not keep: counted and logged (at most once a minute); a worker's delivery layer sends it again. */
  private overflow(to: string, bytes: number): void {
    this.counters.dropped++;
    const now = this.clock.now();
    if (now - this.lastOverflowLog < 60_000) return;
    this.lastOverflowLog = now;
    this.logger.warn(
      `dropped a frame of ${bytes} bytes for '${to}': the buffer kept while RabbitMQ at ${this.host} is unreachable or pushing back is full (maxBufferedBytes); ${this.counters.dropped} dropped so far (stats().dropped). A worker's frames are sent again once acknowledged delivery finds them missing; events and requests are lost.`,
    );
  }

  /** Whether a frame may be published at once: connected, not pushed back, nothing older waiting in the outbox. */
  private canPublishNow(): boolean {
    return this.state === 'up' && !this.blocked && this.outbox.empty;
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
    const publish = (m: Outgoing): boolean => this.tryPublish(m.exchange, m.key, m.body, m.opts);
    if (this.outbox.drain(publish, () => this.state === 'up' && !this.blocked)) this.drained?.();
  };

  private readonly onReturn = (msg: Message): void => {
    if (!this.requests.returned(msg)) this.counters.dropped++;
  };

  // ---- consumers --------------------------------------------------------------------------------------

  private async start(rec: Rec, unregister: () => void): Promise<Subscription> {
    const close = async (): Promise<void> => {
      if (rec.closed) return;
      if (rec.ch) this.acks.flush(rec.ch);
      rec.closed = true;
      this.recs.delete(rec);
      unregister();
      const ch = rec.ch;
      rec.ch = undefined;
      await ch?.close().catch(noop);
    };
    if (this.state === 'closed') {
      unregister();
      throw this.errors.closed(rec.kind === 'subscribe' ? 'subscribe' : `${rec.kind} on '${rec.name}'`);
    }
    this.recs.add(rec);
    if (this.state === 'up') {
      try {
        await this.establish(rec, this.conn!);
      } catch (err) {
        if (this.state === 'up' || codeOf(err) === 403 || codeOf(err) === 406) {
          this.recs.delete(rec);
          unregister();
          throw this.errors.establish(rec.kind, rec.kind === 'subscribe' ? undefined : rec.name, rec.kind === 'subscribe' ? undefined : rec.queue, err);
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
      if (this.state === 'closed') reject(this.errors.closed('wait for the connection'));
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
        if (rec.kind === 'serve') await ch.bindQueue(rec.queue, this.rpcExchange, rec.name);
        // A listener with its own acks (exactly-once delivery above) is consumed without the broker's.
        const noAck = rec.kind === 'listen' && rec.ownAcks;
        await ch.consume(rec.queue, rec.kind === 'listen' ? this.onFrame(rec, ch) : this.onRequest(rec, ch), { exclusive: true, noAck });
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
    if (!(rec.kind === 'listen' && rec.ownAcks)) this.acks.one(rec, ch, msg);
    return true;
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
      if (!rec.ownAcks) this.acks.handled(rec, ch, msg, result);
    };
  }

  private onRequest(rec: Rec & { kind: 'serve' }, ch: Channel) {
    return (msg: ConsumeMessage | null): void => {
      if (!msg) return this.lose(new Error(`RabbitMQ cancelled the consumer of '${rec.queue}' (queue deleted?)`));
      if (rec.closed || this.redelivered(rec, ch, msg)) return;
      const { replyTo, correlationId, appId } = msg.properties;
      const reply = (body: Uint8Array, headers?: Record<string, string>): void => {
        if (body.byteLength > this.limit.maxBytes) return reply(new Uint8Array(0), { [ERROR_HEADER]: this.limit.tooLarge(`reply of '${rec.name}'`, body.byteLength).message });
        if (replyTo) this.write('', replyTo, body, { correlationId, headers });
        this.acks.one(rec, ch, msg);
      };
      Promise.resolve()
        .then(() => rec.handler(msg.content, { from: callerOf(appId, replyTo) }))
        .then(
          (body) => reply(body),
          (err: unknown) => reply(new Uint8Array(0), { [ERROR_HEADER]: err instanceof Error ? err.message : String(err) }),
        );
    };
  }

  // ---- connection -------------------------------------------------------------------------------------

  /** Opens a connection, the publisher channel and every consumer; on failure closes what it opened. */
  private async open(): Promise<void> {
    // amqplib's `timeout` ends a socket that stays silent that long; the deadline bounds the whole opening.
    const opening = amqpConnect(withHeartbeat(this.url), { ...this.socket, noDelay: true, timeout: this.connectTimeoutMs, clientProperties: { connection_name: this.connectionName } });
    const conn = await withDeadline(opening, this.connectTimeoutMs, this.clock, () => this.errors.noHandshake(), (late) => void late.close().catch(noop));
    conn.on('error', noop);
    conn.on('close', (err?: Error) => {
      if (this.conn === conn) this.lose(err);
    });
    try {
      const pub = await conn.createChannel();
      let closedBy: Error | undefined; // why the broker closed it (a publish it refused: ACCESS_REFUSED)
      pub.on('error', (err: Error) => void (closedBy = err));
      await pub.assertExchange(this.exchange, 'fanout', { durable: false, autoDelete: false });
      await pub.assertExchange(this.rpcExchange, 'topic', { durable: false, autoDelete: false });
      await pub.consume(REPLY_TO, this.requests.replied, { noAck: true });
      pub.on('return', this.onReturn);
      pub.on('drain', this.flush);
      pub.on('close', () => {
        setImmediate(() => {
          if (this.pub === pub) this.lose(this.errors.publisherClosed(closedBy));
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
    const err = this.errors.lost(cause);
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
    // A service name is a routing key of the topic exchange `rpc`, where '*' and '#' are wildcards.
    if (kind === 'rpc' && /[*#]/.test(name)) throw new HypernodeError('INVALID_ARGUMENT', `Service name '${name}' contains '*' or '#', wildcards of RabbitMQ's topic routing; use letters, digits, '.', '_' and '-'.`);
    return queue;
  }
}
