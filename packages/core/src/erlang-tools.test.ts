import { describe, expect, it } from 'vitest';
import { clusterPerTest, has } from './test-support';
import { HypernodeError, Process, type Context, type EmbeddedCluster, type Inbox, type ProcessClass } from './index';

// Erlang's tools on the context (context.ts): call/reply (and deferred replies), monitors, links and exit
// trapping, registered names, and timers, each checked on one worker and across workers.

const clusters = clusterPerTest();
const start = (...modules: ProcessClass[]): Promise<EmbeddedCluster> => clusters.start(modules);

const later = <T>(value: T, ms = 2): Promise<T> => new Promise((resolve) => setTimeout(() => resolve(value), ms));

/** Does what the test asks, reports to the inbox, and answers calls. */
class Tool extends Process {
  static override moduleName = 'Tool';

  override processWillRun(state: any, { send, getProcessName }: Context) {
    send(state.inbox, { ready: getProcessName() });
    return { ...state, pending: [] as string[] };
  }

  override *processDidReceiveMessage(state: any, message: any, from: string, ctx: Context): Generator<unknown, any, any> {
    const { send, reply, exit, getProcessName } = ctx;
    const me = getProcessName();
    const report = (m: Record<string, unknown>) => send(state.inbox, { ...m, by: me });
    if (message?.type === 'DOWN') return report({ down: { from, ref: message.payload.ref, err: message.payload.err } });
    if (message?.type === 'EXIT') return report({ exitSignal: { from, err: message.payload.err } });
    if (message?.type === 'CHILD_PROCESS_EXIT') return;
    const [op, arg]: [string?, any?] = Object.entries(message ?? {})[0] ?? [];
    switch (op) {
      // --- as a server
      case 'echo':
        reply({ echo: arg, by: me });
        return;
      case 'ignore':
        return;
      case 'crash':
        throw new Error('callee crashed');
      case 'slowCrash':
        yield later(null, 5);
        throw new Error('callee crashed later');
      case 'defer':
        report({ deferred: ctx.callToken() ?? null });
        return { ...state, pending: [...state.pending, ctx.callToken()] };
      case 'release':
        for (const token of state.pending) ctx.replyTo(token, arg);
        return { ...state, pending: [] };
      case 'replyTwice': {
        const token = ctx.callToken()!;
        ctx.replyTo(token, 'first');
        ctx.replyTo(token, 'second');
        return;
      }
      case 'exit':
        exit(arg);
        return;
      // --- as a client
      case 'call': {
        try {
          const result = yield ctx.call(arg.to, arg.message, arg.timeout);
          report({ callResult: result, tag: arg.tag });
        } catch (err) {
          report({ callError: { code: (err as HypernodeError).code, message: (err as Error).message, isHypernode: err instanceof HypernodeError }, tag: arg.tag });
        }
        return;
      }
      case 'send':
        send(arg.to, arg.message);
        return;
      case 'ping':
        report({ pong: arg ?? true });
        return;
      case 'monitor':
        report({ monitorRef: ctx.monitor(arg), target: arg });
        return;
      case 'demonitor':
        ctx.demonitor(arg);
        report({ demonitored: arg });
        return;
      case 'link':
        ctx.link(arg);
        report({ linked: arg });
        return;
      case 'unlink':
        ctx.unlink(arg);
        report({ unlinked: arg });
        return;
      case 'trap':
        ctx.trapExits(arg);
        report({ trapping: arg });
        return;
      case 'register':
        try {
          yield ctx.register(arg);
          report({ registered: arg });
        } catch (err) {
          report({ registerError: (err as HypernodeError).code, message: (err as Error).message });
        }
        return;
      case 'unregister':
        yield ctx.unregister(arg);
        report({ unregistered: arg });
        return;
      case 'whereis':
        report({ whereis: arg, is: ctx.whereis(arg) ?? null });
        return;
      case 'sendAfter':
        report({ timerRef: ctx.sendAfter(arg.to ?? state.inbox, arg.message, arg.ms), tag: arg.tag });
        return;
      case 'cancel':
        report({ cancelled: ctx.cancelTimer(arg), ref: arg });
        return;
      case 'timerThenExit':
        ctx.sendAfter(state.inbox, arg.message, arg.ms);
        exit('leaving with a timer set');
        return;
      case 'got':
        report({ got: arg, from });
        return;
    }
  }

  override processWillExit(state: any, err: unknown, { send, getProcessName }: Context) {
    send(state.inbox, { willExit: getProcessName(), err });
  }
}

