/**
 * The exit rules: how a process ends and who hears of it.
 *
 * - A process ends by asking (`ctx.exit`: {@link Exits.requestEnd}), by crashing ({@link Exits.endOnCrash}), by
 *   its parent ending ({@link Exits.endByParent}), or from outside (`ctx.kill`, the CLI: {@link Exits.endByName},
 *   {@link Exits.endFrom}). All of them come to {@link Exits.endProcess}.
 * - Ending cascades: its mailbox is dropped (dead letters), its children end (`'shutdown'`, youngest first), then
 *   its `processWillExit` runs; once that has settled its parent gets `CHILD_PROCESS_EXIT` (unless the parent
 *   ended it).
 * - What other features hold for a process (calls, timers, names, monitors, links) is let go of by their
 *   {@link EndHooks}, run in the worker's fixed order; this module knows none of those features.
 * - Losing a worker ({@link Exits.workerLost}) counts every process on it as crashed.
 */
import { copyData, encodeTrusted } from './codec';
import { PENDING, settle } from './coroutine';
import { describeArg } from './describe-arg';
import { describeReason, hypernodeReason, isCrash, reviveExitReason, toExitReason } from './exit-reason';
import type { EndHooks, KernelPort, Locator } from './kernel-port';
import { exitKind, reasonLine, RECENT } from './live-stats';
import { clearMailbox, mailboxSize, waitingSenders } from './mailbox';
import type { ExitReason } from './process';
import { about, ENDED, ENDING, extrasOf, RUNNING, STARTING, type ProcRecord } from './process-record';
import { processScope } from './process-scope';
import { E_EXIT_REQ, E_EXITED, E_KILL } from './wire';

/** A copy of `reason` for a local receiver, as a remote one would get it. */
export function copyReason(reason: ExitReason): ExitReason {
  return reviveExitReason(copyData(reason, 'reason'));
}

/**
 * Queues for `worker` the envelope `make(reason)`, which carries an exit reason from `from` to `to`; when the
 * reason makes it too large for a frame, the envelope carries the `MESSAGE_TOO_LARGE` error instead, so the
 * receiver is told all the same.
 */
export function pushWithReason(port: KernelPort, worker: string, make: (reason: ExitReason) => unknown[], reason: ExitReason, from: string, to: string): void {
  try {
    port.push(worker, encodeTrusted(make(reason)), 'exit reason', from, to);
  } catch (err) {
    port.push(worker, encodeTrusted(make(toExitReason(err))));
  }
}

/** Options of {@link Exits}. */
export interface ExitRules {
  /** Workers whose loss does not end the children of their processes (the cluster daemon's: its root comes back). */
  resilientWorkers?: readonly string[];
  /** Called when a worker is lost, after the local consequences ran. */
  onWorkerLost?: (worker: string) => void;
}

/** The exit rules of one worker. */
export class Exits {
  private readonly resilient: Set<string>;
  private readonly lostWorkers = new Set<string>();
  private readonly onWorkerLost: ((worker: string) => void) | undefined;

  constructor(
    private readonly port: KernelPort & Locator,
    /** Run in this order at each step of an end and of a worker loss. */
    private readonly hooks: readonly EndHooks[],
    rules: ExitRules = {},
  ) {
    this.resilient = new Set(rules.resilientWorkers ?? []);
    this.onWorkerLost = rules.onWorkerLost;
    port.onEnvelope(E_EXITED, (env) => this.childEnded(env[1] as string, env[2] as string, reviveExitReason(env[3])));
    port.onEnvelope(E_KILL, (env) => {
      const rec = port.lookup(env[1] as string);
      if (rec) this.endByParent(rec, reviveExitReason(env[3]));
    });
    port.onEnvelope(E_EXIT_REQ, (env) => {
      const rec = port.lookup(env[1] as string);
      if (rec && !rec.inbox && rec.status < ENDING) this.endProcess(rec, reviveExitReason(env[3]));
    });
  }

  /** `ctx.exit`: ends the process after the running handler returns (its returned state counts). */
  requestEnd(rec: ProcRecord, err: unknown): void {
    if (rec.status >= ENDING) return;
    const reason = toExitReason(err);
    if (rec.status === RUNNING || rec.status === STARTING) {
      if (rec.pendingEnd === undefined) rec.pendingEnd = reason;
      return;
    }
    this.endProcess(rec, reason);
    this.port.flushSoon();
  }

  /** A lifecycle function of `rec` threw or rejected with `err`: the crash is logged and the process ends. */
  endOnCrash(rec: ProcRecord, err: unknown): void {
    if (rec.status >= ENDING) return;
    const reason = toExitReason(err);
    this.port.logger.warn(`process '${rec.name}' (${rec.moduleName}) crashed: ${describeReason(reason)}`, about(rec));
    this.endProcess(rec, reason, true);
  }

