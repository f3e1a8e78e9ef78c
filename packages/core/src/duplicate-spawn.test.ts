import { afterEach, describe, expect, it } from 'vitest';
import { encodeTrusted } from './codec';
import type { Context } from './context';
import type { Logger } from './logger';
import { MemoryNetwork } from './memory-transport';
import { ClassCatalog, ModuleTable } from './modules';
import { Process } from './process';
import { collector } from './test-support';
import { E_SPAWN } from './wire';
import { WorkerRuntime } from './worker';

/** Forwards every message, with its sender, to `state.report`; tells it when it ends. */
class Relay extends Process {
  static override moduleName = 'Relay';
  override processDidReceiveMessage(state: { report: string }, message: unknown, from: string, ctx: Context) {
    ctx.send(state.report, { at: ctx.getProcessName(), from, message });
  }
  override processWillExit(state: { report: string }, err: unknown, ctx: Context) {
    ctx.send(state.report, { at: ctx.getProcessName(), ended: String(err) });
  }
}

let stop: (() => Promise<void>) | undefined;
afterEach(async () => {
  await stop?.();
  stop = undefined;
});

async function twoWorkers() {
  const network = new MemoryNetwork({ cluster: 'dup-spawn' });
  const catalog = new ClassCatalog();
  catalog.add('Relay', Relay);
  const warnings: string[] = [];
  const logger: Logger = { debug() {}, info() {}, warn: (m) => warnings.push(m), error: (m) => warnings.push(m) };
  const [w1, w2] = ['w1', 'w2'].map(
    (id) => new WorkerRuntime({ id, cluster: 'dup-spawn', transport: network.connect(), modules: new ModuleTable(catalog, undefined, undefined), logger }),
  ) as [WorkerRuntime, WorkerRuntime];
  await w1.start();
  await w2.start();
  stop = async () => {
    await w1.close();
    await w2.close();
  };
  return { w1, w2, warnings };
}

describe('a spawn envelope naming a process that already runs', () => {
  it('is refused: the running process keeps running untouched, and the spawner hears NAME_TAKEN for that name', async () => {
    const { w1, w2, warnings } = await twoWorkers();
    const onW1 = collector(w1);
    const onW2 = collector(w2);
    const running = w2.spawnRoot('Relay', { report: onW2.name });
    const spawner = w1.spawnRoot('Relay', { report: onW1.name });
    // What a worker restarted under another's id, or a forged frame, would send: a spawn of `running`'s name.
    w1.push('w2', encodeTrusted([E_SPAWN, running, 'Relay', spawner, { report: 'w1:elsewhere' }]));
    w1.flushNow();

    const told = await onW1.next();
    expect(told.from).toBe(spawner);
    expect(told.message.from).toBe(running);
    expect(told.message.message.type).toBe('CHILD_PROCESS_EXIT');
    expect(told.message.message.payload.err.code).toBe('NAME_TAKEN');
    expect(told.message.message.payload.err.message).toContain(`refused to spawn 'Relay' as '${running}'`);

    // The running process still answers with its own state (its report inbox), and never ran processWillExit.
    w2.sendFrom('w2:outside', running, 'still you?', null);
    expect((await onW2.next()).message).toEqual({ at: running, from: 'w2:outside', message: 'still you?' });
    expect(w2.ps().find((p) => p.name === running)).toMatchObject({ module: 'Relay', parent: null, status: 'waiting' });
    expect(w2.stats()).toMatchObject({ processes: 1, spawned: 1, badFrames: 1 });
    expect(warnings.join('\n')).toContain(`Worker 'w2' refused to spawn 'Relay' as '${running}' for '${spawner}'`);
  });

  it('is dropped without telling the spawner when it repeats the spawn of the very process that runs (a duplicated frame)', async () => {
    const { w1, w2 } = await twoWorkers();
    const onW1 = collector(w1);
    const parent = w1.spawnRoot('Relay', { report: onW1.name });
    const child = w1.spawnAsChild(parent, 'Relay', { report: parent }, 'w2');
    w1.sendFrom('w1:outside', child, 'first', null);
    w1.flushNow();
    expect((await onW1.next()).message.message).toEqual({ at: child, from: 'w1:outside', message: 'first' });

    w1.push('w2', encodeTrusted([E_SPAWN, child, 'Relay', parent, { report: parent }]));
    w1.sendFrom('w1:outside', child, 'second', null);
    w1.flushNow();
    // w2 handles the duplicate first; a CHILD_PROCESS_EXIT it sent would reach the parent before this relay.
    expect((await onW1.next()).message.message).toEqual({ at: child, from: 'w1:outside', message: 'second' });
    expect(w2.stats()).toMatchObject({ processes: 1, spawned: 1, badFrames: 1 });
  });

  it('refuses a root process under a name that is taken (spawnRoot with a name)', async () => {
    const { w1 } = await twoWorkers();
    const onW1 = collector(w1);
    const root = w1.spawnRoot('Relay', { report: onW1.name }, 'w1:root');
    expect(() => w1.spawnRoot('Relay', { report: onW1.name }, root)).toThrow(/Cannot start a root process 'w1:root' \(Relay\) on worker 'w1': a process of that name already runs there/);
    w1.sendFrom('w1:outside', root, 'hello', null);
    expect((await onW1.next()).message).toEqual({ at: root, from: 'w1:outside', message: 'hello' });
  });
});
