import { afterEach, describe, expect, it } from 'vitest';
import { authenticateTransport, FRAME_MAC_BYTES, FRAME_TAG, FRAME_TRAILER_BYTES, type AuthenticatedTransportOptions } from './authenticated-transport';
import { deriveKey, macOf } from './secret';
import { ManualClock } from './clock';
import type { Context } from './context';
import type { Logger } from './logger';
import { MemoryNetwork } from './memory-transport';
import { MemoryRegistry } from './memory-registry';
import { ClassCatalog, ModuleTable } from './modules';
import { Process } from './process';
import { collector } from './test-support';
import type { Transport } from './transport';
import { WorkerRuntime } from './worker';
import { E_EXITED, E_KILL, E_SPAWN, encodeEvent, encodeFrame, frameHeader, workerLostEvent } from './wire';
import { encodeTrusted } from './codec';

const SECRET = 'frames-test-secret-0123456789abcdef';
const OTHER_SECRET = 'another-secret-fedcba9876543210xyz';

function recordingLogger(lines: string[]): Logger {
  return { debug: () => {}, info: () => {}, warn: (m) => lines.push(m), error: (m) => lines.push(m) };
}

/** A transport that keeps a copy of every frame it sends or publishes (what an eavesdropper on the broker sees). */
function tap(inner: Transport) {
  const sent: { inbox: string; frame: Uint8Array }[] = [];
  const published: Uint8Array[] = [];
  const transport = new Proxy(inner, {
    get(target, key) {
      if (key === 'send') return (inbox: string, frame: Uint8Array) => (sent.push({ inbox, frame: frame.slice() }), target.send(inbox, frame));
      if (key === 'publish') return (frame: Uint8Array) => (published.push(frame.slice()), target.publish(frame));
      const v = (target as unknown as Record<PropertyKey, unknown>)[key];
      return typeof v === 'function' ? v.bind(target) : v;
    },
  });
  return { transport, sent, published };
}

/** Frames handed to a listener, awaitable one by one. */
function inboxOf() {
  const got: Uint8Array[] = [];
  let wake: (() => void) | undefined;
  return {
    got,
    handler: (frame: Uint8Array) => {
      got.push(frame.slice());
      wake?.();
    },
    async next(): Promise<Uint8Array> {
      while (got.length === 0) await new Promise<void>((r) => (wake = r));
      wake = undefined;
      return got.shift()!;
    },
  };
}

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of closers.splice(0).reverse()) await c();
});

function setup(cluster = 'auth', extra: Partial<AuthenticatedTransportOptions> = {}) {
  const network = new MemoryNetwork({ cluster });
  const logs: string[] = [];
  const make = (options: Partial<AuthenticatedTransportOptions> = {}) => {
    const raw = tap(network.connect());
    const t = authenticateTransport(raw.transport, { secret: SECRET, cluster, logger: recordingLogger(logs), ...extra, ...options });
    closers.push(() => t.close());
    return { t, sent: raw.sent, published: raw.published };
  };
  return { network, logs, make };
}

const bytes = (s: string) => new TextEncoder().encode(s);
const text = (b: Uint8Array) => new TextDecoder().decode(b);

