import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { Channel } from 'amqplib';
import { describe, expect, it } from 'vitest';
import { DirectPublisher } from './direct-publish';

// amqplib's own frame parser and decoder (not exported by its package, so required by path): what the
// direct path writes must read back as the frames amqplib itself would send.
const require = createRequire(import.meta.url);
const lib = join(dirname(require.resolve('amqplib')), 'lib');
const { parseFrame, decodeFrame } = require(join(lib, 'frame.js')) as {
  parseFrame(bin: Buffer, max: number): { type: number; channel: number; size: number; payload: Buffer; rest: Buffer } | false;
  decodeFrame(frame: object): { id: number; channel: number; fields: Record<string, unknown>; size?: number };
};
const defs = require(join(lib, 'defs.js')) as { BasicPublish: number; BasicProperties: number };

/** A stand-in for an amqplib channel with the internals DirectPublisher reads. */
function fakeChannel(number = 3) {
  const written: Buffer[] = [];
  const socket = { writable: true, writableNeedDrain: false, write: (b: Buffer) => (written.push(Buffer.from(b)), true) };
  const buffer = { readableLength: 0, writableLength: 0 };
  const connection = { stream: socket, channels: [] as unknown[], frameMax: 131072, sentSinceLastCheck: false };
  connection.channels[number] = { buffer };
  const channel = { connection, ch: number };
  return { channel: channel as unknown as Channel, raw: channel, connection, socket, buffer, written };
}

const key = (name: string) => `hypernode.c1.inbox.${name}`;

/** Splits `bin` into frames and decodes each with amqplib. */
function frames(bin: Buffer) {
  const out: { type: number; channel: number; decoded: ReturnType<typeof decodeFrame>; payload: Buffer }[] = [];
  let rest = bin;
  while (rest.length > 0) {
    const f = parseFrame(rest, 131072);
    if (f === false) throw new Error(`a truncated frame in ${bin.toString('hex')}`);
    out.push({ type: f.type, channel: f.channel, decoded: f.type === 3 ? ({} as never) : decodeFrame(f), payload: f.payload });
    rest = f.rest;
  }
  return out;
}

