import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock } from './clock';
import {
  createCluster,
  Process,
  silentLogger,
  type ChildInfo,
  type ChildSpec,
  type Context,
  type EmbeddedCluster,
  type Inbox,
  type Logger,
  type SupervisorReply,
  type SupervisorSpec,
} from './index';

// The built-in Supervisor: OTP's strategies, restart types and restart intensity. Unless a test says
// otherwise the cluster has one worker, so the order in which children start and stop is observable.

let cluster: EmbeddedCluster | undefined;
afterEach(async () => {
  holdStops = false;
  for (const release of heldStops.splice(0)) release();
  // Closed first: cluster.stop() does not settle when the last process to end has an asynchronous
  // processWillExit while an inbox is open (a worker's whenEmpty() is not re-checked; reported).
  openInbox?.close();
  await cluster?.stop();
  cluster = undefined;
  holdStops = true;
});

type Event =
  | { event: 'started'; id: string; name: string }
  | { event: 'stopped'; id: string; name: string; err: unknown }
  | { event: 'spawned'; name: string }
  | { event: 'child-exit'; name: string; err: any };

interface WorkerState {
  id: string;
  observer: string;
}

/** A supervised worker: reports its start and its end to `observer`; crashes or exits on request. */
class TestWorker extends Process<WorkerState> {
  static override moduleName = 'TestWorker';
  override processWillRun(s: WorkerState, ctx: Context) {
    ctx.send(s.observer, { event: 'started', id: s.id, name: ctx.getProcessName() });
  }
  override processDidReceiveMessage(s: WorkerState, m: { type: string; reason?: unknown }, _from: string, ctx: Context) {
    if (m.type === 'crash') throw new Error(`${s.id} crashed`);
    if (m.type === 'exit') ctx.exit(m.reason);
  }
  override processWillExit(s: WorkerState, err: unknown, ctx: Context) {
    ctx.send(s.observer, { event: 'stopped', id: s.id, name: ctx.getProcessName(), err });
  }
}

/** A parent that spawns one process and tells `observer` when that child ends, with the reason. */
class Parent extends Process<{ observer: string; module: string; state: unknown }> {
  static override moduleName = 'Parent';
  override processWillRun(s: { observer: string; module: string; state: unknown }, ctx: Context) {
    ctx.send(s.observer, { event: 'spawned', name: ctx.spawn(s.module, s.state) });
  }
  override processDidReceiveMessage(s: { observer: string }, m: any, from: string, ctx: Context) {
    if (m.type === 'CHILD_PROCESS_EXIT') ctx.send(s.observer, { event: 'child-exit', name: from, err: m.payload.err });
  }
}

let holdStops = true;
const heldStops: (() => void)[] = [];
/** Lets the oldest `SlowStop` that is ending finish its `processWillExit`. */
const release = () => heldStops.shift()!();
/** A worker whose `processWillExit` waits until the test calls `release()` (or the test ends). */
class SlowStop extends TestWorker {
  static override moduleName = 'SlowStop';
  override async processWillExit(s: WorkerState, err: unknown, ctx: Context) {
    if (holdStops) await new Promise<void>((resolve) => heldStops.push(resolve));
    ctx.send(s.observer, { event: 'stopped', id: s.id, name: ctx.getProcessName(), err });
  }
}

let openInbox: Inbox | undefined;
async function setup(options: { workers?: number; clock?: ManualClock; logger?: Logger } = {}) {
  cluster = await createCluster({ workers: options.workers ?? 1, clock: options.clock, logger: options.logger ?? silentLogger, modules: [TestWorker, Parent, SlowStop] });
  openInbox = cluster.inbox();
  return { c: cluster, inbox: openInbox };
}

const workers = (observer: string, ids: string[], extra: Partial<ChildSpec> = {}): ChildSpec[] =>
  ids.map((id) => ({ id, module: 'TestWorker', state: { id, observer }, ...extra }));

/** The next `n` events, in arrival order, as short strings such as `started a` or `stopped b`. */
async function events(inbox: Inbox, n: number): Promise<string[]> {
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    const e = (await inbox.receive()).message as Event;
    out.push('id' in e ? `${e.event} ${e.id}` : e.event);
  }
  return out;
}

