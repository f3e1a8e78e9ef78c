import { describe, expect, it } from 'vitest';
import { clusterPerTest, has } from './test-support';
import { HypernodeError, Process, type Context, type EmbeddedCluster, type Inbox, type Logger, type ProcessClass } from './index';

// Exits (ARCHITECTURE §1 "Exit"): every way a process ends, processWillExit once with the reason, the
// cascade to descendants (also across workers), CHILD_PROCESS_EXIT to the parent with the reason as data,
// crash isolation, and spawning an unknown module.

const clusters = clusterPerTest();
const start = (modules: ProcessClass[], logger?: Logger): Promise<EmbeddedCluster> => clusters.start(modules, logger);

function capturingLogger() {
  const lines: { level: string; message: string }[] = [];
  const logger: Logger = {
    debug: (message) => lines.push({ level: 'debug', message }),
    info: (message) => lines.push({ level: 'info', message }),
    warn: (message) => lines.push({ level: 'warn', message }),
    error: (message) => lines.push({ level: 'error', message }),
  };
  return { logger, lines };
}

const later = <T>(value: T, ms = 2): Promise<T> => new Promise((resolve) => setTimeout(() => resolve(value), ms));

class MyError extends Error {
  override name = 'MyError';
}

/** Spawns `count` children of `module` and reports each child's exit as its parent sees it. */
class Parent extends Process {
  static override moduleName = 'Parent';
  override processWillRun(state: any, { spawn, send }: Context) {
    const kids: string[] = [];
    for (let i = 0; i < (state.count ?? 0); i++) kids.push(spawn(state.module, { ...state.childState, inbox: state.inbox, i }));
    send(state.inbox, { parentReady: kids });
    return { ...state, kids };
  }
  override processDidReceiveMessage(state: any, message: any, from: string, { send, spawn }: Context) {
    if (message?.type === 'CHILD_PROCESS_EXIT') {
      const err = message.payload.err;
      send(state.inbox, {
        childExit: {
          from,
          err,
          type: typeof err,
          str: String(err),
          toStr: err !== null && typeof err === 'object' && typeof err.toString === 'function' ? err.toString() : null,
        },
      });
    } else if (message?.spawn) {
      let spawned: string | null = null;
      try {
        spawned = spawn(message.spawn.module, { ...message.spawn.state, inbox: state.inbox });
        if (message.spawn.thenSend !== undefined) send(spawned, message.spawn.thenSend);
      } catch (err) {
        send(state.inbox, { spawnThrew: String(err) });
        return;
      }
      send(state.inbox, { spawned });
    } else if (message === 'ping') {
      send(state.inbox, { parentPong: true });
    }
  }
}

/** Ends in the way its messages (or its state, for processWillRun) ask; reports processWillExit. */
class Crasher extends Process {
  static override moduleName = 'Crasher';
  override processWillRun(state: any, { send, exit }: Context): any {
    switch (state.runMode) {
      case 'throw':
        throw new Error('thrown in processWillRun');
      case 'reject':
        return (async () => {
          await later(null);
          throw new Error('rejected in processWillRun');
        })();
      case 'yield-reject':
        return (function* () {
          yield Promise.reject(new Error('yielded rejection in processWillRun'));
        })();
      case 'exit':
        exit('exit in processWillRun');
        return;
    }
    send(state.inbox, { ready: state.i });
  }
  override processDidReceiveMessage(state: any, message: any, _from: string, { send, exit }: Context): any {
    switch (message) {
      case 'ping':
        send(state.inbox, { pong: state.i });
        return;
      case 'exit-error':
        exit(new Error('boom'));
        return;
      case 'exit-custom':
        exit(new MyError('custom boom'));
        return;
      case 'exit-string':
        exit('just a string');
        return;
      case 'exit-none':
        exit();
        return;
      case 'exit-object':
        exit({ code: 42, detail: 'data' });
        return;
      case 'exit-twice-then-throw':
        exit('first reason');
        exit('second reason');
        throw new Error('thrown after exit');
      case 'throw':
        throw new Error('thrown in a handler');
      case 'throw-after-yield':
        return (function* () {
          yield later(null);
          throw new Error('thrown after a yield');
        })();
      case 'reject':
        return (async () => {
          await later(null);
          throw new Error('rejected in a handler');
        })();
      case 'yield-reject':
        return (function* () {
          yield later(null);
          yield Promise.reject(new Error('yielded rejection in a handler'));
        })();
      case 'exit-then-yield':
        return (function* () {
          exit('exit before a yield');
          yield later(null, 30);
          return { ...state, handlerFinished: true };
        })();
    }
  }
  override processWillExit(state: any, err: any, { send, getProcessName }: Context): any {
    send(state.inbox, { willExit: getProcessName(), err, str: String(err), handlerFinished: state.handlerFinished === true });
    if (state.exitMode === 'reject') return Promise.reject(new Error('processWillExit failed'));
    if (state.exitMode === 'throw') throw new Error('processWillExit threw');
  }
}