describe('DirectPublisher', () => {
  it('writes a basic.publish that amqplib reads back: default exchange, routing key, mandatory, no properties, the body', () => {
    const f = fakeChannel(3);
    const p = DirectPublisher.attach(f.channel, key)!;
    const body = Buffer.from('a frame of hypernode');
    expect(p.publish('w1', body)).toBe(true);
    expect(f.written).toHaveLength(1);
    const [method, header, content, ...more] = frames(f.written[0]!);
    expect(more).toEqual([]);
    expect(method!.type).toBe(1);
    expect(method!.channel).toBe(3);
    expect(method!.decoded.id).toBe(defs.BasicPublish);
    expect(method!.decoded.fields).toMatchObject({ exchange: '', routingKey: 'hypernode.c1.inbox.w1', mandatory: true, immediate: false });
    expect(header!.type).toBe(2);
    expect(header!.decoded.id).toBe(defs.BasicProperties);
    expect(header!.decoded.size).toBe(body.length);
    expect(Object.values(header!.decoded.fields).filter((v) => v !== undefined)).toEqual([]);
    expect(content!.type).toBe(3);
    expect(content!.channel).toBe(3);
    expect(content!.payload.equals(body)).toBe(true);
    expect(f.connection.sentSinceLastCheck).toBe(true);
  });

  it('sends no body frame for an empty body, and keeps each frame its own size when the prefix is reused', () => {
    const f = fakeChannel(1);
    const p = DirectPublisher.attach(f.channel, key)!;
    expect(p.publish('w2', new Uint8Array(0))).toBe(true);
    expect(p.publish('w2', new Uint8Array([1, 2, 3]))).toBe(true);
    expect(p.publish('w2', new Uint8Array(70_000).fill(9))).toBe(true);
    const [empty, small, large] = f.written.map(frames);
    expect(empty!.map((x) => x.type)).toEqual([1, 2]);
    expect(empty![1]!.decoded.size).toBe(0);
    expect(small![1]!.decoded.size).toBe(3);
    expect([...small![2]!.payload]).toEqual([1, 2, 3]);
    expect(large![1]!.decoded.size).toBe(70_000);
    expect(large![2]!.payload.length).toBe(70_000);
  });

  it('copies the body: a sender reusing its buffer afterwards does not change what was written', () => {
    const f = fakeChannel();
    const p = DirectPublisher.attach(f.channel, key)!;
    const body = new Uint8Array([7, 7, 7]);
    p.publish('w1', body);
    body.fill(0);
    expect([...frames(f.written[0]!)[2]!.payload]).toEqual([7, 7, 7]);
  });

  it('encodes a routing key with non-ASCII characters by its UTF-8 length', () => {
    const f = fakeChannel();
    const p = DirectPublisher.attach(f.channel, key)!;
    p.publish('wörker-ü', new Uint8Array([1]));
    expect(frames(f.written[0]!)[0]!.decoded.fields.routingKey).toBe('hypernode.c1.inbox.wörker-ü');
  });

  it('declines (so amqplib publishes instead, in order) while amqplib holds unsent frames of the channel', () => {
    const f = fakeChannel();
    const p = DirectPublisher.attach(f.channel, key)!;
    f.buffer.readableLength = 1;
    expect(p.publish('w1', new Uint8Array([1]))).toBe(false);
    f.buffer.readableLength = 0;
    f.buffer.writableLength = 1;
    expect(p.publish('w1', new Uint8Array([1]))).toBe(false);
    expect(f.written).toHaveLength(0);
  });

  it('declines while the socket pushes back or is closed, and once amqplib has closed the channel', () => {
    const f = fakeChannel();
    const p = DirectPublisher.attach(f.channel, key)!;
    f.socket.writableNeedDrain = true;
    expect(p.publish('w1', new Uint8Array([1]))).toBe(false);
    f.socket.writableNeedDrain = false;
    f.socket.writable = false;
    expect(p.publish('w1', new Uint8Array([1]))).toBe(false);
    f.socket.writable = true;
    (f.raw as Record<string, unknown>).sendMessage = () => {
      throw new Error('channel closed');
    };
    expect(p.publish('w1', new Uint8Array([1]))).toBe(false);
    expect(f.written).toHaveLength(0);
  });

  it('declines a body larger than one frame and a routing key longer than 255 bytes', () => {
    const f = fakeChannel();
    const p = DirectPublisher.attach(f.channel, key)!;
    expect(p.publish('w1', new Uint8Array(131072 - 8 + 1))).toBe(false);
    expect(p.publish('w1', new Uint8Array(131072 - 8))).toBe(true);
    expect(p.publish('x'.repeat(240), new Uint8Array([1]))).toBe(false);
    expect(f.written).toHaveLength(1);
  });

  it('does not attach when amqplib internals are not as expected', () => {
    const shapes: unknown[] = [
      {},
      { connection: {}, ch: 1 },
      { connection: { stream: { write() {}, writable: true }, channels: [], frameMax: 131072, sentSinceLastCheck: false }, ch: 1 },
      { connection: { stream: { write() {}, writable: true }, channels: [null, { buffer: { readableLength: 0, writableLength: 0 } }], frameMax: 0, sentSinceLastCheck: false }, ch: 1 },
      { connection: { stream: { write() {}, writable: true }, channels: [null, { buffer: { readableLength: 0, writableLength: 0 } }], frameMax: 131072 }, ch: 1 },
      { connection: { stream: { write() {}, writable: true }, channels: [null, { buffer: { readableLength: 0, writableLength: 0 } }], frameMax: 131072, sentSinceLastCheck: false }, ch: '1' },
    ];
    for (const shape of shapes) expect(DirectPublisher.attach(shape as Channel, key)).toBeUndefined();
    expect(DirectPublisher.attach({ ...(shapes[5] as object), ch: 1 } as unknown as Channel, key)).toBeInstanceOf(DirectPublisher);
  });
});
