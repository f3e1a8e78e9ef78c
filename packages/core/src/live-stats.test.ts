import { afterEach, describe, expect, it } from 'vitest';
import { createCluster, ManualClock, Process, silentLogger, type Context, type EmbeddedCluster } from './index';
import { Ring, RECENT } from './live-stats';

// Live data (design 020): the counters and rings each worker keeps, and what `top` computes from them.

/** Counts what it receives; `EXIT` ends it with the given reason; `BUSY` spins for `ms` of its turn; `PING` is answered. */
class Counter extends Process<{ n: number }> {
  static override moduleName = 'LiveCounter';
  override processDidReceiveMessage(state: { n: number }, message: any, _from: string, { exit, reply }: Context<{ n: number }>) {
    if (message?.type === 'PING') reply('pong');
    if (message?.type === 'EXIT') exit(message.reason);
    if (message?.type === 'BOOM') throw new Error('boom\nsecond line');
    if (message?.type === 'BUSY') {
      const end = performance.now() + message.ms;
      while (performance.now() < end);
    }
    return { n: state.n + 1 };
  }
}

let cluster: EmbeddedCluster | undefined;
afterEach(async () => {
  await cluster?.stop();
  cluster = undefined;
});

async function start(clock?: ManualClock): Promise<EmbeddedCluster> {
  cluster = await createCluster({ workers: 1, logger: silentLogger, modules: [Counter], ...(clock ? { clock } : {}) });
  return cluster;
}

/** Resolves once every worker's loop has run (messages sent so far are handled). */
async function settled(c: EmbeddedCluster): Promise<void> {
  const inbox = c.inbox();
  const probe = await c.spawn('LiveCounter', { n: 0 });
  await c.call(probe, { type: 'PING' });
  inbox.close();
  await c.kill(probe, 'normal');
}

describe('a worker counts', () => {
  it('messages sent by processes and from outside, and the messages each process received', async () => {
    const c = await start();
    const a = await c.spawn('LiveCounter', { n: 0 });
    for (let i = 0; i < 5; i++) c.send(a, { type: 'INC' });
    await settled(c);
    const [stats] = await c.stats();
    expect(stats!.sent).toBeGreaterThanOrEqual(5);
    const top = await c.top();
    const p = top.processes.find((x) => x.name === a)!;
    expect(p).toMatchObject({ module: 'LiveCounter', version: '1', worker: 'w1', mailbox: 0 });
    expect(p.msgsInPerSec).toBeGreaterThan(0);
  });

  it('dead letters by reason, and remembers each with its sender and target', async () => {
    const c = await start();
    const a = await c.spawn('LiveCounter', { n: 0 });
    await c.kill(a, 'normal');
    c.send(a, { type: 'INC' }, 'sender-1');
    c.send('nobody-registered', { type: 'INC' }, 'sender-2');
    const [stats] = await c.stats();
    expect(stats!.deadLettersByReason['no-process']).toBe(2);
    expect(stats!.deadLetters).toBe(2);
    const letters = await c.deadLetters();
    expect(letters.map((l) => [l.from, l.to, l.reason, l.worker])).toEqual([
      ['sender-1', a, 'no-process', 'w1'],
      ['sender-2', 'nobody-registered', 'no-process', 'w1'],
    ]);
    expect(await c.deadLetters({ limit: 1 })).toEqual([letters[1]]);
    expect(await c.deadLetters({ since: letters[1]!.at + 1 })).toEqual([]);
  });

  it('messages left in a mailbox when its process ends as ended-unread dead letters', async () => {
    const c = await start();
    const a = await c.spawn('LiveCounter', { n: 0 });
    // The kill runs before the loop gets to the three messages queued just before it.
    c.send(a, { type: 'INC' }, 'early-1');
    c.send(a, { type: 'INC' }, 'early-2');
    c.send(a, { type: 'INC' }, 'early-3');
    await c.kill(a, 'killed');
    const [stats] = await c.stats();
    expect(stats!.deadLettersByReason['ended-unread']).toBe(3);
    expect((await c.deadLetters()).map((l) => l.from)).toEqual(['early-1', 'early-2', 'early-3']);
  });

  it('exits by kind, and remembers each with its reason on one line', async () => {
    const c = await start();
    const inbox = c.inbox();
    const names = await Promise.all([0, 1, 2, 3].map(() => c.spawn('LiveCounter', { n: 0 })));
    c.send(names[0]!, { type: 'EXIT', reason: 'normal' });
    c.send(names[1]!, { type: 'BOOM' });
    await c.kill(names[2]!, 'killed');
    await c.kill(names[3]!, 'shutdown');
    await settled(c);
    inbox.close();
    const exits = (await c.exits()).filter((e) => names.includes(e.name));
    const byName = new Map(exits.map((e) => [e.name, e]));
    expect(byName.get(names[0]!)).toMatchObject({ kind: 'normal', reason: 'normal', module: 'LiveCounter', worker: 'w1', parent: c.root });
    expect(byName.get(names[1]!)).toMatchObject({ kind: 'crash', reason: 'Error: boom second line' });
    expect(byName.get(names[2]!)).toMatchObject({ kind: 'killed', reason: 'killed' });
    expect(byName.get(names[3]!)).toMatchObject({ kind: 'shutdown' });
    const [stats] = await c.stats();
    expect(stats!.exitsByKind).toMatchObject({ normal: expect.any(Number), crash: 1, killed: 1 });
    expect(stats!.exitsByKind.shutdown).toBeGreaterThanOrEqual(1);
  });

  it('the time spent in each process’s turns', async () => {
    const c = await start();
    const a = await c.spawn('LiveCounter', { n: 0 });
    // One turn in 16 is timed (picked at random, from a fixed seed): 64 turns of 1 ms each are sure to have some.
    for (let i = 0; i < 64; i++) {
      c.send(a, { type: 'BUSY', ms: 1 });
      await settled(c);
    }
    const p = (await c.top()).processes.find((x) => x.name === a)!;
    // 64 ms of turns over the worker's life so far (at least 1 s counted): some ms per second.
    expect(p.turnMsPerSec).toBeGreaterThan(0);
  });
});

