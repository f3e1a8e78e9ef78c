import { describe, expect, it } from 'vitest';
import { clusterPerTest, has } from './test-support';
import { assembleArray, encode } from './codec';
import { ClassCatalog, MemoryNetwork, MemoryRegistry, ModuleTable, WorkerRuntime } from './runtime';
import {
  HypernodeError,
  Inbox,
  Process,
  silentLogger,
  systemClock,
  type Context,
  type EmbeddedCluster,
  type Logger,
  type ProcessClass,
} from './index';

// The embedded cluster as a user drives it from outside (cluster.ts): ps, kill, hot reload, stop, and a
// worker surviving garbage frames.

const clusters = clusterPerTest();
const start = (modules: ProcessClass[], logger?: Logger): Promise<EmbeddedCluster> => clusters.start(modules, logger);


/** Fails (instead of hanging the suite) when `promise` never settles; a liveness guard, not a timing check. */
function settles<T>(promise: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const guard = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} never settled`)), 10_000);
  });
  return Promise.race([promise, guard]).finally(() => clearTimeout(timer));
}

function deferred() {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

/** Spawns `count` children of `module` and reports what it hears about them. */
class Parent extends Process {
  static override moduleName = 'Parent';
  override processWillRun(state: any, { spawn, send }: Context) {
    const kids: string[] = [];
    for (let i = 0; i < (state.count ?? 0); i++) kids.push(spawn(state.module, { inbox: state.inbox, i }));
    send(state.inbox, { parentReady: kids });
  }
  override processDidReceiveMessage(state: any, message: any, from: string, { send }: Context) {
    if (message?.type === 'CHILD_PROCESS_EXIT') send(state.inbox, { childExit: from, err: message.payload.err, str: String(message.payload.err) });
  }
}

async function family(c: EmbeddedCluster, module: string, count: number) {
  const inbox = c.inbox();
  const parent = await c.spawn('Parent', { inbox: inbox.name, module, count });
  const kids = ((await inbox.receiveMatching(has('parentReady'))).message as any).parentReady as string[];
  for (let i = 0; i < count; i++) await inbox.receiveMatching(has('ready'));
  const ps = await c.ps();
  const home = ps.find((p) => p.name === parent)!.worker;
  const near = kids.find((k) => ps.find((p) => p.name === k)!.worker === home)!;
  const far = kids.find((k) => ps.find((p) => p.name === k)!.worker !== home)!;
  expect(near).toBeDefined();
  expect(far).toBeDefined();
  return { inbox, parent, kids, near, far, home };
}

describe('ps', () => {
  it('shows each process’s module, parent, worker and mailbox size', async () => {
    const gate = deferred();
    class Blocker extends Process {
      static override moduleName = 'Blocker';
      override processWillRun(state: any, { send }: Context) {
        send(state.inbox, { ready: state.i });
      }
      override *processDidReceiveMessage(state: any, message: any, _from: string, { send }: Context) {
        if (message === 'block') {
          send(state.inbox, { blocked: state.i });
          yield gate.promise;
        }
        if (message === 'count') send(state.inbox, { counted: state.i });
      }
    }
    const c = await start([Parent, Blocker]);
    const { inbox, parent, near, far, home } = await family(c, 'Blocker', 150);
    for (const kid of [near, far]) {
      c.send(kid, 'block');
      await inbox.receiveMatching(has('blocked'));
      for (let i = 0; i < 3; i++) c.send(kid, 'count');
    }
    const info = async (name: string) => (await c.ps()).find((p) => p.name === name)!;
    await expect.poll(async () => (await info(far)).mailboxSize).toBe(3);
    for (const kid of [near, far]) {
      const p = await info(kid);
      expect(p).toMatchObject({ name: kid, module: 'Blocker', parent, mailboxSize: 3, status: 'running' });
      expect(c.workerIds).toContain(p.worker);
    }
    expect((await info(near)).worker).toBe(home);
    expect((await info(far)).worker).not.toBe(home);
    expect(await info(parent)).toMatchObject({ module: 'Parent', parent: c.root, worker: home, children: 150 });
    expect((await c.ps()).find((p) => p.name === c.root)).toMatchObject({ module: 'Root', parent: null });
    gate.resolve();
    for (let i = 0; i < 6; i++) await inbox.receiveMatching(has('counted'));
    await expect.poll(async () => (await info(far)).mailboxSize).toBe(0);
  });
});

describe('kill', () => {
  class Idle extends Process {
    static override moduleName = 'Idle';
    override processWillRun(state: any, { send }: Context) {
      send(state.inbox, { ready: state.i });
    }
    override processWillExit(state: any, err: unknown, { send, getProcessName }: Context) {
      send(state.inbox, { willExit: getProcessName(), err });
    }
  }

  it('ends a process on any worker and tells its parent the reason (killed by default)', async () => {
    const c = await start([Parent, Idle]);
    const { inbox, near, far } = await family(c, 'Idle', 150);
    expect(await c.kill(near)).toBe(true);
    expect(await c.kill(far, 'custom reason')).toBe(true);
    const exits = new Map<string, any>();
    for (let i = 0; i < 2; i++) {
      const m = (await inbox.receiveMatching(has('childExit'))).message as any;
      exits.set(m.childExit, m);
    }
    expect(exits.get(near)).toMatchObject({ err: 'killed' });
    expect(exits.get(far)).toMatchObject({ err: 'custom reason' });
    expect(await c.kill(near)).toBe(false);
    expect(await c.kill('w1:does-not-exist')).toBe(false);
    expect((await c.ps()).some((p) => p.name === near || p.name === far)).toBe(false);
  });
});

describe('hot reload', () => {
  class CounterV1 extends Process {
    static override moduleName = 'Counter';
    override processWillRun(state: any, { send }: Context) {
      send(state.inbox, { ready: state.i });
      return { ...state, count: 0 };
    }
    override processDidReceiveMessage(state: any, message: any, _from: string, { send, getProcessName }: Context) {
      if (message === 'inc') return { ...state, count: state.count + 1 };
      if (message === 'get') send(state.inbox, { counter: getProcessName(), version: 1, count: state.count, migrated: state.migrated ?? false });
    }
  }

  class CounterV2 extends Process {
    static override moduleName = 'Counter';
    override processDidReceiveMessage(state: any, message: any, _from: string, { send, getProcessName }: Context) {
      if (message === 'inc') return { ...state, count: state.count + 10 };
      if (message === 'get') send(state.inbox, { counter: getProcessName(), version: 2, count: state.count, migrated: state.migrated ?? false });
    }
    override processWillUpgrade(state: any, fromVersion: number, { send, getProcessName }: Context) {
      send(state.inbox, { upgraded: getProcessName(), fromVersion });
      return { ...state, migrated: true };
    }
  }

  async function get(c: EmbeddedCluster, inbox: Inbox, name: string) {
    c.send(name, 'get');
    return (await inbox.receiveMatching((r) => has('counter')(r) && (r.message as any).counter === name)).message as any;
  }

  it('keeps a running process’s state and handles its next message with the new code, running processWillUpgrade once (same worker and another)', async () => {
    const c = await start([Parent, CounterV1]);
    const { inbox, near, far } = await family(c, 'Counter', 150);
    for (const kid of [near, far]) for (let i = 0; i < 3; i++) c.send(kid, 'inc');
    expect(await get(c, inbox, near)).toMatchObject({ version: 1, count: 3 });
    expect(await get(c, inbox, far)).toMatchObject({ version: 1, count: 3 });

    const loaded = await c.load(CounterV2);
    expect(loaded).toEqual([expect.objectContaining({ name: 'Counter', version: 2 })]);
    expect((await c.modules()).find((m) => m.name === 'Counter')).toMatchObject({ version: 2 });

    for (const kid of [near, far]) {
      expect(await get(c, inbox, kid), kid).toEqual({ counter: kid, version: 2, count: 3, migrated: true });
      c.send(kid, 'inc');
      expect(await get(c, inbox, kid)).toMatchObject({ version: 2, count: 13 });
    }
    const upgrades: any[] = [];
    while (inbox.size > 0) {
      const r = await inbox.receive();
      if (has('upgraded')(r)) upgrades.push(r.message);
    }
    expect(upgrades.filter((u) => u.upgraded === near)).toEqual([{ upgraded: near, fromVersion: 1 }]);
    expect(upgrades.filter((u) => u.upgraded === far)).toEqual([{ upgraded: far, fromVersion: 1 }]);
  });

  it('spawns new processes of a reloaded module with the new code', async () => {
    const c = await start([Parent, CounterV1]);
    await c.load(CounterV2);
    const inbox = c.inbox();
    const pid = await c.spawn('Counter', { inbox: inbox.name, count: 5 });
    expect(await get(c, inbox, pid)).toMatchObject({ version: 2, count: 5, migrated: false });
  });
});

describe('constructor failures', () => {
  it('ends a process whose module constructor throws and tells its parent, without harming others', async () => {
    class Explodes extends Process {
      static override moduleName = 'Explodes';
      constructor() {
        super();
        throw new Error('constructor blew up');
      }
    }
    const c = await start([Parent, Explodes]);
    const inbox = c.inbox();
    await c.spawn('Parent', { inbox: inbox.name, module: 'Explodes', count: 3 });
    for (let i = 0; i < 3; i++) {
      const m = (await inbox.receiveMatching(has('childExit'))).message as any;
      expect(m.err).toMatchObject({ name: 'Error', message: 'constructor blew up' });
      expect(m.str).toBe('Error: constructor blew up');
    }
  });
});

describe('stop', () => {
  it('runs every processWillExit (on every worker), then rejects later operations with CLUSTER_STOPPED', async () => {
    const exits: string[] = [];
    class Counted extends Process {
      static override moduleName = 'Counted';
      override processWillRun(state: any, { send, spawn }: Context) {
        if (state.grandchild) spawn('Counted', { inbox: state.inbox, i: -1 });
        send(state.inbox, { ready: state.i });
      }
      override *processWillExit(_state: any, err: unknown, { getProcessName }: Context) {
        yield new Promise((r) => setTimeout(r, 1));
        exits.push(`${getProcessName()}:${String(err)}`);
      }
    }
    class CountedParent extends Process {
      static override moduleName = 'CountedParent';
      override processWillRun(state: any, { spawn, send }: Context) {
        for (let i = 0; i < 150; i++) spawn('Counted', { inbox: state.inbox, i, grandchild: i % 10 === 0 });
        send(state.inbox, { parentReady: true });
      }
      override processWillExit(_state: any, err: unknown, { getProcessName }: Context) {
        exits.push(`${getProcessName()}:${String(err)}`);
      }
    }
    const c = await start([Counted, CountedParent]);
    const inbox = c.inbox();
    await c.spawn('CountedParent', { inbox: inbox.name });
    for (let i = 0; i < 150 + 15; i++) await inbox.receiveMatching(has('ready'));
    const ps = await c.ps();
    const users = ps.filter((p) => p.module !== 'Root');
    expect(users).toHaveLength(1 + 150 + 15);
    expect(new Set(users.map((p) => p.worker)).size).toBeGreaterThan(1);

    // (An open inbox during stop is covered by its own test below.)
    inbox.close();
    await settles(c.stop(), 'cluster.stop()');
    expect(exits).toHaveLength(users.length);
    expect(new Set(exits.map((e) => e.split(':shutdown')[0])).size).toBe(users.length);
    expect(exits.every((e) => e.endsWith(':shutdown'))).toBe(true);
    expect(await c.ps()).toEqual([]);

    const code = async (op: () => unknown) => {
      try {
        await op();
        return 'resolved';
      } catch (err) {
        return (err as HypernodeError).code ?? String(err);
      }
    };
    expect(await code(() => c.spawn('Counted', {}))).toBe('CLUSTER_STOPPED');
    expect(await code(() => c.load(Counted))).toBe('CLUSTER_STOPPED');
    expect(await code(() => c.kill(users[0]!.name))).toBe('CLUSTER_STOPPED');
    expect(await code(() => c.call(users[0]!.name, 'x'))).toBe('CLUSTER_STOPPED');
    expect(() => c.send(users[0]!.name, 'x')).toThrow(expect.objectContaining({ code: 'CLUSTER_STOPPED' }));
    expect(() => c.inbox()).toThrow(expect.objectContaining({ code: 'CLUSTER_STOPPED' }));
    await expect(c.stop()).resolves.toBeUndefined();
  });

  it('resolves stop() while an inbox is open and a processWillExit is asynchronous', async () => {
    let exited = 0;
    class SlowExit extends Process {
      static override moduleName = 'SlowExit';
      override async processWillExit() {
        await new Promise((r) => setTimeout(r, 1));
        exited++;
      }
    }
    const c = await start([SlowExit]);
    clusters.forget(); // a hung cluster must not also hang afterEach
    const inbox = c.inbox();
    await c.spawn('SlowExit');
    await c.spawn('SlowExit');
    await settles(c.stop(), 'cluster.stop() with an open inbox');
    expect(exited).toBe(2);
    await expect(inbox.receive()).rejects.toMatchObject({ code: 'CLUSTER_STOPPED' });
  });

  it('returns a rejected promise (not a synchronous throw) from cluster.call after stop', async () => {
    const c = await start([]);
    await c.stop();
    let result: unknown;
    try {
      result = c.call(c.root, 'x');
    } catch (err) {
      result = `threw synchronously: ${(err as HypernodeError).code}`;
    }
    expect(result).toBeInstanceOf(Promise);
    await expect(result as Promise<unknown>).rejects.toMatchObject({ code: 'CLUSTER_STOPPED' });
  });

  it('closes waiting inboxes on stop', async () => {
    const c = await start([]);
    const inbox = c.inbox();
    const waiting = inbox.receive(60_000);
    await c.stop();
    await expect(waiting).rejects.toMatchObject({ code: 'CLUSTER_STOPPED' });
  });
});

describe('garbage frames', () => {
  // The embedded cluster keeps its MemoryNetwork private, so these tests build two workers on a network
  // of their own from the exported parts, the way createCluster does, and inject frames into it.
  class Echo extends Process {
    static override moduleName = 'Echo';
    override processDidReceiveMessage(_state: any, message: any, from: string, { send }: Context) {
      send(message.replyTo, { echo: message.n, from });
    }
  }

  async function twoWorkers() {
    const network = new MemoryNetwork({ cluster: 'garbage' });
    const registry = new MemoryRegistry();
    const catalog = new ClassCatalog();
    catalog.add('Echo', Echo);
    const warnings: string[] = [];
    const logger: Logger = { ...silentLogger, warn: (m) => warnings.push(m) };
    const workers = ['w1', 'w2'].map(
      (id) =>
        new WorkerRuntime({ id, cluster: 'garbage', transport: network.connect(), registry, modules: new ModuleTable(catalog, registry, undefined), logger }),
    );
    for (const w of workers) await w.start();
    const [w1, w2] = workers as [WorkerRuntime, WorkerRuntime];
    const inbox = new Inbox(w1, systemClock, () => {});
    const echo = w2.spawnRoot('Echo', {});
    const roundTrip = async (n: number) => {
      w1.sendFrom(inbox.name, echo, { n, replyTo: inbox.name }, null);
      w1.flushNow();
      return (await inbox.receive()).message;
    };
    const close = async () => {
      inbox.close();
      w2.exitAll('shutdown');
      for (const w of workers) await w.close();
    };
    return { network, w1, w2, echo, inbox, roundTrip, warnings, close };
  }

  it('counts garbage frames injected into a worker’s inbox in badFrames, warns, and keeps delivering', async () => {
    const t = await twoWorkers();
    try {
      expect(await t.roundTrip(1)).toEqual({ echo: 1, from: t.inbox.name });
      // Each with the number of bad frames it counts: a frame that does not decode counts once, a frame that
      // decodes counts once per bad envelope.
      const garbage: [Uint8Array, number][] = [
        [new Uint8Array([0xc1, 0xff, 0x00, 0x13]), 1],
        [new Uint8Array(0), 1],
        [encode({ not: 'a frame' }), 1],
        [encode([['hn2']]), 0], // a header with no sender and nothing after it: nothing to deliver, nothing wrong
        [encode([['hn2', 'w9'], ['not an envelope'], [99, 'unknown kind']]), 2],
        [assembleArray(encode(['hn2', 'w9']), [new Uint8Array([0x92, 0x01])]), 1], // truncated
        [Buffer.concat([encode(['hn1', 'w9']), encode([0, 'w2:1', 'w9:1', 'the old frame layout'])]), 1], // an older hypernode's frame
        [encode(['hn2', 'w9']), 1], // a header alone, not in a frame array
        [new TextEncoder().encode('{"json": "is not msgpack"}'), 1],
      ];
      const before = t.w2.stats().badFrames;
      for (const [g] of garbage) expect(t.network.inject('w2', g)).toBe(true);
      expect(await t.roundTrip(2)).toEqual({ echo: 2, from: t.inbox.name });
      expect(t.w2.stats().badFrames - before).toBe(garbage.reduce((sum, [, n]) => sum + n, 0));
      expect(t.warnings.some((w) => w.includes('w2'))).toBe(true);
      expect(await t.roundTrip(3)).toEqual({ echo: 3, from: t.inbox.name });
    } finally {
      await t.close();
    }
  });

  it('says so when a frame comes from an older hypernode version, and tells to upgrade every worker', async () => {
    const t = await twoWorkers();
    try {
      expect(t.network.inject('w2', Buffer.concat([encode(['hn1', 'w9']), encode([0, 'w2:1', 'w9:1', 'old layout'])]))).toBe(true);
      expect(await t.roundTrip(1)).toEqual({ echo: 1, from: t.inbox.name });
      expect(t.warnings.find((w) => w.includes('w2'))).toMatch(/older hypernode version.*Upgrade every worker of the cluster/);
    } finally {
      await t.close();
    }
  });

  it('keeps delivering the good envelopes of a frame that also holds a bad one', async () => {
    const t = await twoWorkers();
    try {
      expect(await t.roundTrip(1)).toEqual({ echo: 1, from: t.inbox.name });
      const before = t.w2.stats().badFrames;
      const frame = encode([['hn2', 'w1'], [99, 'unknown kind'], [0, t.echo, 'outsider', { n: 'after garbage', replyTo: t.inbox.name }]]);
      t.w2.onFrame(frame);
      expect((await t.inbox.receive()).message).toEqual({ echo: 'after garbage', from: 'outsider' });
      expect(t.w2.stats().badFrames).toBe(before + 1);
    } finally {
      await t.close();
    }
  });

  it('counts garbage published as a cluster event in badFrames and keeps working', async () => {
    const t = await twoWorkers();
    try {
      const stranger = t.network.connect();
      stranger.publish(new Uint8Array([0x92, 0x01])); // truncated msgpack
      stranger.publish(encode({ not: 'an event' })); // msgpack, but not a cluster event
      stranger.publish(new Uint8Array([0xc1, 0xc1])); // msgpack's never-used byte
      // Each of the two workers hears all three.
      await expect.poll(() => t.w1.stats().badFrames + t.w2.stats().badFrames).toBe(6);
      expect(await t.roundTrip(4)).toEqual({ echo: 4, from: t.inbox.name });
      await stranger.close();
    } finally {
      await t.close();
    }
  });
});
