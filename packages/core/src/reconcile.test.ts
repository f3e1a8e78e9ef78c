/** Reconciliation after outages (design 029) on the in-memory network and registry, with a manual clock. */
import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock } from './clock';
import type { Context } from './context';
import { silentLogger } from './logger';
import { LOST_RECORD_TTL_MS, LOST_WORKERS_KEY, readLostWorkers, recordLostWorkers } from './lost-workers';
import { MemoryNetwork } from './memory-transport';
import { MemoryRegistry } from './memory-registry';
import { ClassCatalog, ModuleTable } from './modules';
import { Process } from './process';
import { collector } from './test-support';
import { workerLostEvent } from './wire';
import { WorkerRuntime } from './worker';

class Parent extends Process {
  static override moduleName = 'RcParent';
  override *processWillRun(state: { report: string; kids: number }, ctx: Context) {
    for (let i = 0; i < state.kids; i++) ctx.spawn('RcChild', {});
    ctx.send(state.report, { children: Object.keys(ctx.getChildrenProcessNames()) });
  }
  override *processDidReceiveMessage(state: { report: string }, message: unknown, from: string, ctx: Context) {
    ctx.send(state.report, { from, message });
  }
}

class Child extends Process {
  static override moduleName = 'RcChild';
}

let stop: (() => Promise<void>) | undefined;
afterEach(async () => {
  await stop?.();
  stop = undefined;
});

/** Three workers on one network and registry: `w1` places every child on `w2`; `w3` stands for the lost one. */
async function cluster(options: { everyMs?: number } = {}) {
  const clock = new ManualClock(1_000_000);
  const network = new MemoryNetwork({ cluster: 'reconcile' });
  const registry = new MemoryRegistry({ clock });
  const catalog = new ClassCatalog();
  for (const cls of [Parent, Child]) catalog.add(cls.moduleName!, cls);
  const lostSelf: string[] = [];
  const lostSeen: string[] = [];
  const make = (id: string, place?: () => string) => {
    const transport = network.connect();
    const w = new WorkerRuntime({
      id,
      cluster: 'reconcile',
      transport,
      registry,
      clock,
      modules: new ModuleTable(catalog, registry, undefined),
      logger: silentLogger,
      place,
      reconcileEveryMs: options.everyMs,
      onLostSelf: (why) => void lostSelf.push(`${id}: ${why}`),
      onWorkerLost: (worker) => void lostSeen.push(`${id} saw ${worker}`),
    });
    return { w, transport };
  };
  const one = make('w1', () => 'w2');
  const two = make('w2');
  for (const { w } of [one, two]) await w.start();
  stop = async () => {
    await one.w.close();
    await two.w.close();
  };
  return { clock, network, registry, w1: one.w, t1: one.transport, w2: two.w, t2: two.transport, lostSelf, lostSeen };
}

/** Resolves once `w` hosts `n` processes. */
function hosting(w: WorkerRuntime, n: number): Promise<void> {
  return new Promise<void>((resolve) => {
    const poll = () => (w.ps().length === n ? resolve() : setImmediate(poll));
    poll();
  });
}