describe('authenticated frames', () => {
  it('delivers signed frames, unchanged and in order, and signs each with a trailer', async () => {
    const { make } = setup();
    const a = make();
    const b = make();
    const inbox = inboxOf();
    await b.t.listen('B', inbox.handler);
    a.t.send('B', bytes('one'));
    a.t.send('B', bytes('two'));
    expect(text(await inbox.next())).toBe('one');
    expect(text(await inbox.next())).toBe('two');
    expect(b.t.stats().forgedFrames).toBe(0);
  });

  it('lays a signed frame out as documented: content, sender, seq, time, a 16-byte HMAC-SHA256 (macOf framing), tag', async () => {
    const clock = new ManualClock(1_700_000_000_000);
    const { make } = setup('auth', { clock });
    const a = make();
    a.t.send('B', bytes('one'));
    a.t.send('B', bytes('two'));
    const [first, second] = a.sent.map((s) => Buffer.from(s.frame));
    expect(first!.byteLength).toBe(3 + FRAME_TRAILER_BYTES);
    expect(first!.subarray(0, 3).toString()).toBe('one');
    expect(first!.subarray(3, 11)).toEqual(second!.subarray(3, 11));
    expect([first!.readUIntBE(11, 6), second!.readUIntBE(11, 6)]).toEqual([1, 2]);
    expect(first!.readUIntBE(17, 6)).toBe(1_700_000_000_000);
    const mac = macOf(deriveKey(SECRET, 'auth', 'frames'), 'B', first!.subarray(0, 23)).subarray(0, FRAME_MAC_BYTES);
    expect(first!.subarray(23, 39)).toEqual(mac);
    expect(first![39]).toBe(FRAME_TAG);
  });

  it('drops and counts an unsigned frame, warns naming the cause but never the secret, and keeps delivering', async () => {
    const { network, logs, make } = setup();
    const a = make();
    const b = make();
    const inbox = inboxOf();
    await b.t.listen('B', inbox.handler);
    network.inject('B', encodeFrame(frameHeader('w9'), [encodeTrusted([E_KILL, 'B:1', 'w9:1', 'killed'])]));
    a.t.send('B', bytes('after'));
    expect(text(await inbox.next())).toBe('after');
    expect(inbox.got).toHaveLength(0);
    expect(b.t.stats().forgedFrames).toBe(1);
    expect(logs).toHaveLength(1);
    expect(logs[0]).toMatch(/dropped a frame for worker 'B' of cluster 'auth'.*carries no MAC.*1 refused so far/);
    expect(logs.join('\n')).not.toContain(SECRET);
  });

  it('drops a tampered frame, and one signed with another secret or for another cluster', async () => {
    const { network, make } = setup();
    const a = make();
    const stranger = make({ secret: OTHER_SECRET });
    const otherCluster = make({ cluster: 'auth-2' });
    const spy = inboxOf();
    const spyListener = await network.connect().listen('B', spy.handler);
    a.t.send('B', bytes('payload'));
    const captured = await spy.next();
    await spyListener.close();
    const b = make();
    const inbox = inboxOf();
    await b.t.listen('B', inbox.handler);
    const tampered = captured.slice();
    tampered[0] ^= 1;
    network.inject('B', tampered);
    stranger.t.send('B', bytes('stranger'));
    otherCluster.t.send('B', bytes('other cluster'));
    a.t.send('B', bytes('good'));
    expect(text(await inbox.next())).toBe('good');
    expect(inbox.got).toHaveLength(0);
    expect(b.t.stats().forgedFrames).toBe(3);
  });

  it('drops a frame for worker A replayed to worker B, and a frame replayed to its own worker', async () => {
    const { network, logs, make } = setup();
    const sender = make();
    const a = make();
    const b = make();
    const inboxA = inboxOf();
    const inboxB = inboxOf();
    await a.t.listen('A', inboxA.handler);
    await b.t.listen('B', inboxB.handler);
    sender.t.send('A', bytes('for A'));
    expect(text(await inboxA.next())).toBe('for A');
    const captured = sender.sent[0]!.frame;
    network.inject('B', captured);
    network.inject('A', captured);
    sender.t.send('A', bytes('A again'));
    sender.t.send('B', bytes('for B'));
    expect(text(await inboxA.next())).toBe('A again');
    expect(text(await inboxB.next())).toBe('for B');
    expect(inboxA.got).toHaveLength(0);
    expect(inboxB.got).toHaveLength(0);
    expect(a.t.stats().forgedFrames).toBe(1);
    expect(b.t.stats().forgedFrames).toBe(1);
    expect(logs.some((l) => /repeats a sequence number/.test(l))).toBe(true);
    expect(logs.some((l) => /MAC does not match/.test(l))).toBe(true);
  });

  it('refuses a captured frame from a forgotten sender once it is older than the replay window', async () => {
    const clock = new ManualClock(1_000_000);
    const { network, make } = setup('auth', { clock, replayWindowMs: 60_000 });
    const sender = make();
    const spy = inboxOf();
    const spyListener = await network.connect().listen('B', spy.handler);
    sender.t.send('B', bytes('old'));
    const captured = await spy.next();
    await spyListener.close();
    clock.advance(60_001);
    const b = make();
    const inbox = inboxOf();
    await b.t.listen('B', inbox.handler);
    network.inject('B', captured);
    sender.t.send('B', bytes('fresh'));
    expect(text(await inbox.next())).toBe('fresh');
    expect(b.t.stats().forgedFrames).toBe(1);
  });

  it('refuses replays from senders whose frames interleave, whether or not the replayed sender sent the frame before', async () => {
    const { network, make } = setup();
    const x = make();
    const y = make();
    const b = make();
    const inbox = inboxOf();
    await b.t.listen('B', inbox.handler);
    x.t.send('B', bytes('x1'));
    y.t.send('B', bytes('y1'));
    x.t.send('B', bytes('x2'));
    expect([await inbox.next(), await inbox.next(), await inbox.next()].map(text)).toEqual(['x1', 'y1', 'x2']);
    network.inject('B', x.sent[0]!.frame); // same sender as the frame before
    network.inject('B', y.sent[0]!.frame); // another sender
    network.inject('B', y.sent[0]!.frame); // same sender again
    network.inject('B', x.sent[1]!.frame);
    y.t.send('B', bytes('y2'));
    x.t.send('B', bytes('x3'));
    expect([await inbox.next(), await inbox.next()].map(text)).toEqual(['y2', 'x3']);
    expect(inbox.got).toHaveLength(0);
    expect(b.t.stats().forgedFrames).toBe(4);
  });

  it('forgets a sender silent for twice the window when a new one arrives, then refuses its captured frame as stale', async () => {
    const clock = new ManualClock(1_000_000);
    const { network, logs, make } = setup('auth', { clock, replayWindowMs: 60_000 });
    const x = make();
    const y = make();
    const b = make();
    const inbox = inboxOf();
    await b.t.listen('B', inbox.handler);
    x.t.send('B', bytes('x1'));
    expect(text(await inbox.next())).toBe('x1');
    clock.advance(120_001);
    y.t.send('B', bytes('y1'));
    expect(text(await inbox.next())).toBe('y1');
    network.inject('B', x.sent[0]!.frame);
    x.t.send('B', bytes('x2'));
    expect(text(await inbox.next())).toBe('x2');
    expect(inbox.got).toHaveLength(0);
    expect(b.t.stats().forgedFrames).toBe(1);
    expect(logs.some((l) => /signed more than 60 s ago/.test(l))).toBe(true);
  });

  it('keeps accepting a known sender whose frames waited longer than the window', async () => {
    const clock = new ManualClock(1_000_000);
    const { make } = setup('auth', { clock, replayWindowMs: 60_000 });
    const sender = make();
    const b = make();
    const inbox = inboxOf();
    await b.t.listen('B', inbox.handler);
    sender.t.send('B', bytes('first'));
    expect(text(await inbox.next())).toBe('first');
    clock.advance(90_000);
    sender.t.send('B', bytes('late'));
    expect(text(await inbox.next())).toBe('late');
    expect(b.t.stats().forgedFrames).toBe(0);
  });
});

