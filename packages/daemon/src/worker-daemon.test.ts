/** The worker daemon's stop timeout on a ManualClock, with an in-memory transport and registry. */
import { describe, expect, it } from 'vitest';
import { ManualClock, type Logger } from '@hypernode/core';
import { hashCode, MemoryNetwork, MemoryRegistry } from '@hypernode/core/runtime';
import { startWorker } from './worker-daemon';

const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

/** A module whose processWillExit never settles. */
const STUBBORN = `const { Process } = require('hypernode');
class Stubborn extends Process {
  processWillExit() { return new Promise(() => {}); }
}
module.exports = { Stubborn };`;

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