describe('reconciliation after outages', () => {
  it('tells a parent once, after its transport comes back, of a worker lost while events could not reach it', async () => {
    const { clock, network, registry, w1, t1, w2, lostSeen } = await cluster();
    const inbox = collector(w1);
    const parent = w1.spawnRoot('RcParent', { report: inbox.name, kids: 1 });
    const [child] = (await inbox.next()).message.children as string[];
    await hosting(w2, 1);
    // w1's broker connection is down; meanwhile w2 dies, and its node daemon records it (the event is lost).
    network.disconnect(t1);
    await recordLostWorkers(registry, [{ id: 'w2', why: 'killed by SIGKILL', at: clock.now() }], clock.now());
    network.reconnect(t1);
    const told = await inbox.next();
    expect(told.from).toBe(parent);
    expect(told.message.from).toBe(child);
    expect(told.message.message.type).toBe('CHILD_PROCESS_EXIT');
    expect(told.message.message.payload.err.code).toBe('WORKER_LOST');
    expect(told.message.message.payload.err.message).toContain('killed by SIGKILL');
    // The late event, a second reconcile and another outage tell nobody again.
    t1.publish(workerLostEvent('w2', 'killed by SIGKILL'));
    expect(await w1.reconcile()).toBe(0);
    network.disconnect(t1);
    network.reconnect(t1);
    expect(await w1.reconcile()).toBe(0);
    w1.spawnRoot('RcParent', { report: inbox.name, kids: 0 });
    const marker = await inbox.next();
    expect(marker.message).toEqual({ children: [] });
    expect(lostSeen.filter((s) => s === 'w1 saw w2')).toEqual(['w1 saw w2']);
  });

  it('ends the orphans of a lost worker on the periodic reconcile, with no outage seen', async () => {
    const { clock, registry, w1, w2 } = await cluster({ everyMs: 15_000 });
    const inbox = collector(w2);
    // w1 hosts the parent; its child lives on w2. w1 is lost and its event never reached w2.
    w1.spawnRoot('RcParent', { report: inbox.name, kids: 1 });
    await inbox.next();
    await hosting(w2, 1);
    await recordLostWorkers(registry, [{ id: 'w1', why: 'killed by SIGKILL', at: clock.now() }], clock.now());
    expect(w2.ps()).toHaveLength(1);
    clock.advance(15_000);
    await w2.whenEmpty();
    expect(w2.stats().exited).toBe(1);
  });

  it('applies a worker-lost event and the record of the same loss once', async () => {
    const { clock, registry, w1, t2, w2, lostSeen } = await cluster();
    const inbox = collector(w1);
    w1.spawnRoot('RcParent', { report: inbox.name, kids: 2 });
    await inbox.next();
    await hosting(w2, 2);
    t2.publish(workerLostEvent('w2', 'killed by SIGKILL'));
    t2.publish(workerLostEvent('w2', 'killed by SIGKILL'));
    const exits = [await inbox.next(), await inbox.next()];
    expect(exits.every((e) => e.message.message.type === 'CHILD_PROCESS_EXIT')).toBe(true);
    await recordLostWorkers(registry, [{ id: 'w2', why: 'killed by SIGKILL', at: clock.now() }], clock.now());
    expect(await w1.reconcile()).toBe(0);
    expect(lostSeen.filter((s) => s === 'w1 saw w2')).toEqual(['w1 saw w2']);
    expect(w1.ps().filter((p) => p.module === 'RcParent')[0]!.children).toBe(0);
  });

  it('declares nobody lost when the registry is flushed or unreachable', async () => {
    const { registry, w1, w2, lostSelf, lostSeen } = await cluster();
    const inbox = collector(w1);
    w1.spawnRoot('RcParent', { report: inbox.name, kids: 1 });
    await inbox.next();
    await hosting(w2, 1);
    // Everything gone (FLUSHALL): no members, no record.
    await registry.removeMember('w1');
    await registry.removeMember('w2');
    await registry.deleteValue(LOST_WORKERS_KEY);
    expect(await w1.reconcile()).toBe(0);
    expect(await w2.reconcile()).toBe(0);
    // A garbage record reads as empty.
    await registry.setValue(LOST_WORKERS_KEY, new Uint8Array([0xc1, 0xff, 0x00]));
    expect(await w1.reconcile()).toBe(0);
    // The registry down: reads fail and change nothing.
    const getValue = registry.getValue.bind(registry);
    registry.getValue = () => Promise.reject(new Error('ECONNREFUSED'));
    expect(await w1.reconcile()).toBe(0);
    registry.getValue = getValue;
    expect(w2.ps()).toHaveLength(1);
    expect(lostSeen).toEqual([]);
    expect(lostSelf).toEqual([]);
  });

  it('fences a worker that finds itself in the record, once', async () => {
    const { clock, registry, w1, lostSelf } = await cluster();
    await recordLostWorkers(registry, [{ id: 'w1', why: 'its heartbeat stopped', at: clock.now() }], clock.now());
    await w1.reconcile();
    await w1.reconcile();
    expect(lostSelf).toEqual(['w1: its heartbeat stopped']);
  });
});

describe('the lost-worker record', () => {
  it('merges writers, keeps the first entry of an id, and drops entries past the TTL', async () => {
    const clock = new ManualClock(0);
    const registry = new MemoryRegistry({ clock });
    expect(await recordLostWorkers(registry, [{ id: 'a', why: 'first', at: 0 }], 0)).toBe(true);
    clock.advance(1000);
    expect(await recordLostWorkers(registry, [{ id: 'b', why: 'b', at: 1000 }, { id: 'a', why: 'second', at: 1000 }], 1000)).toBe(true);
    expect(await readLostWorkers(registry)).toEqual([
      { id: 'a', why: 'first', at: 0 },
      { id: 'b', why: 'b', at: 1000 },
    ]);
    expect(await recordLostWorkers(registry, [{ id: 'c', why: 'c', at: LOST_RECORD_TTL_MS }], LOST_RECORD_TTL_MS)).toBe(true);
    expect((await readLostWorkers(registry)).map((e) => e.id)).toEqual(['b', 'c']);
  });

  it('writes again when another writer overwrote its entry', async () => {
    const registry = new MemoryRegistry();
    const setValue = registry.setValue.bind(registry);
    let overwrite = true;
    registry.setValue = async (key, value) => {
      await setValue(key, value);
      // A concurrent writer that read before us puts back its own list without our entry, once.
      if (overwrite) {
        overwrite = false;
        await recordLostWorkers({ getValue: async () => undefined, setValue }, [{ id: 'other', why: 'x', at: 5 }], 5);
      }
    };
    expect(await recordLostWorkers(registry, [{ id: 'mine', why: 'y', at: 5 }], 5)).toBe(true);
    expect((await readLostWorkers(registry)).map((e) => e.id).sort()).toEqual(['mine', 'other']);
  });
});