describe('top', () => {
  it('computes rates from the counters’ deltas between two samples, on the worker’s clock', async () => {
    const clock = new ManualClock(1_000_000);
    const c = await start(clock);
    const a = await c.spawn('LiveCounter', { n: 0 });
    await c.top();
    for (let i = 0; i < 20; i++) c.send(a, { type: 'INC' }, 'outside');
    c.send('w1:999999', { type: 'INC' });
    await settled(c);
    clock.advance(2000);
    const top = await c.top();
    const p = top.processes.find((x) => x.name === a)!;
    expect(p.msgsInPerSec).toBe(10);
    const w = top.workers[0]!;
    expect(w).toMatchObject({ id: 'w1', node: null, pid: process.pid, draining: false, stalled: false });
    expect(w.msgsInPerSec).toBeGreaterThanOrEqual(10);
    expect(w.deadLettersPerSec).toBeGreaterThanOrEqual(0.5);
    expect(w.rssBytes).toBeGreaterThan(0);
    expect(w.heapUsedBytes).toBeGreaterThan(0);
    // Nothing happened since: the next sample's rates are 0.
    clock.advance(1000);
    const again = (await c.top()).processes.find((x) => x.name === a)!;
    expect(again.msgsInPerSec).toBe(0);
    expect(again.ageMs).toBe(3000);
  });

  it('lists at most 50 processes per order of a worker, busiest first', async () => {
    const c = await start();
    const names = await Promise.all(Array.from({ length: 70 }, () => c.spawn('LiveCounter', { n: 0 })));
    for (let i = 0; i < 70; i++) for (let k = 0; k < i % 7; k++) c.send(names[i]!, { type: 'INC' });
    await settled(c);
    const top = await c.top();
    expect(top.processes.length).toBeGreaterThanOrEqual(50);
    expect(top.processes.length).toBeLessThanOrEqual(150);
    const rates = top.processes.map((p) => p.msgsInPerSec);
    expect(rates).toEqual([...rates].sort((x, y) => y - x));
  });

  it('refuses a bad since or limit with a sentence naming it', async () => {
    const c = await start();
    await expect(c.deadLetters({ limit: 0 })).rejects.toThrow(/limit must be a whole number from 1 to 10000; got 0/);
    await expect(c.exits({ since: Number.NaN })).rejects.toThrow(/since must be a time in epoch milliseconds/);
  });
});

describe('Ring', () => {
  it(`keeps the last ${RECENT} items, oldest first`, () => {
    const ring = new Ring<{ at: number }>();
    for (let i = 0; i < RECENT + 50; i++) ring.push({ at: i });
    const all = ring.list();
    expect(all).toHaveLength(RECENT);
    expect(all[0]!.at).toBe(50);
    expect(all.at(-1)!.at).toBe(RECENT + 49);
    expect(ring.list(RECENT + 40).map((x) => x.at)).toEqual([240, 241, 242, 243, 244, 245, 246, 247, 248, 249]);
    expect(ring.list(undefined, 2).map((x) => x.at)).toEqual([248, 249]);
  });
});
