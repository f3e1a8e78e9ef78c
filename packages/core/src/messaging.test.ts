import { describe, expect, it } from 'vitest';
import { clusterPerTest } from './test-support';
import { Process, type Context, type EmbeddedCluster, type ProcessClass } from './index';

// Delivery (ARCHITECTURE §1 "Messages"): FIFO per (sender, receiver) pair on one worker and across workers,
// and dead letters: a message to an ended process is dropped and counted, never an error to the sender.

const clusters = clusterPerTest();
const start = (...modules: ProcessClass[]): Promise<EmbeddedCluster> => clusters.start(modules);

/** Checks that each sender's numbered messages arrive in order; reports when `expect` have arrived from each sender. */
class OrderChecker extends Process {
  static override moduleName = 'OrderChecker';
  override processWillRun(state: any, { send }: Context) {
    send(state.inbox, { ready: true });
    return { ...state, next: {} as Record<string, number>, bad: [] as unknown[], done: 0 };
  }
  override processDidReceiveMessage(state: any, message: any, from: string, { send }: Context) {
    if (message?.seq === undefined) return;
    const want = state.next[from] ?? 0;
    if (message.seq !== want && state.bad.length < 5) state.bad.push({ from, want, got: message.seq });
    state.next[from] = message.seq + 1;
    if (message.seq === message.last) {
      send(state.inbox, { sender: from, received: want + 1, bad: state.bad });
    }
  }
}

/** Sends `count` numbered messages to `to` when asked; spawns `children` OrderCheckers first so they spread. */
class Blaster extends Process {
  static override moduleName = 'Blaster';
  override processWillRun(state: any, { spawn, send }: Context) {
    const kids: string[] = [];
    for (let i = 0; i < (state.children ?? 0); i++) kids.push(spawn('OrderChecker', { inbox: state.inbox }));
    send(state.inbox, { blasterReady: true });
    return { ...state, kids };
  }
  override processDidReceiveMessage(state: any, message: any, _from: string, { send }: Context) {
    if (message.blast) {
      const { to, count } = message.blast;
      for (let seq = 0; seq < count; seq++) send(to, { seq, last: count - 1, pad: 'x' });
    }
  }
}

/** Spawns a Blaster with `children` OrderCheckers and returns them with the workers they landed on. */
async function spreadCheckers(c: EmbeddedCluster, children: number) {
  const inbox = c.inbox();
  const blaster = await c.spawn('Blaster', { inbox: inbox.name, children });
  await inbox.receiveMatching((r) => (r.message as any).blasterReady === true);
  for (let i = 0; i < children; i++) await inbox.receiveMatching((r) => (r.message as any).ready === true);
  const ps = await c.ps();
  const blasterWorker = ps.find((p) => p.name === blaster)!.worker;
  const checkers = ps.filter((p) => p.module === 'OrderChecker' && p.parent === blaster);
  expect(checkers).toHaveLength(children);
  const near = checkers.find((p) => p.worker === blasterWorker);
  const far = checkers.find((p) => p.worker !== blasterWorker);
  return { inbox, blaster, blasterWorker, near, far };
}