/** A Parent with `count` Crasher children (spread over workers when `count` is large), ready to use. */
async function family(c: EmbeddedCluster, count: number, childState: Record<string, unknown> = {}) {
  const inbox = c.inbox();
  const parent = await c.spawn('Parent', { inbox: inbox.name, module: 'Crasher', count, childState });
  const { parentReady: kids } = (await inbox.receiveMatching(has('parentReady'))).message as { parentReady: string[] };
  for (let i = 0; i < count; i++) await inbox.receiveMatching(has('ready'));
  const ps = await c.ps();
  const home = ps.find((p) => p.name === parent)!.worker;
  const near = ps.find((p) => kids.includes(p.name) && p.worker === home)?.name;
  const far = ps.find((p) => kids.includes(p.name) && p.worker !== home)?.name;
  return { inbox, parent, kids, near, far };
}

async function exitOf(inbox: Inbox, child: string) {
  return ((await inbox.receiveMatching((r) => has('childExit')(r) && (r.message as any).childExit.from === child)).message as any).childExit;
}

async function willExitOf(inbox: Inbox, child: string) {
  return (await inbox.receiveMatching((r) => has('willExit')(r) && (r.message as any).willExit === child)).message as any;
}

describe('CHILD_PROCESS_EXIT', () => {
  it('tells the parent, with the child’s name as sender, an Error reason as data with name, message, stack and a Name: message toString (same worker and another)', async () => {
    const c = await start([Parent, Crasher]);
    const { inbox, near, far } = await family(c, 150);
    expect(near).toBeDefined();
    expect(far).toBeDefined();
    for (const child of [near!, far!]) {
      c.send(child, 'exit-error');
      const exit = await exitOf(inbox, child);
      expect(exit.type).toBe('object');
      expect(exit.err).toMatchObject({ name: 'Error', message: 'boom' });
      expect(typeof exit.err.stack).toBe('string');
      expect(exit.err.stack).toContain('boom');
      expect(exit.str).toBe('Error: boom');
      expect(exit.toStr).toBe('Error: boom');
    }
  });

  it('keeps an Error subclass’s name in the reason (same worker and another)', async () => {
    const c = await start([Parent, Crasher]);
    const { inbox, near, far } = await family(c, 150);
    for (const child of [near!, far!]) {
      c.send(child, 'exit-custom');
      const exit = await exitOf(inbox, child);
      expect(exit.err).toMatchObject({ name: 'MyError', message: 'custom boom' });
      expect(exit.toStr).toBe('MyError: custom boom');
    }
  });

  it('keeps a string reason a string, gives exit() the reason normal, and carries a data reason as data (same worker and another)', async () => {
    const c = await start([Parent, Crasher]);
    const { inbox, kids, parent } = await family(c, 150);
    const ps = await c.ps();
    const home = ps.find((p) => p.name === parent)!.worker;
    const near = kids.filter((k) => ps.find((p) => p.name === k)!.worker === home);
    const far = kids.filter((k) => ps.find((p) => p.name === k)!.worker !== home);
    expect(near.length).toBeGreaterThanOrEqual(3);
    expect(far.length).toBeGreaterThanOrEqual(3);
    for (const group of [near, far]) {
      const [a, b, d] = group as [string, string, string];
      c.send(a, 'exit-string');
      c.send(b, 'exit-none');
      c.send(d, 'exit-object');
      expect(await exitOf(inbox, a)).toMatchObject({ err: 'just a string', type: 'string' });
      expect(await exitOf(inbox, b)).toMatchObject({ err: 'normal', type: 'string' });
      expect((await exitOf(inbox, d)).err).toEqual({ code: 42, detail: 'data' });
    }
  });
});