  /**
   * A callback `rec` started (a timer, a socket's or server's listener, a promise nobody awaited) threw or
   * rejected with `err`, and nothing caught it: `rec` ends as on a crash in a handler, and the error is logged
   * once. Once `rec` is ending or has ended, the error is only logged (design 016).
   */
  endOnCallbackCrash(rec: ProcRecord, err: unknown): void {
    const reason = toExitReason(err);
    const who = `process '${rec.name}' (${rec.moduleName})`;
    if (rec.status >= ENDING) {
      this.port.logger.warn(`${who} had already ${rec.status === ENDED ? 'ended' : 'begun ending'} when a callback it started failed (dropped): ${describeReason(reason)}`, about(rec));
      return;
    }
    this.port.logger.warn(`${who} crashed in a callback or promise it started, outside its handlers: ${describeReason(reason)}; it ends, its worker and other processes go on`, about(rec));
    this.endProcess(rec, reason, true);
    this.port.flushSoon();
  }

  /** The parent of `rec` ended (or its worker was lost): `rec` ends, and the parent is not told. */
  endByParent(rec: ProcRecord, reason: ExitReason): void {
    if (rec.status >= ENDING) return;
    extrasOf(rec).endedByParent = true;
    this.endProcess(rec, reason);
  }

  /**
   * Ends `rec` with `reason` at once (a handler waiting at a `yield` is abandoned). What it holds is let go of
   * (the hooks' `ending`), its mailbox is dropped (dead letters), its children are ended, then `processWillExit`
   * runs; once that has settled, its parent and the hooks' `ended` are told. A process that has not started
   * yet runs `processWillRun` first and ends right after. Does nothing when it is already ending.
   */
  endProcess(rec: ProcRecord, reason: ExitReason, logged = false): void {
    if (rec.status >= ENDING) return;
    if (rec.status === STARTING) {
      // Every process runs processWillRun once before processWillExit: it ends right after starting.
      if (rec.pendingEnd === undefined) rec.pendingEnd = reason;
      return;
    }
    const port = this.port;
    const neverRan = rec.instance === null;
    if (!logged && isErrorReason(reason)) {
      // An error given to exit() (or a linked process's crash, an unknown module) is worth a line, as a crash is.
      port.logger.warn(`process '${rec.name}' (${rec.moduleName}) exited: ${describeReason(reason)}`, about(rec));
    }
    rec.status = ENDING;
    rec.pendingEnd = undefined;
    extrasOf(rec).reason = reason;
    for (const hook of this.hooks) hook.ending?.(rec);
    if (rec.mailboxHead !== null) this.dropMailbox(rec);
    if (rec.children) {
      const children = [...rec.children.keys()].reverse();
      rec.children = null;
      for (const child of children) this.endChild(child, rec.name, 'shutdown');
    }
    const fn = neverRan ? undefined : rec.instance?.processWillExit;
    let value: unknown;
    if (fn) {
      try {
        // In its own scope, as its other lifecycle functions: what it starts here is still its own (design 016).
        value = processScope.run(rec, () => settle(fn.call(rec.instance, rec.state, reason, port.context(rec)), onEndSettled, rec));
      } catch (err) {
        port.logger.error(`processWillExit of '${rec.name}' (${rec.moduleName}) threw: ${String(err)}`, about(rec));
      }
    }
    if (value !== PENDING) this.processEnded(rec);
  }

  /** The messages left in the mailbox of `rec`, which is ending, are dead letters; the first {@link RECENT} are remembered one by one. */
  private dropMailbox(rec: ProcRecord): void {
    const port = this.port;
    const left = mailboxSize(rec);
    port.counters.backlog -= left;
    let n = 0;
    for (const sender of waitingSenders(rec)) {
      if (n++ === RECENT) break;
      port.live.deadLetter(typeof sender === 'string' ? sender : sender.from, rec.name, 'ended-unread');
    }
    if (left > RECENT) {
      port.counters.deadLetters += left - RECENT;
      port.counters.deadLettersByReason['ended-unread']! += left - RECENT;
    }
    clearMailbox(rec);
  }

  /** An asynchronous `processWillExit` of `rec` settled: the process is gone. */
  endSettled(rec: ProcRecord, err: unknown): void {
    if (err !== null) this.port.logger.error(`processWillExit of '${rec.name}' (${rec.moduleName}) failed: ${String(err)}`, about(rec));
    this.processEnded(rec);
    this.port.flushSoon();
  }

  private processEnded(rec: ProcRecord): void {
    if (rec.status === ENDED) return;
    rec.status = ENDED;
    const port = this.port;
    port.forget(rec);
    const extras = rec.extras!;
    const reason = extras.reason!;
    port.counters.exited++;
    if (isCrash(reason)) port.counters.crashed++;
    port.live.exit({ at: port.clock.now(), worker: port.id, name: rec.name, module: rec.moduleName, parent: rec.parent, reason: reasonLine(reason), kind: exitKind(reason) });
    if (rec.parent !== null && !extras.endedByParent) this.tellParent(rec.parent, rec.name, reason);
    for (const hook of this.hooks) hook.ended?.(rec, reason);
    rec.instance = null;
    port.checkIdle();
  }

