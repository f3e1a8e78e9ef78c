import { randomBytes, randomUUID } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { HypernodeError } from '../errors';
import type { Subscription, Transport } from '../transport';

/** What a contract run needs from an adapter: transports of one fresh cluster, and a way to clean it up. */
export interface TransportContractFixture {
  /** A new transport (a new connection) of the fixture's cluster. */
  connect(): Promise<Transport> | Transport;
  /** Closes what `connect` opened and deletes what the cluster left on the server. */
  cleanup(): Promise<void>;
}

/** A promise with its resolver, for a handler the test settles by hand. */
function deferred<T = void>(): { promise: Promise<T>; resolve: (value: T) => void } {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

/** Collects frames and lets a test await the n-th one. */
function collector() {
  const frames: Uint8Array[] = [];
  const waiters: { n: number; resolve: () => void }[] = [];
  return {
    frames,
    push(frame: Uint8Array): void {
      frames.push(frame);
      for (let i = waiters.length - 1; i >= 0; i--) {
        if (frames.length >= waiters[i]!.n) waiters.splice(i, 1)[0]!.resolve();
      }
    },
    until(n: number): Promise<void> {
      if (frames.length >= n) return Promise.resolve();
      return new Promise((resolve) => waiters.push({ n, resolve }));
    },
  };
}

const u32 = (n: number, tag = 0): Uint8Array => {
  const b = new Uint8Array(5);
  b[0] = tag;
  new DataView(b.buffer).setUint32(1, n);
  return b;
};
const readU32 = (b: Uint8Array): number => new DataView(b.buffer, b.byteOffset, b.byteLength).getUint32(1);
const text = (s: string): Uint8Array => new TextEncoder().encode(s);
const str = (b: Uint8Array): string => new TextDecoder().decode(b);

/**
 * The conformance suite of the {@link Transport} interface: registers a vitest `describe` block that checks
 * every promise of the interface against transports made by `setup` (called before each test, with a
 * fresh cluster; its `cleanup` runs after each test). An adapter runs it in its own test file.
 *
 * It checks behaviour observable through the interface only; it does not cover connection loss (each
 * adapter tests its own way of losing a connection) or throughput.
 */
export function transportContract(name: string, setup: () => Promise<TransportContractFixture>): void {
  describe(`Transport contract: ${name}`, () => {
    let fixture: TransportContractFixture;
    let id: string;
    const inbox = (label: string) => `${label}-${id}`;
    const connect = async () => await fixture.connect();

    beforeEach(async () => {
      id = randomUUID().slice(0, 8);
      fixture = await setup();
    });

    afterEach(async () => {
      await fixture.cleanup();
    });

    it('delivers 1,000+ frames from one sender to one inbox in the order they were sent', async () => {
      const [a, b] = [await connect(), await connect()];
      const got = collector();
      await b.listen(inbox('fifo'), (f) => got.push(f));
      const n = 1500;
      for (let i = 0; i < n; i++) a.send(inbox('fifo'), u32(i));
      await got.until(n);
      expect(got.frames.map(readU32)).toEqual([...Array(n).keys()]);
    });

    it('interleaves frames of two senders but keeps each sender’s frames in order', async () => {
      const [a, b, c] = [await connect(), await connect(), await connect()];
      const got = collector();
      await c.listen(inbox('two'), (f) => got.push(f), { prefetch: 10 });
      const n = 600;
      for (let i = 0; i < n; i++) {
        a.send(inbox('two'), u32(i, 1));
        b.send(inbox('two'), u32(i, 2));
      }
      await got.until(2 * n);
      for (const tag of [1, 2]) {
        expect(got.frames.filter((f) => f[0] === tag).map(readU32)).toEqual([...Array(n).keys()]);
      }
    });

    it('does not hand over the next frame until the handler settles, with prefetch 1', async () => {
      const [a, b] = [await connect(), await connect()];
      const gate = deferred();
      const got = collector();
      const marks = collector();
      await b.listen(inbox('slow'), (f) => {
        got.push(f);
        if (got.frames.length === 1) return gate.promise;
      });
      await b.listen(inbox('mark'), (f) => marks.push(f));
      a.send(inbox('slow'), u32(1));
      a.send(inbox('slow'), u32(2));
      await got.until(1);
      a.send(inbox('mark'), u32(0));
      await marks.until(1);
      expect(got.frames.length).toBe(1);
      gate.resolve();
      await got.until(2);
      expect(got.frames.map(readU32)).toEqual([1, 2]);
    });

    it('hands over at most `prefetch` unsettled frames at once', async () => {
      const [a, b] = [await connect(), await connect()];
      const gates = [deferred(), deferred(), deferred()];
      const got = collector();
      const marks = collector();
      await b.listen(inbox('pf'), (f) => {
        got.push(f);
        return gates[readU32(f)]?.promise;
      }, { prefetch: 2 });
      await b.listen(inbox('mark'), (f) => marks.push(f));
      for (let i = 0; i < 3; i++) a.send(inbox('pf'), u32(i));
      await got.until(2);
      a.send(inbox('mark'), u32(0));
      await marks.until(1);
      expect(got.frames.map(readU32)).toEqual([0, 1]);
      gates[0]!.resolve();
      await got.until(3);
      expect(got.frames.map(readU32)).toEqual([0, 1, 2]);
      gates[1]!.resolve();
      gates[2]!.resolve();
    });

    it('drops frames sent to an inbox nobody listens to, without an error', async () => {
      const [a, b] = [await connect(), await connect()];
      const marks = collector();
      await b.listen(inbox('mark'), (f) => marks.push(f));
      for (let i = 0; i < 5; i++) expect(() => a.send(inbox('nobody'), u32(i))).not.toThrow();
      a.send(inbox('mark'), u32(0));
      await marks.until(1);
      await vi.waitFor(() => expect(a.stats().dropped).toBe(5));
      const late = collector();
      await b.listen(inbox('nobody'), (f) => late.push(f));
      a.send(inbox('nobody'), u32(99));
      await late.until(1);
      expect(late.frames.map(readU32)).toEqual([99]);
    });

    it('publishes a frame to every subscriber, the publisher included, in publish order', async () => {
      const ts = [await connect(), await connect(), await connect()];
      const cols = ts.map(() => collector());
      await Promise.all(ts.map((t, i) => t.subscribe((f) => cols[i]!.push(f))));
      for (let i = 0; i < 50; i++) ts[0]!.publish(u32(i));
      await Promise.all(cols.map((c) => c.until(50)));
      for (const c of cols) expect(c.frames.map(readU32)).toEqual([...Array(50).keys()]);
    });

    it('answers a request with the reply of the service’s handler', async () => {
      const [a, b] = [await connect(), await connect()];
      await b.serve(inbox('echo'), async (body) => text(`re:${str(body)}`));
      const replies = await Promise.all(['x', 'y', 'z'].map((s) => a.request(inbox('echo'), text(s), 5000)));
      expect(replies.map(str)).toEqual(['re:x', 're:y', 're:z']);
    });

    it('rejects a request that gets no answer in time with REQUEST_TIMEOUT naming the service', async () => {
      const [a, b] = [await connect(), await connect()];
      await b.serve(inbox('mute'), () => new Promise<Uint8Array>(() => {}));
      const err = await a.request(inbox('mute'), text('?'), 300).catch((e: unknown) => e);
      expect(HypernodeError.is(err, 'REQUEST_TIMEOUT')).toBe(true);
      expect((err as Error).message).toContain(`'${inbox('mute')}'`);
    });

    it('rejects a request to a service with no server with REQUEST_TIMEOUT', async () => {
      const a = await connect();
      const err = await a.request(inbox('absent'), text('?'), 300).catch((e: unknown) => e);
      expect(HypernodeError.is(err, 'REQUEST_TIMEOUT')).toBe(true);
      expect((err as Error).message).toContain(`'${inbox('absent')}'`);
    });

    it('rejects a request with REMOTE_ERROR carrying the message when the service’s handler fails', async () => {
      const [a, b] = [await connect(), await connect()];
      await b.serve(inbox('fail'), async () => {
        throw new Error('disk is on fire');
      });
      const err = await a.request(inbox('fail'), text('?'), 5000).catch((e: unknown) => e);
      expect(HypernodeError.is(err, 'REMOTE_ERROR')).toBe(true);
      expect((err as Error).message).toContain('disk is on fire');
    });

    it('refuses a second listener on one inbox with INVALID_ARGUMENT', async () => {
      const [a, b] = [await connect(), await connect()];
      await a.listen(inbox('one'), () => {});
      const err = await b.listen(inbox('one'), () => {}).catch((e: unknown) => e);
      expect(HypernodeError.is(err, 'INVALID_ARGUMENT')).toBe(true);
      expect((err as Error).message).toContain(`'${inbox('one')}'`);
    });

    it('stops handing frames to a listener once its subscription is closed', async () => {
      const [a, b] = [await connect(), await connect()];
      const got = collector();
      const marks = collector();
      const sub: Subscription = await b.listen(inbox('sub'), (f) => got.push(f));
      await b.listen(inbox('mark'), (f) => marks.push(f));
      a.send(inbox('sub'), u32(1));
      await got.until(1);
      await sub.close();
      await sub.close();
      a.send(inbox('sub'), u32(2));
      a.send(inbox('mark'), u32(0));
      await marks.until(1);
      expect(got.frames.map(readU32)).toEqual([1]);
    });

    it('closes idempotently and stops delivery to the closed transport', async () => {
      const [a, b, c] = [await connect(), await connect(), await connect()];
      const got = collector();
      const events = collector();
      const marks = collector();
      await b.listen(inbox('closed'), (f) => got.push(f));
      await b.subscribe((f) => events.push(f));
      await c.listen(inbox('mark'), (f) => marks.push(f));
      await b.close();
      await b.close();
      a.send(inbox('closed'), u32(1));
      a.publish(u32(2));
      a.send(inbox('mark'), u32(0));
      await marks.until(1);
      expect(got.frames).toEqual([]);
      expect(events.frames).toEqual([]);
      expect(() => b.send(inbox('mark'), u32(3))).not.toThrow();
      await expect(b.request(inbox('any'), text('?'), 1000)).rejects.toThrow(HypernodeError);
    });

    it('delivers bytes identical to those sent, even when the sender reuses its buffer', async () => {
      const [a, b] = [await connect(), await connect()];
      const got = collector();
      await b.listen(inbox('bytes'), (f) => got.push(f));
      const all = Uint8Array.from({ length: 256 }, (_, i) => i);
      const random = new Uint8Array(randomBytes(65_536));
      const reused = new Uint8Array([7, 7, 7]);
      const view = new Uint8Array(all.buffer, 10, 20);
      const frames = [all, random, new Uint8Array(0), reused, view];
      const expected = frames.map((f) => Uint8Array.from(f));
      for (const f of frames) a.send(inbox('bytes'), f);
      reused.fill(0);
      await got.until(frames.length);
      expect(got.frames.map((f) => f.length)).toEqual(expected.map((f) => f.length));
      got.frames.forEach((f, i) => expect(Buffer.from(f).equals(Buffer.from(expected[i]!)), `frame ${i}`).toBe(true));
    });

    it('delivers a 1 MiB frame intact', async () => {
      const [a, b] = [await connect(), await connect()];
      const got = collector();
      await b.listen(inbox('big'), (f) => got.push(f));
      const big = new Uint8Array(randomBytes(1 << 20));
      a.send(inbox('big'), big);
      await got.until(1);
      expect(Buffer.from(got.frames[0]!).equals(Buffer.from(big))).toBe(true);
    });

    it('counts frames and bytes sent and received', async () => {
      const [a, b] = [await connect(), await connect()];
      const got = collector();
      await b.listen(inbox('count'), (f) => got.push(f));
      for (let i = 0; i < 10; i++) a.send(inbox('count'), u32(i));
      await got.until(10);
      expect(a.stats()).toMatchObject({ framesSent: 10, bytesSent: 50 });
      expect(b.stats()).toMatchObject({ framesReceived: 10, bytesReceived: 50 });
    });
  });
}