describe('ways to end', () => {
  const handlerCrashes: [string, string][] = [
    ['throw', 'thrown in a handler'],
    ['throw-after-yield', 'thrown after a yield'],
    ['reject', 'rejected in a handler'],
    ['yield-reject', 'yielded rejection in a handler'],
  ];

  it('ends a process whose handler throws, throws after a yield, rejects, or leaves a yielded rejection uncaught; processWillExit and the parent get the error', async () => {
    const c = await start([Parent, Crasher]);
    const { inbox, kids } = await family(c, handlerCrashes.length * 2);
    let k = 0;
    for (const [how, message] of [...handlerCrashes, ...handlerCrashes]) {
      const child = kids[k++]!;
      c.send(child, how);
      const will = await willExitOf(inbox, child);
      expect(will.err, how).toMatchObject({ name: 'Error', message });
      expect(will.str).toBe(`Error: ${message}`);
      const exit = await exitOf(inbox, child);
      expect(exit.err, how).toMatchObject({ name: 'Error', message });
      expect(exit.toStr).toBe(`Error: ${message}`);
    }
  });

  const runCrashes: [string, unknown][] = [
    ['throw', { name: 'Error', message: 'thrown in processWillRun' }],
    ['reject', { name: 'Error', message: 'rejected in processWillRun' }],
    ['yield-reject', { name: 'Error', message: 'yielded rejection in processWillRun' }],
    ['exit', 'exit in processWillRun'],
  ];

  for (const [runMode, reason] of runCrashes) {
    it(`ends a process whose processWillRun ends it (${runMode}), runs its processWillExit and tells the parent`, async () => {
      const c = await start([Parent, Crasher]);
      const { inbox, parent } = await family(c, 0);
      c.send(parent, { spawn: { module: 'Crasher', state: { runMode } } });
      const { spawned } = (await inbox.receiveMatching(has('spawned'))).message as { spawned: string };
      const exit = await exitOf(inbox, spawned);
      if (typeof reason === 'string') expect(exit.err).toBe(reason);
      else expect(exit.err).toMatchObject(reason as object);
      const will = await willExitOf(inbox, spawned);
      if (typeof reason === 'string') expect(will.err).toBe(reason);
      else expect(will.err).toMatchObject(reason as object);
    });
  }

  it('runs processWillExit exactly once, with the reason the parent gets, even when exit is called twice and the handler then throws', async () => {
    const c = await start([Parent, Crasher]);
    const { inbox, kids, parent } = await family(c, 1);
    const child = kids[0]!;
    c.send(child, 'exit-twice-then-throw');
    const exit = await exitOf(inbox, child);
    c.send(parent, 'ping');
    await inbox.receiveMatching(has('parentPong'));
    const wills: any[] = [];
    while (inbox.size > 0) {
      const r = await inbox.receive();
      if (has('willExit')(r)) wills.push(r.message);
    }
    // The willExit report came before the exit notice; collect it from what receiveMatching skipped too.
    expect(wills.length).toBe(1);
    expect(wills[0].err).toEqual(exit.err);
  });

  it('ends the process only after the current handler returns when exit() is called before a yield, so processWillExit sees the returned state', async () => {
    const c = await start([Parent, Crasher]);
    const { inbox, kids } = await family(c, 1);
    const child = kids[0]!;
    c.send(child, 'exit-then-yield');
    const will = await willExitOf(inbox, child);
    expect(will.err).toBe('exit before a yield');
    expect(will.handlerFinished).toBe(true);
  });

  for (const exitMode of ['reject', 'throw']) {
    it(`logs a processWillExit that ${exitMode === 'reject' ? 'rejects' : 'throws'} without propagating it: the parent gets the original reason`, async () => {
      const { logger, lines } = capturingLogger();
      const c = await start([Parent, Crasher], logger);
      const { inbox, kids, parent } = await family(c, 1, { exitMode });
      const child = kids[0]!;
      c.send(child, 'exit-string');
      const exit = await exitOf(inbox, child);
      expect(exit.err).toBe('just a string');
      expect(lines.some((l) => l.level === 'error' && l.message.includes(child) && l.message.includes(`processWillExit ${exitMode === 'reject' ? 'failed' : 'threw'}`))).toBe(true);
      c.send(parent, 'ping');
      await inbox.receiveMatching(has('parentPong'));
    });
  }
});