  /** Ends process `name` of this worker from outside, at once; false when there is no such living process. */
  endByName(name: string, reason: unknown): boolean {
    const rec = this.port.lookup(name);
    if (!rec || rec.inbox || rec.status >= ENDING) return false;
    this.endProcess(rec, toExitReason(reason));
    this.port.flushSoon();
    return true;
  }

  /** `ctx.kill` of process `from`: ends any process of the cluster as if it called `exit(reason)`. */
  endFrom(from: string, target: string, reason: unknown): void {
    if (typeof target !== 'string') {
      throw new TypeError(`kill() needs a process name (a string) as its first argument; got ${describeArg(target)}.`);
    }
    const pid = this.port.resolve(target);
    if (pid === undefined) return;
    const w = this.port.route(pid);
    if (w === this.port.id) {
      this.endByName(pid, reason);
      return;
    }
    this.port.push(w, encodeTrusted([E_EXIT_REQ, pid, from, toExitReason(reason)]));
  }

  /**
   * A spawn envelope asked for a process `name` that already runs here (a duplicated or forged frame, or a
   * worker restarted under the same id that reuses names): the running process is left as it is, the refusal is
   * counted (`badFrames`) and logged, and the spawner (`parent`) gets `CHILD_PROCESS_EXIT` for `name` with a
   * `NAME_TAKEN` error, unless the running process is already its child of that module (a duplicate of its spawn).
   */
  refuseSpawn(name: string, moduleName: string, parent: string | null): void {
    const port = this.port;
    const running = port.lookup(name)!;
    port.counters.badFrames++;
    const sentence = `Worker '${port.id}' refused to spawn '${moduleName}' as '${name}' for '${parent ?? 'nobody'}': a ${running.inbox ? 'outside inbox' : `process (${running.moduleName}, child of '${running.parent ?? 'nobody'}')`} of that name already runs there and was left running. Two workers may share one id, or another program writes to this cluster's queues; give each worker its own id.`;
    port.logger.warn(sentence);
    if (parent === null || (running.parent === parent && running.moduleName === moduleName)) return;
    this.tellParent(parent, name, hypernodeReason('NAME_TAKEN', sentence));
    port.flushSoon();
  }

  private endChild(child: string, parent: string, reason: ExitReason): void {
    const w = this.port.route(child);
    if (w === this.port.id) {
      const rec = this.port.lookup(child);
      if (rec) this.endByParent(rec, reason);
    } else {
      this.port.push(w, encodeTrusted([E_KILL, child, parent, reason]));
    }
  }

  private tellParent(parent: string, child: string, reason: ExitReason): void {
    const w = this.port.route(parent);
    if (w === this.port.id) this.childEnded(parent, child, copyReason(reason));
    else pushWithReason(this.port, w, (r) => [E_EXITED, parent, child, r], reason, child, parent);
  }

  private childEnded(parent: string, child: string, reason: ExitReason): void {
    const rec = this.port.lookup(parent);
    if (!rec || rec.status >= ENDING) return;
    rec.children?.delete(child);
    this.port.enqueue(rec, child, { type: 'CHILD_PROCESS_EXIT', payload: { err: reason } }, null);
  }

  /**
   * Applies the loss of another worker here: every process of it counts as crashed. Local processes whose
   * parent lived there end (`'shutdown'`, unless that worker is resilient, like the cluster daemon's);
   * local parents of processes there get `CHILD_PROCESS_EXIT` with a `WORKER_LOST` error; then the hooks run
   * (monitors get `DOWN`, links fire, calls waiting on it fail). A worker is lost once: later calls do nothing.
   */
  workerLost(worker: string, why: string): void {
    const port = this.port;
    if (worker === port.id || this.lostWorkers.has(worker)) return;
    this.lostWorkers.add(worker);
    const reason = hypernodeReason(
      'WORKER_LOST',
      `Worker '${worker}' of cluster '${port.cluster}' was lost (${why}); every process on it ended. Its node daemon restarts a replacement worker.`,
    );
    for (const hook of this.hooks) hook.workerLost?.(worker, reason);
    for (const rec of port.processes()) {
      if (rec.status >= ENDING || rec.inbox) continue;
      if (rec.children) {
        for (const child of [...rec.children.keys()]) {
          if (port.isOn(child, worker)) this.childEnded(rec.name, child, copyReason(reason));
        }
      }
      for (const hook of this.hooks) hook.peerLost?.(rec, worker, reason);
      if (rec.parent !== null && port.isOn(rec.parent, worker) && !this.resilient.has(worker) && rec.status < ENDING) {
        this.endByParent(rec, 'shutdown');
      }
    }
    port.flushSoon();
    this.onWorkerLost?.(worker);
  }
}

function onEndSettled(rec: ProcRecord, err: unknown): void {
  rec.owner.endSettled(rec, err);
}

/** An exit reason made from an error (it has a name and a message), as opposed to a plain string or data. */
function isErrorReason(reason: ExitReason): boolean {
  return reason !== null && typeof reason === 'object' && typeof (reason as { name?: unknown }).name === 'string' && typeof (reason as { message?: unknown }).message === 'string';
}