describe('authenticated cluster events', () => {
  it('delivers signed events to every subscriber and drops unsigned, foreign and replayed ones', async () => {
    const { network, make } = setup();
    const a = make();
    const stranger = make({ secret: OTHER_SECRET });
    const b = make();
    const events = inboxOf();
    await b.t.subscribe(events.handler);
    a.t.publish(bytes('event 1'));
    expect(text(await events.next())).toBe('event 1');
    const raw = network.connect();
    raw.publish(workerLostEvent('w1', 'forged'));
    stranger.t.publish(bytes('stranger'));
    const captured = a.published[0]!;
    raw.publish(captured);
    // A frame signed for an inbox is no event either.
    raw.publish(a.sent[0]?.frame ?? bytes('none'));
    a.t.publish(bytes('event 2'));
    expect(text(await events.next())).toBe('event 2');
    expect(events.got).toHaveLength(0);
    expect(b.t.stats().forgedFrames).toBe(4);
    await raw.close();
  });

  it('does not accept a frame signed for an inbox as an event, nor an event as a frame', async () => {
    const { network, make } = setup();
    const a = make();
    const b = make();
    const spy = inboxOf();
    const spyListener = await network.connect().listen('B', spy.handler);
    a.t.send('B', bytes('frame'));
    const frame = await spy.next();
    await spyListener.close();
    const events = inboxOf();
    const inbox = inboxOf();
    await b.t.subscribe(events.handler);
    await b.t.listen('B', inbox.handler);
    a.t.publish(bytes('event'));
    expect(text(await events.next())).toBe('event');
    const raw = network.connect();
    raw.publish(frame);
    network.inject('B', a.published[0]!);
    a.t.publish(bytes('event 2'));
    a.t.send('B', bytes('frame 2'));
    expect(text(await events.next())).toBe('event 2');
    expect(text(await inbox.next())).toBe('frame 2');
    expect(b.t.stats().forgedFrames).toBe(2);
    await raw.close();
  });
});