describe('nothing runs after processWillExit', () => {
  /** A handler that yields a slow promise and then sends; processWillExit reports. */
  class Sleeper extends Process {
    static override moduleName = 'Sleeper';
    override processWillRun(state: any, { send }: Context) {
      send(state.inbox, { ready: state.i });
    }
    override *processDidReceiveMessage(state: any, message: any, _from: string, { send, getProcessName }: Context) {
      if (message === 'sleep') {
        send(state.inbox, { sleeping: getProcessName() });
        yield later(null, 30);
        send(state.inbox, `${getProcessName()} resumed after its exit`);
      }
      if (message?.marker) send(state.inbox, message.marker);
    }
    override processWillExit(state: any, err: unknown, { send, getProcessName }: Context) {
      send(state.inbox, { willExit: getProcessName(), err });
    }
  }

  class SleeperParent extends Process {
    static override moduleName = 'SleeperParent';
    override processWillRun(state: any, { spawn, send }: Context) {
      const kid = spawn('Sleeper', { inbox: state.inbox, i: 0 });
      send(state.inbox, { parentReady: [kid] });
    }
    override processDidReceiveMessage(_state: any, message: any, _from: string, { exit }: Context) {
      if (message === 'exit') exit('parent done');
    }
  }

  for (const how of ['its parent ends', 'cluster.kill']) {
    it(`does not resume a generator handler suspended at a yield once the process has ended (${how})`, async () => {
      const c = await start([SleeperParent, Sleeper, Crasher]);
      const inbox = c.inbox();
      const parent = await c.spawn('SleeperParent', { inbox: inbox.name });
      const [kid] = ((await inbox.receiveMatching(has('parentReady'))).message as any).parentReady;
      await inbox.receiveMatching(has('ready'));
      // A bystander whose timer message marks "well after the sleeper's yield would have resumed".
      const bystander = await c.spawn('Sleeper', { inbox: inbox.name, i: 1 });
      await inbox.receiveMatching(has('ready'));
      c.send(kid, 'sleep');
      await inbox.receiveMatching(has('sleeping'));
      if (how === 'cluster.kill') await c.kill(kid, 'killed mid-yield');
      else c.send(parent, 'exit');
      await inbox.receiveMatching((r) => has('willExit')(r) && (r.message as any).willExit === kid);
      c.send(bystander, 'sleep');
      await inbox.receiveMatching((r) => has('sleeping')(r) && (r.message as any).sleeping === bystander);
      // The bystander's own resume (30 ms after the kid's ended) is the marker: nothing from the kid may precede it.
      const next = await inbox.receiveMatching((r) => typeof r.message === 'string');
      expect(next.message).toBe(`${bystander} resumed after its exit`);
    });
  }
});

