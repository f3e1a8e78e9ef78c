/**
 * Snapshot building over an in-memory worker runtime: what comes from `ps`, what from the optional admin
 * methods (`top`, `exits`, `dead-letters`) when they exist, and what the builder keeps across snapshots.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock, type Logger } from '@hypernode/core';
import { createWorkerRuntime, hashCode, MemoryNetwork, MemoryRegistry, type WorkerRuntime } from '@hypernode/core/runtime';
import type { ClusterStatus, WorkerStatus } from '../admin-service';
import { ChildExits } from '../child-exits';
import type { RpcHandler } from '../rpc';
import { exitKind, HISTORY_POINTS, MAX_PROCESSES, reasonText, SnapshotBuilder } from './snapshot';

const quiet: Logger = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };
const IDLE = `const { Process } = require('hypernode');
class Idle extends Process {}
module.exports = { Idle };`;

let runtime: WorkerRuntime | undefined;
afterEach(async () => {
  await runtime?.close();
  runtime = undefined;
});

async function setup() {
  const clock = new ManualClock(1_000_000);
  const registry = new MemoryRegistry({ clock });
  await registry.addModuleVersion('Idle', { code: IDLE, hash: hashCode(IDLE) });
  await registry.addModuleVersion('Idle', { code: `${IDLE}\n// v2`, hash: hashCode(`${IDLE}\n// v2`) });
  runtime = createWorkerRuntime({ id: 'w1', cluster: 'snapshot-test', transport: new MemoryNetwork({ clock }).connect(), registry, logger: quiet, clock });
  await runtime.start();
  await runtime.modules.fetch('Idle');
  const parent = runtime.spawnRoot('Idle', {});
  const child = runtime.spawnAsChild(parent, 'Idle', {});
  const counters = { delivered: 0, deadLetters: 0 };
  const worker = (): WorkerStatus => ({
    id: 'w1',
    node: 'n1',
    pid: 1,
    startedAt: 0,
    draining: false,
    load: { processes: 2, backlog: 0, eventLoopDelayMs: 1.5, rssBytes: 1e8, at: clock.now() },
    stats: { ...runtime!.stats(), ...counters },
    placesOn: ['w1'],
    stalledForMs: null,
    stall: null,
  });
  const status = (): ClusterStatus => ({
    cluster: 'snapshot-test',
    root: 'root:1',
    daemon: { pid: 1, host: 'h', startedAt: 0 },
    workers: [worker()],
    nodes: [{ id: 'n1', host: 'h', pid: 2, startedAt: 0, workers: ['w1'], meta: {} }],
    members: [],
  });
  const handlers: Record<string, RpcHandler> = {
    status: () => status(),
    ps: () => runtime!.ps(),
    modules: async () => (await registry.listModules()).map((m) => ({ name: m.name, version: m.version, hash: m.hash })),
  };
  return { clock, registry, parent, child, counters, handlers };
}

describe('the dashboard snapshot', () => {
  it('shows the processes of ps with module, version, worker and parent, and ages them from when it first saw them', async () => {
    const s = await setup();
    const builder = new SnapshotBuilder({ cluster: 'snapshot-test', handlers: s.handlers, registry: s.registry, now: () => s.clock.now() });
    const first = await builder.build();
    expect(first.processes.map((p) => [p.name, p.module, p.version, p.worker, p.parent])).toEqual([
      [s.parent, 'Idle', 2, 'w1', null],
      [s.child, 'Idle', 2, 'w1', s.parent],
    ]);
    expect(first.processesTotal).toBe(2);
    expect(first.processes[0]).toMatchObject({ ageMs: 0, ageFrom: 'seen', msgsInPerSec: null, restarts: 0 });
    expect(first.available).toEqual({ top: false, exits: false, deadLetters: false });
    expect(first.deadLetters).toBeNull();
    // Both versions, newest first, with when each was stored and how many processes run it.
    expect(first.modules).toEqual([
      {
        name: 'Idle',
        version: 2,
        hash: hashCode(`${IDLE}\n// v2`),
        versions: [
          { version: 2, hash: hashCode(`${IDLE}\n// v2`), loadedAt: 1_000_000, processes: 2 },
          { version: 1, hash: hashCode(IDLE), loadedAt: 1_000_000, processes: 0 },
        ],
      },
    ]);
    s.clock.advance(3000);
    expect((await builder.build()).processes[0]!.ageMs).toBe(3000);
  });

  it('turns worker counters into rates per second and keeps a bounded history for the charts', async () => {
    const s = await setup();
    const builder = new SnapshotBuilder({ cluster: 'snapshot-test', handlers: s.handlers, now: () => s.clock.now() });
    await builder.build();
    s.counters.delivered = 500;
    s.counters.deadLetters = 4;
    s.clock.advance(2000);
    const second = await builder.build();
    expect(second.workers[0]).toMatchObject({ id: 'w1', node: 'n1', msgsPerSec: 250, deadLettersPerSec: 2, eventLoopDelayMs: 1.5, cpuPercent: null, answered: true });
    expect(second.nodes[0]!.history.at(-1)).toMatchObject({ msgsPerSec: 250, processes: 2 });
    for (let i = 0; i < HISTORY_POINTS + 20; i++) {
      s.clock.advance(1000);
      await builder.build();
    }
    const later = await builder.build();
    expect(later.workers[0]!.history).toHaveLength(HISTORY_POINTS);
    expect(later.nodes[0]!.history).toHaveLength(HISTORY_POINTS);
  });

  it("lists the root's children's exits it hears of, with their module and reason, and counts them as restarts of their siblings", async () => {
    const s = await setup();
    const exits = new ChildExits(() => s.clock.now());
    const builder = new SnapshotBuilder({ cluster: 'snapshot-test', handlers: s.handlers, childExits: exits, now: () => s.clock.now() });
    const spawned = runtime!.spawnRoot('Idle', {});
    await builder.build();
    runtime!.kill(spawned, 'killed');
    exits.record(spawned, 'killed');
    exits.record('w1:gone', { name: 'TypeError', message: 'x is not a function' } as never);
    exits.spawned('w1:quick', 'Quick');
    exits.record('w1:quick', 'boom');
    const snap = await builder.build();
    expect(snap.exits).toEqual([
      { at: 1_000_000, worker: 'w1', name: 'w1:quick', module: 'Quick', parent: 'root:1', reason: 'boom', kind: 'crash' },
      { at: 1_000_000, worker: 'w1', name: 'w1:gone', module: '?', parent: 'root:1', reason: 'TypeError: x is not a function', kind: 'crash' },
      { at: 1_000_000, worker: 'w1', name: spawned, module: 'Idle', parent: 'root:1', reason: 'killed', kind: 'killed' },
    ]);
    builder.close();
    exits.record('w1:after-close', 'normal');
    expect((await builder.build()).exits).toHaveLength(3);
  });

  it('prefers the admin methods top, exits and dead-letters when the cluster daemon has them', async () => {
    const s = await setup();
    const exits = new ChildExits(() => s.clock.now());
    const handlers: Record<string, RpcHandler> = {
      ...s.handlers,
      top: () => ({ at: 0, workers: [{ id: 'w1', cpuPercent: 12, msgsInPerSec: 40, deadLettersPerSec: 3 }], processes: [{ name: s.child, msgsInPerSec: 7, ageMs: 65_000 }] }),
      exits: (args: { limit?: number }) => ({ exits: [{ at: 5, worker: 'w2', name: 'w2:x', module: 'M', parent: s.parent, reason: `limit ${args.limit}`, kind: 'crash' }] }),
      'dead-letters': () => ({ letters: [{ at: 6, worker: 'w1', from: 'w1:a', to: 'w1:b', reason: 'no such process' }] }),
    };
    const builder = new SnapshotBuilder({ cluster: 'snapshot-test', handlers, childExits: exits, now: () => s.clock.now() });
    exits.record('w1:ignored', 'boom');
    const snap = await builder.build();
    expect(snap.available).toEqual({ top: true, exits: true, deadLetters: true });
    expect(snap.exits.map((e) => e.name)).toEqual(['w2:x']);
    expect(snap.deadLetters).toEqual([{ at: 6, worker: 'w1', from: 'w1:a', to: 'w1:b', reason: 'no such process' }]);
    const child = snap.processes.find((p) => p.name === s.child)!;
    expect(child).toMatchObject({ msgsInPerSec: 7, ageMs: 65_000, ageFrom: 'spawn', restarts: 0 });
    // The crash of a sibling of the same module under the same parent counts as a restart.
    const grand = runtime!.spawnAsChild(s.parent, 'Idle', {});
    const withSibling = await new SnapshotBuilder({
      cluster: 'snapshot-test',
      handlers: { ...handlers, exits: () => ({ exits: [{ at: 5, worker: 'w1', name: 'w1:old', module: 'Idle', parent: s.parent, reason: 'boom', kind: 'crash' }] }) },
      now: () => s.clock.now(),
    }).build();
    expect(withSibling.processes.find((p) => p.name === grand)!.restarts).toBe(1);
    expect(snap.workers[0]).toMatchObject({ cpuPercent: 12, msgsPerSec: 40, deadLettersPerSec: 3 });
  });

  it('sends at most MAX_PROCESSES processes and counts them all', async () => {
    const s = await setup();
    for (let i = 0; i < MAX_PROCESSES; i++) runtime!.spawnAsChild(s.parent, 'Idle', { i });
    const snap = await new SnapshotBuilder({ cluster: 'snapshot-test', handlers: s.handlers, now: () => s.clock.now() }).build();
    expect(snap.processes).toHaveLength(MAX_PROCESSES);
    expect(snap.processesTotal).toBe(MAX_PROCESSES + 2);
  });

  it('names a section whose admin method failed and still builds the others', async () => {
    const s = await setup();
    const builder = new SnapshotBuilder({
      cluster: 'snapshot-test',
      handlers: { ...s.handlers, status: () => Promise.reject(new Error('registry down')) },
      now: () => s.clock.now(),
    });
    const snap = await builder.build();
    expect(snap.errors).toEqual({ status: 'registry down' });
    expect(snap.workers).toEqual([]);
    expect(snap.processes).toHaveLength(2);
  });

  it('words exit reasons as one line and sorts them into kinds', () => {
    expect(reasonText({ name: 'Error', message: 'boom' })).toBe('Error: boom');
    expect(reasonText('shutdown')).toBe('shutdown');
    expect(reasonText({ code: 1 })).toBe('{"code":1}');
    expect(['normal', 'shutdown', 'killed', 'Error: x'].map(exitKind)).toEqual(['normal', 'shutdown', 'killed', 'crash']);
  });
});
