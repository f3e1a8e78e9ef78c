/** Bounded mailboxes, the mailbox warning size and the memory guard (design 030), on embedded clusters. */
import { afterEach, describe, expect, it } from 'vitest';
import { createCluster, HypernodeError, ManualClock, Process, type Context, type EmbeddedCluster, type Logger, type ProcessClass } from './index';
import type { ClusterOptions } from './cluster';
import { has } from './test-support';

/** Releases the Gate blocked in its handler (one per test). */
let release: () => void = () => {};

/**
 * Blocks on 'block' until the test releases it, so what is sent meanwhile waits in its mailbox; then notes every
 * message (a numbered one by its number, anything else as is) and reports them on 'report'. Monitors `state.watch`.
 */
class Gate extends Process {
  static override moduleName = 'Gate';
  override processWillRun(state: any, { monitor }: Context) {
    if (state.watch) monitor(state.watch);
    return { ...state, seen: [] as unknown[] };
  }
  override *processDidReceiveMessage(state: any, message: any, _from: string, { send }: Context) {
    if (message === 'block') {
      send(state.inbox, { blocked: true });
      yield new Promise<void>((resolve) => (release = resolve));
      return;
    }
    if (message === 'report') return void send(state.inbox, { seen: state.seen });
    state.seen.push(typeof message?.seq === 'number' ? message.seq : message);
  }
}

/** On `{ flood: to, n }` sends `n` numbered messages to `to`, then tells its inbox. */
class Flooder extends Process {
  static override moduleName = 'Flooder';
  override processDidReceiveMessage(state: any, message: any, _from: string, { send }: Context) {
    for (let seq = 0; seq < message.n; seq++) send(message.flood, { seq });
    send(state.inbox, { flooded: message.n });
  }
}

/** Lives until killed. */
class Mortal extends Process {
  static override moduleName = 'Mortal';
}

/** A Gate whose module sets a default bound. */
class SmallGate extends Gate {
  static override moduleName = 'SmallGate';
  static override maxMailbox = 5;
}

/** Spawns what it is told with the options it is told, and reports the name or the error. */
class Spawner extends Process {
  static override moduleName = 'Spawner';
  override processDidReceiveMessage(state: any, message: any, _from: string, { spawn, send }: Context) {
    try {
      send(state.inbox, { spawned: spawn(message.module, message.state, message.options) });
    } catch (err) {
      send(state.inbox, { error: { code: (err as HypernodeError).code, message: (err as Error).message } });
    }
  }
}

let cluster: EmbeddedCluster | undefined;
afterEach(async () => {
  release();
  await cluster?.stop();
  cluster = undefined;
});

const quiet: Logger = { debug() {}, info() {}, warn() {}, error() {} };

async function start(options: ClusterOptions & { workers?: number }, ...modules: ProcessClass[]): Promise<EmbeddedCluster> {
  cluster = await createCluster({ logger: quiet, modules: [Gate, Flooder, Mortal, SmallGate, Spawner, ...modules], ...options });
  return cluster;
}

async function info(c: EmbeddedCluster, name: string) {
  return (await c.ps()).find((p) => p.name === name)!;
}

async function refused(c: EmbeddedCluster, reason = 'mailbox-full'): Promise<number> {
  return (await c.stats()).reduce((sum, s) => sum + (s.deadLettersByReason[reason] ?? 0), 0);
}

