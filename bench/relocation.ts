/**
 * Relocation (design 031) in the embedded cluster: how many moves a second, and how long a moved process takes no
 * turn (its pause), while a sender keeps it busy.
 */
import { createCluster, Process, silentLogger, type Context } from '../packages/core/src/index';

/** Answers each message to its sender (a ping-pong partner keeps it busy without growing its mailbox). */
class Held extends Process<{ n: number; pad: string }> {
  static override moduleName = 'BenchHeld';
  override processDidReceiveMessage(state: { n: number; pad: string }, m: unknown, from: string, { send }: Context) {
    state.n++;
    if (m === 'ping') send(from, 'pong');
    return state;
  }
}

/** Plays ping-pong with `to` until it is ended. */
class Feeder extends Process<{ to: string }> {
  static override moduleName = 'BenchFeeder';
  override processDidReceiveMessage(state: { to: string }, _m: unknown, _f: string, { send }: Context) {
    send(state.to, 'ping');
  }
}

/** Moves per second: `count` idle processes with a small state (100 bytes), all moved at once to other workers. */
export async function relocationsPerSecond(count: number): Promise<number> {
  const c = await createCluster({ workers: 3, logger: silentLogger });
  try {
    await c.load(Held);
    const names: string[] = [];
    for (let i = 0; i < count; i++) names.push(await c.spawn('BenchHeld', { n: 0, pad: 'x'.repeat(100) }));
    while ((await c.ps()).length < count + 1) await new Promise((r) => setTimeout(r, 5));
    const ids = c.workerIds;
    // Each starts on the worker its name starts with (some may still be on their way there).
    const where = new Map(names.map((n) => [n, n.slice(0, n.indexOf(':'))]));
    const t = performance.now();
    const outcomes = await Promise.all(names.map((n, i) => c.move(n, { to: ids.filter((w) => w !== where.get(n))[i % 2]! })));
    const s = (performance.now() - t) / 1000;
    const moved = outcomes.filter((o) => o.moved).length;
    if (moved !== count) throw new Error(`only ${moved} of ${count} processes moved: ${JSON.stringify(outcomes.find((o) => !o.moved))}`);
    return count / s;
  } finally {
    await c.stop();
  }
}

/**
 * The pause of a process moved `moves` times while a partner on another worker plays ping-pong with it: from the
 * move's start until the target runs it (measured around `cluster.move`, so an upper bound), in µs, sorted.
 */
export async function relocationPauses(moves: number): Promise<number[]> {
  const c = await createCluster({ workers: 3, logger: silentLogger });
  try {
    await c.load(Held);
    await c.load(Feeder);
    const held = await c.spawn('BenchHeld', { n: 0, pad: 'x'.repeat(100) });
    const feeder = await c.spawn('BenchFeeder', { to: held });
    const ids = c.workerIds;
    const feederOn = (await c.ps()).find((p) => p.name === feeder)!.worker;
    c.send(feeder, 'go');
    const pauses: number[] = [];
    let at = (await c.ps()).find((p) => p.name === held)!.worker;
    for (let i = 0; i < moves; i++) {
      const to = ids.find((w) => w !== at && w !== feederOn) ?? ids.find((w) => w !== at)!;
      const t = performance.now();
      const o = await c.move(held, { to });
      if (!o.moved) throw new Error(`move ${i} failed: ${o.message}`);
      pauses.push((performance.now() - t) * 1000);
      at = to;
    }
    await c.kill(feeder);
    return pauses.sort((a, b) => a - b);
  } finally {
    await c.stop();
  }
}
