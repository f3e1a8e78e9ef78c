import { describe, expect, it } from 'vitest';
import { ManualClock, type Logger } from '@hypernode/core';
import { MemoryRegistry, type MemberInfo } from '@hypernode/core/runtime';
import { Heartbeat } from './heartbeat';

const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

function setup(options: { afterBeat?: () => Promise<void> } = {}) {
  const clock = new ManualClock(1_000_000);
  const registry = new MemoryRegistry({ clock });
  const lines: string[] = [];
  const logger: Logger = {
    debug: () => undefined,
    info: (m) => void lines.push(`info ${m}`),
    warn: (m) => void lines.push(`warn ${m}`),
    error: (m) => void lines.push(`error ${m}`),
  };
  let down = false;
  const flaky = {
    putMember: (member: MemberInfo, ttlMs: number) => (down ? Promise.reject(new Error('Redis at 127.0.0.1:6379 is down')) : registry.putMember(member, ttlMs)),
  };
  const member = (): MemberInfo => ({ id: 'w1', role: 'worker', startedAt: 0 });
  const heartbeat = new Heartbeat({ registry: flaky, member, who: "worker 'w1'", logger, clock, ...options });
  return { clock, registry, lines, heartbeat, setDown: (d: boolean) => (down = d) };
}

describe('Heartbeat', () => {
  it('keeps the member in the registry while it beats every second with a 5 s TTL, and lets it expire once stopped', async () => {
    const { clock, registry, heartbeat } = setup();
    expect(await heartbeat.beat()).toBe(true);
    heartbeat.start();
    for (let i = 0; i < 10; i++) {
      clock.advance(1000);
      await settle();
    }
    expect((await registry.listMembers()).map((m) => m.id)).toEqual(['w1']);
    heartbeat.stop();
    clock.advance(5000);
    await settle();
    expect(await registry.listMembers()).toEqual([]);
  });

  it('writes nothing before the first interval has passed after start', async () => {
    const { clock, registry, heartbeat } = setup();
    heartbeat.start();
    clock.advance(999);
    await settle();
    expect(await registry.listMembers()).toEqual([]);
    clock.advance(1);
    await settle();
    expect(await registry.listMembers()).toHaveLength(1);
  });

  it('warns once while the registry is unreachable and says once when it heartbeats again', async () => {
    const { clock, lines, heartbeat, setDown } = setup();
    heartbeat.start();
    setDown(true);
    for (let i = 0; i < 3; i++) {
      clock.advance(1000);
      await settle();
    }
    expect(lines).toEqual(["warn worker 'w1' could not heartbeat: Redis at 127.0.0.1:6379 is down"]);
    setDown(false);
    for (let i = 0; i < 2; i++) {
      clock.advance(1000);
      await settle();
    }
    expect(lines).toEqual(["warn worker 'w1' could not heartbeat: Redis at 127.0.0.1:6379 is down", "info worker 'w1' heartbeats again"]);
    heartbeat.stop();
  });

  it('runs afterBeat after each timed beat, and skips a tick while the previous one still runs', async () => {
    let release: () => void = () => undefined;
    let runs = 0;
    const { clock, heartbeat } = setup({
      afterBeat: () => {
        runs++;
        return new Promise<void>((resolve) => (release = resolve));
      },
    });
    heartbeat.start();
    clock.advance(1000);
    await settle();
    expect(runs).toBe(1);
    clock.advance(3000);
    await settle();
    expect(runs).toBe(1);
    release();
    await settle();
    clock.advance(1000);
    await settle();
    expect(runs).toBe(2);
    release();
    heartbeat.stop();
  });
});