describe('a bounded mailbox', () => {
  it('keeps at most its bound from a sender on its worker, refuses the rest as dead letters the sender can see, and still takes system messages', async () => {
    const c = await start({ workers: 1 });
    const inbox = c.inbox();
    const mortal = await c.spawn('Mortal', {});
    const gate = await c.spawn('Gate', { inbox: inbox.name, watch: mortal }, { maxMailbox: 100 });
    c.send(gate, 'block');
    await inbox.receiveMatching(has('blocked'));
    const flooder = await c.spawn('Flooder', { inbox: inbox.name });
    c.send(flooder, { flood: gate, n: 250 });
    await inbox.receiveMatching(has('flooded'));

    expect(await info(c, gate)).toMatchObject({ mailboxSize: 100, maxMailbox: 100 });
    expect(await refused(c)).toBe(150);
    const letters = (await c.deadLetters()).filter((d) => d.reason === 'mailbox-full');
    expect(letters).toHaveLength(150);
    expect(letters.every((d) => d.from === flooder && d.to === gate)).toBe(true);

    // A call to the full mailbox fails at once with MAILBOX_FULL, naming the process and its bound.
    const err = await c.call(gate, 'are you there?', 10_000).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HypernodeError);
    expect(err).toMatchObject({ code: 'MAILBOX_FULL' });
    expect((err as Error).message).toContain(`'${gate}'`);
    expect((err as Error).message).toContain('bound of 100');
    expect(await refused(c)).toBe(151);

    // A system message (the DOWN of a monitor) is never refused: the mailbox goes over its bound for it.
    expect(await c.kill(mortal)).toBe(true);
    await expect.poll(async () => (await info(c, gate)).mailboxSize).toBe(101);

    release();
    // Sent while the mailbox is full, 'report' would be refused too: it waits until the Gate has caught up.
    await expect.poll(async () => (await info(c, gate)).mailboxSize).toBe(0);
    c.send(gate, 'report');
    const { seen } = (await inbox.receiveMatching(has('seen'))).message as { seen: unknown[] };
    expect(seen.slice(0, 100)).toEqual(Array.from({ length: 100 }, (_, i) => i));
    expect(seen[100]).toMatchObject({ type: 'DOWN' });
    expect(seen).toHaveLength(101);
  });

  it('keeps at most its bound from a sender on another worker (checked where the envelope enters the mailbox)', async () => {
    const c = await start({ workers: 3 });
    const inbox = c.inbox();
    const here = inbox.name.slice(0, inbox.name.indexOf(':'));
    let gate = '';
    for (let i = 0; i < 400 && gate === ''; i++) {
      const g = await c.spawn('Gate', { inbox: inbox.name }, { maxMailbox: 40 });
      if (!g.startsWith(`${here}:`)) gate = g;
    }
    expect(gate).not.toBe('');
    c.send(gate, 'block');
    await inbox.receiveMatching(has('blocked'));
    for (let seq = 0; seq < 100; seq++) c.send(gate, { seq });
    await expect.poll(() => refused(c)).toBe(60);
    expect(await info(c, gate)).toMatchObject({ mailboxSize: 40, maxMailbox: 40 });
    const letters = (await c.deadLetters()).filter((d) => d.reason === 'mailbox-full');
    expect(letters[0]).toMatchObject({ to: gate, worker: (await info(c, gate)).worker });
    release();
    // Sent while the mailbox is full, 'report' would be refused too: it waits until the Gate has caught up.
    await expect.poll(async () => (await info(c, gate)).mailboxSize).toBe(0);
    c.send(gate, 'report');
    const { seen } = (await inbox.receiveMatching(has('seen'))).message as { seen: unknown[] };
    expect(seen).toEqual(Array.from({ length: 40 }, (_, i) => i));
  });

  it("takes its module's static maxMailbox unless the spawn option overrides it; unbounded without either", async () => {
    const c = await start({ workers: 1 });
    const inbox = c.inbox();
    const byModule = await c.spawn('SmallGate', { inbox: inbox.name });
    const byOption = await c.spawn('SmallGate', { inbox: inbox.name }, { maxMailbox: 8 });
    const unbounded = await c.spawn('Gate', { inbox: inbox.name });
    expect((await info(c, byModule)).maxMailbox).toBe(5);
    expect((await info(c, byOption)).maxMailbox).toBe(8);
    expect((await info(c, unbounded)).maxMailbox).toBeNull();
    for (const g of [byModule, byOption, unbounded]) {
      c.send(g, 'block');
      await inbox.receiveMatching(has('blocked'));
      release();
    }
    // Each is blocked again below by a message that holds it; then 20 more are sent to each.
    const releases: (() => void)[] = [];
    for (const g of [byModule, byOption, unbounded]) {
      c.send(g, 'block');
      await inbox.receiveMatching(has('blocked'));
      releases.push(release);
      for (let seq = 0; seq < 20; seq++) c.send(g, { seq });
    }
    expect((await info(c, byModule)).mailboxSize).toBe(5);
    expect((await info(c, byOption)).mailboxSize).toBe(8);
    expect((await info(c, unbounded)).mailboxSize).toBe(20);
    expect(await refused(c)).toBe(15 + 12);
    for (const r of releases) r();
  });

  it('refuses a bad bound with a clear error, from ctx.spawn, cluster.spawn and a module', async () => {
    const c = await start({ workers: 1 });
    const inbox = c.inbox();
    const spawner = await c.spawn('Spawner', { inbox: inbox.name });
    for (const bad of [0, -3, 1.5, 'ten', Number.POSITIVE_INFINITY, 2 ** 31]) {
      c.send(spawner, { module: 'Gate', state: { inbox: inbox.name }, options: { maxMailbox: bad } });
      const { error } = (await inbox.receiveMatching(has('error'))).message as { error: { code: string; message: string } };
      expect(error.code).toBe('INVALID_ARGUMENT');
      expect(error.message).toMatch(/maxMailbox of 'Gate' is .*; give a whole number of messages from 1 to 1073741822/);
      await expect(c.spawn('Gate', { inbox: inbox.name }, { maxMailbox: bad as number })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    }
    const before = (await c.ps()).length;
    await expect(c.spawn('Gate', {}, 'big' as never)).rejects.toThrow(/spawn options of 'Gate' are 'big'/);
    expect((await c.ps()).length).toBe(before);

    class BadDefault extends Process {
      static override moduleName = 'BadDefault';
      static override maxMailbox = -1;
    }
    const err = await c.load(BadDefault).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'MODULE_INVALID' });
    expect((err as Error).message).toContain("The static 'maxMailbox' of class 'BadDefault' is -1");
  });
});

