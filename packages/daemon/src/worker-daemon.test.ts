/** The worker daemon's stop timeout on a ManualClock, with an in-memory transport and registry. */
import { beforeEach, describe, expect, it } from 'vitest';
import { ManualClock, type Logger } from '@hypernode/core';
import { decode, deliveredContent, hashCode, MemoryNetwork, MemoryRegistry, workerLostEvent } from '@hypernode/core/runtime';
import { callRpc } from './rpc';
import { startWorker } from './worker-daemon';

const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

/** A module whose processWillExit never settles. */
const STUBBORN = `const { Process } = require('hypernode');
class Stubborn extends Process {
  processWillExit() { return new Promise(() => {}); }
}
module.exports = { Stubborn };`;

/** Counts its messages and its exits in globals the test reads (the module runs in this test's process). */
const COUNTER = `const { Process } = require('hypernode');
class Counter extends Process {
  processDidReceiveMessage(state) { globalThis.__counted = (globalThis.__counted ?? 0) + 1; return state; }
  processWillExit() { globalThis.__exitsRun = (globalThis.__exitsRun ?? 0) + 1; }
}
module.exports = { Counter };`;
/** On `{ ms, to }`: blocks the event loop for `ms` (moves the test clock without running timers), then sends `to` a message. */
const BLOCKER = `const { Process } = require('hypernode');
class Blocker extends Process {
  processDidReceiveMessage(state, msg, _from, ctx) { globalThis.__block(msg.ms); ctx.send(msg.to, 'after the block'); return state; }
}
module.exports = { Blocker };`;
const g = globalThis as { __counted?: number; __exitsRun?: number; __block?: (ms: number) => void };
let counted = 0;
let exitsRun = 0;
Object.defineProperty(g, '__counted', { get: () => counted, set: (v: number) => void (counted = v), configurable: true });
Object.defineProperty(g, '__exitsRun', { get: () => exitsRun, set: (v: number) => void (exitsRun = v), configurable: true });
beforeEach(() => {
  counted = 0;
  exitsRun = 0;
});

describe('the worker daemon on a manual clock', () => {
  it('stops anyway, with a warning, when a process has not finished processWillExit within stopTimeoutMs', async () => {
    const clock = new ManualClock(1_000_000);
    const registry = new MemoryRegistry({ clock });
    await registry.addModuleVersion('Stubborn', { code: STUBBORN, hash: hashCode(STUBBORN) });
    const warnings: string[] = [];
    const logger: Logger = { debug: () => undefined, info: () => undefined, warn: (m) => void warnings.push(m), error: (m) => void warnings.push(m) };
    const worker = await startWorker({
      id: 'w1',
      cluster: 'worker-daemon-test',
      clock,
      logger,
      stopTimeoutMs: 2000,
      adapters: { transport: new MemoryNetwork({ clock }).connect(), registry },
    });
    await worker.runtime.modules.fetch('Stubborn');
    worker.runtime.spawnRoot('Stubborn', {});
    await settle();
    let stopped = false;
    void worker.stop('the test ends').then(() => (stopped = true));
    for (let i = 0; i < 5; i++) await settle();
    clock.advance(1999);
    for (let i = 0; i < 5; i++) await settle();
    expect(stopped).toBe(false);
    clock.advance(1);
    for (let i = 0; i < 20 && !stopped; i++) await settle();
    expect(stopped).toBe(true);
    expect(warnings).toContain(
      "worker 'w1': 1 process did not finish processWillExit within 2000 ms; stopping anyway (their parents learn it as WORKER_LOST)",
    );
  });
});