describe('isolation of crashes', () => {
  it('never takes down another process or the worker: after many kinds of crash on every worker the other processes keep answering', async () => {
    const c = await start([Parent, Crasher]);
    const { inbox, kids, parent } = await family(c, 150);
    const ps = await c.ps();
    const workerOf = (name: string) => ps.find((p) => p.name === name)!.worker;
    const kinds = ['throw', 'throw-after-yield', 'reject', 'yield-reject', 'exit-error'];
    // Crash a few children on every worker.
    const victims: string[] = [];
    for (const w of c.workerIds) {
      const here = kids.filter((k) => workerOf(k) === w);
      victims.push(...here.slice(0, kinds.length));
    }
    victims.forEach((v, i) => c.send(v, kinds[i % kinds.length]!));
    for (const v of victims) await exitOf(inbox, v);
    const survivors = kids.filter((k) => !victims.includes(k));
    for (const s of survivors) c.send(s, 'ping');
    const ponged = new Set<number>();
    for (let n = 0; n < survivors.length; n++) ponged.add(((await inbox.receiveMatching(has('pong'))).message as any).pong);
    expect(ponged.size).toBe(survivors.length);
    c.send(parent, 'ping');
    await inbox.receiveMatching(has('parentPong'));
    const stats = await c.stats();
    expect(stats.reduce((n, s) => n + s.crashed, 0)).toBeGreaterThanOrEqual(victims.length);
  });
});

describe('cascade', () => {
  /** A tree: spawns widths[0] children, each of which spawns widths[1] children, and so on. */
  class Tree extends Process {
    static override moduleName = 'Tree';
    override processWillRun(state: any, { spawn, send, getProcessName }: Context) {
      const [width = 0, ...rest] = state.widths as number[];
      for (let i = 0; i < width; i++) spawn('Tree', { inbox: state.inbox, widths: rest, depth: state.depth + 1 });
      send(state.inbox, { treeReady: getProcessName(), depth: state.depth });
    }
    override processDidReceiveMessage(state: any, message: any, _from: string, { exit, send }: Context) {
      if (message === 'crash') throw new Error('tree top crashed');
      if (message === 'exit') exit('tree done');
      if (message?.type === 'CHILD_PROCESS_EXIT') send(state.inbox, { treeChildExit: message.payload.err });
    }
    override *processWillExit(state: any, err: unknown, { send, getProcessName }: Context) {
      yield later(null, 1);
      send(state.inbox, { treeWillExit: getProcessName(), depth: state.depth, err });
    }
  }

  async function grow(c: EmbeddedCluster, widths: number[]) {
    const inbox = c.inbox();
    const top = await c.spawn('Tree', { inbox: inbox.name, widths, depth: 0 });
    let total = 1;
    let level = 1;
    for (const w of widths) total += (level *= w);
    const names: string[] = [];
    for (let i = 0; i < total; i++) names.push(((await inbox.receiveMatching(has('treeReady'))).message as any).treeReady);
    return { inbox, top, names, total };
  }

  async function collectWillExits(inbox: Inbox, total: number) {
    const seen = new Map<string, any>();
    for (let i = 0; i < total; i++) {
      const m = (await inbox.receiveMatching(has('treeWillExit'))).message as any;
      expect(seen.has(m.treeWillExit), `processWillExit of ${m.treeWillExit} ran twice`).toBe(false);
      seen.set(m.treeWillExit, m);
    }
    return seen;
  }

  it('ends every descendant to depth 3 when a process exits, each running processWillExit with shutdown', async () => {
    const c = await start([Tree]);
    const { inbox, top, names, total } = await grow(c, [2, 2, 2]);
    expect(total).toBe(15);
    c.send(top, 'exit');
    const seen = await collectWillExits(inbox, total);
    expect([...seen.keys()].sort()).toEqual([...names].sort());
    for (const [name, m] of seen) {
      if (name === top) expect(m.err).toBe('tree done');
      else expect(m.err).toBe('shutdown');
    }
    expect(Math.max(...[...seen.values()].map((m) => m.depth))).toBe(3);
    const left = (await c.ps()).filter((p) => names.includes(p.name));
    expect(left).toEqual([]);
  });

  it('ends descendants on other workers to depth 3 when their ancestor crashes', async () => {
    const c = await start([Tree]);
    const { inbox, top, names, total } = await grow(c, [150, 1, 1]);
    const ps = await c.ps();
    const topWorker = ps.find((p) => p.name === top)!.worker;
    const elsewhere = ps.filter((p) => names.includes(p.name) && p.worker !== topWorker);
    expect(elsewhere.length).toBeGreaterThan(0);
    c.send(top, 'crash');
    const seen = await collectWillExits(inbox, total);
    expect(seen.size).toBe(total);
    expect(seen.get(top)!.err).toMatchObject({ name: 'Error', message: 'tree top crashed' });
    for (const p of elsewhere) expect(seen.get(p.name)?.err, p.name).toBe('shutdown');
    await expect.poll(async () => (await c.ps()).filter((p) => names.includes(p.name)).length).toBe(0);
  });

  it('does not send CHILD_PROCESS_EXIT to a parent that is itself ending, and tells the top’s parent exactly once', async () => {
    const c = await start([Parent, Tree]);
    const inbox = c.inbox();
    const parent = await c.spawn('Parent', { inbox: inbox.name, module: 'Tree', count: 1, childState: { widths: [3, 1], depth: 0 } });
    const { parentReady } = (await inbox.receiveMatching(has('parentReady'))).message as any;
    for (let i = 0; i < 1 + 3 + 3; i++) await inbox.receiveMatching(has('treeReady'));
    const top = parentReady[0];
    c.send(top, 'exit');
    await collectWillExits(inbox, 7);
    const exit = await exitOf(inbox, top);
    expect(exit.err).toBe('tree done');
    c.send(parent, 'ping');
    await inbox.receiveMatching(has('parentPong'));
    const rest: unknown[] = [];
    while (inbox.size > 0) rest.push((await inbox.receive()).message);
    expect(rest.filter((m) => has('childExit')({ message: m }) || has('treeChildExit')({ message: m }))).toEqual([]);
  });
});

