import { describe, expect, it } from 'vitest';
import { clusterPerTest, has } from './test-support';
import { HypernodeError, Process, type Context, type EmbeddedCluster, type ProcessClass } from './index';
import type { WorkerRuntime } from './worker';

// Relocation in the embedded cluster (relocation.ts, design 031): a live process moves between workers with
// everything it holds, keeps its name, and every sender's messages keep their order.

const clusters = clusterPerTest();
const start = (modules: ProcessClass[]): Promise<EmbeddedCluster> => clusters.start(modules);

async function workerOf(c: EmbeddedCluster, name: string): Promise<string | undefined> {
  return (await c.ps()).find((p) => p.name === name)?.worker;
}

/** A worker of `c` other than `w`. */
function other(c: EmbeddedCluster, w: string | undefined, skip = 0): string {
  return c.workerIds.filter((id) => id !== w)[skip % (c.workerIds.length - 1)]!;
}

/** Spawns a Mover, reports what happens to it and around it to `inbox`. */
class Boss extends Process {
  static override moduleName = 'Boss';
  override processWillRun(state: any, { spawn, send }: Context) {
    send(state.inbox, { mover: spawn('Mover', { inbox: state.inbox, peer: state.peer, count: 0 }) });
  }
  override processDidReceiveMessage(state: any, message: any, from: string, { send }: Context) {
    if (message?.type === 'CHILD_PROCESS_EXIT') send(state.inbox, { bossHeard: from, err: String(message.payload.err) });
  }
}

class Mover extends Process {
  static override moduleName = 'Mover';
  override *processWillRun(state: any, ctx: Context) {
    yield ctx.register('mover');
    state.kid = ctx.spawn('Idle', {});
    state.peerRef = ctx.monitor(state.peer);
    ctx.sendAfter(state.inbox, { tick: true }, 150);
    ctx.send(state.inbox, { moverReady: ctx.getProcessName(), kid: state.kid });
    return state;
  }
  override processWillMove(state: any, ctx: Context) {
    // Messages sent to itself now wait in its mailbox and move with it.
    for (let i = 0; i < 5; i++) ctx.send(ctx.getProcessName(), { op: 'add' });
    state.willMoveOn = ctx.getProcessName();
  }
  override processDidMove(state: any) {
    return { ...state, moves: (state.moves ?? 0) + 1 };
  }
  override processDidReceiveMessage(state: any, message: any, from: string, ctx: Context) {
    if (message?.op === 'add') state.count++;
    else if (message?.op === 'get') ctx.reply({ count: state.count, moves: state.moves });
    else if (message?.op === 'crash') throw new Error('mover crashed on purpose');
    else if (message?.type === 'DOWN') ctx.send(state.inbox, { moverDown: from, ref: message.payload.ref === state.peerRef });
    else if (message?.type === 'CHILD_PROCESS_EXIT') ctx.send(state.inbox, { moverChildExit: from });
    return state;
  }
}

class Idle extends Process {
  static override moduleName = 'Idle';
  override processDidReceiveMessage() {}
}

/** Monitors or links (trapping exits) the process it is told, and reports what it hears. */
class Watcher extends Process {
  static override moduleName = 'Watcher';
  override processWillRun(state: any, ctx: Context) {
    ctx.trapExits(true);
  }
  override processDidReceiveMessage(state: any, message: any, from: string, ctx: Context) {
    if (message?.watch) ctx.monitor(message.watch);
    else if (message?.link) ctx.link(message.link);
    else if (message?.type) ctx.send(state.inbox, { watcherHeard: message.type, from });
    if (message?.watch || message?.link) ctx.send(state.inbox, { watching: true });
  }
}

