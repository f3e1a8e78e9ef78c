/**
 * The hot path of `AmqpTransport.send`: a frame for another worker's inbox is encoded as the three AMQP
 * 0-9-1 frames of a `basic.publish` (method, content header without properties, one body frame) into one
 * Buffer and written to the connection's socket at once, instead of going through amqplib's encoder, its
 * per-channel stream and its `setImmediate` write loop. See docs/design/011-direct-publish.md.
 *
 * It needs three things of amqplib's connection that are not its public API (the socket, the channel's
 * write buffer, and the heartbeat flag); {@link DirectPublisher.attach} checks that they are there and
 * returns `undefined` otherwise, and the transport then publishes through amqplib as usual. A frame only
 * takes the direct path while amqplib holds nothing unsent for the channel and the socket is not pushing
 * back, so the order of frames is kept either way.
 */
import type { Channel } from 'amqplib';

/** Frame type octets and the frame end marker (AMQP 0-9-1 §4.2.3). */
const METHOD = 1;
const HEADER = 2;
const BODY = 3;
const FRAME_END = 0xce;
/** basic.publish: class 60, method 40. */
const BASIC = 60;
const PUBLISH = 40;
/** Names whose encoded prefix is cached; past this the cache starts over. */
const MAX_CACHED_KEYS = 4096;

interface AmqplibStream {
  write(chunk: Buffer): boolean;
  readonly writable: boolean;
  readonly writableNeedDrain?: boolean;
}

interface AmqplibChannelBuffer {
  readonly readableLength: number;
  readonly writableLength: number;
}

interface AmqplibConnection {
  stream?: AmqplibStream;
  channels?: ({ buffer?: AmqplibChannelBuffer } | null)[];
  frameMax?: number;
  sentSinceLastCheck?: boolean;
}

export class DirectPublisher {
  /** Per routing key: the method frame and the content header frame, with the body size left to fill in. */
  private readonly prefixes = new Map<string, Buffer>();

  private constructor(
    private readonly channel: Channel,
    private readonly number: number,
    private readonly connection: AmqplibConnection,
    private readonly socket: AmqplibStream,
    private readonly buffer: AmqplibChannelBuffer,
    /** The largest body that fits one body frame. */
    private readonly maxBody: number,
    private readonly routingKey: (name: string) => string,
  ) {}

  /** A direct publisher for `channel`, or `undefined` when amqplib's internals are not as expected. */
  static attach(channel: Channel, routingKey: (name: string) => string): DirectPublisher | undefined {
    const ch = channel as unknown as { connection?: AmqplibConnection; ch?: unknown };
    const connection = ch.connection;
    const number = ch.ch;
    if (!connection || typeof number !== 'number' || !Number.isInteger(number) || number < 0 || number > 0xffff) return undefined;
    const socket = connection.stream;
    const buffer = connection.channels?.[number]?.buffer;
    const frameMax = connection.frameMax;
    if (!socket || typeof socket.write !== 'function' || typeof socket.writable !== 'boolean') return undefined;
    if (!buffer || typeof buffer.readableLength !== 'number' || typeof buffer.writableLength !== 'number') return undefined;
    if (typeof frameMax !== 'number' || frameMax < 4096 || typeof connection.sentSinceLastCheck !== 'boolean') return undefined;
    return new DirectPublisher(channel, number, connection, socket, buffer, frameMax - 8, routingKey);
  }

  /**
   * Publishes `body` to the default exchange, `mandatory`, with routing key `routingKey(name)` (a queue's
   * name) and no properties.
   * False when the frame must go through amqplib instead: the channel is closing, amqplib still holds
   * earlier frames of it, the socket is pushing back, the body needs more than one frame, or the key is
   * longer than a short string.
   */
  publish(name: string, body: Uint8Array): boolean {
    const size = body.byteLength;
    if (size > this.maxBody || this.buffer.readableLength !== 0 || this.buffer.writableLength !== 0) return false;
    if (this.socket.writableNeedDrain === true || !this.socket.writable) return false;
    // amqplib gives a closing or closed channel its own `sendMessage`, which throws
    if (Object.hasOwn(this.channel, 'sendMessage')) return false;
    const prefix = this.prefixes.get(name) ?? this.prefix(name);
    if (prefix === undefined) return false;
    const at = prefix.length;
    // An empty body has no body frame at all (AMQP 0-9-1 §4.2.6).
    const out = Buffer.allocUnsafe(size === 0 ? at : at + 8 + size);
    prefix.copy(out, 0);
    // the content header's body size (a 64-bit integer; frames here are far below 4 GiB)
    out.writeUInt32BE(0, at - 11);
    out.writeUInt32BE(size, at - 7);
    if (size !== 0) {
      out[at] = BODY;
      out.writeUInt16BE(this.number, at + 1);
      out.writeUInt32BE(size, at + 3);
      out.set(body, at + 7);
      out[at + 7 + size] = FRAME_END;
    }
    this.connection.sentSinceLastCheck = true;
    this.socket.write(out);
    return true;
  }

  /** Encodes and caches the method and content header frames for `name`. */
  private prefix(name: string): Buffer | undefined {
    const key = this.routingKey(name);
    const keyBytes = Buffer.byteLength(key);
    if (keyBytes > 255) return undefined;
    // method frame: class, method, reserved short, exchange '' (shortstr), routing key (shortstr), bits
    const methodSize = 2 + 2 + 2 + 1 + 1 + keyBytes + 1;
    // content header frame: class, weight, body size (64 bits), property flags (none)
    const headerSize = 2 + 2 + 8 + 2;
    const b = Buffer.alloc(7 + methodSize + 1 + 7 + headerSize + 1);
    let o = 0;
    b[o++] = METHOD;
    o = b.writeUInt16BE(this.number, o);
    o = b.writeUInt32BE(methodSize, o);
    o = b.writeUInt16BE(BASIC, o);
    o = b.writeUInt16BE(PUBLISH, o);
    o = b.writeUInt16BE(0, o);
    b[o++] = 0; // exchange: the default one
    b[o++] = keyBytes;
    o += b.write(key, o);
    b[o++] = 1; // mandatory (an unroutable frame comes back as basic.return), not immediate
    b[o++] = FRAME_END;
    b[o++] = HEADER;
    o = b.writeUInt16BE(this.number, o);
    o = b.writeUInt32BE(headerSize, o);
    o = b.writeUInt16BE(BASIC, o);
    o = b.writeUInt16BE(0, o);
    o += 8; // body size, filled in per frame
    o = b.writeUInt16BE(0, o);
    b[o++] = FRAME_END;
    if (this.prefixes.size >= MAX_CACHED_KEYS) this.prefixes.clear();
    this.prefixes.set(name, b);
    return b;
  }
}