describe('unknown modules', () => {
  it('returns a name from spawn, then tells the parent with MODULE_NOT_FOUND naming the module and the loaded ones', async () => {
    const c = await start([Parent, Crasher]);
    const { inbox, parent } = await family(c, 0);
    c.send(parent, { spawn: { module: 'NoSuchModule', state: {}, thenSend: 'hello?' } });
    const { spawned } = (await inbox.receiveMatching(has('spawned'))).message as { spawned: string };
    expect(typeof spawned).toBe('string');
    expect(spawned.length).toBeGreaterThan(0);
    const exit = await exitOf(inbox, spawned);
    expect(exit.err.code).toBe('MODULE_NOT_FOUND');
    expect(exit.err.message).toContain('NoSuchModule');
    expect(exit.err.message).toContain('Crasher');
    expect(exit.err.message).toContain('Parent');
    expect(exit.toStr).toContain('NoSuchModule');
    // The parent is still fine.
    c.send(parent, 'ping');
    await inbox.receiveMatching(has('parentPong'));
  });

  it('tells the parent about every unknown-module child, wherever it was placed', async () => {
    const c = await start([Parent, Crasher]);
    const inbox = c.inbox();
    await c.spawn('Parent', { inbox: inbox.name, module: 'AlsoMissing', count: 150 });
    const { parentReady: kids } = (await inbox.receiveMatching(has('parentReady'))).message as { parentReady: string[] };
    const exited = new Set<string>();
    for (let i = 0; i < kids.length; i++) {
      const { childExit } = (await inbox.receiveMatching(has('childExit'))).message as any;
      expect(childExit.err.code).toBe('MODULE_NOT_FOUND');
      exited.add(childExit.from);
    }
    expect([...exited].sort()).toEqual([...kids].sort());
  });

  it('rejects cluster.spawn of an unknown module with MODULE_NOT_FOUND naming it', async () => {
    const c = await start([Parent]);
    const err = await c.spawn('Nope').then(
      () => null,
      (e: unknown) => e,
    );
    expect(HypernodeError.is(err, 'MODULE_NOT_FOUND')).toBe(true);
    expect((err as Error).message).toContain("'Nope'");
    expect((err as Error).message).toContain('Parent');
  });
});
