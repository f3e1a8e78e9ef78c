import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock } from './clock';
import type { Context } from './context';
import { silentLogger } from './logger';
import { MemoryNetwork } from './memory-transport';
import { ClassCatalog, ModuleTable } from './modules';
import { Process } from './process';
import { ACK_DELAY_MS, RETRANSMIT_MS } from './reliable-delivery';
import { collector } from './test-support';
import { FaultyTransport } from './testing/faulty-transport';
import { WorkerRuntime } from './worker';

/** Sends `{ n }` to `state.to` for each `go` message, and counts the turns it got. */
const turns: number[] = [];
class Producer extends Process {
  static override moduleName = 'Producer';
  override processDidReceiveMessage(state: { to: string; n: number }, _message: unknown, _from: string, ctx: Context) {
    turns.push(state.n + 1);
    ctx.send(state.to, { n: state.n + 1 });
    return { ...state, n: state.n + 1 };
  }
}

const settle = async (): Promise<void> => {
  for (let i = 0; i < 3; i++) await new Promise((r) => setImmediate(r));
};

let stop: (() => Promise<void>) | undefined;
afterEach(async () => {
  await stop?.();
  stop = undefined;
  turns.length = 0;
});

/** Workers `w1` and `w2` over faulty connections to one memory network, with a manual clock. */
async function twoWorkers(delivery?: { windowFrames?: number }) {
  const clock = new ManualClock(1_000_000);
  const network = new MemoryNetwork({ cluster: 'delivery-workers', clock });
  const catalog = new ClassCatalog();
  catalog.add('Producer', Producer);
  const f1 = new FaultyTransport(network.connect());
  const f2 = new FaultyTransport(network.connect());
  const make = (id: string, transport: FaultyTransport) =>
    new WorkerRuntime({ id, cluster: 'delivery-workers', transport, modules: new ModuleTable(catalog, undefined, undefined), logger: silentLogger, clock, delivery });
  const w1 = make('w1', f1);
  const w2 = make('w2', f2);
  await w1.start();
  await w2.start();
  stop = async () => {
    await w1.close();
    await w2.close();
  };
  const run = async (rounds = 3): Promise<void> => {
    for (let i = 0; i < rounds; i++) {
      await settle();
      clock.advance(ACK_DELAY_MS);
    }
    await settle();
  };
  return { clock, f1, f2, w1, w2, run };
}

/** Collects the numbers `{ n }` that reach an inbox on `worker`. */
function numbers(worker: WorkerRuntime) {
  const c = collector(worker);
  const got: number[] = [];
  const all = async (count: number): Promise<number[]> => {
    while (got.length < count) got.push(((await c.next()).message as { n: number }).n);
    return got;
  };
  /** What arrived beyond what `all` was asked for. */
  const extra = (): number[] => {
    const more: number[] = [];
    void c.next().then((m) => more.push((m.message as { n: number }).n));
    return more;
  };
  return { name: c.name, all, extra };
}

const range = (from: number, to: number): number[] => Array.from({ length: to - from + 1 }, (_, i) => from + i);

describe('delivery between two workers', () => {
  it('delivers numbered messages once and in order through loss, duplication, reordering and a connection loss', async () => {
    const { w1, w2, f1, f2, run, clock } = await twoWorkers();
    const sink = numbers(w2);
    // A fixed pattern: of every 7 frames w1 sends, one is dropped, one duplicated, one held back and sent late.
    f1.policy = (_inbox, _frame, n) => (n % 7 === 1 ? 'drop' : n % 7 === 3 ? 'duplicate' : n % 7 === 5 ? 'hold' : 'pass');
    f2.policy = (_inbox, _frame, n) => (n % 5 === 2 ? 'drop' : 'pass'); // some of w2's acks are lost too
    for (let batch = 0; batch < 30; batch++) {
      for (let i = 1; i <= 10; i++) w1.sendFrom('w1:outside', sink.name, { n: batch * 10 + i }, null);
      w1.flushNow();
      if (batch === 10) f1.down(); // every frame sent while down is lost
      if (batch === 15) f1.up();
      if (batch % 4 === 0) f1.release(true);
      await run(1);
    }
    f1.policy = f2.policy = undefined;
    f1.release();
    for (let i = 0; i < 6; i++) {
      clock.advance(RETRANSMIT_MS * 2 ** i);
      await run();
    }
    expect(await sink.all(300)).toEqual(range(1, 300));
    await run();
    expect(sink.extra()).toEqual([]);
    expect(f1.faults.dropped).toBeGreaterThan(10);
    expect(w1.stats().deadLetters).toBe(0);
  });

  it('pauses the sending worker while its window to a worker is full, and resumes without losing a message', async () => {
    const { w1, w2, f1, run } = await twoWorkers({ windowFrames: 2 });
    const sink = numbers(w2);
    const producer = w1.spawnRoot('Producer', { to: sink.name, n: 0 });
    await run();
    f1.down(); // nothing w1 sends arrives: no acknowledgement comes back
    for (let i = 0; i < 8; i++) {
      w1.sendFrom('w1:outside', producer, 'go', null);
      await run(1);
    }
    // Three frames fill the window of two (a frame is accepted before the window is checked); then no turn starts.
    expect(turns).toEqual([1, 2, 3]);
    expect(w1.ps().find((p) => p.name === producer)!.mailboxSize).toBe(5);
    f1.up(); // w1 sends what it holds again, w2 acknowledges it (on the manual clock), w1 resumes
    await run(6);
    expect(await sink.all(8)).toEqual(range(1, 8));
    expect(turns).toEqual(range(1, 8));
  });

  it('counts what it held for a lost worker as dead letters (worker-lost), and what is sent to it later', async () => {
    const { w1, w2, f1, run } = await twoWorkers();
    const sink = numbers(w2);
    f1.down();
    for (let i = 1; i <= 5; i++) w1.sendFrom('w1:outside', sink.name, { n: i }, null);
    w1.flushNow();
    await run();
    w1.workerLost('w2', 'the test says so');
    expect(w1.stats().deadLettersByReason['worker-lost']).toBe(5);
    expect(w1.recentDeadLetters().at(-1)).toMatchObject({ from: 'w1:outside', to: sink.name, reason: 'worker-lost' });
    w1.sendFrom('w1:outside', sink.name, { n: 6 }, null);
    w1.flushNow();
    expect(w1.stats().deadLettersByReason['worker-lost']).toBe(6);
    f1.up();
    await run();
    expect((w1 as unknown as { transportStats(): { delivery: { unacked: number } } }).transportStats().delivery.unacked).toBe(0);
  });
});
