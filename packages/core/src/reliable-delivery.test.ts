import { describe, expect, it } from 'vitest';
import { ManualClock } from './clock';
import { silentLogger } from './logger';
import { MemoryNetwork } from './memory-transport';
import { ACK_DELAY_MS, ACK_EVERY, MAX_RETRANSMIT_MS, ORPHAN_AFTER_MS, reliableDelivery, RETRANSMIT_MS, type ReliableTransport } from './reliable-delivery';
import { FaultyTransport } from './testing/faulty-transport';

const num = (n: number): Uint8Array => {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setUint32(0, n);
  return b;
};
const read = (f: Uint8Array): number => new DataView(f.buffer, f.byteOffset, f.byteLength).getUint32(0);
/** Lets the memory network hand over everything queued (it delivers in microtasks). */
const settle = async (): Promise<void> => {
  for (let i = 0; i < 3; i++) await new Promise((r) => setImmediate(r));
};
const range = (from: number, to: number): number[] => Array.from({ length: to - from + 1 }, (_, i) => from + i);

/** Two delivery layers, `a` and `b`, each over its own faulty connection to one memory network. */
async function pair(window?: { windowFrames?: number; windowBytes?: number }) {
  const clock = new ManualClock(1_000_000);
  const net = new MemoryNetwork({ cluster: 'delivery-unit', clock });
  const fa = new FaultyTransport(net.connect());
  const fb = new FaultyTransport(net.connect());
  const gaveUp: { inbox: string; n: number }[] = [];
  const make = (self: string, inner: FaultyTransport): ReliableTransport =>
    reliableDelivery(inner, { self, clock, logger: silentLogger, ...window, gaveUp: (inbox, frames) => gaveUp.push({ inbox, n: frames.length }) });
  const a = make('a', fa);
  const b = make('b', fb);
  const got: number[] = [];
  await a.listen('a', () => undefined, { prefetch: 64 });
  await b.listen('b', (f) => void got.push(read(f)), { prefetch: 64 });
  /** Lets frames flow and acks leave (their short timer), `rounds` times. */
  const run = async (rounds = 3): Promise<void> => {
    for (let i = 0; i < rounds; i++) {
      await settle();
      clock.advance(ACK_DELAY_MS);
    }
    await settle();
  };
  return { clock, net, fa, fb, a, b, got, gaveUp, run, make };
}