describe('FIFO per sender and receiver', () => {
  it('delivers 10,000 numbered messages in order between two processes on the same worker', async () => {
    const c = await start(OrderChecker, Blaster);
    const { inbox, blaster, near } = await spreadCheckers(c, 1);
    expect(near).toBeDefined();
    c.send(blaster, { blast: { to: near!.name, count: 10_000 } });
    const report = (await inbox.receive(20_000)).message;
    expect(report).toEqual({ sender: blaster, received: 10_000, bad: [] });
  });

  it('delivers 10,000 numbered messages in order between two processes on different workers', async () => {
    const c = await start(OrderChecker, Blaster);
    const { inbox, blaster, blasterWorker, far } = await spreadCheckers(c, 150);
    expect(far, 'a checker placed on a worker other than the sender’s').toBeDefined();
    expect(far!.worker).not.toBe(blasterWorker);
    c.send(blaster, { blast: { to: far!.name, count: 10_000 } });
    const report = (await inbox.receive(20_000)).message;
    expect(report).toEqual({ sender: blaster, received: 10_000, bad: [] });
  });

  it('keeps each sender’s order when two senders (one local, one remote) write to one receiver at once', async () => {
    const c = await start(OrderChecker, Blaster);
    const { inbox, blaster, far } = await spreadCheckers(c, 150);
    // A second sender, placed wherever; both blast the same far receiver concurrently.
    const other = await c.spawn('Blaster', { inbox: inbox.name, children: 0 });
    await inbox.receiveMatching((r) => (r.message as any).blasterReady === true);
    c.send(blaster, { blast: { to: far!.name, count: 5_000 } });
    c.send(other, { blast: { to: far!.name, count: 5_000 } });
    const reports = [(await inbox.receive(20_000)).message, (await inbox.receive(20_000)).message] as any[];
    expect(reports.map((r) => r.sender).sort()).toEqual([blaster, other].sort());
    for (const r of reports) expect(r).toMatchObject({ received: 5_000, bad: [] });
  });

  it('delivers messages sent from outside with cluster.send in order', async () => {
    const c = await start(OrderChecker, Blaster);
    const { inbox, far } = await spreadCheckers(c, 150);
    for (let seq = 0; seq < 2_000; seq++) c.send(far!.name, { seq, last: 1_999 }, 'outsider');
    expect((await inbox.receive(20_000)).message).toEqual({ sender: 'outsider', received: 2_000, bad: [] });
  });
});

