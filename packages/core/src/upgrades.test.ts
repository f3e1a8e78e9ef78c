import { afterEach, describe, expect, it } from 'vitest';
import { createCluster, type EmbeddedCluster } from './cluster';
import type { Context } from './context';
import { createWorkerRuntime } from './create-runtime';
import type { Inbox } from './inbox';
import type { Logger } from './logger';
import { MemoryRegistry } from './memory-registry';
import { MemoryNetwork } from './memory-transport';
import { hashCode } from './module-loader';
import { Process } from './process';
import { collector } from './test-support';

type State = { inbox: string; count: number; tag?: string; migrated?: number[] };

function counter(version: number, upgrade?: (state: State, from: number) => unknown) {
  class Counter extends Process {
    static override moduleName = 'Counter';
    override processDidReceiveMessage(state: State, message: string, _from: string, { send, getProcessName }: Context) {
      if (message === 'inc') return { ...state, count: state.count + 1 };
      send(state.inbox, { counter: getProcessName(), version, count: state.count, migrated: state.migrated ?? [] });
    }
  }
  if (upgrade) (Counter.prototype as Process).processWillUpgrade = upgrade as never;
  return Counter;
}

const V1 = counter(1);
/** Fails for processes tagged 'bad', after changing their state in place. */
const V2 = counter(2, (state, from) => {
  state.count = -1000;
  if (state.tag === 'bad') throw new TypeError(`cannot migrate ${state.tag}`);
  return { ...state, migrated: [...(state.migrated ?? []), from] };
});
/** Fails asynchronously for processes tagged 'bad'. */
const V2async = counter(2, function* (state: State, from: number) {
  yield Promise.resolve();
  if (state.tag === 'bad') yield Promise.reject(new RangeError('async migration failed'));
  return { ...state, migrated: [...(state.migrated ?? []), from] };
} as never);
/** Migrates everyone, mutating in place and returning nothing. */
const V3 = counter(3, (state, from) => {
  state.migrated = [...(state.migrated ?? []), from];
});

let cluster: EmbeddedCluster | undefined;
afterEach(async () => {
  await cluster?.stop();
  cluster = undefined;
});

async function start() {
  const errors: string[] = [];
  const logger: Logger = { debug() {}, info() {}, warn() {}, error: (m) => errors.push(m) };
  cluster = await createCluster({ workers: 2, logger, modules: [V1] });
  const inbox = cluster.inbox();
  const good = await cluster.spawn('Counter', { inbox: inbox.name, count: 0, tag: 'good' });
  const bad = await cluster.spawn('Counter', { inbox: inbox.name, count: 0, tag: 'bad' });
  for (const p of [good, bad]) for (let i = 0; i < 3; i++) cluster.send(p, 'inc');
  return { c: cluster, inbox, good, bad, errors };
}

async function get(c: EmbeddedCluster, inbox: Inbox, name: string) {
  c.send(name, 'get');
  return (await inbox.receiveMatching((r) => (r.message as { counter?: string }).counter === name)).message as { version: number; count: number; migrated: number[] };
}

describe('a reload whose processWillUpgrade fails', () => {
  for (const [how, v2, cause] of [
    ['throws', V2, 'TypeError: cannot migrate bad'],
    ['rejects', V2async, 'RangeError: async migration failed'],
  ] as const) {
    it(`rolls back only the process whose hook ${how}: it keeps its old code and state, the failure is logged, and the others upgrade`, async () => {
      const { c, inbox, good, bad, errors } = await start();
      expect(await get(c, inbox, bad)).toMatchObject({ version: 1, count: 3 });
      await c.load(v2);

      expect(await get(c, inbox, good)).toEqual({ counter: good, version: 2, count: how === 'throws' ? -1000 : 3, migrated: [1] });
      expect(await get(c, inbox, bad)).toEqual({ counter: bad, version: 1, count: 3, migrated: [] });
      c.send(bad, 'inc');
      expect(await get(c, inbox, bad)).toMatchObject({ version: 1, count: 4 });
      expect((await c.ps()).find((p) => p.name === bad)).toMatchObject({ version: 1, status: 'waiting' });
      expect(errors).toEqual([
        `process '${bad}' (Counter) stays on version 1: its upgrade to version 2 failed (${cause}); its state is as before the upgrade and it goes on with version 1. Fix processWillUpgrade (or the module) and load a newer version: it upgrades then.`,
      ]);
    });
  }

  it('upgrades a rolled-back process when a newer version is loaded, from the version it kept', async () => {
    const { c, inbox, good, bad, errors } = await start();
    await c.load(V2);
    expect(await get(c, inbox, bad)).toMatchObject({ version: 1, count: 3 });
    expect(await get(c, inbox, good)).toMatchObject({ version: 2 });
    await c.load(V3);
    expect(await get(c, inbox, bad)).toEqual({ counter: bad, version: 3, count: 3, migrated: [1] });
    expect(await get(c, inbox, good)).toEqual({ counter: good, version: 3, count: -1000, migrated: [1, 2] });
    expect(errors).toHaveLength(1);
  });
});

describe('a reload whose new version cannot be loaded on a worker', () => {
  it('leaves the running process on its version, logged, instead of crashing it', async () => {
    const errors: string[] = [];
    const logger: Logger = { debug() {}, info() {}, warn() {}, error: (m) => errors.push(m) };
    const registry = new MemoryRegistry();
    const v1 = `const { Process } = require('hypernode');
class Echo extends Process { processDidReceiveMessage(state, message, from, ctx) { ctx.send(state.to, { version: 1, message }); } }
module.exports = { Echo };`;
    const v2 = `throw new Error('version 2 does not evaluate here');`;
    await registry.addModuleVersion('Echo', { code: v1, hash: hashCode(v1) });
    const w1 = createWorkerRuntime({ id: 'w1', cluster: 'upgrade-load', transport: new MemoryNetwork().connect(), registry, logger });
    await w1.start();
    try {
      const inbox = collector(w1);
      await w1.modules.fetch('Echo');
      const echo = w1.spawnRoot('Echo', { to: inbox.name });
      w1.sendFrom('w1:outside', echo, 'one', null);
      expect((await inbox.next()).message).toEqual({ version: 1, message: 'one' });
      const stored = await registry.addModuleVersion('Echo', { code: v2, hash: hashCode(v2) });
      w1.announceModule('Echo', stored.version);
      w1.sendFrom('w1:outside', echo, 'two', null);
      expect((await inbox.next()).message).toEqual({ version: 1, message: 'two' });
      expect(w1.has(echo)).toBe(true);
      expect(errors).toHaveLength(1);
      expect(errors[0]).toMatch(/^process 'w1:\w+' \(Echo\) stays on version 1: its upgrade to version 2 failed \(.*version 2 does not evaluate here.*\)/);
    } finally {
      await w1.close();
    }
  });
});