describe('moving a process', () => {
  it('moves state, mailbox, monitors both ways, links, names, timers, children and parent', async () => {
    const c = await start([Boss, Mover, Idle, Watcher]);
    const inbox = c.inbox();
    const peer = await c.spawn('Idle', {});
    await c.spawn('Boss', { inbox: inbox.name, peer });
    const mover = ((await inbox.receiveMatching(has('mover'))).message as any).mover as string;
    const ready = (await inbox.receiveMatching(has('moverReady'))).message as any;
    expect(ready.moverReady).toBe(mover);
    const watcher = await c.spawn('Watcher', { inbox: inbox.name });
    c.send(watcher, { watch: 'mover' });
    await inbox.receiveMatching(has('watching'));
    const linked = await c.spawn('Watcher', { inbox: inbox.name });
    c.send(linked, { link: mover });
    await inbox.receiveMatching(has('watching'));
    for (let i = 0; i < 10; i++) c.send('mover', { op: 'add' });

    const from = await workerOf(c, mover);
    const to = other(c, from);
    const outcome = await c.move(mover, { to });
    expect(outcome).toMatchObject({ name: mover, moved: true, from, to });
    expect(outcome.moved && outcome.pauseMs).toBeGreaterThanOrEqual(0);
    expect(await workerOf(c, mover)).toBe(to);
    expect((await c.ps()).filter((p) => p.name === mover)).toHaveLength(1);

    // State, the 5 messages it sent itself in processWillMove, and processDidMove's new state; by its registered name.
    expect(await c.call('mover', { op: 'get' })).toEqual({ count: 15, moves: 1 });
    // The timer set before the move fires once, from the new worker.
    const tick = await inbox.receiveMatching(has('tick'));
    expect(tick.from).toBe(mover);
    // It still monitors its peer, and hears of its child.
    await c.kill(peer);
    expect((await inbox.receiveMatching(has('moverDown'))).message).toEqual({ moverDown: peer, ref: true });
    await c.kill(ready.kid);
    expect((await inbox.receiveMatching(has('moverChildExit'))).message).toEqual({ moverChildExit: ready.kid });
    // Its monitor, its link and its parent all hear of its end on the new worker.
    c.send(mover, { op: 'crash' });
    const heard = new Set<string>();
    while (heard.size < 3) {
      const r = (await inbox.receiveMatching((m) => has('watcherHeard')(m) || has('bossHeard')(m))).message as any;
      if (r.bossHeard) {
        expect(r.bossHeard).toBe(mover);
        expect(r.err).toContain('mover crashed on purpose');
        heard.add('parent');
      } else {
        expect(r.from).toBe(mover);
        heard.add(r.watcherHeard);
      }
    }
    expect([...heard].sort()).toEqual(['DOWN', 'EXIT', 'parent']);
    expect(await c.call('mover', { op: 'get' }).catch((e: HypernodeError) => e.code)).toBe('NO_PROCESS');
    const stats = await c.stats();
    expect(stats.find((s) => s.worker === from)!.relocations).toBe(1);
  });

  it('keeps every sender\'s order, with no loss or duplicate, while the receiver moves several times', async () => {
    const c = await start([Producer, Consumer]);
    const inbox = c.inbox();
    const consumer = await c.spawn('Consumer', { inbox: inbox.name, next: {}, errors: [], got: 0 });
    const producers: string[] = [];
    for (const w of c.workerIds) {
      const p = await c.spawn('Producer', {});
      if ((await workerOf(c, p)) !== w) expect((await c.move(p, { to: w })).moved).toBe(true);
      producers.push(p);
    }
    const per = 3000;
    for (const p of producers) c.send(p, { go: consumer, n: per, i: 0 });
    let moves = 0;
    for (let i = 0; i < 6; i++) {
      const from = await workerOf(c, consumer);
      const outcome = await c.move(consumer, { to: other(c, from, i) });
      if (outcome.moved) moves++;
      else expect(outcome.reason).toBe('busy');
    }
    expect(moves).toBeGreaterThanOrEqual(5);
    const done = (await inbox.receiveMatching(has('done'), 30_000)).message as any;
    expect(done.errors).toEqual([]);
    expect(done.got).toBe(per * producers.length);
  });

  it('leaves a process that refuses where it is, unchanged', async () => {
    const c = await start([Stubborn]);
    for (const mode of ['false', 'throw']) {
      const p = await c.spawn('Stubborn', { mode, n: 1 });
      const from = await workerOf(c, p);
      const outcome = await c.move(p, { to: other(c, from) });
      expect(outcome).toMatchObject({ name: p, moved: false, reason: 'refused' });
      expect(outcome.moved ? '' : outcome.message).toContain(p);
      expect(await workerOf(c, p)).toBe(from);
      expect(await c.call(p, 'get')).toBe(1);
    }
  });

  it('refuses to move a process whose state the codec cannot carry, with the reason', async () => {
    const c = await start([Unmovable]);
    const p = await c.spawn('Unmovable', {});
    const from = await workerOf(c, p);
    const outcome = await c.move(p, { to: other(c, from) });
    expect(outcome).toMatchObject({ moved: false, reason: 'not-movable' });
    expect(outcome.moved ? '' : outcome.message).toMatch(/state of '.*' \(Unmovable\) cannot move/);
    expect(await workerOf(c, p)).toBe(from);
    expect(await c.call(p, 'ping')).toBe('pong');
  });

  it('never changes a process\'s module version by moving, even after a reload', async () => {
    const c = await start([VersionA]);
    const p = await c.spawn('Versioned', {});
    await c.load(VersionB); // its upgrade fails: the process keeps version 1
    expect(await c.call(p, 'which')).toBe('A');
    const fresh = await c.spawn('Versioned', {});
    for (const name of [p, p]) {
      const from = await workerOf(c, name);
      expect((await c.move(name, { to: other(c, from) })).moved).toBe(true);
      expect((await c.ps()).find((x) => x.name === name)!.version).toBe(1);
      expect(await c.call(name, 'which')).toBe('A');
    }
    expect((await c.ps()).find((x) => x.name === fresh)!.version).toBe(2);
  });

  it('answers clearly for a bad worker, an unknown process, the root, and the worker it is on', async () => {
    const c = await start([Idle, Watcher]);
    const p = await c.spawn('Idle', {});
    const err = await c.move(p, { to: 'nowhere' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HypernodeError);
    expect((err as HypernodeError).code).toBe('INVALID_ARGUMENT');
    expect((err as Error).message).toContain("'nowhere'");
    expect(await c.move('w1:zzz')).toMatchObject({ moved: false, reason: 'not-found' });
    expect(await c.move(c.root)).toMatchObject({ moved: false, reason: 'not-movable' });
    expect(await c.move(p, { to: await workerOf(c, p) })).toMatchObject({ moved: false, reason: 'target-unavailable' });
    const auto = await c.move(p);
    expect(auto.moved).toBe(true);
    // Killed through its home's worker too (its name still says its home).
    const home = (c as unknown as { workers: WorkerRuntime[] }).workers.find((w) => p.startsWith(`${w.id}:`))!;
    const inbox = c.inbox();
    const watcher = await c.spawn('Watcher', { inbox: inbox.name });
    c.send(watcher, { watch: p });
    await inbox.receiveMatching(has('watching'));
    expect(home.kill(p, 'killed')).toBe(true);
    expect((await inbox.receiveMatching(has('watcherHeard'))).message).toEqual({ watcherHeard: 'DOWN', from: p });
    expect((await c.ps()).some((x) => x.name === p)).toBe(false);
  });
});

describe('evacuating a worker, and losing a worker after a move', () => {
  it('evacuates every process of a worker onto the others, leaving those that refuse', async () => {
    const c = await start([Idle, Stubborn]);
    const runtime = (c as unknown as { workers: WorkerRuntime[] }).workers[0]!;
    const names: string[] = [];
    for (let i = 0; i < 12; i++) names.push(await c.spawn(i % 4 === 0 ? 'Stubborn' : 'Idle', { mode: 'false', n: i }));
    const here = (await c.ps()).filter((p) => p.worker === runtime.id);
    expect(here.length).toBeGreaterThan(0);
    const stubborn = here.filter((p) => p.module === 'Stubborn').length;
    // The root stays (skipped), the Stubborn ones refuse, the rest move.
    const result = await runtime.evacuate(c.workerIds);
    expect(result).toMatchObject({ moved: here.length - stubborn - 1, refused: stubborn, failed: 0, skipped: 1 });
    expect(result.outcomes).toHaveLength(here.length);
    const after = await c.ps();
    expect(after.filter((p) => p.worker === runtime.id).map((p) => p.name).sort()).toEqual(here.filter((p) => p.module !== 'Idle').map((p) => p.name).sort());
    for (const n of names) expect(after.filter((p) => p.name === n)).toHaveLength(1);
    await expect(runtime.evacuate([runtime.id])).rejects.toThrow(/no other worker to move to/);
  });

  it('counts a moved process lost with the worker it moved to', async () => {
    const c = await start([Boss, Mover, Idle, Watcher]);
    const workers = (c as unknown as { workers: WorkerRuntime[] }).workers;
    const inbox = c.inbox();
    const peer = await c.spawn('Idle', {});
    await c.spawn('Boss', { inbox: inbox.name, peer });
    const mover = ((await inbox.receiveMatching(has('mover'))).message as any).mover as string;
    await inbox.receiveMatching(has('moverReady'));
    const home = mover.slice(0, mover.indexOf(':'));
    const boss = (await c.ps()).find((p) => p.module === 'Boss')!.worker;
    const to = c.workerIds.find((w) => w !== home && w !== boss)!;
    expect((await c.move(mover, { to })).moved).toBe(true);
    const watcher = await c.spawn('Watcher', { inbox: inbox.name });
    c.send(watcher, { watch: mover });
    await inbox.receiveMatching(has('watching'));
    // Its host is lost: its parent and its monitor hear it ended with WORKER_LOST, though its name says its home.
    workers.find((w) => w.id === home)!.announceWorkerLost(to, 'a test said so');
    const heard = (await inbox.receiveMatching(has('bossHeard'))).message as any;
    expect(heard.bossHeard).toBe(mover);
    expect(heard.err).toContain(`Worker '${to}'`);
    expect(((await inbox.receiveMatching(has('watcherHeard'))).message as any)).toEqual({ watcherHeard: 'DOWN', from: mover });
    workers.find((w) => w.id === to)!.halt(); // fenced, as a lost worker is
  });

  it('keeps a moved process alive and reachable when its home is lost (an evacuated worker removed)', async () => {
    const c = await start([Idle, Watcher, Spawner, Stubborn]);
    const workers = (c as unknown as { workers: WorkerRuntime[] }).workers;
    const inbox = c.inbox();
    // A process whose home is not w1 (which hosts the root and the inboxes): spawned by a process on w2.
    const spawner = await c.spawn('Spawner', {});
    if ((await workerOf(c, spawner)) !== 'w2') expect((await c.move(spawner, { to: 'w2' })).moved).toBe(true);
    let x: string | undefined;
    for (let i = 0; i < 12 && x === undefined; i++) {
      const p = (await c.call(spawner, 'Stubborn')) as string;
      if (!p.startsWith('w1:')) x = p;
    }
    expect(x).toBeDefined();
    const home = x!.slice(0, x!.indexOf(':'));
    const to = c.workerIds.find((w) => w !== home && w !== 'w1')!;
    // Stubborn refuses by default; this one is told to let itself move.
    c.send(x!, 'let me go');
    expect(await c.call(x!, 'n')).toBe(0);
    expect((await c.move(x!, { to })).moved).toBe(true);
    const watcher = await c.spawn('Watcher', { inbox: inbox.name });
    c.send(watcher, { watch: x });
    await inbox.receiveMatching(has('watching'));
    // Its parent leaves the doomed worker too (back to its own home), or it would end with its parent.
    expect((await c.move(spawner, { to: 'w1' })).moved).toBe(true);
    workers[0]!.announceWorkerLost(home, 'a test said so');
    workers.find((w) => w.id === home)!.halt();
    // Once the loss is heard here (the event is asynchronous), what is sent to it goes where it runs.
    while (workers[0]!.route(x!) !== to) await new Promise((r) => setImmediate(r));
    // Still reachable by its name (which says its lost home), straight where it runs; nobody was told it ended.
    expect(await c.call(x!, 'n')).toBe(0);
    expect(workers.find((w) => w.id === to)!.has(x!)).toBe(true);
    // It cannot move again (nothing would keep its messages in order), and says why.
    const again = await c.move(x!, { to: 'w1' });
    expect(again).toMatchObject({ moved: false, reason: 'not-movable' });
    expect(again.moved ? '' : again.message).toContain(`home worker '${home}'`);
    expect(workers.find((w) => w.id === to)!.kill(x!, 'killed')).toBe(true);
    expect(((await inbox.receiveMatching(has('watcherHeard'))).message as any)).toEqual({ watcherHeard: 'DOWN', from: x });
  });
});

/** Sends numbered messages to a process, a batch per turn. */
class Producer extends Process {
  static override moduleName = 'Producer';
  override processDidReceiveMessage(state: any, message: any, _from: string, { send, getProcessName }: Context) {
    if (!message?.go) return;
    const end = Math.min(message.n, message.i + 50);
    for (let i = message.i; i < end; i++) send(message.go, { seq: i, total: message.n });
    if (end < message.n) send(getProcessName(), { ...message, i: end });
  }
}

/** Checks each sender's numbers arrive in order, once each; reports once it has them all. */
class Consumer extends Process {
  static override moduleName = 'Consumer';
  override processDidReceiveMessage(state: any, message: any, from: string, { send }: Context) {
    if (typeof message?.seq !== 'number') return;
    const expected = state.next[from] ?? 0;
    if (message.seq !== expected && state.errors.length < 10) state.errors.push(`${from}: got ${message.seq}, expected ${expected}`);
    state.next[from] = message.seq + 1;
    state.got++;
    if (state.got === message.total * 3) send(state.inbox, { done: true, errors: state.errors, got: state.got });
    return state;
  }
}

class Spawner extends Process {
  static override moduleName = 'Spawner';
  override processDidReceiveMessage(_s: any, m: unknown, _f: string, { reply, spawn }: Context) {
    reply(spawn(m === 'Stubborn' ? 'Stubborn' : 'Idle', { mode: 'false', n: 0 }));
  }
}

/** Refuses to move (returns false, or throws with mode 'throw') until it is sent 'let me go'. */
class Stubborn extends Process {
  static override moduleName = 'Stubborn';
  override processWillMove(state: any) {
    if (state.free) return;
    if (state.mode === 'throw') throw new Error('holds a socket');
    return false;
  }
  override processDidReceiveMessage(state: any, m: unknown, _f: string, { reply }: Context) {
    if (m === 'let me go') return { ...state, free: true };
    reply(state.n);
  }
}

class Unmovable extends Process {
  static override moduleName = 'Unmovable';
  override processWillRun(state: any) {
    return { ...state, fn: () => 1 };
  }
  override processDidReceiveMessage(_s: any, _m: unknown, _f: string, { reply }: Context) {
    reply('pong');
  }
}

class VersionA extends Process {
  static override moduleName = 'Versioned';
  override processDidReceiveMessage(_s: any, _m: unknown, _f: string, { reply }: Context) {
    reply('A');
  }
}

class VersionB extends Process {
  static override moduleName = 'Versioned';
  override processWillUpgrade(): never {
    throw new Error('cannot upgrade from A');
  }
  override processDidReceiveMessage(_s: any, _m: unknown, _f: string, { reply }: Context) {
    reply('B');
  }
}

describe('moving a bounded process', () => {
  it('keeps its own mailbox bound (the spawn option maxMailbox) on the new worker', async () => {
    const c = await start([Idle]);
    const name = await c.spawn('Idle', {}, { maxMailbox: 3 });
    const from = await workerOf(c, name);
    expect((await c.ps()).find((p) => p.name === name)?.maxMailbox).toBe(3);
    const outcome = await c.move(name, { to: other(c, from) });
    expect(outcome.moved).toBe(true);
    const after = (await c.ps()).find((p) => p.name === name);
    expect(after?.worker).toBe(other(c, from));
    expect(after?.maxMailbox).toBe(3);
  });

  it('leaves its old worker reporting one process fewer to the scheduler (the forwarding entry is not a process)', async () => {
    const c = await start([Idle]);
    const name = await c.spawn('Idle', {});
    const from = await workerOf(c, name);
    const workers = (c as unknown as { workers: WorkerRuntime[] }).workers;
    const old = workers.find((w) => w.id === from)!;
    const before = old.load().processes;
    expect((await c.move(name, { to: other(c, from) })).moved).toBe(true);
    expect(old.load().processes).toBe(before - 1);
    expect(old.stats().processes).toBe(before - 1);
  });
});