describe('dead letters', () => {
  class Mortal extends Process {
    static override moduleName = 'Mortal';
    override processWillRun(state: any, { send }: Context) {
      send(state.inbox, { ready: true });
    }
    override processDidReceiveMessage(_state: any, message: any, _from: string, { exit }: Context) {
      if (message === 'die') exit('done');
    }
  }

  /** Spawns Mortals (spread over workers), waits for their exits, then sends to the dead ones on request. */
  class Survivor extends Process {
    static override moduleName = 'Survivor';
    override processWillRun(state: any, { spawn }: Context) {
      const kids: string[] = [];
      for (let i = 0; i < state.children; i++) kids.push(spawn('Mortal', { inbox: state.inbox }));
      return { ...state, kids, exited: [] as string[] };
    }
    override processDidReceiveMessage(state: any, message: any, from: string, { send }: Context) {
      if (message.type === 'CHILD_PROCESS_EXIT') {
        state.exited.push(from);
        if (state.exited.length === state.kids.length) send(state.inbox, { allExited: state.exited });
        return;
      }
      if (message.sendTo) {
        const errors: string[] = [];
        for (const to of message.sendTo) {
          try {
            send(to, { hello: 'is anyone there?' });
          } catch (err) {
            errors.push(String(err));
          }
        }
        send(state.inbox, { sent: message.sendTo.length, errors });
      }
    }
  }

  async function deadLetters(c: EmbeddedCluster): Promise<number> {
    return (await c.stats()).reduce((sum, s) => sum + s.deadLetters, 0);
  }

  it('drops a message to an ended process (on the same or another worker), tells the sender nothing, and counts a dead letter', async () => {
    const c = await start(Mortal, Survivor);
    const inbox = c.inbox();
    const survivor = await c.spawn('Survivor', { inbox: inbox.name, children: 150 });
    for (let i = 0; i < 150; i++) await inbox.receiveMatching((r) => (r.message as any).ready === true);
    const ps = await c.ps();
    const here = ps.find((p) => p.name === survivor)!.worker;
    const mortals = ps.filter((p) => p.module === 'Mortal');
    const near = mortals.find((p) => p.worker === here)!;
    const far = mortals.find((p) => p.worker !== here)!;
    expect(near && far).toBeTruthy();
    for (const m of mortals) c.send(m.name, 'die');
    await inbox.receiveMatching((r) => (r.message as any).allExited !== undefined);

    const before = await deadLetters(c);
    c.send(survivor, { sendTo: [near.name, far.name] });
    expect((await inbox.receive()).message).toEqual({ sent: 2, errors: [] });
    // The remote dead letter is counted where the frame lands; wait for the count, not for a time.
    await expect.poll(() => deadLetters(c), { timeout: 5_000 }).toBe(before + 2);
  });

  it('counts a message to a process that began to end right after the sender last wrote to it as a dead letter, and delivers to the next one', async () => {
    // The worker keeps the local process a sender wrote to last; that must not deliver to it once it ends.
    let release!: () => void;
    const exitHeld = new Promise<void>((r) => (release = r));
    let resume!: () => void;
    const callerHeld = new Promise<void>((r) => (resume = r));
    class Echoer extends Process {
      static override moduleName = 'Echoer';
      override processWillRun(state: any, { send }: Context) {
        send(state.inbox, { ready: true });
      }
      override processDidReceiveMessage(state: any, message: any, _from: string, { send, getProcessName }: Context) {
        if (message.reply) send(state.inbox, { pong: getProcessName() });
      }
      override processWillExit() {
        return exitHeld; // stays 'exiting' until the test releases it
      }
    }
    /** Writes to `a`; waits for the test; writes to `a` again (no other local send between), then to `b`. */
    class Caller extends Process {
      static override moduleName = 'Caller';
      override processWillRun(state: any, { spawn }: Context) {
        for (let i = 0; i < 30; i++) spawn('Echoer', { inbox: state.inbox });
      }
      override async processDidReceiveMessage(state: any, message: any, _from: string, { send }: Context) {
        if (!message.a) return; // CHILD_PROCESS_EXIT
        send(message.a, { reply: false });
        await callerHeld;
        send(message.a, { reply: true });
        send(message.b, { reply: true });
      }
    }
    const c = await start(Echoer, Caller);
    const inbox = c.inbox();
    const caller = await c.spawn('Caller', { inbox: inbox.name });
    for (let i = 0; i < 30; i++) await inbox.receiveMatching((r) => (r.message as any).ready === true);
    const ps = await c.ps();
    const here = ps.find((p) => p.name === caller)!.worker;
    const [a, b] = ps.filter((p) => p.module === 'Echoer' && p.worker === here).map((p) => p.name);
    expect(a && b).toBeTruthy();

    c.send(caller, { a, b });
    await expect.poll(async () => (await c.ps()).find((p) => p.name === caller)?.status).toBe('running');
    expect(await c.kill(a!)).toBe(true);
    await expect.poll(async () => (await c.ps()).find((p) => p.name === a)?.status).toBe('exiting');
    const before = await deadLetters(c);
    resume();
    expect((await inbox.receiveMatching((r) => (r.message as any).pong !== undefined)).message).toEqual({ pong: b });
    await expect.poll(() => deadLetters(c)).toBe(before + 1);
    release();
    await expect.poll(async () => (await c.ps()).some((p) => p.name === a)).toBe(false);
  });

  it('refuses a name that is not a string with a clear error, also right after a send to a local process', async () => {
    class Sender extends Process {
      static override moduleName = 'Sender';
      override processDidReceiveMessage(state: any, message: any, _from: string, { send }: Context) {
        const errors: string[] = [];
        for (const to of message.to) {
          try {
            send(to, 'hi');
          } catch (err) {
            errors.push((err as Error).message);
          }
        }
        send(state.inbox, { errors });
      }
    }
    const c = await start(Sender);
    const inbox = c.inbox();
    const sender = await c.spawn('Sender', { inbox: inbox.name });
    c.send(sender, { to: [sender, null, undefined, '', sender] });
    const { errors } = (await inbox.receive()).message as { errors: string[] };
    expect(errors).toEqual([expect.stringContaining('send() needs a process name (a string)'), expect.stringContaining('send() needs a process name (a string)')]);
  });

  it('counts a message sent from outside to an ended process as a dead letter without throwing', async () => {
    const c = await start(Mortal);
    const inbox = c.inbox();
    const pid = await c.spawn('Mortal', { inbox: inbox.name });
    await inbox.receive();
    expect(await c.kill(pid)).toBe(true);
    await expect.poll(async () => (await c.ps()).some((p) => p.name === pid)).toBe(false);
    const before = await deadLetters(c);
    expect(() => c.send(pid, 'anyone?')).not.toThrow();
    await expect.poll(() => deadLetters(c)).toBe(before + 1);
  });

  it('counts a message to a name that was never registered as a dead letter without throwing', async () => {
    const c = await start(Mortal);
    const before = await deadLetters(c);
    expect(() => c.send('nobody-registered-this', { hi: 1 })).not.toThrow();
    await expect.poll(() => deadLetters(c)).toBe(before + 1);
  });
});

