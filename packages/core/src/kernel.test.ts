import { afterEach, describe, expect, it } from 'vitest';
import { decode } from './codec';
import type { Context } from './context';
import { silentLogger } from './logger';
import { MemoryNetwork } from './memory-transport';
import { MemoryRegistry } from './memory-registry';
import { ClassCatalog, ModuleTable } from './modules';
import { Process } from './process';
import { EV_WORKER_LOST, inboxName, processName, spawnerOf, spawnSeqOf, workerLostEvent, workerOf } from './wire';
import { collector } from './test-support';
import { WorkerRuntime } from './worker';

class Idle extends Process {
  static override moduleName = 'Idle';
}

/** Spawns `Idle` by its name or its class (as the message says) and reports the child's name, or the error spawn threw. */
class Spawner extends Process {
  static override moduleName = 'Spawner';
  override *processDidReceiveMessage(state: { report: string }, message: { by: 'name' | 'class' | 'function' }, _from: string, ctx: Context) {
    const module = message.by === 'name' ? 'Idle' : message.by === 'class' ? Idle : () => undefined;
    try {
      const child = ctx.spawn(module as unknown as string, {});
      ctx.send(state.report, { child, children: ctx.getChildrenProcessNames() });
    } catch (err) {
      ctx.send(state.report, { error: (err as Error).name, message: (err as Error).message });
    }
  }
}

let stop: (() => Promise<void>) | undefined;
afterEach(async () => {
  await stop?.();
  stop = undefined;
});

async function workers(...ids: string[]) {
  const network = new MemoryNetwork({ cluster: 'kernel' });
  const registry = new MemoryRegistry();
  const catalog = new ClassCatalog();
  for (const cls of [Idle, Spawner]) catalog.add(cls.moduleName!, cls);
  const all = ids.map(
    (id) => new WorkerRuntime({ id, cluster: 'kernel', transport: network.connect(), registry, modules: new ModuleTable(catalog, registry, undefined), logger: silentLogger }),
  );
  for (const w of all) await w.start();
  stop = async () => {
    for (const w of all) await w.close();
  };
  return all;
}

describe('names', () => {
  it('gives an inbox a name no process of any sequence number can have', () => {
    for (const seq of [0, 1, 2, 35, 36, 650, 1_000_000, Date.now()]) {
      const inbox = inboxName('w1', seq);
      for (let other = Math.max(0, seq - 700); other <= seq + 700; other++) {
        expect(processName('w1', 'w1', other)).not.toBe(inbox);
        expect(processName('w1', 'w2', other)).not.toBe(inbox);
      }
      expect(workerOf(inbox)).toBe('w1');
      expect(spawnSeqOf(inbox)).toBe(-1);
    }
  });

  it('keeps an inbox hearing after the worker has spawned past the point where the old names collided', async () => {
    const [w1] = await workers('w1');
    const inbox = collector(w1);
    // Inbox names were `w1:i<seq>`: the spawn with sequence number 'i2' in base 36 (650) was named like an inbox.
    const spawned = new Set<string>();
    for (let i = 0; i < 1400; i++) spawned.add(w1.spawnRoot('Idle', {}));
    expect(spawned.has(inbox.name)).toBe(false);
    w1.sendFrom('w1:outside', inbox.name, 'still here', null);
    expect(await inbox.next()).toEqual({ from: 'w1:outside', message: 'still here' });
    expect(w1.stats().processes).toBe(1400);
  });

  it('reads the worker and the spawner back from a process name', () => {
    expect(workerOf(processName('w2', 'w1', 95))).toBe('w2');
    expect(spawnerOf(processName('w2', 'w1', 95))).toBe('w1');
    expect(spawnSeqOf(processName('w2', 'w1', 95))).toBe(95);
    expect(spawnerOf(processName('w1', 'w1', 95))).toBe('');
    expect(spawnSeqOf(processName('node.a', 'node.b', 7))).toBe(7);
    expect(spawnerOf(processName('node.a', 'node.b', 7))).toBe('node.b');
  });

  it('encodes the worker-lost event as the workers read it', () => {
    expect(decode(workerLostEvent('w3', 'it was stopped: SIGTERM'))).toEqual([EV_WORKER_LOST, 'w3', 'it was stopped: SIGTERM']);
  });
});

