/**
 * Support for core's own tests (not exported from the package): one embedded cluster per test, stopped
 * after it, and small matchers for inbox messages.
 */
import { afterEach } from 'vitest';
import { createCluster, type EmbeddedCluster } from './cluster';
import { silentLogger, type Logger } from './logger';
import type { ProcessClass } from './process';
import type { WorkerRuntime } from './worker';

/** Registers an `afterEach` that stops the cluster the running test started with `start`. */
export function clusterPerTest(): {
  start(modules: ProcessClass[], logger?: Logger): Promise<EmbeddedCluster>;
  /** Leaves the current cluster alone after the test (one that is expected to hang on stop). */
  forget(): void;
} {
  let current: EmbeddedCluster | undefined;
  afterEach(async () => {
    await current?.stop();
    current = undefined;
  });
  return {
    async start(modules, logger = silentLogger) {
      current = await createCluster({ workers: 3, logger, modules });
      return current;
    },
    forget() {
      current = undefined;
    },
  };
}

/** Accepts an inbox message that is an object with the property `key`. */
export const has = (key: string) => (r: { message: unknown }): boolean =>
  r.message !== null && typeof r.message === 'object' && key in (r.message as object);

/** An outside inbox on `worker` (a bare runtime, no cluster) whose messages can be awaited one by one. */
export function collector(worker: WorkerRuntime) {
  const queue: { from: string; message: any }[] = [];
  const waiting: ((m: { from: string; message: any }) => void)[] = [];
  const name = worker.openInbox((from, message) => {
    const w = waiting.shift();
    if (w) w({ from, message });
    else queue.push({ from, message });
  });
  const next = () =>
    new Promise<{ from: string; message: any }>((resolve) => {
      const m = queue.shift();
      if (m) resolve(m);
      else waiting.push(resolve);
    });
  return { name, next };
}
