/**
 * Crash isolation for a process's own callbacks (design 016): an error thrown by a callback a process started
 * (a timer, a socket's or server's listener, an emitter's listener run from such a callback) or a promise it
 * made that rejects with nobody to handle it ends that process, not its worker.
 *
 * Every host of runtimes (the embedded cluster, the worker daemon) calls {@link isolateProcessCrashes} when it
 * starts and the function it returns when it stops; the Node process holds one handler while at least one host
 * runs, and none after the last one stops. The handler asks {@link processScope} whose the failing code is:
 *
 * - a living process's: it ends with the error as its reason, exactly as if a handler had thrown;
 * - a process that has ended (or is ending): the error is logged and dropped;
 * - no process's: what Node would do without us. An uncaught exception goes to the program's own
 *   `uncaughtException` listeners when it has some, else it is printed and the Node process exits with code 1;
 *   an unhandled rejection that nobody else listens for is thrown as an uncaught exception (Node's default
 *   `--unhandled-rejections=throw`), and left to the program's own `unhandledRejection` listeners when it has
 *   some. Either way the log says the error belongs to no process.
 *
 * Exceptions are taken with `process.setUncaughtExceptionCaptureCallback`, so the program's own
 * `uncaughtException` listeners never see a process's error. Rejections are taken with an `unhandledRejection`
 * listener put first: Node calls every listener, so the program's own ones still see a process's rejection after
 * the process has been ended. When the capture callback is held by someone else (the `domain` module), a
 * prepended `uncaughtException` listener is used instead, which the program's listeners also see.
 */
import type { Logger } from './logger';
import { processScope } from './process-scope';

interface Installed {
  loggers: Logger[];
  /** Whether the capture callback is ours (else an `uncaughtException` listener is). */
  captured: boolean;
}

let installed: Installed | null = null;

/**
 * Installs the process-wide handler of errors from processes' callbacks (once per Node process, however many
 * hosts call it) and returns the function that uninstalls it for this host: the handler goes when the last
 * host has called its function. `logger` receives the lines about errors that belong to no process (the first
 * host's logger is used); errors of a process go to its worker's logger.
 */
export function isolateProcessCrashes(logger: Logger): () => void {
  if (installed === null) {
    const captured = !process.hasUncaughtExceptionCaptureCallback();
    if (captured) process.setUncaughtExceptionCaptureCallback(onUncaught);
    else process.prependListener('uncaughtException', onUncaughtListener);
    process.prependListener('unhandledRejection', onRejection);
    installed = { loggers: [], captured };
  }
  const mine = installed;
  mine.loggers.push(logger);
  let released = false;
  return () => {
    if (released) return;
    released = true;
    mine.loggers.splice(mine.loggers.indexOf(logger), 1);
    if (mine.loggers.length > 0 || installed !== mine) return;
    installed = null;
    if (mine.captured) process.setUncaughtExceptionCaptureCallback(null);
    else process.off('uncaughtException', onUncaughtListener);
    process.off('unhandledRejection', onRejection);
  };
}

/** Gives `err` to the process whose scope it was raised in; false when it belongs to no process. */
function toProcess(err: unknown): boolean {
  const rec = processScope.getStore();
  if (rec === undefined) return false;
  rec.owner.callbackFailed(rec, err);
  return true;
}

function noProcessLog(): Logger | undefined {
  return installed?.loggers[0];
}

function describe(err: unknown): string {
  return err instanceof Error ? (err.stack ?? String(err)) : String(err);
}

function onUncaught(err: unknown): void {
  if (toProcess(err)) return;
  if (process.listenerCount('uncaughtException') > 0) {
    // The program listens for uncaught exceptions itself: Node would have given it this one.
    noProcessLog()?.error(`uncaught exception that belongs to no hypernode process, passed to the program's 'uncaughtException' listeners: ${describe(err)}`);
    (process.emit as (event: string, ...args: unknown[]) => boolean)('uncaughtException', err, 'uncaughtException');
    return;
  }
  exitAsNodeWould(err);
}

function onUncaughtListener(err: unknown): void {
  if (toProcess(err)) return;
  // Other listeners are called after this one, as Node calls every listener.
  if (process.listenerCount('uncaughtException') === 1) exitAsNodeWould(err);
}

function onRejection(reason: unknown): void {
  if (toProcess(reason)) return;
  if (process.listenerCount('unhandledRejection') > 1) return; // the program's own listeners decide
  const err = reason instanceof Error ? reason : new Error(`a promise rejected with ${String(reason)} and nothing handled it`);
  // Node's default for an unhandled rejection: it becomes an uncaught exception, outside any process.
  process.nextTick(() => {
    throw err;
  });
}

/** Node's default for an uncaught exception: the error is printed and the process exits with code 1. */
function exitAsNodeWould(err: unknown): void {
  const log = noProcessLog() ?? { error: (m: string) => console.error(m) };
  log.error(
    `uncaught exception that belongs to no hypernode process (hypernode's own code, or the program's outside any process): ${err instanceof Error ? err.message : String(err)}; the Node process exits with code 1, as Node does without a handler`,
  );
  console.error(describe(err));
  process.exit(1);
}