async function next<E extends Event['event']>(inbox: Inbox, event: E, id?: string): Promise<Extract<Event, { event: E }>> {
  const r = await inbox.receiveMatching((r) => {
    const e = r.message as Event;
    return e.event === event && (id === undefined || ('id' in e && e.id === id));
  });
  return r.message as Extract<Event, { event: E }>;
}

const which = (c: EmbeddedCluster, sup: string) => c.call<ChildInfo[]>(sup, { type: 'WHICH_CHILDREN' });
const nameOf = async (c: EmbeddedCluster, sup: string, id: string) => (await which(c, sup)).find((x) => x.id === id)!.name!;

/** Spawns a supervisor under a {@link Parent} and waits for its children's starts. */
async function supervise(c: EmbeddedCluster, inbox: Inbox, spec: SupervisorSpec): Promise<string> {
  await c.spawn('Parent', { observer: inbox.name, module: 'Supervisor', state: spec });
  const { name } = await next(inbox, 'spawned');
  expect(await events(inbox, spec.children.length)).toEqual(spec.children.map((ch) => `started ${ch.id}`));
  return name;
}

describe('Supervisor', () => {
  it('is available in every cluster without loading and starts its children in order', async () => {
    const { c, inbox } = await setup();
    expect((await c.modules()).map((m) => m.name)).toContain('Supervisor');
    const sup = await c.spawn('Supervisor', { children: workers(inbox.name, ['a', 'b', 'c']) });
    expect(await events(inbox, 3)).toEqual(['started a', 'started b', 'started c']);
    const children = await which(c, sup);
    expect(children.map(({ id, module, restart }) => ({ id, module, restart }))).toEqual([
      { id: 'a', module: 'TestWorker', restart: 'permanent' },
      { id: 'b', module: 'TestWorker', restart: 'permanent' },
      { id: 'c', module: 'TestWorker', restart: 'permanent' },
    ]);
    const ps = await c.ps();
    for (const child of children) expect(ps.find((p) => p.name === child.name)?.parent).toBe(sup);
  });

  it('with oneForOne restarts only the child that crashed, and WHICH_CHILDREN then shows its new name', async () => {
    const { c, inbox } = await setup();
    const sup = await supervise(c, inbox, { strategy: 'oneForOne', children: workers(inbox.name, ['a', 'b', 'c']) });
    const before = await which(c, sup);
    c.send(before[1]!.name!, { type: 'crash' });
    expect(await events(inbox, 2)).toEqual(['stopped b', 'started b']);
    const after = await which(c, sup);
    expect(after[0]!.name).toBe(before[0]!.name);
    expect(after[2]!.name).toBe(before[2]!.name);
    expect(after[1]!.name).not.toBe(before[1]!.name);
    expect((await c.ps()).some((p) => p.name === after[1]!.name)).toBe(true);
  });

  it('with oneForAll stops the other children in reverse start order, then starts all of them again in order', async () => {
    const { c, inbox } = await setup();
    const sup = await supervise(c, inbox, { strategy: 'oneForAll', children: workers(inbox.name, ['a', 'b', 'c', 'd']) });
    const before = await which(c, sup);
    c.send(before[1]!.name!, { type: 'crash' });
    expect(await events(inbox, 8)).toEqual(['stopped b', 'stopped d', 'stopped c', 'stopped a', 'started a', 'started b', 'started c', 'started d']);
    const after = await which(c, sup);
    for (let i = 0; i < 4; i++) expect(after[i]!.name).not.toBe(before[i]!.name);
  });

  it("stops children with reason 'shutdown' when it ends them on purpose", async () => {
    const { c, inbox } = await setup();
    const sup = await supervise(c, inbox, { strategy: 'oneForAll', children: workers(inbox.name, ['a', 'b']) });
    c.send(await nameOf(c, sup, 'a'), { type: 'crash' });
    expect((await next(inbox, 'stopped', 'b')).err).toBe('shutdown');
  });

  it('with restForOne stops and restarts the children started after the one that crashed, leaving earlier ones alone', async () => {
    const { c, inbox } = await setup();
    const sup = await supervise(c, inbox, { strategy: 'restForOne', children: workers(inbox.name, ['a', 'b', 'c', 'd']) });
    const before = await which(c, sup);
    c.send(before[1]!.name!, { type: 'crash' });
    expect(await events(inbox, 6)).toEqual(['stopped b', 'stopped d', 'stopped c', 'started b', 'started c', 'started d']);
    const after = await which(c, sup);
    expect(after[0]!.name).toBe(before[0]!.name);
    for (let i = 1; i < 4; i++) expect(after[i]!.name).not.toBe(before[i]!.name);
  });

  it('does not count the exits of children it stopped on purpose as failures', async () => {
    // Intensity 1: one oneForAll restart is allowed. Were the two stopped siblings counted, it would give up.
    const { c, inbox } = await setup();
    const sup = await supervise(c, inbox, { strategy: 'oneForAll', intensity: 1, children: workers(inbox.name, ['a', 'b', 'c']) });
    c.send(await nameOf(c, sup, 'a'), { type: 'crash' });
    expect(await events(inbox, 6)).toEqual(['stopped a', 'stopped c', 'stopped b', 'started a', 'started b', 'started c']);
    expect((await which(c, sup)).every((ch) => ch.name !== null)).toBe(true);
    expect(inbox.size).toBe(0);
  });

  describe('restart types', () => {
    it('restarts a permanent child whatever the reason, even a normal exit', async () => {
      const { c, inbox } = await setup();
      const sup = await supervise(c, inbox, { children: workers(inbox.name, ['p']) });
      c.send(await nameOf(c, sup, 'p'), { type: 'exit' });
      expect(await events(inbox, 2)).toEqual(['stopped p', 'started p']);
      c.send(await nameOf(c, sup, 'p'), { type: 'exit', reason: 'shutdown' });
      expect(await events(inbox, 2)).toEqual(['stopped p', 'started p']);
    });

    it("restarts a transient child after a crash but not after 'normal' or 'shutdown', and keeps it listed without a name", async () => {
      const { c, inbox } = await setup();
      const sup = await supervise(c, inbox, { children: workers(inbox.name, ['t1', 't2'], { restart: 'transient' }) });
      c.send(await nameOf(c, sup, 't1'), { type: 'crash' });
      expect(await events(inbox, 2)).toEqual(['stopped t1', 'started t1']);
      c.send(await nameOf(c, sup, 't1'), { type: 'exit' });
      c.send(await nameOf(c, sup, 't2'), { type: 'exit', reason: 'shutdown' });
      expect(await events(inbox, 2)).toEqual(['stopped t1', 'stopped t2']);
      expect(await which(c, sup)).toEqual([
        { id: 't1', name: null, module: 'TestWorker', restart: 'transient' },
        { id: 't2', name: null, module: 'TestWorker', restart: 'transient' },
      ]);
      expect(inbox.size).toBe(0);
    });

    it('never restarts a temporary child and forgets it once it has ended', async () => {
      const { c, inbox } = await setup();
      const sup = await supervise(c, inbox, {
        children: [...workers(inbox.name, ['tmp'], { restart: 'temporary' }), ...workers(inbox.name, ['keep'])],
      });
      c.send(await nameOf(c, sup, 'tmp'), { type: 'crash' });
      expect(await events(inbox, 1)).toEqual(['stopped tmp']);
      expect((await which(c, sup)).map((ch) => ch.id)).toEqual(['keep']);
      expect(inbox.size).toBe(0);
    });

    it('does not restart a temporary child that a oneForAll restart stopped', async () => {
      const { c, inbox } = await setup();
      const sup = await supervise(c, inbox, {
        strategy: 'oneForAll',
        children: [...workers(inbox.name, ['a']), ...workers(inbox.name, ['tmp'], { restart: 'temporary' }), ...workers(inbox.name, ['c'])],
      });
      c.send(await nameOf(c, sup, 'a'), { type: 'crash' });
      expect(await events(inbox, 5)).toEqual(['stopped a', 'stopped c', 'stopped tmp', 'started a', 'started c']);
      expect((await which(c, sup)).map((ch) => ch.id)).toEqual(['a', 'c']);
    });
  });

  describe('restart intensity', () => {
    it('forgets restarts older than periodMs, and on one restart too many stops its children in reverse order and exits with a SupervisorError', async () => {
      const clock = new ManualClock(1_000_000);
      const warnings: string[] = [];
      const { c, inbox } = await setup({ clock, logger: { ...silentLogger, warn: (m) => void warnings.push(m) } });
      const sup = await supervise(c, inbox, { intensity: 2, periodMs: 1000, children: workers(inbox.name, ['a', 'b', 'c']) });
      const crashA = async () => c.send(await nameOf(c, sup, 'a'), { type: 'crash' });

      await crashA(); // restart 1 at t0
      expect(await events(inbox, 2)).toEqual(['stopped a', 'started a']);
      clock.advance(600);
      await crashA(); // restart 2 at t0+600: 2 within the window, allowed
      expect(await events(inbox, 2)).toEqual(['stopped a', 'started a']);
      clock.advance(400);
      await crashA(); // t0+1000: the restart at t0 has left the window, so again 2, allowed
      expect(await events(inbox, 2)).toEqual(['stopped a', 'started a']);
      await crashA(); // t0+1000: 3 restarts within 1000 ms (t0+600, t0+1000, t0+1000): one too many
      expect(await events(inbox, 3)).toEqual(['stopped a', 'stopped c', 'stopped b']);

      const exit = await next(inbox, 'child-exit');
      expect(exit.name).toBe(sup);
      expect(exit.err).toMatchObject({
        name: 'SupervisorError',
        message: `Supervisor '${sup}' reached its restart intensity (2 restarts in 1000 ms); its last child exit was: Error: a crashed`,
      });
      // Its log line reads 'Name: message' (it read '[object Object]').
      expect(warnings).toContain(
        `process '${sup}' (Supervisor) exited: SupervisorError: Supervisor '${sup}' reached its restart intensity (2 restarts in 1000 ms); its last child exit was: Error: a crashed`,
      );
      expect((await c.ps()).filter((p) => p.module === 'TestWorker' || p.name === sup)).toEqual([]);
    });

    it('gives up on a child whose module is not loaded once the intensity is reached', async () => {
      const { c, inbox } = await setup();
      await c.spawn('Parent', { observer: inbox.name, module: 'Supervisor', state: { children: [{ id: 'ghost', module: 'NoSuchModule' }] } });
      const exit = await next(inbox, 'child-exit');
      expect(exit.err.name).toBe('SupervisorError');
      expect(exit.err.message).toContain("reached its restart intensity (3 restarts in 5000 ms); its last child exit was: HypernodeError: Module 'NoSuchModule' is not loaded");
    });
  });

  describe('stopping', () => {
    it('when it is ended, its children are ended in reverse start order', async () => {
      const { c, inbox } = await setup();
      const sup = await supervise(c, inbox, { children: workers(inbox.name, ['a', 'b', 'c']) });
      await c.kill(sup, 'shutdown');
      expect(await events(inbox, 3)).toEqual(['stopped c', 'stopped b', 'stopped a']);
      expect((await next(inbox, 'child-exit')).err).toBe('shutdown');
    });

    it('handles a crash that happens while it waits for a child to stop once that child has ended', async () => {
      const { c, inbox } = await setup();
      const sup = await supervise(c, inbox, {
        strategy: 'restForOne',
        children: [...workers(inbox.name, ['a', 'b']), { id: 'slow', module: 'SlowStop', state: { id: 'slow', observer: inbox.name } }],
      });
      const [a, b] = [await nameOf(c, sup, 'a'), await nameOf(c, sup, 'b')];
      c.send(b, { type: 'crash' }); // restForOne: stop 'slow', then restart b and slow
      await next(inbox, 'stopped', 'b');
      c.send(a, { type: 'crash' }); // arrives while 'slow' is still stopping
      await next(inbox, 'stopped', 'a');
      // Meanwhile WHICH_CHILDREN is answered at once: 'slow' still has its name, 'b' has none yet.
      expect((await which(c, sup)).map((ch) => ch.name === null)).toEqual([false, true, false]);
      release();
      // Then 'slow' ends and b and slow start; then the held crash of a is handled: restForOne stops slow
      // and b (in reverse order) and starts a, b and slow.
      expect(await events(inbox, 3)).toEqual(['stopped slow', 'started b', 'started slow']);
      release();
      expect(await events(inbox, 5)).toEqual(['stopped slow', 'stopped b', 'started a', 'started b', 'started slow']);
      expect((await which(c, sup)).every((ch) => ch.name !== null)).toBe(true);
    });
  });

  describe('requests', () => {
    it('TERMINATE_CHILD stops a child, which then stays stopped, even through a oneForAll restart, until RESTART_CHILD', async () => {
      const { c, inbox } = await setup();
      const sup = await supervise(c, inbox, { strategy: 'oneForAll', children: workers(inbox.name, ['a', 'b']) });
      expect(await c.call<SupervisorReply>(sup, { type: 'TERMINATE_CHILD', id: 'b' })).toEqual({ ok: true });
      expect((await next(inbox, 'stopped', 'b')).err).toBe('shutdown');
      expect((await which(c, sup))[1]!.name).toBeNull();

      c.send(await nameOf(c, sup, 'a'), { type: 'crash' });
      expect(await events(inbox, 2)).toEqual(['stopped a', 'started a']);
      expect((await which(c, sup))[1]!.name).toBeNull();

      const restarted = await c.call<SupervisorReply>(sup, { type: 'RESTART_CHILD', id: 'b' });
      expect(restarted).toEqual({ ok: true, name: expect.any(String) });
      expect(await next(inbox, 'started', 'b')).toMatchObject({ name: (restarted as { name: string }).name });
      expect((await which(c, sup))[1]!.name).toBe((restarted as { name: string }).name);
    });

    it('TERMINATE_CHILD replies once the child has ended', async () => {
      const { c, inbox } = await setup();
      const sup = await supervise(c, inbox, { children: [{ id: 'slow', module: 'SlowStop', state: { id: 'slow', observer: inbox.name } }] });
      let replied = false;
      const reply = c.call(sup, { type: 'TERMINATE_CHILD', id: 'slow' }).then((r) => ((replied = true), r));
      await expect(which(c, sup)).resolves.toHaveLength(1); // the supervisor has handled the request by now
      expect(replied).toBe(false);
      release();
      expect(await reply).toEqual({ ok: true });
      expect(await events(inbox, 1)).toEqual(['stopped slow']);
    });

    it('RESTART_CHILD of a running child and requests naming an unknown child reply with an error saying what to do', async () => {
      const { c, inbox } = await setup();
      const sup = await supervise(c, inbox, { children: workers(inbox.name, ['a']) });
      expect(await c.call(sup, { type: 'RESTART_CHILD', id: 'a' })).toMatchObject({ ok: false, error: 'running', message: expect.stringContaining('TERMINATE_CHILD') });
      for (const type of ['RESTART_CHILD', 'TERMINATE_CHILD']) {
        expect(await c.call(sup, { type, id: 'zz' })).toEqual({
          ok: false,
          error: 'not_found',
          message: `Supervisor '${sup}' has no child with id 'zz'; its children are: 'a'.`,
        });
      }
      expect(await c.call(sup, { type: 'HELLO' })).toMatchObject({ ok: false, error: 'unknown_request' });
    });

    it('answers calls from other processes', async () => {
      class Asker extends Process<{ sup: string; observer: string }> {
        static override moduleName = 'Asker';
        override *processWillRun(s: { sup: string; observer: string }, ctx: Context) {
          const children = (yield ctx.call(s.sup, { type: 'WHICH_CHILDREN' })) as ChildInfo[];
          ctx.send(s.observer, { event: 'asked', ids: children.map((ch) => ch.id) });
        }
      }
      const { c, inbox } = await setup();
      await c.load(Asker);
      const sup = await supervise(c, inbox, { children: workers(inbox.name, ['a', 'b']) });
      await c.spawn('Asker', { sup, observer: inbox.name });
      expect((await inbox.receive()).message).toEqual({ event: 'asked', ids: ['a', 'b'] });
    });
  });

  describe('spec validation', () => {
    const child = { id: 'a', module: 'TestWorker' };
    it.each([
      ['a spec that is not an object', 42, "needs a spec object as its initial state; got number 42"],
      ['an unknown strategy', { strategy: 'oneForSome', children: [] }, "got strategy: 'oneForSome'; use 'oneForOne', 'oneForAll' or 'restForOne'"],
      ['a zero intensity', { intensity: 0, children: [] }, 'got intensity: number 0; give a whole number of restarts of at least 1'],
      ['a negative intensity', { intensity: -2, children: [] }, 'got intensity: number -2'],
      ['a non-positive period', { periodMs: 0, children: [] }, 'got periodMs: number 0; give a positive, finite number of milliseconds'],
      ['missing children', {}, 'got children: undefined; give an array of child specs'],
      ['duplicate ids', { children: [child, { ...child }] }, "got children[1].id: 'a'; child ids must be unique"],
      ['a child without a module name', { children: [{ id: 'a' }] }, 'got children[0].module: undefined; give the name of a loaded module'],
      ['a child without an id', { children: [{ module: 'TestWorker' }] }, 'got children[0].id: undefined; give each child a non-empty string id'],
      ['an unknown restart type', { children: [{ ...child, restart: 'always' }] }, "got children[0].restart: 'always'; use 'permanent', 'transient' or 'temporary'"],
    ])('exits with INVALID_OPTIONS naming the field and the fix for %s, starting no child', async (_what, spec, text) => {
      const { c, inbox } = await setup();
      await c.spawn('Parent', { observer: inbox.name, module: 'Supervisor', state: spec });
      const { name } = await next(inbox, 'spawned');
      const exit = await next(inbox, 'child-exit');
      expect(exit.name).toBe(name);
      expect(exit.err).toMatchObject({ name: 'HypernodeError', code: 'INVALID_OPTIONS' });
      expect(exit.err.message).toContain(`Supervisor '${name}' `);
      expect(exit.err.message).toContain(text);
      expect(inbox.size).toBe(0);
    });
  });

  it('in a supervision tree, handles a crash at the level of the supervisor that owns the crashed child', async () => {
    const { c, inbox } = await setup();
    const inner: SupervisorSpec = { intensity: 1, children: workers(inbox.name, ['leaf1', 'leaf2']) };
    const top = await c.spawn('Supervisor', {
      strategy: 'oneForOne',
      children: [{ id: 'inner', module: 'Supervisor', state: inner }, ...workers(inbox.name, ['sibling'])],
    });
    // The inner supervisor spawns its leaves from its own processWillRun, so they may start after 'sibling'.
    expect((await events(inbox, 3)).sort()).toEqual(['started leaf1', 'started leaf2', 'started sibling']);
    const innerName = await nameOf(c, top, 'inner');
    const sibling = await nameOf(c, top, 'sibling');

    // A leaf crash is handled by the inner supervisor: the top one sees nothing.
    c.send(await nameOf(c, innerName, 'leaf1'), { type: 'crash' });
    expect(await events(inbox, 2)).toEqual(['stopped leaf1', 'started leaf1']);
    expect(await which(c, top)).toEqual([
      { id: 'inner', name: innerName, module: 'Supervisor', restart: 'permanent' },
      { id: 'sibling', name: sibling, module: 'TestWorker', restart: 'permanent' },
    ]);

    // A second leaf crash is too many for the inner supervisor (intensity 1): it stops its leaves and exits,
    // and the top supervisor restarts it, which starts fresh leaves. The sibling is untouched.
    c.send(await nameOf(c, innerName, 'leaf1'), { type: 'crash' });
    expect(await events(inbox, 4)).toEqual(['stopped leaf1', 'stopped leaf2', 'started leaf1', 'started leaf2']);
    const after = await which(c, top);
    expect(after[0]!.name).not.toBe(innerName);
    expect(after[1]!.name).toBe(sibling);
    expect((await which(c, after[0]!.name!)).every((ch) => ch.name !== null)).toBe(true);
  });

  it('restarts children placed on other workers (oneForAll across three workers)', async () => {
    const { c, inbox } = await setup({ workers: 3 });
    const ids = ['a', 'b', 'c', 'd', 'e', 'f'];
    const sup = await c.spawn('Supervisor', { strategy: 'oneForAll', children: workers(inbox.name, ids) });
    for (const id of ids) await next(inbox, 'started', id);
    const before = await which(c, sup);
    c.send(before[0]!.name!, { type: 'crash' });
    for (const id of ids) await next(inbox, 'stopped', id);
    for (const id of ids) await next(inbox, 'started', id);
    const after = await which(c, sup);
    const living = new Set((await c.ps()).map((p) => p.name));
    for (let i = 0; i < ids.length; i++) {
      expect(after[i]!.name).not.toBe(before[i]!.name);
      expect(living.has(after[i]!.name!)).toBe(true);
      expect(living.has(before[i]!.name!)).toBe(false);
    }
  });
});