class Hub extends Process {
  static override moduleName = 'Hub';
  override processWillRun(state: any, { spawn }: Context) {
    for (let i = 0; i < state.count; i++) spawn('Tool', { inbox: state.inbox });
  }
}

/**
 * 150 Tools spread over the workers; `a` is one of them, `near` another on a's worker, `far` one elsewhere,
 * and `spare` more of each kind for tests that use up processes.
 */
async function tools(c: EmbeddedCluster) {
  const inbox = c.inbox();
  await c.spawn('Hub', { inbox: inbox.name, count: 150 });
  const names: string[] = [];
  for (let i = 0; i < 150; i++) names.push(((await inbox.receiveMatching(has('ready'))).message as any).ready);
  const ps = await c.ps();
  const workerOf = (n: string) => ps.find((p) => p.name === n)!.worker;
  const a = names[0]!;
  const nearAll = names.filter((n) => n !== a && workerOf(n) === workerOf(a));
  const farAll = names.filter((n) => workerOf(n) !== workerOf(a));
  expect(nearAll.length).toBeGreaterThan(4);
  expect(farAll.length).toBeGreaterThan(4);
  return { inbox, a, near: nearAll[0]!, far: farAll[0]!, nearAll, farAll, workerOf };
}

/** Sends `message` to `to` and waits for the report with key `key` from `to`. */
async function ask(c: EmbeddedCluster, inbox: Inbox, to: string, message: unknown, key: string, extra?: (m: any) => boolean): Promise<any> {
  c.send(to, message);
  return (await inbox.receiveMatching((r) => has(key)(r) && (r.message as any).by === to && (!extra || extra(r.message)))).message;
}

async function ended(c: EmbeddedCluster, inbox: Inbox, name: string, reason: unknown = 'normal') {
  c.send(name, { exit: reason });
  await inbox.receiveMatching((r) => has('willExit')(r) && (r.message as any).willExit === name);
  await expect.poll(async () => (await c.ps()).some((p) => p.name === name)).toBe(false);
}

