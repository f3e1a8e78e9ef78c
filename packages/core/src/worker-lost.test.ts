import { afterEach, describe, expect, it } from 'vitest';
import { ClassCatalog, ModuleTable } from './modules';
import { MemoryNetwork } from './memory-transport';
import { MemoryRegistry } from './memory-registry';
import { silentLogger } from './logger';
import { Process } from './process';
import { WorkerRuntime } from './worker';
import { collector } from './test-support';
import type { Context } from './context';

class Parent extends Process {
  static override moduleName = 'Parent';
  override *processWillRun(state: { report: string; kids: number }, ctx: Context) {
    for (let i = 0; i < state.kids; i++) ctx.spawn('Child', {});
    ctx.send(state.report, { children: Object.keys(ctx.getChildrenProcessNames()) });
  }
  override *processDidReceiveMessage(state: { report: string }, message: unknown, from: string, ctx: Context) {
    ctx.send(state.report, { from, message });
  }
}

class Child extends Process {
  static override moduleName = 'Child';
  override *processWillExit(state: unknown, err: unknown, ctx: Context) {
    ctx.send('watcher', { ended: ctx.getProcessName(), err: String(err) });
  }
}

let stop: (() => Promise<void>) | undefined;
afterEach(async () => {
  await stop?.();
  stop = undefined;
});

/** Two workers on one network; `w1` places every child on `w2`. */
async function twoWorkers(resilientWorkers: string[] = []) {
  const network = new MemoryNetwork({ cluster: 'lost' });
  const registry = new MemoryRegistry();
  const catalog = new ClassCatalog();
  for (const cls of [Parent, Child]) catalog.add(cls.moduleName!, cls);
  const make = (id: string, place?: () => string) =>
    new WorkerRuntime({ id, cluster: 'lost', transport: network.connect(), registry, modules: new ModuleTable(catalog, registry, undefined), logger: silentLogger, place, resilientWorkers });
  const w1 = make('w1', () => 'w2');
  const w2 = make('w2');
  await w1.start();
  await w2.start();
  stop = async () => {
    await w1.close();
    await w2.close();
  };
  return { w1, w2 };
}

describe('losing a worker', () => {
  it('tells local parents of processes on the lost worker with a WORKER_LOST error naming it', async () => {
    const { w1 } = await twoWorkers();
    const inbox = collector(w1);
    const parent = w1.spawnRoot('Parent', { report: inbox.name, kids: 2 });
    const { message } = await inbox.next();
    const children = message.children as string[];
    expect(children).toHaveLength(2);
    expect(children.every((c) => c.startsWith('w2:'))).toBe(true);
    w1.workerLost('w2', 'killed by SIGKILL');
    const exits = [await inbox.next(), await inbox.next()];
    expect(exits.map((e) => e.message.from).sort()).toEqual([...children].sort());
    for (const e of exits) {
      expect(e.from).toBe(parent);
      expect(e.message.message.type).toBe('CHILD_PROCESS_EXIT');
      expect(e.message.message.payload.err.code).toBe('WORKER_LOST');
      expect(e.message.message.payload.err.message).toContain("Worker 'w2'");
      expect(e.message.message.payload.err.message).toContain('killed by SIGKILL');
    }
  });

  it('ends local processes whose parent lived on the lost worker', async () => {
    const { w1, w2 } = await twoWorkers();
    const inbox = collector(w1);
    w1.spawnRoot('Parent', { report: inbox.name, kids: 3 });
    await inbox.next();
    await new Promise<void>((resolve) => {
      const poll = () => (w2.ps().length === 3 ? resolve() : setImmediate(poll));
      poll();
    });
    w2.workerLost('w1', 'its node daemon reported it dead');
    await w2.whenEmpty();
    expect(w2.stats().processes).toBe(0);
    expect(w2.stats().exited).toBe(3);
  });

  it('does not end children of a resilient worker\'s processes (the cluster daemon\'s root comes back)', async () => {
    const { w1, w2 } = await twoWorkers(['w1']);
    const inbox = collector(w1);
    w1.spawnRoot('Parent', { report: inbox.name, kids: 2 });
    await inbox.next();
    await new Promise<void>((resolve) => {
      const poll = () => (w2.ps().length === 2 ? resolve() : setImmediate(poll));
      poll();
    });
    w2.workerLost('w1', 'the cluster daemon restarted');
    expect(w2.ps()).toHaveLength(2);
  });
});
