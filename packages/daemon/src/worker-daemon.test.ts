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
      "worker 'w1': 1 processes did not finish processWillExit within 2000 ms; stopping anyway (their parents learn it as WORKER_LOST)",
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