describe('call', () => {
  it('resolves a call with the callee’s reply, on the same worker and across workers', async () => {
    const c = await start(Tool, Hub);
    const { inbox, a, near, far } = await tools(c);
    for (const to of [near, far]) {
      const r = await ask(c, inbox, a, { call: { to, message: { echo: { n: 1, d: new Date(0) } }, tag: to } }, 'callResult');
      expect(r.callResult).toEqual({ echo: { n: 1, d: new Date(0) }, by: to });
    }
  });

  it('resolves cluster.call from outside with the reply', async () => {
    const c = await start(Tool, Hub);
    const { far } = await tools(c);
    expect(await c.call(far, { echo: 'outside' })).toEqual({ echo: 'outside', by: far });
  });

  it('rejects with CALL_TIMEOUT when the callee never replies', async () => {
    const c = await start(Tool, Hub);
    const { inbox, a, near, far } = await tools(c);
    for (const to of [near, far]) {
      const r = await ask(c, inbox, a, { call: { to, message: { ignore: true }, timeout: 20 } }, 'callError');
      expect(r.callError).toMatchObject({ code: 'CALL_TIMEOUT', isHypernode: true });
    }
    await expect(c.call(far, { ignore: true }, 20)).rejects.toMatchObject({ code: 'CALL_TIMEOUT' });
  });

  it('rejects with NO_PROCESS at once (long before its timeout) when the callee has ended or the name is unknown', async () => {
    const c = await start(Tool, Hub);
    const { inbox, a, nearAll, farAll } = await tools(c);
    const [goneNear, goneFar] = [nearAll[1]!, farAll[1]!];
    await ended(c, inbox, goneNear);
    await ended(c, inbox, goneFar);
    for (const to of [goneNear, goneFar, 'never-registered-name']) {
      // A one-minute timeout: the answer must come from the runtime knowing the process is gone.
      const r = await ask(c, inbox, a, { call: { to, message: { echo: 1 }, timeout: 60_000, tag: to } }, 'callError', (m) => m.tag === to);
      expect(r.callError, to).toMatchObject({ code: 'NO_PROCESS', isHypernode: true });
    }
    await expect(c.call(goneFar, { echo: 1 }, 60_000)).rejects.toMatchObject({ code: 'NO_PROCESS' });
  });

  it('rejects with PROCESS_EXITED when the callee crashes handling the call, or while the call waits in its mailbox', async () => {
    const c = await start(Tool, Hub);
    const { inbox, a, nearAll, farAll } = await tools(c);
    for (const to of [nearAll[1]!, farAll[1]!]) {
      const r = await ask(c, inbox, a, { call: { to, message: { crash: true }, timeout: 60_000, tag: to } }, 'callError', (m) => m.tag === to);
      expect(r.callError, to).toMatchObject({ code: 'PROCESS_EXITED' });
    }
    for (const to of [nearAll[2]!, farAll[2]!]) {
      c.send(a, { send: { to, message: { slowCrash: true } } });
      const r = await ask(c, inbox, a, { call: { to, message: { echo: 'queued' }, timeout: 60_000, tag: to } }, 'callError', (m) => m.tag === to);
      expect(r.callError, to).toMatchObject({ code: 'PROCESS_EXITED' });
    }
  });

  it('lets a callee keep the call token and answer later with replyTo; a second reply is ignored', async () => {
    const c = await start(Tool, Hub);
    const { inbox, a, near, far } = await tools(c);
    for (const to of [near, far]) {
      c.send(a, { call: { to, message: { defer: true }, timeout: 60_000, tag: to } });
      const { deferred } = (await inbox.receiveMatching((r) => has('deferred')(r) && (r.message as any).by === to)).message as any;
      expect(typeof deferred).toBe('string');
      c.send(to, { release: { later: true } });
      const r = (await inbox.receiveMatching((m) => has('callResult')(m) && (m.message as any).tag === to)).message as any;
      expect(r.callResult).toEqual({ later: true });
    }
    expect(await c.call(far, { replyTwice: true })).toBe('first');
  });

  it('rejects with PROCESS_EXITED when a callee that kept the call token ends before replying', async () => {
    const c = await start(Tool, Hub);
    const { inbox, a, nearAll, farAll } = await tools(c);
    for (const to of [nearAll[1]!, farAll[1]!]) {
      c.send(a, { call: { to, message: { defer: true }, timeout: 60_000, tag: to } });
      await inbox.receiveMatching((r) => has('deferred')(r) && (r.message as any).by === to);
      c.send(to, { exit: 'gave up' });
      const r = (await inbox.receiveMatching((m) => (has('callError')(m) || has('callResult')(m)) && (m.message as any).tag === to)).message as any;
      expect(r.callError, to).toMatchObject({ code: 'PROCESS_EXITED' });
    }
  });

  it('throws from reply() when the message being handled was not a call', async () => {
    class NotACall extends Process {
      static override moduleName = 'NotACall';
      override processDidReceiveMessage(state: any, message: any, _from: string, { reply, send }: Context) {
        try {
          reply('nope');
          send(message.inbox, { threw: false });
        } catch (err) {
          send(message.inbox, { threw: true, code: (err as HypernodeError).code });
        }
      }
    }
    const c = await start(NotACall);
    const inbox = c.inbox();
    const pid = await c.spawn('NotACall');
    c.send(pid, { inbox: inbox.name });
    expect((await inbox.receive()).message).toMatchObject({ threw: true });
  });
});

describe('monitor', () => {
  it('sends DOWN with the ref and the exit reason when a monitored process ends (same worker and another)', async () => {
    const c = await start(Tool, Hub);
    const { inbox, a, nearAll, farAll } = await tools(c);
    for (const target of [nearAll[1]!, farAll[1]!]) {
      const { monitorRef } = await ask(c, inbox, a, { monitor: target }, 'monitorRef');
      expect(typeof monitorRef).toBe('string');
      c.send(target, { crash: true });
      const { down } = (await inbox.receiveMatching((r) => has('down')(r) && (r.message as any).down.from === target)).message as any;
      expect(down.ref).toBe(monitorRef);
      expect(down.err).toMatchObject({ name: 'Error', message: 'callee crashed' });
    }
  });

  it('sends DOWN with noproc when the monitored process does not exist or has ended', async () => {
    const c = await start(Tool, Hub);
    const { inbox, a, nearAll, farAll } = await tools(c);
    const [goneNear, goneFar] = [nearAll[1]!, farAll[1]!];
    await ended(c, inbox, goneNear);
    await ended(c, inbox, goneFar);
    for (const target of [goneNear, goneFar, 'no-such-registered-name']) {
      const { monitorRef } = await ask(c, inbox, a, { monitor: target }, 'monitorRef', (m) => m.target === target);
      const { down } = (await inbox.receiveMatching((r) => has('down')(r) && (r.message as any).down.ref === monitorRef)).message as any;
      expect(down.err, target).toBe('noproc');
    }
  });

  it('stops DOWN after demonitor (same worker and another)', async () => {
    const c = await start(Tool, Hub);
    const { inbox, a, nearAll, farAll } = await tools(c);
    for (const target of [nearAll[1]!, farAll[1]!]) {
      const { monitorRef: dropped } = await ask(c, inbox, a, { monitor: target }, 'monitorRef');
      const { monitorRef: kept } = await ask(c, inbox, a, { monitor: target }, 'monitorRef');
      await ask(c, inbox, a, { demonitor: dropped }, 'demonitored');
      c.send(target, { exit: 'bye' });
      const { down } = (await inbox.receiveMatching((r) => has('down')(r) && (r.message as any).down.from === target)).message as any;
      expect(down.ref).toBe(kept);
      expect(down.err).toBe('bye');
      await ask(c, inbox, a, { ping: 'after' }, 'pong');
      const extra: any[] = [];
      while (inbox.size > 0) extra.push((await inbox.receive()).message);
      expect(extra.filter((m) => m.down?.ref === dropped)).toEqual([]);
    }
  });
});