describe('the worker daemon with maxMessageBytes', () => {
  it("hands the limit to its runtime: a message too large for it throws MESSAGE_TOO_LARGE naming the limit", async () => {
    const registry = new MemoryRegistry();
    const quiet: Logger = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };
    const worker = await startWorker({ id: 'w1', cluster: 'worker-daemon-size', logger: quiet, maxMessageBytes: 4096, adapters: { transport: new MemoryNetwork().connect(), registry } });
    try {
      expect(() => worker.runtime.sendFrom('w1:outside', 'w2:1', 'x'.repeat(5000), null)).toThrow(/over the limit of 4\.0 KiB \(4096 bytes\)/);
      expect(() => worker.runtime.sendFrom('w1:outside', 'w2:1', 'x'.repeat(3000), null)).not.toThrow();
    } finally {
      await worker.stop('the test ends');
    }
  });
});

describe('a worker that the cluster has declared lost (fencing)', () => {
  async function workerOnManualClock() {
    const clock = new ManualClock(1_000_000);
    const network = new MemoryNetwork({ clock });
    const registry = new MemoryRegistry({ clock });
    const removed: string[] = [];
    const removeMember = registry.removeMember.bind(registry);
    registry.removeMember = (id: string) => {
      removed.push(id);
      return removeMember(id);
    };
    await registry.addModuleVersion('Counter', { code: COUNTER, hash: hashCode(COUNTER) });
    await registry.addModuleVersion('Blocker', { code: BLOCKER, hash: hashCode(BLOCKER) });
    g.__block = (ms) => clock.block(ms);
    const logs: string[] = [];
    const logger: Logger = { debug: () => undefined, info: () => undefined, warn: (m) => void logs.push(m), error: (m) => void logs.push(m) };
    let alive = 0;
    const worker = await startWorker({
      id: 'w1',
      cluster: 'worker-daemon-test',
      clock,
      logger,
      adapters: { transport: network.connect(), registry },
      onAlive: () => void alive++,
    });
    const events: unknown[][] = [];
    const observer = network.connect();
    await observer.subscribe((frame) => void events.push(decode(frame) as unknown[]));
    await worker.runtime.modules.fetch('Counter');
    await worker.runtime.modules.fetch('Blocker');
    const counter = worker.runtime.spawnRoot('Counter', {});
    await settle();
    worker.runtime.sendFrom('w1:test', counter, 'inc', null);
    await settle();
    expect(counted).toBe(1);
    return { clock, network, removed, logs, worker, counter, events, alive: () => alive };
  }

  it('fences itself when the cluster announces it lost: its processes stop without running further, it announces itself lost and leaves', async () => {
    const { worker, counter, logs, removed, events, network } = await workerOnManualClock();
    network.connect().publish(workerLostEvent('w1', 'its heartbeat stopped'));
    await worker.stopped;
    expect(worker.fenced).toBe('the cluster announced it lost (its heartbeat stopped)');
    expect(logs).toContain(
      "worker 'w1' fenced itself: the cluster announced it lost (its heartbeat stopped). Its 1 processes stop now without running further (their parents are told WORKER_LOST); its node daemon starts a replacement.",
    );
    expect(worker.runtime.has(counter)).toBe(false);
    worker.runtime.sendFrom('w1:test', counter, 'inc', null);
    await settle();
    expect(counted).toBe(1);
    expect(exitsRun).toBe(0);
    expect(removed).toEqual(['w1']);
    expect(events).toContainEqual(['worker-lost', 'w1', 'it fenced itself: the cluster announced it lost (its heartbeat stopped)']);
  });

  it('fences itself when its event loop was blocked for the member TTL (5 s), even when no announcement reaches it', async () => {
    const { clock, worker, logs } = await workerOnManualClock();
    clock.block(4900);
    clock.advance(1);
    await settle();
    expect(worker.fenced).toBeUndefined();
    expect(logs.some((l) => l.includes('blocked for at least'))).toBe(true);
    clock.block(5000);
    clock.advance(1);
    await worker.stopped;
    expect(worker.fenced).toMatch(/^its event loop was blocked for 500\d ms, at least the 5000 ms its member record lives without a heartbeat/);
    expect(worker.runtime.stats().processes).toBe(0);
    expect(exitsRun).toBe(0);
  });

  it('fences itself at the end of a turn that blocked for the member TTL: what that run sent to other workers never leaves', async () => {
    const { clock, worker, network, logs, counter } = await workerOnManualClock();
    const frames: Uint8Array[] = [];
    await network.connect().listen('w2', (frame) => void frames.push(frame));
    const blocker = worker.runtime.spawnRoot('Blocker', {});
    await settle();
    clock.advance(500);
    worker.runtime.sendFrom('w1:test', blocker, { ms: 1200, to: 'w2:1' }, null);
    await settle();
    expect(frames.filter((f) => deliveredContent(f) !== null)).toHaveLength(1);
    expect(worker.fenced).toBeUndefined();
    worker.runtime.sendFrom('w1:test', blocker, { ms: 6000, to: 'w2:1' }, null);
    worker.runtime.sendFrom('w1:test', counter, 'inc', null);
    await worker.stopped;
    // The lease was last renewed before the first block: 1200 + 6000 ms without a tick.
    expect(worker.fenced).toMatch(/^its event loop was blocked for 7200 ms, at least the 5000 ms/);
    expect(logs.some((l) => l.includes(`its event loop was blocked for 6000 ms; the turns that ran then (one long turn, or many together) were those of '${blocker}' (module 'Blocker')`))).toBe(true);
    await settle();
    // Data frames only: the delivery layer's acknowledgements and goodbye carry no message (design 028).
    expect(frames.filter((f) => deliveredContent(f) !== null)).toHaveLength(1);
  });

  it('logs a block outside any turn, keeps running and keeps telling its node daemon it is alive', async () => {
    const { clock, worker, logs, alive } = await workerOnManualClock();
    clock.advance(1000);
    const before = alive();
    expect(before).toBe(2);
    clock.block(2000);
    clock.advance(1);
    await settle();
    expect(logs.filter((l) => l.includes('outside any process')).length).toBe(1);
    expect(logs.find((l) => l.includes('outside any process'))).toMatch(
      /^worker 'w1': its event loop was blocked for at least 1500 ms outside any process's turn/,
    );
    expect(alive()).toBe(before + 1);
    expect(worker.fenced).toBeUndefined();
    await worker.stop('the test ends');
  });

  it('does not fence itself on its own announcement as it stops gracefully', async () => {
    const { worker, events } = await workerOnManualClock();
    await worker.stop('the test ends');
    expect(worker.fenced).toBeUndefined();
    expect(exitsRun).toBe(1);
    expect(events).toContainEqual(['worker-lost', 'w1', 'it was stopped: the test ends']);
  });
});

describe("the worker daemon's evacuate request", () => {
  it('marks the worker draining in its member record before it moves anything, so placers stop choosing it; a rejected request leaves it as it was', async () => {
    const clock = new ManualClock(1_000_000);
    const network = new MemoryNetwork({ clock });
    const registry = new MemoryRegistry({ clock });
    const logger: Logger = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };
    const worker = await startWorker({ id: 'w1', cluster: 'worker-daemon-test', clock, logger, adapters: { transport: network.connect(), registry } });
    const client = network.connect();
    const draining = async () => (await registry.listMembers()).find((m) => m.id === 'w1')?.meta?.draining;
    try {
      expect(await draining()).toBe(false);
      await expect(callRpc(client, 'worker.w1', 'evacuate', { targets: ['w1'] }, 5000)).rejects.toThrow("evacuate() on worker 'w1' got no other worker to move to");
      expect(await draining()).toBe(false);
      expect(await callRpc(client, 'worker.w1', 'evacuate', { targets: ['w2'] }, 5000)).toMatchObject({ moved: 0, refused: 0, failed: 0 });
      expect(await draining()).toBe(true);
    } finally {
      await client.close();
      await worker.stop('the test ends');
    }
  });
});
