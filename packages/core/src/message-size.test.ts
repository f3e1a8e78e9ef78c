import { afterEach, describe, expect, it } from 'vitest';
import { createCluster, type EmbeddedCluster } from './cluster';
import type { Context } from './context';
import { HypernodeError } from './errors';
import type { Logger } from './logger';
import { MemoryNetwork } from './memory-transport';
import { ClassCatalog, ModuleTable } from './modules';
import { Process } from './process';
import { collector } from './test-support';
import type { Transport } from './transport';
import { WorkerRuntime } from './worker';

const LIMIT = 4096;
const small = (i: number) => ({ i, pad: 'x'.repeat(150) });
const big = () => ({ pad: 'y'.repeat(LIMIT) });

/** On each message: sends 30 small messages to `to`, one too large (caught), then 30 more. */
class Burst extends Process {
  static override moduleName = 'Burst';
  override processDidReceiveMessage(state: { to: string }, message: string, _from: string, ctx: Context) {
    if (message === 'uncaught') {
      ctx.send(state.to, small(-1));
      ctx.send(state.to, big());
      return;
    }
    for (let i = 0; i < 30; i++) ctx.send(state.to, small(i));
    try {
      ctx.send(state.to, big());
    } catch (err) {
      ctx.send(state.to, { refused: (err as HypernodeError).code, text: (err as Error).message });
    }
    for (let i = 30; i < 60; i++) ctx.send(state.to, small(i));
  }
}

/** Answers a call with what it asks for: `'big'` (a reply too large, caught and reported) or an echo. */
class Answer extends Process {
  static override moduleName = 'Answer';
  override processDidReceiveMessage(state: { report: string }, message: string, _from: string, ctx: Context) {
    if (message !== 'big') return void ctx.reply(message);
    try {
      ctx.reply(big());
    } catch (err) {
      ctx.send(state.report, { refused: (err as HypernodeError).code });
      ctx.reply('too big, sorry');
    }
  }
}

/** Forwards every message to `state.to`. */
class Forward extends Process {
  static override moduleName = 'Forward';
  override processDidReceiveMessage(state: { to: string }, message: unknown, from: string, ctx: Context) {
    ctx.send(state.to, { from, message });
  }
}

/** Monitors the process named in `{ watch }`, and forwards every other message to `state.to`. */
class Watch extends Process {
  static override moduleName = 'Watch';
  override processDidReceiveMessage(state: { to: string }, message: { watch?: string }, from: string, ctx: Context) {
    if (message.watch) ctx.monitor(message.watch);
    else ctx.send(state.to, { from, message });
  }
}

let stop: (() => Promise<void>) | undefined;
afterEach(async () => {
  await stop?.();
  stop = undefined;
});

/** Two bare workers on a network that drops frames over LIMIT, as the AMQP transport does; frame sizes recorded. */
async function twoWorkers() {
  const network = new MemoryNetwork({ cluster: 'size', maxFrameBytes: LIMIT });
  const catalog = new ClassCatalog();
  for (const cls of [Burst, Answer, Forward, Watch]) catalog.add(cls.moduleName!, cls);
  const warnings: string[] = [];
  const logger: Logger = { debug() {}, info() {}, warn: (m) => warnings.push(m), error: (m) => warnings.push(m) };
  const frames: number[] = [];
  const transports: Transport[] = [];
  const [w1, w2] = ['w1', 'w2'].map((id) => {
    const transport = network.connect();
    transports.push(transport);
    const recording: Transport = Object.create(transport);
    recording.send = (inbox, frame) => {
      frames.push(frame.byteLength);
      transport.send(inbox, frame);
    };
    return new WorkerRuntime({ id, cluster: 'size', transport: recording, modules: new ModuleTable(catalog, undefined, undefined), logger, maxMessageBytes: LIMIT });
  }) as [WorkerRuntime, WorkerRuntime];
  await w1.start();
  await w2.start();
  stop = async () => {
    await w1.close();
    await w2.close();
  };
  return { w1, w2, frames, warnings, dropped: () => transports.reduce((n, t) => n + t.stats().dropped, 0) };
}