class Parent extends Process {
  static override moduleName = 'Parent';
  override *processWillRun(state: { report: string }, ctx: Context) {
    const child = ctx.spawn('Child', {});
    ctx.send(state.report, { child });
  }
  override *processDidReceiveMessage(state: { report: string }, message: unknown, from: string, ctx: Context) {
    ctx.send(state.report, { from, message });
  }
}

class Child extends Process {
  static override moduleName = 'Child';
  override *processDidReceiveMessage(state: unknown, message: unknown, from: string, ctx: Context) {
    ctx.send(from, { pong: message });
  }
}

/** Two workers over authenticated transports; `w1` places its children on `w2`. */
async function twoWorkers() {
  const network = new MemoryNetwork({ cluster: 'auth-rt' });
  const registry = new MemoryRegistry();
  const catalog = new ClassCatalog();
  for (const cls of [Parent, Child]) catalog.add(cls.moduleName!, cls);
  const logs: string[] = [];
  const make = (id: string, place?: () => string) => {
    const transport = authenticateTransport(network.connect(), { secret: SECRET, cluster: 'auth-rt', logger: recordingLogger(logs) });
    const w = new WorkerRuntime({ id, cluster: 'auth-rt', transport, registry, modules: new ModuleTable(catalog, registry, undefined), logger: recordingLogger(logs), place, onLostSelf: () => logs.push(`${id} fenced`) });
    closers.push(async () => {
      await w.close();
      await transport.close();
    });
    return w;
  };
  const w1 = make('w1', () => 'w2');
  const w2 = make('w2');
  await w1.start();
  await w2.start();
  return { network, w1, w2, logs };
}

describe('workers over authenticated transports', () => {
  it('ignore a forged "child exited", a forged kill, a forged spawn and a forged worker-lost event, and count them', async () => {
    const { network, w1, w2, logs } = await twoWorkers();
    const report = collector(w1);
    const parent = w1.spawnRoot('Parent', { report: report.name });
    const { child } = (await report.next()).message as { child: string };
    await expect.poll(() => w2.has(child)).toBe(true);
    // What an attacker with broker access publishes: a frame that says the child ended, one that kills it, and an event that says w2 is lost.
    network.inject('w1', encodeFrame(frameHeader('w2'), [encodeTrusted([E_EXITED, parent, child, 'normal'])]));
    network.inject('w2', encodeFrame(frameHeader('w1'), [encodeTrusted([E_KILL, child, parent, 'killed'])]));
    network.inject('w2', encodeFrame(frameHeader('w1'), [encodeTrusted([E_SPAWN, 'w2:w1.zz', 'Child', parent, {}])]));
    network.connect().publish(encodeEvent(['worker-lost', 'w2', 'forged']));
    await expect.poll(() => w1.stats().forgedFrames + w2.stats().forgedFrames).toBe(5);
    expect(w2.has('w2:w1.zz')).toBe(false);
    // The child still answers, and its parent heard nothing of an exit.
    w1.sendFrom(report.name, child, 'ping', null);
    expect((await report.next()).message).toEqual({ pong: 'ping' });
    w1.sendFrom(report.name, parent, 'still here?', null);
    expect((await report.next()).message).toEqual({ from: report.name, message: 'still here?' });
    expect(w2.has(child)).toBe(true);
    expect(w1.ps().find((p) => p.name === parent)?.children).toBe(1);
    expect(logs.filter((l) => l.includes('fenced'))).toEqual([]);
    expect(w1.stats().badFrames + w2.stats().badFrames).toBe(0);
  });

  it('keep the behaviour of a genuine worker-lost event', async () => {
    const { w1, w2 } = await twoWorkers();
    const report = collector(w1);
    w1.spawnRoot('Parent', { report: report.name });
    const { child } = (await report.next()).message as { child: string };
    await expect.poll(() => w2.has(child)).toBe(true);
    w1.announceWorkerLost('w2', 'test');
    const { message } = await report.next();
    expect(message).toMatchObject({ from: child, message: { type: 'CHILD_PROCESS_EXIT' } });
    expect(w1.stats().forgedFrames).toBe(0);
  });
});