describe('a long mailbox', () => {
  // Mailboxes are chunked (a few hundred messages per chunk): these cross many chunk boundaries.
  let release: () => void = () => {};

  /** Blocks on 'block' until the test releases it, then reports every numbered message it gets, in order. */
  class Holder extends Process {
    static override moduleName = 'Holder';
    override *processDidReceiveMessage(state: any, message: any, _from: string, { send, replyTo, callToken }: Context) {
      if (message === 'block') {
        send(state.inbox, { blocked: true });
        yield new Promise<void>((resolve) => (release = resolve));
        return;
      }
      if (message?.call) return void replyTo(callToken()!, message.call);
      state.seen.push(message.seq);
      if (message.seq === message.last) send(state.inbox, { seen: state.seen });
    }
  }

  /** A cluster with a Holder that is blocked in a handler, so that what is sent to it waits in its mailbox. */
  async function blockedHolder() {
    const c = await start(Holder);
    const inbox = c.inbox();
    const pid = await c.spawn('Holder', { inbox: inbox.name, seen: [] });
    c.send(pid, 'block');
    await inbox.receive();
    return { c, inbox, pid };
  }

  it('counts every waiting message in ps and delivers them in order once the process is free', async () => {
    const { c, inbox, pid } = await blockedHolder();
    const count = 3_001;
    for (let seq = 0; seq < count; seq++) c.send(pid, { seq, last: count - 1 });
    const size = async () => (await c.ps()).find((p) => p.name === pid)!.mailboxSize;
    await expect.poll(size).toBe(count);
    release();
    const { seen } = (await inbox.receive(10_000)).message as { seen: number[] };
    expect(seen).toEqual(Array.from({ length: count }, (_, i) => i));
    expect(await size()).toBe(0);
  });

  it('turns every waiting message into a dead letter and fails every waiting call when the process ends', async () => {
    const { c, pid } = await blockedHolder();
    const before = (await c.stats()).reduce((sum, s) => sum + s.deadLetters, 0);
    const calls: Promise<unknown>[] = [];
    for (let seq = 0; seq < 2_000; seq++) {
      c.send(pid, { seq, last: -1 });
      if (seq % 500 === 499) calls.push(c.call(pid, { call: seq }, 10_000).catch((err: Error) => err));
    }
    await expect.poll(async () => (await c.ps()).find((p) => p.name === pid)!.mailboxSize).toBe(2_004);
    expect(await c.kill(pid)).toBe(true);
    for (const err of await Promise.all(calls)) expect(err).toMatchObject({ code: 'PROCESS_EXITED' });
    await expect.poll(async () => (await c.stats()).reduce((sum, s) => sum + s.deadLetters, 0)).toBe(before + 2_004);
    expect((await c.stats()).reduce((sum, s) => sum + s.backlog, 0)).toBe(0);
  });
});