describe('the mailbox warning size', () => {
  it('marks a process over it in ps, counts it in stats, and logs once (not per message)', async () => {
    const warnings: string[] = [];
    const logger: Logger = { debug() {}, info() {}, warn: (m) => void warnings.push(m), error: (m) => void warnings.push(m) };
    const c = await start({ workers: 1, mailboxWarn: 50, logger });
    const inbox = c.inbox();
    const gate = await c.spawn('Gate', { inbox: inbox.name });
    c.send(gate, 'block');
    await inbox.receiveMatching(has('blocked'));
    for (let seq = 0; seq < 49; seq++) c.send(gate, { seq });
    await expect.poll(async () => (await info(c, gate)).mailboxSize).toBe(49);
    expect((await info(c, gate)).mailboxOver).toBe(false);
    expect((await c.stats())[0]!.mailboxes).toMatchObject({ warnAt: 50, over: 0, largest: { name: gate, size: 49 } });
    expect(warnings.filter((w) => w.includes('mailbox warning size'))).toHaveLength(0);

    for (let seq = 49; seq < 300; seq++) c.send(gate, { seq });
    await expect.poll(async () => (await info(c, gate)).mailboxSize).toBe(300);
    expect((await info(c, gate)).mailboxOver).toBe(true);
    expect((await c.stats())[0]!.mailboxes).toMatchObject({ warnAt: 50, over: 1, largest: { name: gate, module: 'Gate', size: 300 } });
    const lines = warnings.filter((w) => w.includes('mailbox warning size'));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain(`'${gate}' (Gate) has 50 messages waiting, over the mailbox warning size of 50`);
    expect(await refused(c)).toBe(0);
  });

  it('refuses a warning size that is not a whole number of messages', async () => {
    await expect(createCluster({ workers: 1, logger: quiet, mailboxWarn: 0 })).rejects.toThrow(/mailbox warning size of worker 'w1' is 0; give a whole number/);
  });
});