describe('a message too large for the wire', () => {
  it('throws MESSAGE_TOO_LARGE at the sending process, and every other message of that turn arrives, in order, in frames within the limit', async () => {
    const { w1, w2, frames, dropped } = await twoWorkers();
    const onW2 = collector(w2);
    const burst = w1.spawnRoot('Burst', { to: onW2.name });
    w1.sendFrom('w1:outside', burst, 'go', null);
    const got: unknown[] = [];
    for (let n = 0; n < 61; n++) got.push((await onW2.next()).message);
    const refused = got[30] as { refused: string; text: string };
    expect(refused.refused).toBe('MESSAGE_TOO_LARGE');
    expect(refused.text).toMatch(new RegExp(`^The message from '${burst}' to '${onW2.name.replace('$', '\\$')}' is 4\\.\\d KiB \\(\\d+ bytes\\) encoded, over the limit of 4\\.0 KiB \\(4096 bytes\\)`));
    expect(refused.text).toContain('maxMessageBytes');
    expect([...got.slice(0, 30), ...got.slice(31)].map((m) => (m as { i: number }).i)).toEqual([...Array(60).keys()]);
    expect(frames.length).toBeGreaterThan(1);
    expect(Math.max(...frames)).toBeLessThanOrEqual(LIMIT);
    expect(dropped()).toBe(0);
    expect(w1.has(burst)).toBe(true);
  });

  it('crashes a sender that does not catch it, with the error as its reason, after what it sent before', async () => {
    const { w1, w2 } = await twoWorkers();
    const onW1 = collector(w1);
    const onW2 = collector(w2);
    const parent = w1.spawnRoot('Burst', { to: onW1.name });
    const burst = w1.spawnAsChild(parent, 'Burst', { to: onW2.name }, 'w1');
    w1.sendFrom('w1:outside', burst, 'uncaught', null);
    expect((await onW2.next()).message).toEqual(small(-1));
    expect(w1.has(burst)).toBe(false);
    expect(w1.stats().crashed).toBe(1);
  });

  it('rejects a call whose message is too large, and lets the callee catch a reply that is too large', async () => {
    const { w1, w2 } = await twoWorkers();
    const onW2 = collector(w2);
    const answer = w2.spawnRoot('Answer', { report: onW2.name });
    const inbox = collector(w1);
    await expect(w1.call(inbox.name, answer, big())).rejects.toMatchObject({ name: 'HypernodeError', code: 'MESSAGE_TOO_LARGE' });
    await expect(w1.call(inbox.name, answer, 'big')).resolves.toBe('too big, sorry');
    expect((await onW2.next()).message).toEqual({ refused: 'MESSAGE_TOO_LARGE' });
    await expect(w1.call(inbox.name, answer, 'still here')).resolves.toBe('still here');
  });

  it('refuses a spawn on another worker whose initial state is too large, and the parent keeps no such child', async () => {
    const { w1, w2 } = await twoWorkers();
    const parent = w1.spawnRoot('Answer', { report: 'nobody' });
    expect(() => w1.spawnAsChild(parent, 'Answer', big(), 'w2')).toThrow(/^The initial state from 'w1:\d+' to 'w2:w1\.\w+' is .* over the limit of 4\.0 KiB/);
    expect(w1.ps().find((p) => p.name === parent)?.children).toBe(0);
    const child = w1.spawnAsChild(parent, 'Answer', { report: 'nobody' }, 'w2');
    await expect.poll(() => w2.has(child)).toBe(true);
  });

  it('has no limit between two processes of one worker (they never touch the wire)', async () => {
    const { w1 } = await twoWorkers();
    const onW1 = collector(w1);
    const burst = w1.spawnRoot('Burst', { to: onW1.name });
    w1.sendFrom('w1:outside', burst, 'go', null);
    const got: { refused?: string }[] = [];
    for (let n = 0; n < 61; n++) got.push((await onW1.next()).message);
    expect(got.some((m) => m.refused)).toBe(false);
  });
});

describe('maxMessageBytes', () => {
  let cluster: EmbeddedCluster | undefined;
  afterEach(async () => {
    await cluster?.stop();
    cluster = undefined;
  });

  it('is an option of the embedded cluster: send and call from outside to another worker get MESSAGE_TOO_LARGE', async () => {
    cluster = await createCluster({ workers: 2, maxMessageBytes: LIMIT, logger: { debug() {}, info() {}, warn() {}, error() {} }, modules: [Answer] });
    // The outside sends from worker w1: a name on w2 goes over the wire (the size is checked before the target is).
    const remote = 'w2:w1.zz';
    expect(() => cluster!.send(remote, big())).toThrow(HypernodeError);
    expect(() => cluster!.send(remote, big())).toThrow(/over the limit of 4\.0 KiB \(4096 bytes\)/);
    await expect(cluster.call(remote, big())).rejects.toMatchObject({ code: 'MESSAGE_TOO_LARGE' });
    expect(() => cluster!.send(remote, 'a small one goes')).not.toThrow();
    const local = await cluster.spawn('Answer', { report: 'nobody' });
    await expect(cluster.call(local, big())).resolves.toEqual(big());
  });

  it('is refused with INVALID_OPTIONS when it is not a whole number of bytes from 1024 to 512 MiB', async () => {
    for (const bad of [10, 1.5, '4096', 2 ** 30]) {
      await expect(createCluster({ maxMessageBytes: bad as number })).rejects.toThrow(/createCluster\(\) got maxMessageBytes: .*; give a whole number of bytes from 1024 to 536870912/);
    }
  });
});

describe('an exit reason too large for the wire', () => {
  it('still tells the parent on another worker, with the MESSAGE_TOO_LARGE error as the reason', async () => {
    const { w1, w2 } = await twoWorkers();
    const onW1 = collector(w1);
    const parent = w1.spawnRoot('Forward', { to: onW1.name });
    const child = w1.spawnAsChild(parent, 'Answer', { report: 'nobody' }, 'w2');
    await expect.poll(() => w2.has(child)).toBe(true);
    w2.kill(child, big());
    w2.flushNow();
    const told = (await onW1.next()).message;
    expect(told.from).toBe(child);
    expect(told.message.type).toBe('CHILD_PROCESS_EXIT');
    expect(told.message.payload.err.code).toBe('MESSAGE_TOO_LARGE');
    expect(told.message.payload.err.message).toContain(`The exit reason from '${child}' to '${parent}' is`);
  });
});

describe('an exit reason too large for the wire, to a monitor', () => {
  it('still sends DOWN to the watcher on another worker, with the MESSAGE_TOO_LARGE error as the reason', async () => {
    const { w1, w2 } = await twoWorkers();
    const onW1 = collector(w1);
    const watcher = w1.spawnRoot('Watch', { to: onW1.name });
    const target = w2.spawnRoot('Answer', { report: 'nobody' });
    w1.sendFrom('w1:outside', watcher, { watch: target }, null);
    await expect.poll(() => w2.lookup(target)?.extras?.watchers?.size).toBe(1);
    expect(w2.kill(target, big())).toBe(true);
    w2.flushNow();
    const down = (await onW1.next()).message;
    expect(down.from).toBe(target);
    expect(down.message.type).toBe('DOWN');
    expect(down.message.payload.err.code).toBe('MESSAGE_TOO_LARGE');
  });
});
