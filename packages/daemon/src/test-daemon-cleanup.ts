/**
 * Setup file of the integration tests (vitest.config.ts): after each test file, whatever daemon it started and
 * did not stop (a failed assertion, a timeout, a daemon expected to exit that did not) is stopped and its cluster
 * deleted, with a warning naming it, so no test leaves a daemon heartbeating on the machine's servers. Registered
 * before the file's own hooks, it runs after them (vitest runs after-hooks last-registered first).
 */
import { afterAll } from 'vitest';
import { stopLeftoverDaemons } from './test-support';

afterAll(async () => {
  const left = await stopLeftoverDaemons();
  if (left.length > 0) console.warn(`hypernode test cleanup: stopped ${left.length} daemon(s) the test file left running (a test should stop what it starts): ${left.join('; ')}`);
}, 60_000);
