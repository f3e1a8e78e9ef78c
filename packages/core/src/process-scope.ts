/**
 * Which process the running code belongs to: an `AsyncLocalStorage` whose store is the process's record.
 *
 * The kernel enters a process's scope for each of its turns (and `processWillExit`), so everything its code
 * starts there (timers, sockets and servers, promises) carries the process along; Node hands that context back
 * to the callbacks, and to `uncaughtException` / `unhandledRejection`, which is how crash-isolation.ts knows
 * whose callback failed (design 016). Hypernode's own machinery (the run loop, frames leaving) runs outside
 * any process's scope, so what it starts lazily never counts as a process's.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import type { ProcRecord } from './process-record';

/** The process whose code is running, or started the callback that is running; undefined outside processes. */
export const processScope = new AsyncLocalStorage<ProcRecord | undefined>();

/** Runs `fn` outside any process's scope (a run of the loop, a flush: hypernode's own work). */
export function outsideProcesses(fn: () => void): () => void {
  return () => processScope.run(undefined, fn);
}
