/** Stall visibility and fencing hooks of a worker runtime, on a ManualClock whose time a handler "blocks". */
import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock } from './clock';
import type { Logger } from './logger';
import { MemoryNetwork } from './memory-transport';
import { MemoryRegistry } from './memory-registry';
import { ClassCatalog, ModuleTable } from './modules';
import { Process } from './process';
import { workerLostEvent } from './wire';
import { WorkerRuntime } from './worker';

/** The clock of the running test: a Blocker's handler moves it forward without running timers, as a busy loop would. */
let clock: ManualClock;

/** The runtime of the running test. */
let worker: WorkerRuntime;
/** What the test's processes saw, in order. */
let seen: unknown[];

/** On `{ block: ms }` keeps the event loop busy for `ms` (on the test clock); notes whose turn the runtime says it is. */
class Blocker extends Process {
  static override moduleName = 'Blocker';
  override *processDidReceiveMessage(state: object, message: { block?: number }) {
    if (message.block) clock.block(message.block);
    seen.push(worker.currentTurn());
    return state;
  }
}

/** Notes every message and its own exit (neither may happen once its worker is halted). */
class Watcher extends Process {
  static override moduleName = 'Watcher';
  override *processDidReceiveMessage(state: object, message: unknown) {
    seen.push({ got: message });
    return state;
  }
  override *processWillExit() {
    seen.push({ exiting: true });
  }
}

const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

let close: (() => Promise<void>) | undefined;
afterEach(async () => {
  await close?.();
  close = undefined;
});

function runtime(extra: { onLostSelf?: (why: string) => void; stallWarnMs?: number } = {}) {
  clock = new ManualClock(1_000_000);
  const warnings: string[] = [];
  const logger: Logger = { debug: () => undefined, info: () => undefined, warn: (m) => void warnings.push(m), error: (m) => void warnings.push(m) };
  const network = new MemoryNetwork({ cluster: 'turn-watch', clock });
  const registry = new MemoryRegistry({ clock });
  const catalog = new ClassCatalog();
  for (const cls of [Blocker, Watcher]) catalog.add(cls.moduleName!, cls);
  seen = [];
  worker = new WorkerRuntime({
    id: 'w1',
    cluster: 'turn-watch',
    transport: network.connect(),
    registry,
    modules: new ModuleTable(catalog, registry, undefined),
    logger,
    clock,
    ...extra,
  });
  close = () => worker.close();
  return { warnings, transport: network.connect() };
}

describe('stall visibility', () => {
  it('logs a run of the loop that blocked for 9 s, naming the process whose turn blocked and its module', async () => {
    const { warnings } = runtime();
    await worker.start();
    const busy = worker.spawnRoot('Blocker', {});
    await settle();
    worker.sendFrom('w1:outside', busy, { block: 9000 }, null);
    await settle();
    expect(warnings).toEqual([
      `worker 'w1': its event loop was blocked for 9000 ms; process '${busy}' (module 'Blocker') blocked it in its turn. Every process on this worker waited meanwhile: move long synchronous work out of the handler (split it across messages, or into a worker thread or child process).`,
    ]);
    expect(worker.lastStall()).toEqual({ ms: 9000, at: 1_009_000, processes: [{ name: busy, module: 'Blocker' }], turns: 1 });
  });

  it('names every process whose turn ran in the blocked run when there were several', async () => {
    const { warnings } = runtime();
    await worker.start();
    const quick = worker.spawnRoot('Blocker', {});
    const busy = worker.spawnRoot('Blocker', {});
    await settle();
    worker.sendFrom('w1:outside', quick, {}, null);
    worker.sendFrom('w1:outside', busy, { block: 2500 }, null);
    await settle();
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain(`blocked for 2500 ms; the turns that ran then (one long turn, or many together) were those of '${quick}' (module 'Blocker'), '${busy}' (module 'Blocker')`);
    expect(worker.lastStall()?.turns).toBe(2);
  });

  it('says nothing of runs shorter than stallWarnMs', async () => {
    const { warnings } = runtime({ stallWarnMs: 500 });
    await worker.start();
    const p = worker.spawnRoot('Blocker', {});
    await settle();
    worker.sendFrom('w1:outside', p, { block: 499 }, null);
    await settle();
    expect(warnings).toEqual([]);
    expect(worker.lastStall()).toBeUndefined();
    worker.sendFrom('w1:outside', p, { block: 500 }, null);
    await settle();
    expect(worker.lastStall()?.ms).toBe(500);
  });

  it('knows whose turn it is during a turn, and answers undefined outside any turn', async () => {
    runtime();
    await worker.start();
    const p = worker.spawnRoot('Blocker', {});
    await settle();
    clock.advance(250);
    worker.sendFrom('w1:outside', p, {}, null);
    await settle();
    expect(seen).toEqual([{ name: p, module: 'Blocker', since: 1_000_250 }]);
    expect(worker.currentTurn()).toBeUndefined();
  });
});

describe('fencing hooks', () => {
  it('calls onLostSelf, without ending anything, when the cluster announces this worker lost', async () => {
    const lost: string[] = [];
    const { transport } = runtime({ onLostSelf: (why) => void lost.push(why) });
    await worker.start();
    const w = worker.spawnRoot('Watcher', {});
    await settle();
    transport.publish(workerLostEvent('w1', 'its heartbeat stopped'));
    await settle();
    expect(lost).toEqual(['its heartbeat stopped']);
    expect(worker.has(w)).toBe(true);
  });

  it('halt() stops every process without running its code again: no processWillExit, no more messages', async () => {
    runtime();
    await worker.start();
    const w = worker.spawnRoot('Watcher', {});
    await settle();
    worker.sendFrom('w1:outside', w, 'before', null);
    await settle();
    expect(seen).toEqual([{ got: 'before' }]);
    worker.halt();
    worker.sendFrom('w1:outside', w, 'after', null);
    clock.advance(60_000);
    await settle();
    expect(seen).toEqual([{ got: 'before' }]);
    expect(worker.has(w)).toBe(false);
    expect(worker.stats().processes).toBe(0);
  });
});