describe('link', () => {
  it('ends a linked process when the other crashes, both ways and across workers', async () => {
    const c = await start(Tool, Hub);
    const { inbox, a, nearAll, farAll } = await tools(c);
    // x links y, then y crashes: x ends.  x links y, then x crashes: y ends.
    const pairs: [string, string, 'other' | 'self'][] = [
      [a, nearAll[1]!, 'other'],
      [nearAll[2]!, farAll[1]!, 'other'],
      [nearAll[3]!, farAll[2]!, 'self'],
    ];
    for (const [x, y, who] of pairs) {
      await ask(c, inbox, x, { link: y }, 'linked');
      const crasher = who === 'other' ? y : x;
      const survivor = who === 'other' ? x : y;
      c.send(crasher, { crash: true });
      const m = (await inbox.receiveMatching((r) => has('willExit')(r) && (r.message as any).willExit === survivor)).message as any;
      expect(m.err, `${survivor} linked to ${crasher}`).toMatchObject({ name: 'LinkedProcessExit' });
      expect(m.err.message).toContain(crasher);
    }
  });

  it('delivers EXIT instead of ending a process that traps exits, which keeps running', async () => {
    const c = await start(Tool, Hub);
    const { inbox, a, nearAll, farAll } = await tools(c);
    await ask(c, inbox, a, { trap: true }, 'trapping');
    for (const other of [nearAll[1]!, farAll[1]!]) {
      await ask(c, inbox, a, { link: other }, 'linked');
      c.send(other, { crash: true });
      const { exitSignal } = (await inbox.receiveMatching((r) => has('exitSignal')(r) && (r.message as any).exitSignal.from === other)).message as any;
      expect(exitSignal.err).toMatchObject({ name: 'Error', message: 'callee crashed' });
    }
    expect((await ask(c, inbox, a, { ping: 'still here' }, 'pong')).pong).toBe('still here');
  });

  it('does not end a linked process when the other exits normally', async () => {
    const c = await start(Tool, Hub);
    const { inbox, a, nearAll, farAll } = await tools(c);
    for (const other of [nearAll[1]!, farAll[1]!]) {
      await ask(c, inbox, a, { link: other }, 'linked');
      await ended(c, inbox, other, undefined);
    }
    expect((await ask(c, inbox, a, { ping: 'alive' }, 'pong')).pong).toBe('alive');
  });

  it('stops propagation after unlink', async () => {
    const c = await start(Tool, Hub);
    const { inbox, a, farAll } = await tools(c);
    const other = farAll[1]!;
    await ask(c, inbox, a, { link: other }, 'linked');
    await ask(c, inbox, a, { unlink: other }, 'unlinked');
    // Both the unlink and the crash request leave from a, so they reach the other side in that order.
    c.send(a, { send: { to: other, message: { crash: true } } });
    await inbox.receiveMatching((r) => has('willExit')(r) && (r.message as any).willExit === other);
    expect((await ask(c, inbox, a, { ping: 'alive' }, 'pong')).pong).toBe('alive');
  });
});

