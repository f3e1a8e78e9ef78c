import { describe, expect, it } from 'vitest';
import { ManualClock } from './clock';
import { HypernodeError } from './errors';
import { MemoryNetwork } from './memory-transport';
import { transportContract } from './testing/transport-contract';
import type { Transport } from './transport';

transportContract('MemoryNetwork', async () => {
  const network = new MemoryNetwork({ cluster: 'contract' });
  const opened: Transport[] = [];
  return {
    connect() {
      const t = network.connect();
      opened.push(t);
      return t;
    },
    async cleanup() {
      await Promise.all(opened.map((t) => t.close()));
    },
  };
});

const bytes = (...values: number[]) => new Uint8Array(values);

function inboxOf(t: Transport, inbox: string) {
  const frames: number[] = [];
  let wake: (() => void) | undefined;
  let want = 0;
  const ready = t.listen(inbox, (f) => {
    frames.push(f[0]!);
    if (wake && frames.length >= want) wake();
  });
  return {
    frames,
    ready,
    until(n: number): Promise<void> {
      if (frames.length >= n) return Promise.resolve();
      want = n;
      return new Promise((resolve) => (wake = resolve));
    },
  };
}

describe('MemoryNetwork', () => {
  it('never calls a handler synchronously inside send', async () => {
    const network = new MemoryNetwork();
    const t = network.connect();
    const inbox = inboxOf(t, 'async');
    await inbox.ready;
    t.send('async', bytes(1));
    expect(inbox.frames).toEqual([]);
    await inbox.until(1);
    expect(inbox.frames).toEqual([1]);
  });

  it('emits down on disconnect, buffers sends, then emits up and flushes them in order on reconnect', async () => {
    const network = new MemoryNetwork();
    const [a, b] = [network.connect(), network.connect()];
    const inbox = inboxOf(b, 'flush');
    await inbox.ready;
    const events: string[] = [];
    a.on('down', (cause) => events.push(`down:${(cause as HypernodeError).code}`));
    a.on('up', () => events.push('up'));
    network.disconnect(a);
    for (let i = 0; i < 5; i++) a.send('flush', bytes(i));
    const marker = inboxOf(b, 'marker');
    await marker.ready;
    b.send('marker', bytes(9));
    await marker.until(1);
    expect(inbox.frames).toEqual([]);
    network.reconnect(a);
    await inbox.until(5);
    expect(inbox.frames).toEqual([0, 1, 2, 3, 4]);
    expect(events).toEqual(['down:TRANSPORT_DOWN', 'up']);
  });

  it('keeps frames for a disconnected listener and hands them over once it is reconnected', async () => {
    const network = new MemoryNetwork();
    const [a, b] = [network.connect(), network.connect()];
    const inbox = inboxOf(b, 'paused');
    await inbox.ready;
    network.disconnect(b);
    a.send('paused', bytes(1));
    a.send('paused', bytes(2));
    const marker = inboxOf(a, 'marker');
    await marker.ready;
    a.send('marker', bytes(0));
    await marker.until(1);
    expect(inbox.frames).toEqual([]);
    network.reconnect(b);
    await inbox.until(2);
    expect(inbox.frames).toEqual([1, 2]);
  });

  it('disconnects and reconnects every transport when none is named', () => {
    const network = new MemoryNetwork();
    const ts = [network.connect(), network.connect()];
    const events: string[] = [];
    ts.forEach((t, i) => {
      t.on('down', () => events.push(`down${i}`));
      t.on('up', () => events.push(`up${i}`));
    });
    network.disconnect();
    network.disconnect();
    network.reconnect();
    expect(events).toEqual(['down0', 'down1', 'up0', 'up1']);
  });

  it('drops sends beyond maxBuffered while disconnected and counts them', async () => {
    const network = new MemoryNetwork({ maxBuffered: 2 });
    const [a, b] = [network.connect(), network.connect()];
    const inbox = inboxOf(b, 'bounded');
    await inbox.ready;
    network.disconnect(a);
    for (let i = 0; i < 5; i++) a.send('bounded', bytes(i));
    expect(a.stats().dropped).toBe(3);
    network.reconnect(a);
    await inbox.until(2);
    expect(inbox.frames).toEqual([0, 1]);
  });

  it('injects arbitrary bytes into an inbox and reports whether anybody listens', async () => {
    const network = new MemoryNetwork();
    const t = network.connect();
    const inbox = inboxOf(t, 'garbage');
    await inbox.ready;
    expect(network.inject('garbage', bytes(0xc1, 0xff))).toBe(true);
    expect(network.inject('nobody', bytes(1))).toBe(false);
    await inbox.until(1);
    expect(inbox.frames).toEqual([0xc1]);
  });

  it('refuses to disconnect a transport of another network', () => {
    const other = new MemoryNetwork().connect();
    expect(() => new MemoryNetwork({ cluster: 'x' }).disconnect(other)).toThrow(/not connected to memory network 'x'/);
  });

  it('times requests out by the injected clock', async () => {
    const clock = new ManualClock();
    const network = new MemoryNetwork({ clock });
    const [a, b] = [network.connect(), network.connect()];
    await b.serve('slow', () => new Promise(() => {}));
    const reply = a.request('slow', bytes(1), 5000).catch((e: unknown) => e);
    clock.advance(5000);
    const err = await reply;
    expect(HypernodeError.is(err, 'REQUEST_TIMEOUT')).toBe(true);
    expect((err as Error).message).toContain("'slow'");
  });

  it('rejects the pending requests of a transport when it closes', async () => {
    const network = new MemoryNetwork();
    const [a, b] = [network.connect(), network.connect()];
    await b.serve('slow', () => new Promise(() => {}));
    const reply = a.request('slow', bytes(1), 60_000).catch((e: unknown) => e);
    await a.close();
    expect(HypernodeError.is(await reply, 'TRANSPORT_DOWN')).toBe(true);
  });

  it('lets timers run while two inboxes bounce frames back and forth forever', async () => {
    const network = new MemoryNetwork();
    const [a, b] = [network.connect(), network.connect()];
    let hops = 0;
    await a.listen('ping', (f) => void (hops++, a.send('pong', f)));
    await b.listen('pong', (f) => void (hops++, b.send('ping', f)));
    a.send('pong', bytes(1));
    await new Promise<void>((resolve) => setTimeout(resolve, 0));
    expect(hops).toBeGreaterThan(0);
    await a.close();
    await b.close();
  });
});
