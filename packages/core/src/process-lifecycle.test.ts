import { describe, expect, it } from 'vitest';
import { clusterPerTest } from './test-support';
import { Process, type Context, type EmbeddedCluster, type Inbox, type ProcessClass, type Received } from './index';

// The lifecycle contract (ARCHITECTURE §1 "Process", "Context"): how lifecycle functions may be written,
// how their return values become the state, and the "one message at a time, after processWillRun" rule.

const clusters = clusterPerTest();
const start = (...modules: ProcessClass[]): Promise<EmbeddedCluster> => clusters.start(modules);

const later = <T>(value: T, ms = 5): Promise<T> => new Promise((resolve) => setTimeout(() => resolve(value), ms));
const failLater = (message: string, ms = 5): Promise<never> => new Promise((_, reject) => setTimeout(() => reject(new Error(message)), ms));

/** Receives `n` messages (each within the inbox's default wait). */
async function take(inbox: Inbox, n: number): Promise<Received[]> {
  const out: Received[] = [];
  for (let i = 0; i < n; i++) out.push(await inbox.receive());
  return out;
}

describe('lifecycle functions', () => {
  class GenRun extends Process {
    static override moduleName = 'GenRun';
    override *processWillRun(state: any, { send }: Context): Generator<unknown, any, any> {
      const one = yield later(1);
      const many = yield [later('a'), later('b', 1), 'plain'];
      send(state.inbox, { one, many });
      return { ...state, ready: true };
    }
    override *processDidReceiveMessage(state: any, message: any, _from: string, { send }: Context): Generator<unknown, any, any> {
      const doubled = yield later(message * 2);
      send(state.inbox, { doubled, ready: state.ready });
    }
  }

  it('runs generator lifecycle functions, sending back the value of a yielded promise and of a yielded array of promises', async () => {
    const c = await start(GenRun);
    const inbox = c.inbox();
    const pid = await c.spawn('GenRun', { inbox: inbox.name });
    expect((await inbox.receive()).message).toEqual({ one: 1, many: ['a', 'b', 'plain'] });
    c.send(pid, 21);
    expect((await inbox.receive()).message).toEqual({ doubled: 42, ready: true });
  });

  class AsyncLife extends Process {
    static override moduleName = 'AsyncLife';
    override async processWillRun(state: any) {
      const extra = await later('set by async processWillRun');
      return { ...state, extra };
    }
    override async processDidReceiveMessage(state: any, message: any, _from: string, { send }: Context) {
      await later(null);
      send(state.inbox, { message, extra: state.extra });
      return { ...state, last: message };
    }
    override async processWillExit(state: any, err: unknown, { send }: Context) {
      await later(null);
      send(state.inbox, { exited: err, last: state.last });
    }
  }

  it('runs async lifecycle functions and uses what they resolve to as the next state', async () => {
    const c = await start(AsyncLife);
    const inbox = c.inbox();
    const pid = await c.spawn('AsyncLife', { inbox: inbox.name });
    c.send(pid, 'first');
    expect((await inbox.receive()).message).toEqual({ message: 'first', extra: 'set by async processWillRun' });
    // One message at a time: once 'second' is answered, the state returned for 'first' is in place.
    c.send(pid, 'second');
    expect((await inbox.receive()).message).toEqual({ message: 'second', extra: 'set by async processWillRun' });
    await c.kill(pid, 'enough');
    expect((await inbox.receive()).message).toEqual({ exited: 'enough', last: 'first' });
  });

  class PlainLife extends Process {
    static override moduleName = 'PlainLife';
    override processWillRun(state: any) {
      return { ...state, count: 10 };
    }
    override processDidReceiveMessage(state: any, message: any, _from: string, { send }: Context) {
      send(state.inbox, state.count + message);
      return { ...state, count: state.count + message };
    }
  }

  it('runs plain (non-generator, non-async) lifecycle functions as reducers', async () => {
    const c = await start(PlainLife);
    const inbox = c.inbox();
    const pid = await c.spawn('PlainLife', { inbox: inbox.name });
    c.send(pid, 1);
    c.send(pid, 2);
    expect((await take(inbox, 2)).map((r) => r.message)).toEqual([11, 13]);
  });

  class Catcher extends Process {
    static override moduleName = 'Catcher';
    override *processWillRun(state: any, { send }: Context) {
      try {
        yield failLater('rejected in processWillRun');
        send(state.inbox, 'not reached');
      } catch (err) {
        send(state.inbox, { caughtInRun: (err as Error).message });
      }
      try {
        yield [later(1), failLater('one of an array rejected')];
      } catch (err) {
        send(state.inbox, { caughtInArray: (err as Error).message });
      }
      return { ...state, alive: true };
    }
    override *processDidReceiveMessage(state: any, _message: any, _from: string, { send }: Context) {
      try {
        yield Promise.reject(new TypeError('rejected in a handler'));
      } catch (err) {
        send(state.inbox, { caughtInHandler: (err as Error).message, type: (err as Error).name, alive: state.alive });
      }
    }
  }

  it('throws a yielded promise’s rejection at the yield, where the generator can catch it and keep running', async () => {
    const c = await start(Catcher);
    const inbox = c.inbox();
    const pid = await c.spawn('Catcher', { inbox: inbox.name });
    expect((await inbox.receive()).message).toEqual({ caughtInRun: 'rejected in processWillRun' });
    expect((await inbox.receive()).message).toEqual({ caughtInArray: 'one of an array rejected' });
    c.send(pid, 'go');
    expect((await inbox.receive()).message).toEqual({ caughtInHandler: 'rejected in a handler', type: 'TypeError', alive: true });
    c.send(pid, 'again');
    expect((await inbox.receive()).message).toMatchObject({ caughtInHandler: 'rejected in a handler' });
  });

  class Reducer extends Process {
    static override moduleName = 'Reducer';
    override *processWillRun(state: any) {
      yield later(null);
      return { ...state, n: 0, log: [] as string[] };
    }
    override *processDidReceiveMessage(state: any, message: any, _from: string, { send, getState }: Context) {
      switch (message) {
        case 'inc':
          return { ...state, n: state.n + 1 };
        case 'inc-after-yield': {
          yield later(null);
          return { ...state, n: state.n + 1 };
        }
        case 'keep':
          return undefined;
        case 'keep-after-yield':
          yield later(null);
          return undefined;
        case 'mutate-in-place':
          state.log.push('mutated');
          return;
        case 'get':
          send(state.inbox, { state: { n: getState().n, log: getState().log }, same: getState() === state });
          return state;
      }
    }
  }

  it('keeps the state when a reducer returns undefined, replaces it when it returns a value, and getState() reflects it', async () => {
    const c = await start(Reducer);
    const inbox = c.inbox();
    const pid = await c.spawn('Reducer', { inbox: inbox.name });
    for (const m of ['inc', 'keep', 'inc-after-yield', 'keep-after-yield', 'mutate-in-place', 'inc', 'get']) c.send(pid, m);
    expect((await inbox.receive()).message).toEqual({ state: { n: 3, log: ['mutated'] }, same: true });
  });

  class Named extends Process {
    static override moduleName = 'Named';
    override processWillRun(state: any, { send, spawn, getProcessName, getParentProcessName, getChildrenProcessNames }: Context) {
      const child = state.depth > 0 ? spawn('Named', { ...state, depth: state.depth - 1 }) : null;
      send(state.inbox, {
        self: getProcessName(),
        parent: getParentProcessName(),
        child,
        children: getChildrenProcessNames(),
      });
      return { ...state, child };
    }
    override processDidReceiveMessage(state: any, message: any, _from: string, { send, exit, getChildrenProcessNames }: Context) {
      if (message === 'children?') send(state.inbox, { children: getChildrenProcessNames() });
      if (message === 'exit') exit();
    }
  }

  it('tells a process its own name, its parent’s name and its living children', async () => {
    const c = await start(Named);
    const inbox = c.inbox();
    const top = await c.spawn('Named', { inbox: inbox.name, depth: 1 });
    const [a, b] = (await take(inbox, 2)).map((r) => r.message as any);
    const parent = a.self === top ? a : b;
    const child = a.self === top ? b : a;
    expect(parent).toEqual({ self: top, parent: c.root, child: parent.child, children: { [parent.child]: 'Named' } });
    expect(child).toEqual({ self: parent.child, parent: top, child: null, children: {} });
    c.send(parent.child, 'exit');
    // The parent learns of the exit first (CHILD_PROCESS_EXIT), so its next message sees the child gone.
    c.send(top, 'children?');
    const seen = (await inbox.receive()).message as any;
    if (Object.keys(seen.children).length > 0) {
      // The exit notice may still be on its way; ask again once it is certainly handled.
      c.send(top, 'children?');
      expect(((await inbox.receive()).message as any).children).toEqual({});
    }
  });
});

