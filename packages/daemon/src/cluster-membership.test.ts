/** The cluster daemon's liveness checks on a ManualClock with an in-memory registry. */
import { describe, expect, it } from 'vitest';
import { ManualClock, silentLogger } from '@hypernode/core';
import { ClassCatalog, MemoryRegistry, readLostWorkers } from '@hypernode/core/runtime';
import { ClusterMembership } from './cluster-membership';
import { ModuleUploads } from './module-uploads';

function setup() {
  const clock = new ManualClock(1_000_000);
  const registry = new MemoryRegistry({ clock });
  const announced: string[] = [];
  const applied: string[] = [];
  const restored: number[] = [];
  const membership = new ClusterMembership({
    cluster: 'membership-test',
    registry,
    runtime: {
      announceWorkerLost: (id: string, why: string) => void announced.push(`${id}: ${why}`),
      announceRegistryRestored: () => void restored.push(clock.now()),
      workerLost: (id: string) => applied.push(id) > 0,
    },
    modules: new ModuleUploads(registry, new ClassCatalog(), silentLogger),
    logger: silentLogger,
    clock,
    startedAt: clock.now(),
  });
  const heartbeat = (id: string) => registry.putMember({ id, role: 'worker', startedAt: 0 }, 5000);
  // As the heartbeat's timer does: the daemon's own beat, then the check.
  const check = async () => {
    await membership.heartbeat.beat();
    await membership.check();
  };
  return { clock, registry, announced, applied, restored, membership, heartbeat, check };
}

describe('ClusterMembership on a manual clock', () => {
  it('announces lost a worker whose heartbeat expired without anyone announcing it, once', async () => {
    const { clock, announced, membership, heartbeat, check } = setup();
    await membership.markRegistry();
    await heartbeat('w1');
    await heartbeat('w2');
    await check();
    expect(membership.liveWorkers().map((w) => w.id).sort()).toEqual(['w1', 'w2']);
    clock.advance(4000);
    await heartbeat('w2');
    clock.advance(1000);
    await check();
    expect(announced).toEqual(['w1: its heartbeat stopped']);
    await check();
    expect(announced).toEqual(['w1: its heartbeat stopped']);
    expect(membership.isLost('w1')).toBe(true);
  });

  it('after Redis came back empty, announces no loss for one member TTL, then announces the workers that did not come back', async () => {
    const { clock, registry, announced, restored, membership, heartbeat, check } = setup();
    await membership.markRegistry();
    await heartbeat('w1');
    await heartbeat('w2');
    await check();
    // Redis restarts without its data: the epoch value and every member are gone.
    await registry.deleteValue('cluster-daemon-epoch');
    await registry.removeMember('w1');
    await registry.removeMember('w2');
    await check();
    expect(restored).toEqual([1_000_000]);
    await heartbeat('w2');
    clock.advance(4999);
    await heartbeat('w2');
    await check();
    expect(announced).toEqual([]);
    clock.advance(1);
    await check();
    expect(announced).toEqual(['w1: its heartbeat stopped']);
  });

  it('takes over the workers a previous cluster daemon recorded and announces those that vanished meanwhile', async () => {
    const first = setup();
    await first.membership.markRegistry();
    await first.heartbeat('w1');
    await first.heartbeat('w2');
    await first.check();
    const second = new ClusterMembership({
      cluster: 'membership-test',
      registry: first.registry,
      runtime: { announceWorkerLost: (id: string) => void first.announced.push(id), announceRegistryRestored: () => undefined },
      modules: new ModuleUploads(first.registry, new ClassCatalog(), silentLogger),
      logger: silentLogger,
      clock: first.clock,
      startedAt: first.clock.now(),
    });
    expect((await second.takeOver())?.workers.sort()).toEqual(['w1', 'w2']);
    await first.registry.removeMember('w1');
    await second.heartbeat.beat();
    await second.check();
    expect(first.announced).toEqual(['w1']);
  });

  it('records a loss it announces in the registry and applies it to its own runtime, so workers that missed the event reconcile it', async () => {
    const { clock, registry, announced, applied, membership, heartbeat, check } = setup();
    await membership.markRegistry();
    await heartbeat('w1');
    await check();
    clock.advance(5000);
    await check();
    expect(announced).toEqual(['w1: its heartbeat stopped']);
    expect(applied).toEqual(['w1']);
    expect(await readLostWorkers(registry)).toEqual([{ id: 'w1', why: 'its heartbeat stopped', at: 1_005_000 }]);
    // Redis flushed: the record is written again with the next check.
    await registry.deleteValue('lost-workers');
    await check();
    expect((await readLostWorkers(registry)).map((e) => e.id)).toEqual(['w1']);
  });

  it('declares nobody lost from a member list without its own record (Redis emptied between reads, or restarted from an old snapshot)', async () => {
    const { clock, registry, announced, membership, heartbeat, check } = setup();
    await membership.markRegistry();
    await heartbeat('w1');
    await heartbeat('w2');
    await check();
    // The members are gone but the epoch value is still there: the list cannot be trusted without our own record.
    clock.advance(6000);
    await membership.check();
    expect(announced).toEqual([]);
    expect(await readLostWorkers(registry)).toEqual([]);
    // Once our own beat is listed again, the workers that are still missing are lost.
    await heartbeat('w2');
    await check();
    expect(announced).toEqual(['w1: its heartbeat stopped']);
  });

  it('declares nobody lost for one member TTL after a failed registry read (workers could not beat either)', async () => {
    const { clock, registry, announced, membership, heartbeat, check } = setup();
    await membership.markRegistry();
    await heartbeat('w1');
    await check();
    const listMembers = registry.listMembers.bind(registry);
    registry.listMembers = () => Promise.reject(new Error('Redis is loading the dataset in memory'));
    clock.advance(5000);
    await check();
    registry.listMembers = listMembers;
    clock.advance(4999);
    await check();
    expect(announced).toEqual([]);
    clock.advance(1);
    await check();
    expect(announced).toEqual(['w1: its heartbeat stopped']);
  });
});