describe('spawning', () => {
  it('spawns a child from a module class as from its module name', async () => {
    const [w1] = await workers('w1');
    const inbox = collector(w1);
    const parent = w1.spawnRoot('Spawner', { report: inbox.name });
    w1.sendFrom('w1:outside', parent, { by: 'name' }, null);
    const byName = (await inbox.next()).message;
    expect(byName.children[byName.child]).toBe('Idle');
    w1.sendFrom('w1:outside', parent, { by: 'class' }, null);
    const byClass = (await inbox.next()).message;
    expect(byClass.children[byClass.child]).toBe('Idle');
    expect(byClass.child).not.toBe(byName.child);
    const child = w1.spawnAsChild(parent, Idle, {});
    expect(w1.ps().find((p) => p.name === child)?.module).toBe('Idle');
  });

  it('still refuses a function that is not a module class with a TypeError', async () => {
    const [w1] = await workers('w1');
    const inbox = collector(w1);
    const parent = w1.spawnRoot('Spawner', { report: inbox.name });
    w1.sendFrom('w1:outside', parent, { by: 'function' }, null);
    const { message } = await inbox.next();
    expect(message.error).toBe('TypeError');
    expect(message.message).toContain('spawn() needs a module name');
    expect(() => w1.spawnAsChild(parent, (() => undefined) as unknown as string, {})).toThrow(TypeError);
  });

  it('places a child spawned as a child on the target worker when one is given', async () => {
    const [w1, w2] = await workers('w1', 'w2');
    const inbox = collector(w1);
    const parent = w1.spawnRoot('Spawner', { report: inbox.name });
    const child = w1.spawnAsChild(parent, 'Idle', {}, 'w2');
    expect(workerOf(child)).toBe('w2');
    expect(spawnerOf(child)).toBe('w1');
    await new Promise<void>((resolve) => {
      const poll = () => (w2!.has(child) ? resolve() : setImmediate(poll));
      poll();
    });
    const local = w1.spawnAsChild(parent, 'Idle', {}, 'w1');
    expect(workerOf(local)).toBe('w1');
    expect(w1.has(local)).toBe(true);
    expect(() => w1.spawnAsChild(parent, 'Idle', {}, 'w2:bad')).toThrow(/worker id/);
  });

  it("tells processEnded (the embedded placer's count) of each of its processes that ended, once, after its parent", async () => {
    const ended: string[] = [];
    const network = new MemoryNetwork({ cluster: 'kernel-ended' });
    const catalog = new ClassCatalog();
    for (const cls of [Idle, Spawner]) catalog.add(cls.moduleName!, cls);
    const w1 = new WorkerRuntime({
      id: 'w1',
      cluster: 'kernel-ended',
      transport: network.connect(),
      modules: new ModuleTable(catalog, undefined, undefined),
      logger: silentLogger,
      processEnded: (worker) => ended.push(worker),
    });
    await w1.start();
    stop = () => w1.close();
    const inbox = collector(w1);
    const parent = w1.spawnRoot('Spawner', { report: inbox.name });
    const children = [w1.spawnAsChild(parent, 'Idle', {}), w1.spawnAsChild(parent, 'Idle', {})];
    expect(w1.kill(children[0]!, 'done')).toBe(true);
    w1.kill(children[0]!, 'again');
    await new Promise<void>((resolve) => {
      const poll = () => (ended.length === 1 ? resolve() : setImmediate(poll));
      poll();
    });
    expect(w1.kill(children[0]!, 'after')).toBe(false);
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(ended).toEqual(['w1']);
    expect(w1.has(children[1]!)).toBe(true);
  });
});
