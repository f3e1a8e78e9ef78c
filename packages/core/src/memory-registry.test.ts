import { describe, expect, it } from 'vitest';
import { ManualClock } from './clock';
import { MemoryRegistry } from './memory-registry';
import { registryContract } from './testing/registry-contract';

registryContract('MemoryRegistry with a ManualClock', async () => {
  const clock = new ManualClock(1_700_000_000_000);
  const registry = new MemoryRegistry({ clock });
  return { registry, clock, cleanup: () => registry.close() };
});

registryContract('MemoryRegistry with the system clock', async () => {
  const registry = new MemoryRegistry();
  return { registry, cleanup: () => registry.close() };
});

describe('MemoryRegistry', () => {
  it('stamps module versions with the time of its clock', async () => {
    const clock = new ManualClock(5_000);
    const registry = new MemoryRegistry({ clock });
    clock.advance(250);
    const v = await registry.addModuleVersion('Echo', { code: 'x', hash: 'h1' });
    expect(v.loadedAt).toBe(5_250);
  });

  it('names the bad argument and the fix in its INVALID_ARGUMENT message', async () => {
    const registry = new MemoryRegistry();
    await expect(registry.putMember({ id: 'w-1', role: 'worker', startedAt: 0 }, 0)).rejects.toThrow(
      "The ttlMs of member 'w-1' must be a finite number above 0, got 0; pass how long it lives without a heartbeat.",
    );
  });
});