describe('reliableDelivery', () => {
  it('hands every frame over once and in order, and forgets each once acknowledged', async () => {
    const { a, got, run } = await pair();
    for (const n of range(1, 200)) a.send('b', num(n));
    await run();
    expect(got).toEqual(range(1, 200));
    expect(a.stats().delivery).toMatchObject({ unacked: 0, unackedBytes: 0, resent: 0 });
  });

  it('sends again frames lost in the middle: the receiver sees the gap and asks for them', async () => {
    const { a, fa, got, run } = await pair();
    fa.policy = (_inbox, _f, n) => (n === 3 || n === 4 ? 'drop' : 'pass');
    for (const n of range(1, 10)) a.send('b', num(n));
    await run();
    expect(fa.faults.dropped).toBe(2);
    expect(got).toEqual(range(1, 10));
    expect(a.stats().delivery!.resent).toBeGreaterThan(0);
    expect(a.stats().delivery!.unacked).toBe(0);
  });

  it('sends again the last frames lost (nothing after them shows the gap) when the retransmit timer runs', async () => {
    const { a, fa, got, run, clock } = await pair();
    fa.policy = (_inbox, _f, n) => (n >= 4 && n <= 5 ? 'drop' : 'pass');
    for (const n of range(1, 5)) a.send('b', num(n));
    await run();
    expect(got).toEqual([1, 2, 3]);
    clock.advance(RETRANSMIT_MS);
    await run();
    expect(got).toEqual([1, 2, 3, 4, 5]);
    expect(a.stats().delivery!.unacked).toBe(0);
  });

  it('drops duplicated frames', async () => {
    const { a, b, fa, got, run } = await pair();
    fa.policy = () => 'duplicate';
    for (const n of range(1, 50)) a.send('b', num(n));
    await run();
    expect(got).toEqual(range(1, 50));
    expect(b.stats().delivery!.duplicates).toBeGreaterThanOrEqual(50);
  });

  it('keeps the order when frames arrive reordered', async () => {
    const { a, fa, got, run } = await pair();
    // Frames 2..5 are held back and released newest first, after frame 6.
    fa.policy = (_inbox, _f, n) => (n >= 2 && n <= 5 ? 'hold' : 'pass');
    for (const n of range(1, 6)) a.send('b', num(n));
    await settle();
    fa.policy = undefined;
    fa.release(true);
    await run();
    expect(got).toEqual(range(1, 6));
  });

  it('survives a connection loss that loses every frame in flight: what was not acknowledged is sent again once up', async () => {
    const { a, fa, got, run } = await pair();
    for (const n of range(1, 5)) a.send('b', num(n));
    await run();
    fa.down();
    for (const n of range(6, 20)) a.send('b', num(n));
    await run();
    expect(got).toEqual(range(1, 5));
    fa.up();
    await run();
    expect(got).toEqual(range(1, 20));
  });

  it('loses nothing when the acknowledgements are lost (the sender sends again, the receiver drops the copies)', async () => {
    const { a, fb, got, run, clock } = await pair();
    fb.policy = () => 'drop'; // b's acks never arrive
    for (const n of range(1, 10)) a.send('b', num(n));
    await run();
    clock.advance(RETRANSMIT_MS);
    await run();
    fb.policy = undefined;
    clock.advance(2 * RETRANSMIT_MS);
    await run();
    expect(got).toEqual(range(1, 10));
    expect(a.stats().delivery!.unacked).toBe(0);
  });

  it('says it is full once a destination holds its window, and calls onRoom once the receiver acknowledges', async () => {
    const { a, fa, got, run } = await pair({ windowFrames: 4 });
    let rooms = 0;
    a.flow.onRoom(() => rooms++);
    fa.down(); // nothing reaches b, nothing is acknowledged
    for (const n of range(1, 4)) a.send('b', num(n));
    expect(a.flow.full).toBe(false);
    a.send('b', num(5));
    expect(a.flow.full).toBe(true);
    a.send('b', num(6)); // still accepted: a full window never drops
    expect(a.stats().delivery).toMatchObject({ unacked: 6, windowFull: 1 });
    fa.up();
    await run();
    expect(a.flow.full).toBe(false);
    expect(rooms).toBe(1);
    expect(got).toEqual(range(1, 6));
  });

  it('gives the frames held for a lost destination up, and those sent to it later, and never sends them again', async () => {
    const { a, fa, gaveUp, run, clock } = await pair();
    fa.policy = () => 'drop';
    for (const n of range(1, 7)) a.send('b', num(n));
    a.peerLost('b');
    expect(gaveUp).toEqual([{ inbox: 'b', n: 7 }]);
    a.send('b', num(8));
    expect(gaveUp).toEqual([{ inbox: 'b', n: 7 }, { inbox: 'b', n: 1 }]);
    const dropped = fa.faults.dropped;
    clock.advance(10 * RETRANSMIT_MS);
    await run();
    expect(fa.faults.dropped).toBe(dropped);
    expect(a.stats().delivery).toMatchObject({ unacked: 0, gaveUp: 8 });
  });

  it('treats a restarted sender (a new epoch under the same inbox) as a new peer that starts at 1', async () => {
    const { a, got, run, make, net } = await pair();
    for (const n of range(1, 5)) a.send('b', num(n));
    await run();
    await a.close();
    const again = make('a', new FaultyTransport(net.connect()));
    await again.listen('a', () => undefined);
    for (const n of range(6, 9)) again.send('b', num(n));
    await run();
    expect(got).toEqual(range(1, 9));
    expect(again.stats().delivery!.unacked).toBe(0);
  });

  it('lets a receiver that never heard of a sender start at the lowest unacknowledged frame', async () => {
    const { a, fb, got, run, make, net } = await pair();
    for (const n of range(1, 3)) a.send('b', num(n));
    await run();
    expect(got).toEqual([1, 2, 3]);
    // b dies (no goodbye) and restarts under the same inbox (as the cluster daemon's worker does) while 4..6 are
    // in flight and lost.
    await fb.close();
    for (const n of range(4, 6)) a.send('b', num(n));
    await run();
    const b2 = make('b', new FaultyTransport(net.connect()));
    const got2: number[] = [];
    await b2.listen('b', (f) => void got2.push(read(f)), { prefetch: 64 });
    a.send('b', num(7));
    await run();
    // Frame 7 shows b2 a gap after 4 (the lowest unacknowledged): 4..7 come again, once each, in order.
    expect(got2).toEqual([4, 5, 6, 7]);
  });

  it('gives up what it holds for a peer that said goodbye (stopped for good), until a new incarnation of it speaks', async () => {
    const { a, b, fa, got, gaveUp, run, make, net } = await pair();
    for (const n of range(1, 3)) a.send('b', num(n));
    await run();
    fa.policy = (inbox) => (inbox === 'b' ? 'drop' : 'pass'); // b's frames to a arrive; a's data to b is lost
    b.send('a', num(100));
    a.send('b', num(4));
    await run();
    // b stops: it acknowledges what it got and says goodbye; a gives up frame 4, held for b.
    b.stop();
    await run();
    expect(gaveUp).toEqual([{ inbox: 'b', n: 1 }]);
    a.send('b', num(5));
    expect(gaveUp).toEqual([{ inbox: 'b', n: 1 }, { inbox: 'b', n: 1 }]);
    expect(a.stats().delivery!.unacked).toBe(0);
    // b comes back under the same inbox (a new epoch) and speaks to a: a sends to it again.
    fa.policy = undefined;
    await b.close();
    const b2 = make('b', new FaultyTransport(net.connect()));
    const got2: number[] = [];
    await b2.listen('b', (f) => void got2.push(read(f)), { prefetch: 64 });
    b2.send('a', num(1));
    await run();
    a.send('b', num(6));
    await run();
    expect(got).toEqual([1, 2, 3]);
    expect(got2).toEqual([6]);
  });

  it(`acknowledges at once every ${ACK_EVERY} frames, without waiting for the timer`, async () => {
    const { a, b } = await pair();
    for (const n of range(1, ACK_EVERY)) a.send('b', num(n));
    await settle();
    expect(b.stats().delivery!.acksSent).toBe(1);
    expect(a.stats().delivery!.unacked).toBe(0);
  });

  describe('acknowledgements carried by data frames (piggybacked)', () => {
    /** `a` and `b` over faulty connections; `b` answers every number `n` with `-n`, `a` counts the answers. */
    async function echoPair() {
      const clock = new ManualClock(1_000_000);
      const net = new MemoryNetwork({ cluster: 'delivery-piggyback', clock });
      const fa = new FaultyTransport(net.connect());
      const fb = new FaultyTransport(net.connect());
      const a = reliableDelivery(fa, { self: 'a', clock, logger: silentLogger });
      const b = reliableDelivery(fb, { self: 'b', clock, logger: silentLogger });
      const atA: number[] = [];
      const atB: number[] = [];
      await a.listen('a', (f) => void atA.push(read(f)));
      await b.listen('b', (f) => {
        const n = read(f);
        atB.push(n);
        b.send('a', num(n + 1_000_000));
      });
      return { clock, fa, fb, a, b, atA, atB };
    }

    it('lets a request and its answer acknowledge each other: a round trip sends no acknowledgement of its own', async () => {
      const { a, b, atA, atB, clock } = await echoPair();
      for (const n of range(1, 30)) {
        a.send('b', num(n));
        await settle(); // the answer arrives before the next request leaves, as in a ping-pong
      }
      expect(atB).toEqual(range(1, 30));
      expect(atA).toEqual(range(1_000_001, 1_000_030));
      // Every request but the first carried the ack of the answer before it; every answer the ack of its request.
      expect(a.stats().delivery).toMatchObject({ unacked: 0, acksSent: 0 });
      expect(b.stats().delivery).toMatchObject({ unacked: 1, acksSent: 0 });
      // The last answer is acknowledged by the timer, as nothing else goes back to b.
      clock.advance(ACK_DELAY_MS);
      await settle();
      expect(a.stats().delivery!.acksSent).toBe(1);
      expect(b.stats().delivery!.unacked).toBe(0);
    });

    it('loses nothing when an answer carrying an acknowledgement is lost: its resend carries it again', async () => {
      const { a, b, fb, atA, atB, clock } = await echoPair();
      fb.policy = (_inbox, _f, n) => (n === 2 ? 'drop' : 'pass');
      for (const n of range(1, 3)) {
        a.send('b', num(n));
        await settle();
      }
      // The second answer (with the ack of the second request) was lost; the third showed the gap, and b sent both again.
      for (let i = 0; i < 4; i++) {
        clock.advance(RETRANSMIT_MS);
        await settle();
        clock.advance(ACK_DELAY_MS);
        await settle();
      }
      expect(atB).toEqual([1, 2, 3]);
      expect(atA).toEqual([1_000_001, 1_000_002, 1_000_003]);
      expect(a.stats().delivery!.unacked).toBe(0);
      expect(b.stats().delivery!.unacked).toBe(0);
      expect(b.stats().delivery!.resent).toBeGreaterThan(0);
    });

    it('ignores an acknowledgement carried for an earlier incarnation of the sender', async () => {
      const clock = new ManualClock(1_000_000);
      const net = new MemoryNetwork({ cluster: 'delivery-piggyback-epoch', clock });
      const c1 = net.connect();
      const a1 = reliableDelivery(c1, { self: 'a', clock, logger: silentLogger });
      const b = reliableDelivery(net.connect(), { self: 'b', clock, logger: silentLogger });
      await a1.listen('a', () => undefined);
      await b.listen('b', () => undefined);
      a1.send('b', num(1)); // b now owes 'a' an acknowledgement, for a1's stream
      await settle();
      await c1.close(); // a1 dies without a goodbye; a2 takes its inbox
      const fa2 = new FaultyTransport(net.connect());
      const a2 = reliableDelivery(fa2, { self: 'a', clock, logger: silentLogger });
      const atA2: number[] = [];
      await a2.listen('a', (f) => void atA2.push(read(f)));
      fa2.policy = () => 'hold';
      for (const n of range(1, 3)) a2.send('b', num(n)); // held: b has not seen them
      b.send('a', num(7)); // carries b's acknowledgement of a1's frame 1
      await settle();
      expect(atA2).toEqual([7]);
      expect(a2.stats().delivery!.unacked).toBe(3); // a2's frames 1..3 are not taken as acknowledged
      fa2.policy = undefined;
      fa2.release();
      await settle();
      clock.advance(ACK_DELAY_MS);
      await settle();
      expect(a2.stats().delivery!.unacked).toBe(0);
    });
  });

  describe('a destination that never acknowledges', () => {
    /** A sender `a` on a memory network whose destination 'gone' has no listener at all, asked `orphaned` as given. */
    async function toNowhere(orphaned: (inbox: string) => boolean) {
      const clock = new ManualClock(1_000_000);
      const net = new MemoryNetwork({ cluster: 'delivery-orphans', clock });
      const fa = new FaultyTransport(net.connect());
      const gaveUp: { inbox: string; n: number }[] = [];
      const asked: string[] = [];
      const a = reliableDelivery(fa, {
        self: 'a',
        clock,
        logger: silentLogger,
        gaveUp: (inbox, frames) => gaveUp.push({ inbox, n: frames.length }),
        orphaned: (inbox) => (asked.push(inbox), orphaned(inbox)),
      });
      await a.listen('a', () => undefined);
      /** Advances the clock by `ms` in retransmit-sized steps, letting timers and promises run. */
      const pass = async (ms: number): Promise<void> => {
        for (let t = 0; t < ms; t += MAX_RETRANSMIT_MS) {
          clock.advance(Math.min(MAX_RETRANSMIT_MS, ms - t));
          await settle();
        }
      };
      return { a, fa, gaveUp, asked, pass };
    }

    it('is given up (its frames go to gaveUp) once silent for ORPHAN_AFTER_MS while connected and not a member', async () => {
      const { a, gaveUp, asked, pass } = await toNowhere(() => true);
      for (const n of range(1, 5)) a.send('gone', num(n));
      await pass(ORPHAN_AFTER_MS - MAX_RETRANSMIT_MS);
      expect(gaveUp).toEqual([]);
      await pass(2 * MAX_RETRANSMIT_MS);
      expect(asked).toContain('gone');
      expect(gaveUp).toEqual([{ inbox: 'gone', n: 5 }]);
      expect(a.stats().delivery).toMatchObject({ unacked: 0, gaveUp: 5 });
      a.send('gone', num(6)); // later frames to it are given up at once
      expect(gaveUp).toEqual([{ inbox: 'gone', n: 5 }, { inbox: 'gone', n: 1 }]);
    });

    it('is kept while it is a member of the cluster (a stalled worker: its loss comes by the worker-lost path)', async () => {
      const { a, gaveUp, asked, pass } = await toNowhere(() => false);
      for (const n of range(1, 5)) a.send('stalled', num(n));
      await pass(3 * ORPHAN_AFTER_MS);
      expect(asked.length).toBeGreaterThan(0);
      expect(gaveUp).toEqual([]);
      expect(a.stats().delivery!.unacked).toBe(5);
    });

    it('does not count time the connection was down as silence', async () => {
      const { a, fa, gaveUp, pass } = await toNowhere(() => true);
      for (const n of range(1, 3)) a.send('gone', num(n));
      fa.down();
      await pass(5 * ORPHAN_AFTER_MS);
      expect(gaveUp).toEqual([]);
      fa.up();
      await pass(ORPHAN_AFTER_MS - MAX_RETRANSMIT_MS);
      expect(gaveUp).toEqual([]);
      await pass(2 * MAX_RETRANSMIT_MS);
      expect(gaveUp).toEqual([{ inbox: 'gone', n: 3 }]);
    });
  });
});