describe('registered names', () => {
  it('registers a name that whereis finds and that others can send and call to, from any worker', async () => {
    const c = await start(Tool, Hub);
    const { inbox, a, near, far } = await tools(c);
    await ask(c, inbox, a, { register: 'svc' }, 'registered');
    expect((await ask(c, inbox, a, { whereis: 'svc' }, 'whereis')).is).toBe(a);
    for (const sender of [near, far]) {
      await expect.poll(async () => (await ask(c, inbox, sender, { whereis: 'svc' }, 'whereis')).is).toBe(a);
      c.send(sender, { send: { to: 'svc', message: { got: `from ${sender}` } } });
      const m = (await inbox.receiveMatching((r) => has('got')(r) && (r.message as any).got === `from ${sender}`)).message as any;
      expect(m.by).toBe(a);
      expect(m.from).toBe(sender);
      const r = await ask(c, inbox, sender, { call: { to: 'svc', message: { echo: 'by name' } } }, 'callResult');
      expect(r.callResult).toEqual({ echo: 'by name', by: a });
    }
    c.send('svc', { got: 'from outside' });
    expect(((await inbox.receiveMatching(has('got'))).message as any).by).toBe(a);
  });

  it('rejects a second registration of a held name with NAME_TAKEN', async () => {
    const c = await start(Tool, Hub);
    const { inbox, a, near, far } = await tools(c);
    await ask(c, inbox, a, { register: 'only-one' }, 'registered');
    for (const other of [near, far]) {
      const r = await ask(c, inbox, other, { register: 'only-one' }, 'registerError');
      expect(r.registerError).toBe('NAME_TAKEN');
    }
    // Registering again by the holder is fine.
    await ask(c, inbox, a, { register: 'only-one' }, 'registered');
  });

  it('releases a name when its process ends, so another process can take it and sends reach the new holder', async () => {
    const c = await start(Tool, Hub);
    const { inbox, a, near, far } = await tools(c);
    await ask(c, inbox, a, { register: 'handover' }, 'registered');
    await ended(c, inbox, a, 'done');
    await expect.poll(async () => (await ask(c, inbox, near, { whereis: 'handover' }, 'whereis')).is).toBe(null);
    const r = await ask(c, inbox, far, { register: 'handover' }, 'registered');
    expect(r.registered).toBe('handover');
    await expect.poll(async () => (await ask(c, inbox, near, { whereis: 'handover' }, 'whereis')).is).toBe(far);
    c.send(near, { send: { to: 'handover', message: { got: 'to the new holder' } } });
    expect(((await inbox.receiveMatching(has('got'))).message as any).by).toBe(far);
  });

  it('releases a name with unregister', async () => {
    const c = await start(Tool, Hub);
    const { inbox, a, far } = await tools(c);
    await ask(c, inbox, a, { register: 'temp' }, 'registered');
    await ask(c, inbox, a, { unregister: 'temp' }, 'unregistered');
    expect((await ask(c, inbox, a, { whereis: 'temp' }, 'whereis')).is).toBe(null);
    await ask(c, inbox, far, { register: 'temp' }, 'registered');
  });
});

describe('timers', () => {
  it('delivers a message after a delay with sendAfter, from the process that set it', async () => {
    const c = await start(Tool, Hub);
    const { inbox, a, far } = await tools(c);
    c.send(a, { sendAfter: { message: { tick: 1 }, ms: 5 } });
    const r = await inbox.receiveMatching((m) => has('tick')(m));
    expect(r.from).toBe(a);
    // To another process on another worker.
    c.send(a, { sendAfter: { to: far, message: { ping: 'timed' }, ms: 5 } });
    expect(((await inbox.receiveMatching((m) => has('pong')(m) && (m.message as any).by === far)).message as any).pong).toBe('timed');
  });

  it('cancels a timer with cancelTimer (true once, then false), so it never fires', async () => {
    const c = await start(Tool, Hub);
    const { inbox, a } = await tools(c);
    const { timerRef } = await ask(c, inbox, a, { sendAfter: { message: 'cancelled tick', ms: 20, tag: 'x' } }, 'timerRef');
    expect((await ask(c, inbox, a, { cancel: timerRef }, 'cancelled')).cancelled).toBe(true);
    expect((await ask(c, inbox, a, { cancel: timerRef }, 'cancelled')).cancelled).toBe(false);
    c.send(a, { sendAfter: { message: 'marker', ms: 80 } });
    const next = await inbox.receiveMatching((r) => typeof r.message === 'string');
    expect(next.message).toBe('marker');
  });

  it('drops the timers of a process when it ends', async () => {
    const c = await start(Tool, Hub);
    const { inbox, a, near } = await tools(c);
    c.send(a, { timerThenExit: { message: 'from the dead', ms: 20 } });
    await inbox.receiveMatching((r) => has('willExit')(r) && (r.message as any).willExit === a);
    c.send(near, { sendAfter: { message: 'marker', ms: 80 } });
    const next = await inbox.receiveMatching((r) => typeof r.message === 'string');
    expect(next.message).toBe('marker');
  });
});