describe('the memory guard', () => {
  it('warns once at its warning ratio naming the largest mailboxes, refuses messages to them at its shed ratio, and recovers', async () => {
    const clock = new ManualClock(1_000_000);
    const lines: { level: string; line: string }[] = [];
    const logger: Logger = {
      debug() {},
      info: (line) => void lines.push({ level: 'info', line }),
      warn: (line) => void lines.push({ level: 'warn', line }),
      error: (line) => void lines.push({ level: 'error', line }),
    };
    const heap = { used: 100, limit: 1000 };
    const c = await start({ workers: 1, clock, logger, memoryGuard: { heap: () => heap, intervalMs: 1000, shedCount: 1 } });
    const inbox = c.inbox();
    const big = await c.spawn('Gate', { inbox: inbox.name });
    const small = await c.spawn('Gate', { inbox: inbox.name });
    c.send(big, 'block');
    await inbox.receiveMatching(has('blocked'));
    const releaseBig = release;
    c.send(small, 'block');
    await inbox.receiveMatching(has('blocked'));
    for (let seq = 0; seq < 30; seq++) c.send(big, { seq });
    for (let seq = 0; seq < 3; seq++) c.send(small, { seq });
    await expect.poll(async () => (await info(c, big)).mailboxSize).toBe(30);
    const memory = async () => (await c.stats())[0]!.memory!;

    clock.advance(1000);
    expect((await memory()).level).toBe('ok');
    expect(lines.filter((l) => l.level !== 'info')).toHaveLength(0);

    heap.used = 750;
    clock.advance(1000);
    clock.advance(1000);
    clock.advance(1000);
    const warned = lines.filter((l) => l.level === 'warn');
    expect(warned).toHaveLength(1);
    expect(warned[0]!.line).toContain("Worker 'w1' uses 75% of its heap limit");
    expect(warned[0]!.line).toContain(`its largest mailboxes: '${big}' (Gate) 30, '${small}' (Gate) 3`);
    expect(await memory()).toMatchObject({ level: 'warn', heapUsed: 750, heapLimit: 1000, ratio: 0.75, shedding: [] });

    heap.used = 950;
    clock.advance(1000);
    expect(await memory()).toMatchObject({ level: 'shed', shedding: [big] });
    expect(lines.filter((l) => l.level === 'error')).toHaveLength(1);
    for (let seq = 30; seq < 40; seq++) c.send(big, { seq });
    c.send(small, { seq: 3 });
    await expect.poll(() => refused(c, 'heap-full')).toBe(10);
    expect((await info(c, small)).mailboxSize).toBe(4);
    expect((await info(c, big)).mailboxSize).toBe(30);
    await expect(c.call(big, 'hello?', 10_000)).rejects.toMatchObject({ code: 'MAILBOX_FULL' });
    clock.advance(1000);
    expect(lines.filter((l) => l.level === 'error')).toHaveLength(1);

    heap.used = 400;
    clock.advance(1000);
    expect(await memory()).toMatchObject({ level: 'ok', shedding: [] });
    expect(lines.filter((l) => l.level === 'info' && l.line.includes('back under 70%'))).toHaveLength(1);
    c.send(big, { seq: 40 });
    await expect.poll(async () => (await info(c, big)).mailboxSize).toBe(31);
    expect(await refused(c, 'heap-full')).toBe(11);
    releaseBig();
  });

  it('refuses ratios that make no sense', async () => {
    await expect(createCluster({ workers: 1, logger: quiet, memoryGuard: { warnRatio: 0.9, shedRatio: 0.5 } })).rejects.toThrow(/shedRatio \(0.5\) of worker 'w1' is under its warnRatio \(0.9\)/);
    await expect(createCluster({ workers: 1, logger: quiet, memoryGuard: { warnRatio: 70 } })).rejects.toThrow(/warnRatio of worker 'w1' is 70; give a fraction/);
  });
});