describe('one message at a time', () => {
  class Slow extends Process {
    static override moduleName = 'Slow';
    override *processWillRun(state: any, { send }: Context) {
      send(state.inbox, 'run:start');
      yield later(null, 10);
      send(state.inbox, 'run:end');
    }
    override *processDidReceiveMessage(state: any, message: any, _from: string, { send }: Context) {
      send(state.inbox, `${message}:start`);
      yield later(null, 10);
      yield [later(null, 3), later(null, 1)];
      send(state.inbox, `${message}:end`);
    }
  }

  it('does not re-enter a handler that yields a slow promise while other messages wait', async () => {
    const c = await start(Slow);
    const inbox = c.inbox();
    const pid = await c.spawn('Slow', { inbox: inbox.name });
    for (const m of ['a', 'b', 'c']) c.send(pid, m);
    const events = (await take(inbox, 8)).map((r) => r.message);
    expect(events).toEqual(['run:start', 'run:end', 'a:start', 'a:end', 'b:start', 'b:end', 'c:start', 'c:end']);
  });

  class SlowAsync extends Process {
    static override moduleName = 'SlowAsync';
    override async processWillRun(state: any, { send }: Context) {
      send(state.inbox, 'run:start');
      await later(null, 10);
      send(state.inbox, 'run:end');
    }
    override async processDidReceiveMessage(state: any, message: any, _from: string, { send }: Context) {
      send(state.inbox, `${message}:start`);
      await later(null, 5);
      send(state.inbox, `${message}:end`);
    }
  }

  it('holds messages that arrive while an async processWillRun and an async handler are still running', async () => {
    const c = await start(SlowAsync);
    const inbox = c.inbox();
    const pid = await c.spawn('SlowAsync', { inbox: inbox.name });
    c.send(pid, 'a');
    expect((await inbox.receive()).message).toBe('run:start');
    c.send(pid, 'b');
    const events = (await take(inbox, 5)).map((r) => r.message);
    expect(events).toEqual(['run:end', 'a:start', 'a:end', 'b:start', 'b:end']);
  });

  // A parent that spawns children and sends each a message straight away, from inside its own processWillRun.
  class Spawner extends Process {
    static override moduleName = 'Spawner';
    override processWillRun(state: any, { spawn, send }: Context) {
      const kids: string[] = [];
      for (let i = 0; i < state.count; i++) {
        const kid = spawn(state.module, { inbox: state.inbox, i });
        send(kid, { hello: i });
        kids.push(kid);
      }
      send(state.inbox, { spawned: kids });
      return { ...state, kids };
    }
  }

  /** Children whose processWillRun is synchronous. */
  class SyncKid extends Process {
    static override moduleName = 'SyncKid';
    override processWillRun(state: any, { send }: Context) {
      send(state.inbox, { kid: state.i, event: 'ran' });
      return { ...state, ran: true };
    }
    override processDidReceiveMessage(state: any, message: any, _from: string, { send }: Context) {
      send(state.inbox, { kid: state.i, event: 'message', ranFirst: state.ran === true, message });
    }
  }

  /** Children whose processWillRun yields before it finishes. */
  class YieldingKid extends Process {
    static override moduleName = 'YieldingKid';
    override *processWillRun(state: any, { send }: Context) {
      yield later(null, 2);
      send(state.inbox, { kid: state.i, event: 'ran' });
      return { ...state, ran: true };
    }
    override processDidReceiveMessage(state: any, message: any, _from: string, { send }: Context) {
      send(state.inbox, { kid: state.i, event: 'message', ranFirst: state.ran === true, message });
    }
  }

  /** Children with no processWillRun at all. */
  class BareKid extends Process {
    static override moduleName = 'BareKid';
    override processDidReceiveMessage(state: any, message: any, _from: string, { send }: Context) {
      send(state.inbox, { kid: state.i, event: 'message', ranFirst: true, message });
    }
  }

  async function spawnAndGreet(module: string, count: number, withRun: boolean) {
    const c = await start(Spawner, SyncKid, YieldingKid, BareKid);
    const inbox = c.inbox();
    const spawner = await c.spawn('Spawner', { inbox: inbox.name, module, count });
    const { spawned: kids } = (await inbox.receiveMatching((r) => (r.message as any).spawned !== undefined)).message as { spawned: string[] };
    const seen = new Map<number, string[]>();
    const expected = count * (withRun ? 2 : 1);
    for (let n = 0; n < expected; n++) {
      const m = (await inbox.receive()).message as any;
      (seen.get(m.kid) ?? seen.set(m.kid, []).get(m.kid)!).push(m.event);
      if (m.event === 'message') {
        expect(m.ranFirst).toBe(true);
        expect(m.message).toEqual({ hello: m.kid });
      }
    }
    for (let i = 0; i < count; i++) expect(seen.get(i), `child ${i}`).toEqual(withRun ? ['ran', 'message'] : ['message']);
    return { c, spawner, kids };
  }

  it('delivers a message sent right after spawn once a synchronous processWillRun is done (same worker)', async () => {
    await spawnAndGreet('SyncKid', 1, true);
  });

  it('delivers a message sent right after spawn once a yielding processWillRun is done (same worker)', async () => {
    await spawnAndGreet('YieldingKid', 1, true);
  });

  it('delivers a message sent right after spawn to a child without processWillRun', async () => {
    await spawnAndGreet('BareKid', 1, false);
  });

  async function workersOf(c: EmbeddedCluster, names: string[]): Promise<Set<string>> {
    const ps = await c.ps();
    const want = new Set(names);
    return new Set(ps.filter((p) => want.has(p.name)).map((p) => p.worker));
  }

  it('delivers messages sent right after spawn after a yielding processWillRun, also to children placed on other workers', async () => {
    const { c, spawner, kids } = await spawnAndGreet('YieldingKid', 150, true);
    const parentWorker = (await c.ps()).find((p) => p.name === spawner)!.worker;
    const workers = await workersOf(c, kids);
    expect(workers.size).toBeGreaterThan(1);
    expect([...workers].some((w) => w !== parentWorker)).toBe(true);
  });

  it('delivers messages sent right after spawn after a synchronous processWillRun, also to children placed on other workers', async () => {
    const { c, kids } = await spawnAndGreet('SyncKid', 150, true);
    expect((await workersOf(c, kids)).size).toBeGreaterThan(1);
  });

  it('holds messages sent from outside right after cluster.spawn until processWillRun is done', async () => {
    const c = await start(SyncKid, YieldingKid);
    const inbox = c.inbox();
    for (const module of ['SyncKid', 'YieldingKid']) {
      const pid = await c.spawn(module, { inbox: inbox.name, i: module });
      c.send(pid, 'first');
      c.send(pid, 'second');
      const events = (await take(inbox, 3)).map((r) => r.message as any);
      expect(events.map((e) => [e.event, e.message])).toEqual([
        ['ran', undefined],
        ['message', 'first'],
        ['message', 'second'],
      ]);
      expect(events.slice(1).every((e) => e.ranFirst)).toBe(true);
    }
  });

  it('holds messages sent from outside right after cluster.spawn until processWillRun is done, also when the process lands on another worker', async () => {
    const c = await start(Spawner, SyncKid);
    const inbox = c.inbox();
    // Load the first worker with 150 children so that later spawns are placed elsewhere.
    await c.spawn('Spawner', { inbox: inbox.name, module: 'SyncKid', count: 150 });
    for (let n = 0; n < 1 + 150 * 2; n++) await inbox.receive();
    const pids: string[] = [];
    for (let i = 0; i < 10; i++) {
      const pid = await c.spawn('SyncKid', { inbox: inbox.name, i: `late${i}` });
      c.send(pid, 'first');
      pids.push(pid);
    }
    const events = (await take(inbox, 20)).map((r) => r.message as any);
    for (let i = 0; i < 10; i++) {
      const mine = events.filter((e) => e.kid === `late${i}`);
      expect(mine.map((e) => [e.event, e.message ?? null])).toEqual([
        ['ran', null],
        ['message', 'first'],
      ]);
    }
    const workers = new Set((await c.ps()).filter((p) => pids.includes(p.name)).map((p) => p.worker));
    expect([...workers].some((w) => w !== 'w1')).toBe(true);
  });
});
