/**
 * Relocation (design 031): moving a live process to another worker between two of its messages, with its
 * state, mailbox, monitors, links, registered names, timers, parent, children and module version.
 *
 * A process keeps its name when it moves. Everything addressed to it still goes to its home, the worker its
 * name starts with; the home keeps a forwarding entry and passes each envelope on, in the order it came, on the
 * home→host stream that carried the process's snapshot before them. So every sender's messages arrive in the
 * order sent, before, during and after a move (per-pair FIFO holds on each leg). The home serializes moves:
 * - the host (where the process runs) runs `processWillMove` between two messages and freezes the process;
 * - home = host: it sends the snapshot to the target, and forwards from then on;
 * - home ≠ host: the host asks the home (`E_MOVE_ASK`); the home points its entry at the target (telling the
 *   target to hold what comes for the process, `E_MOVE_EXPECT`) and tells the host to send the snapshot
 *   (`E_MOVE_OUT`): whatever the home forwarded before is in the host's mailbox by then;
 * - the target takes the snapshot (`E_MOVE_IN`), then what it held, loads the exact module version, runs
 *   `processDidMove`, and acknowledges to the host (`E_MOVE_DONE`).
 * Every worker hears where a moved process runs (`EV_LOCATED`), so the loss of its host counts it lost, and the
 * loss of its home does not: from then on what is addressed to it goes straight where it runs (so processes
 * evacuated from a worker that is then removed live on). It cannot move again after its home is gone.
 */
import { checkData, encodeTrusted } from './codec';
import { PENDING, settle } from './coroutine';
import { describeArg } from './describe-arg';
import { HypernodeError } from './errors';
import { hypernodeReason } from './exit-reason';
import type { EndHooks, KernelPort } from './kernel-port';
import { adoptMessages, clearMailbox, mailboxSize, senderOf, type Sender } from './mailbox';
import type { ModuleTable } from './modules';
import type { ExitReason, Process } from './process';
import type { ProcessContext } from './process-context';
import { ENDED, ENDING, extrasOf, isLive, onSettled, ProcRecord, RUNNING, STARTING, WAITING, type RecordOwner } from './process-record';
import { processScope } from './process-scope';
import { E_MOVE_ASK, E_MOVE_DONE, E_MOVE_EXPECT, E_MOVE_IN, E_MOVE_OUT, E_REPLY, E_SPAWN, EV_LOCATED, workerOf } from './wire';

/** Why a process did not move (see {@link MoveOutcome}). */
export type MoveRefusal = 'not-found' | 'refused' | 'not-movable' | 'target-unavailable' | 'busy';

/**
 * What a move came to. Moved: the process runs on `to` under the same name, and `pauseMs` is how long it took
 * no turn (from being frozen on `from` until the target acknowledged, which includes one trip between the two).
 * Not moved: the process is where it was, unchanged (running on), except for `'target-unavailable'` given after
 * the snapshot left (the target was lost with it: the message says so).
 */
export type MoveOutcome =
  | { name: string; moved: true; from: string; to: string; pauseMs: number }
  | { name: string; moved: false; reason: MoveRefusal; message: string };

/** What `WorkerRuntime.evacuate` did: counts by kind, and each process's outcome. */
export interface EvacuateOutcome {
  /** Processes now running on one of the targets. */
  moved: number;
  /** Processes whose `processWillMove` refused (or threw): they still run here. */
  refused: number;
  /** Processes that could not move for another reason (state the codec cannot carry, target lost, busy...). */
  failed: number;
  /** Root processes, which never move: they still run here (not counted in `failed`). */
  skipped: number;
  outcomes: MoveOutcome[];
}

/** A timer as it moves: its ref, whom it sends to, the message, and the milliseconds it had left. */
export type CarriedTimer = [string, string, unknown, number];

/** What relocation needs of its worker (the `WorkerRuntime`). */
export interface RelocationHost extends KernelPort, RecordOwner {
  readonly modules: ModuleTable;
  /** When the worker started (epoch ms). */
  readonly startedAt: number;
  /** Puts `rec` into the process table (in place of any record of that name). */
  adopt(rec: ProcRecord): void;
  /** Raises the worker's sequence to at least `seq` (refs a moved process made elsewhere stay unique); returns the sequence. */
  raiseSeq(seq: number): number;
  /** A lifecycle function of `rec` returned `value` (or threw `err`): the kernel's own continuation. */
  settled(rec: ProcRecord, err: unknown, value: unknown): void;
  carryTimers(rec: ProcRecord): CarriedTimer[];
  restoreTimers(rec: ProcRecord, timers: CarriedTimer[]): void;
  /** Sees every incoming envelope first while set (frame-router.ts). */
  intercept(fn: ((envelope: unknown[]) => boolean) | null): void;
  /** Hands an envelope to the handler of its kind, as if it had just arrived. */
  dispatch(envelope: unknown[]): void;
  /** Whether worker `id` is a live member of the cluster. */
  workerExists(id: string): Promise<boolean>;
}

interface PendingMove {
  to: string;
  frozenAt: number;
  resolve(outcome: MoveOutcome): void;
  timer: unknown;
}

/** How a process's snapshot travels in `E_MOVE_IN`. */
interface Snapshot {
  /** [module name, version, hash, superseded, version whose upgrade failed (0: none)] */
  m: [string, number, string, boolean, number];
  state: unknown;
  /** (sender, message) pairs; a sender is a name, or [from, token, trace] */
  box: unknown[];
  parent: string | null;
  children: [string, string][];
  monitors: [string, string][];
  watchers: [string, string][];
  links: string[];
  trap: boolean;
  names: string[];
  timers: CarriedTimer[];
  kept: string[];
  /** Its own mailbox bound (the spawn option `maxMailbox`), when it has one: mailbox-bound.ts. */
  max?: number;
  received: number;
  turnMs: number;
  startedAt: number;
  seq: number;
}

/** Envelope kinds whose second element is the process they are for (forwarded or held for a moved process). */
const ADDRESSED = new Set([0, 2, 3, 4, 5, 6, 7, 8, 9, 11]);
/** How long a move waits for its process to finish the turn it is in before answering `'busy'`. */
const BUSY_WAIT_MS = 5000;
/** How long a move waits for the target's acknowledgement. */
const ACK_WAIT_MS = 30_000;

/** One worker's share of relocation: moves out, moves in, forwarding for its own moved processes. */
export class Relocation implements EndHooks {
  /** At the home: process -> the worker its envelopes go to (this worker while it is on its way back). */
  private readonly away = new Map<string, string>();
  /** At a target: envelopes that came for a process whose snapshot has not arrived yet, in order. */
  private readonly held = new Map<string, unknown[][]>();
  /** Cluster-wide: moved process -> the worker it runs on (from `EV_LOCATED`). */
  private readonly located = new Map<string, string>();
  /** At the host: moves waiting for their target's acknowledgement. */
  private readonly pending = new Map<string, PendingMove>();
  /** Workers lost: what is addressed to a moved process whose home is among them goes where it is located. */
  private readonly lost = new Set<string>();

  constructor(private readonly host: RelocationHost) {
    host.onEnvelope(E_MOVE_ASK, (env) => this.asked(env[1] as string, env[2] as string, env[3] as string));
    host.onEnvelope(E_MOVE_OUT, (env) => this.sendOut(env[1] as string, env[2] as string));
    host.onEnvelope(E_MOVE_EXPECT, (env) => this.expect(env[1] as string));
    host.onEnvelope(E_MOVE_IN, (env) => this.moveIn(env[1] as string, env[2] as Snapshot | null, env[3] as string));
    host.onEnvelope(E_MOVE_DONE, (env) => this.done(env[1] as string, env[2] as boolean, env[3] as string));
    host.onEvent(EV_LOCATED, (ev) => {
      const name = ev[1] as string;
      const where = ev[2] as string | null;
      if (where === null || where === workerOf(name)) this.located.delete(name);
      else this.located.set(name, where);
      if (where === null && workerOf(name) === host.id && !this.held.has(name)) this.dropAway(name);
    });
  }

  // ---------------------------------------------------------------- where a process is (Locator)

  route(name: string): string {
    if (this.away.size !== 0) {
      const w = this.away.get(name);
      if (w !== undefined) return w;
    }
    const home = workerOf(name);
    return this.lost.size !== 0 && this.lost.has(home) ? (this.located.get(name) ?? home) : home;
  }

  /** A moved process is lost with the worker it runs on (not with its home); any other with the worker its name says. */
  isOn(name: string, worker: string): boolean {
    const at = this.located.size === 0 ? undefined : this.located.get(name);
    return at === undefined ? workerOf(name) === worker : at === worker;
  }

  /** Where an envelope for `to` that was going to `worker` goes: where `to` runs when `worker` is its lost home. */
  redirect(worker: string, to: string | undefined): string {
    if (this.lost.size === 0 || to === undefined || !this.lost.has(worker) || workerOf(to) !== worker) return worker;
    return this.located.get(to) ?? worker;
  }

  // ---------------------------------------------------------------- moving out

  /** See `WorkerRuntime.moveProcess`. */
  async move(name: string, to: string): Promise<MoveOutcome> {
    const host = this.host;
    if (typeof name !== 'string' || name.length === 0) {
      throw new HypernodeError('INVALID_ARGUMENT', `moveProcess() needs a process name (a non-empty string); got ${describeArg(name)}.`);
    }
    if (typeof to !== 'string' || to.length === 0 || to.includes(':')) {
      throw new HypernodeError('INVALID_ARGUMENT', `Cannot move '${name}' to ${describeArg(to)}; give a worker id (non-empty, without ':').`);
    }
    const rec = host.lookup(name);
    if (!rec || rec.inbox !== null || rec.status >= ENDING) return notMoved(name, 'not-found', `No process '${name}' runs on worker '${host.id}'; look it up with ps and ask its worker.`);
    if (rec.parent === null) return notMoved(name, 'not-movable', `'${name}' is a root process of worker '${host.id}'; root processes never move.`);
    if (this.pending.has(name)) return notMoved(name, 'busy', `'${name}' is already moving; wait for that move to finish.`);
    if (to === host.id) return notMoved(name, 'target-unavailable', `'${name}' already runs on worker '${to}'; give another worker.`);
    if (this.lost.has(workerOf(name))) {
      return notMoved(name, 'not-movable', `'${name}' cannot move again: its home worker '${workerOf(name)}' (which keeps its messages in order while it moves) is gone; it runs on here.`);
    }
    if (!(await host.workerExists(to).catch(() => false))) {
      return notMoved(name, 'target-unavailable', `Worker '${to}' is not a live member of cluster '${host.cluster}', so '${name}' stays on '${host.id}'; give a running worker (see workers).`);
    }
    // Only between two messages: a turn in progress (or a start) finishes first.
    const deadline = host.clock.now() + BUSY_WAIT_MS;
    while (rec.status === RUNNING || rec.status === STARTING || this.pending.has(name)) {
      if (host.clock.now() > deadline) return notMoved(name, 'busy', `'${name}' stayed in one turn for over ${BUSY_WAIT_MS} ms, so it was not moved; try again when it is idle.`);
      await new Promise((r) => setImmediate(r));
    }
    if (rec.status !== WAITING || host.lookup(name) !== rec) return notMoved(name, 'not-found', `Process '${name}' ended before it could move.`);
    // Frozen: it takes no turn from here (messages still come into its mailbox).
    rec.status = RUNNING;
    this.pending.set(name, { to, frozenAt: host.clock.now(), resolve: () => {}, timer: undefined });
    const refusal = await this.ask(rec, to);
    if (refusal !== null) {
      this.pending.delete(name);
      if (rec.status === RUNNING) host.settled(rec, null, undefined);
      host.flushSoon();
      return refusal;
    }
    const outcome = new Promise<MoveOutcome>((resolve) => {
      const p = this.pending.get(name)!;
      p.resolve = resolve;
      p.timer = host.clock.setTimeout(() => {
        if (this.pending.get(name) !== p) return;
        this.pending.delete(name);
        resolve(notMoved(name, 'target-unavailable', `Worker '${to}' did not acknowledge '${name}' within ${ACK_WAIT_MS} ms; the process may be lost with it (see exits).`));
      }, ACK_WAIT_MS);
    });
    if (workerOf(name) === host.id) this.sendOut(name, to);
    else host.push(workerOf(name), encodeTrusted([E_MOVE_ASK, name, to, host.id]));
    host.flushSoon();
    return outcome;
  }

  /** Runs `processWillMove` and checks the state can travel; the refusal, or null to go on. */
  private async ask(rec: ProcRecord, to: string): Promise<MoveOutcome | null> {
    const name = rec.name;
    const inst = rec.instance as (Process & { processWillMove?: (state: unknown, ctx: ProcessContext) => unknown }) | null;
    const fn = inst?.processWillMove;
    if (fn) {
      let answer: unknown;
      try {
        answer = processScope.run(rec, () => fn.call(inst, rec.state, this.host.context(rec)));
        if (answer !== null && typeof answer === 'object' && typeof (answer as PromiseLike<unknown>).then === 'function') answer = await answer;
      } catch (err) {
        return notMoved(name, 'refused', `processWillMove of '${name}' (${rec.moduleName}) threw, so it stays on '${this.host.id}': ${(err as Error)?.message ?? String(err)}`);
      }
      if (rec.status !== RUNNING) return notMoved(name, 'not-found', `Process '${name}' ended before it could move.`);
      if (answer === false) return notMoved(name, 'refused', `'${name}' (${rec.moduleName}) refused to move (its processWillMove returned false); it stays on '${this.host.id}'.`);
    }
    try {
      checkData(rec.state, 'state');
    } catch (err) {
      return notMoved(name, 'not-movable', `The state of '${name}' (${rec.moduleName}) cannot move to '${to}': ${(err as Error).message}`);
    }
    return null;
  }

  /** At the home: host `from` asks to move `name` to `to`. */
  private asked(name: string, to: string, from: string): void {
    const host = this.host;
    if (to === host.id) this.held.set(name, []);
    else host.push(to, encodeTrusted([E_MOVE_EXPECT, name]));
    this.setAway(name, to);
    host.push(from, encodeTrusted([E_MOVE_OUT, name, to]));
  }

  /** At the host: sends the snapshot of `name` to `to` and lets go of it (the home routes to `to` from now on). */
  private sendOut(name: string, to: string): void {
    const host = this.host;
    const rec = host.lookup(name);
    if (!rec || rec.inbox !== null || rec.status !== RUNNING) {
      host.push(to, encodeTrusted([E_MOVE_IN, name, null, host.id]));
      return this.settlePending(name, notMoved(name, 'not-found', `Process '${name}' ended before it could move.`));
    }
    let bytes: Uint8Array;
    const timers = host.carryTimers(rec);
    const snap = this.snapshot(rec, timers);
    try {
      bytes = encodeTrusted([E_MOVE_IN, name, snap, host.id], checkData(snap, 'process snapshot'));
      host.push(to, bytes, 'process snapshot', name);
    } catch (err) {
      host.restoreTimers(rec, timers);
      if (workerOf(name) === host.id) {
        // Nothing was rerouted yet: it stays here.
        host.settled(rec, null, undefined);
        return this.settlePending(name, notMoved(name, 'not-movable', `'${name}' cannot move to '${to}': ${(err as Error).message}`));
      }
      // Its home routes to `to` already: it cannot stay; it ends, and the target hears it is not coming.
      host.push(to, encodeTrusted([E_MOVE_IN, name, null, host.id]));
      host.endProcess(rec, hypernodeReason('MESSAGE_TOO_LARGE', `'${name}' could not move to '${to}' and ended: ${(err as Error).message}`));
      return this.settlePending(name, notMoved(name, 'not-movable', `'${name}' could not move to '${to}' and ended: ${(err as Error).message}`));
    }
    host.counters.backlog -= mailboxSize(rec);
    clearMailbox(rec);
    rec.status = ENDED;
    host.forget(rec);
    if (workerOf(name) === host.id) this.setAway(name, to);
    host.publish([EV_LOCATED, name, to === workerOf(name) ? null : to]);
    host.counters.relocations = (host.counters.relocations ?? 0) + 1;
    host.checkIdle();
  }

  private snapshot(rec: ProcRecord, timers: CarriedTimer[]): Snapshot {
    const host = this.host;
    const mod = rec.module!;
    const newest = host.modules.announced(rec.moduleName);
    const pinned = !mod.superseded && mod.version < newest ? newest : 0;
    const x = rec.extras;
    return {
      m: [rec.moduleName, mod.version, mod.hash, mod.superseded, pinned],
      state: rec.state,
      box: mailboxPairs(rec),
      parent: rec.parent,
      children: rec.children ? [...rec.children] : [],
      monitors: x?.monitors ? [...x.monitors] : [],
      watchers: x?.watchers ? [...x.watchers] : [],
      links: x?.links ? [...x.links] : [],
      trap: x?.trapExits === true,
      names: x?.names ? [...x.names] : [],
      timers,
      kept: x?.keptTokens ? [...x.keptTokens] : [],
      ...(x?.maxMailbox !== undefined ? { max: x.maxMailbox } : {}),
      received: rec.received,
      turnMs: rec.turnMs,
      startedAt: host.startedAt + rec.startedAt,
      seq: host.raiseSeq(0),
    };
  }

  /** At the home: `name` now goes to `to` (a stand-in record takes local sends); none when `to` is home. */
  private setAway(name: string, to: string): void {
    const host = this.host;
    this.away.set(name, to);
    let stub = host.lookup(name);
    if (!stub || stub.moduleName !== MOVED) {
      stub = new ProcRecord(host, name, null, MOVED, undefined, null);
      stub.status = WAITING;
      stub.inbox = (from, message, token) => this.forwardLocal(name, from, message, token);
      host.adopt(stub);
    }
    this.watch();
  }

  /** At the home: `name` ended (or its host was lost): no more forwarding. */
  private dropAway(name: string): void {
    this.away.delete(name);
    const stub = this.host.lookup(name);
    if (stub?.moduleName === MOVED) this.host.forget(stub);
    this.watch();
  }

  /** A process here sent to `name`, which moved away: on to where it is (or held while it comes back). */
  private forwardLocal(name: string, from: string, message: unknown, token: string | null): void {
    const env = token === null ? [0, name, from, message] : [0, name, from, message, token];
    const held = this.held.get(name);
    if (held) held.push(env);
    else this.host.push(this.away.get(name) ?? workerOf(name), encodeTrusted(env, checkData(env, 'message')), 'message', from, name);
  }

  private intercept = (env: unknown[]): boolean => {
    if (!ADDRESSED.has(env[0] as number)) return false;
    const name = env[1] as string;
    const held = this.held.get(name);
    if (held) {
      held.push(env);
      return true;
    }
    const to = this.away.get(name);
    if (to === undefined || to === this.host.id) return false;
    this.host.push(to, encodeTrusted(env, checkData(env, 'envelope')));
    return true;
  };

  /** Sets or clears the frame router's interception, as entries come and go. */
  private watch(): void {
    this.host.intercept(this.away.size !== 0 || this.held.size !== 0 ? this.intercept : null);
  }

  // ---------------------------------------------------------------- moving in

  /** At the target: hold what comes for `name` until its snapshot does. */
  private expect(name: string): void {
    if (!this.held.has(name)) this.held.set(name, []);
    this.watch();
  }

  private moveIn(name: string, snap: Snapshot | null, from: string): void {
    const host = this.host;
    const held = this.held.get(name) ?? [];
    this.held.delete(name);
    const stub = host.lookup(name);
    if (workerOf(name) === host.id) {
      this.away.delete(name);
      if (stub?.moduleName === MOVED) host.forget(stub);
    }
    if (snap === null) {
      this.watch();
      for (const env of held) host.dispatch(env);
      return;
    }
    const [moduleName, version, hash, superseded, pinned] = snap.m;
    const rec = new ProcRecord(host, name, null, moduleName, snap.state, snap.parent);
    rec.status = RUNNING;
    rec.received = snap.received;
    rec.turnMs = snap.turnMs;
    rec.startedAt = snap.startedAt - host.startedAt;
    if (snap.box.length > 0) {
      const pairs = snap.box.map((v, i) => (i % 2 === 0 && Array.isArray(v) ? senderOf(v[0] as string, v[1] as string | null, v[2] ?? undefined) : v));
      adoptMessages(rec, pairs);
      host.counters.backlog += pairs.length / 2;
    }
    if (snap.children.length > 0) rec.children = new Map(snap.children);
    const x = extrasOf(rec);
    if (snap.monitors.length > 0) x.monitors = new Map(snap.monitors);
    if (snap.watchers.length > 0) x.watchers = new Map(snap.watchers);
    if (snap.links.length > 0) x.links = new Set(snap.links);
    if (snap.trap) x.trapExits = true;
    if (snap.names.length > 0) x.names = new Set(snap.names);
    if (snap.kept.length > 0) x.keptTokens = new Set(snap.kept);
    if (snap.max !== undefined) x.maxMailbox = snap.max;
    // What was addressed to it at its home while it was on its way back (monitors, links) is its own now.
    const sx = stub?.moduleName === MOVED ? stub.extras : null;
    if (sx?.watchers) for (const [ref, w] of sx.watchers) (x.watchers ??= new Map()).set(ref, w);
    if (sx?.links) for (const l of sx.links) (x.links ??= new Set()).add(l);
    host.raiseSeq(snap.seq);
    host.adopt(rec);
    host.restoreTimers(rec, snap.timers);
    this.watch();
    for (const env of held) host.dispatch(env);
    host.modules.fetchExact(moduleName, version, hash).then(
      (entry) => {
        if (rec.status !== RUNNING) return;
        if (!entry) {
          const why = `version ${version} of module '${moduleName}' (hash ${hash}) is not available on worker '${host.id}'`;
          host.push(from, encodeTrusted([E_MOVE_DONE, name, false, why]));
          host.endProcess(rec, hypernodeReason('MODULE_NOT_FOUND', `'${name}' moved to '${host.id}' but ${why}; it ended.`));
          return host.flushSoon();
        }
        rec.module = superseded ? { ...entry, superseded: true } : pinned > 0 ? host.modules.pin(entry, pinned) : entry;
        host.push(from, encodeTrusted([E_MOVE_DONE, name, true, '']));
        this.resume(rec);
        host.flushSoon();
      },
      (err) => {
        if (rec.status !== RUNNING) return;
        host.push(from, encodeTrusted([E_MOVE_DONE, name, false, String((err as Error)?.message ?? err)]));
        host.settled(rec, err, undefined);
      },
    );
  }

  /** A new instance on this worker; `processDidMove` runs, then the process takes turns again. */
  private resume(rec: ProcRecord): void {
    const host = this.host;
    let value: unknown;
    try {
      const inst = (rec.instance = new (rec.module!.cls as unknown as new () => Process)()) as Process & {
        processDidMove?: (state: unknown, ctx: ProcessContext) => unknown;
      };
      const fn = inst.processDidMove;
      if (!fn) return host.settled(rec, null, undefined);
      value = processScope.run(rec, () => settle(fn.call(inst, rec.state, host.context(rec)) as never, onSettled, rec, isLive));
    } catch (err) {
      return host.settled(rec, err, undefined);
    }
    if (value !== PENDING) host.settled(rec, null, value);
  }

  /** At the host: the target took `name` (or could not). */
  private done(name: string, ok: boolean, why: string): void {
    const p = this.pending.get(name);
    if (!p) return;
    const from = this.host.id;
    if (ok) this.settlePending(name, { name, moved: true, from, to: p.to, pauseMs: this.host.clock.now() - p.frozenAt });
    else this.settlePending(name, notMoved(name, 'target-unavailable', `'${name}' reached worker '${p.to}' but ended there: ${why}`));
  }

  private settlePending(name: string, outcome: MoveOutcome): void {
    const p = this.pending.get(name);
    if (!p) return;
    this.pending.delete(name);
    if (p.timer !== undefined) this.host.clock.clearTimeout(p.timer as never);
    p.resolve(outcome);
  }

  // ---------------------------------------------------------------- ends and losses (EndHooks)

  /** A moved process ended: nobody needs to route to it any more. */
  ended(rec: ProcRecord, _reason: ExitReason): void {
    if (workerOf(rec.name) !== this.host.id || this.located.has(rec.name)) this.host.publish([EV_LOCATED, rec.name, null]);
  }

  /**
   * Forwarding to a lost worker stops and moves to it fail. Processes that moved away from it live on: from now on
   * what is addressed to them goes where they run (`redirect`, `route`).
   */
  workerLost(worker: string): void {
    const host = this.host;
    this.lost.add(worker);
    for (const [name, w] of [...this.away]) if (w === worker) this.dropAway(name);
    // Kept until the exit rules have walked this worker's processes (they ask isOn), then forgotten.
    queueMicrotask(() => {
      for (const [name, w] of [...this.located]) if (w === worker) this.located.delete(name);
    });
    for (const [name, p] of [...this.pending]) {
      if (p.to === worker) this.settlePending(name, notMoved(name, 'target-unavailable', `Worker '${worker}' was lost while '${name}' moved to it; the process was lost with it.`));
    }
    this.watch();
  }
}

/** The module name of the stand-in record a home keeps for a process that moved away. */
const MOVED = '$moved';

function notMoved(name: string, reason: MoveRefusal, message: string): MoveOutcome {
  return { name, moved: false, reason, message };
}

/** The mailbox of `rec` as (sender, message) pairs a frame can carry. */
function mailboxPairs(rec: ProcRecord): unknown[] {
  const out: unknown[] = [];
  for (let q = rec.mailboxHead, i = rec.mailboxIndex; q !== null; i = 0) {
    const end = q.length & ~1;
    for (; i < end; i += 2) {
      const s = q[i] as Sender;
      out.push(typeof s === 'string' ? s : [s.from, s.token, s.trace ?? null], q[i + 1]);
    }
    q = end === q.length ? null : (q[end] as unknown[]);
  }
  return out;
}

/** See `WorkerRuntime.evacuate`: every process of `host` (roots aside) onto `targets`, spread by count. */
export async function evacuate(host: RelocationHost, relocation: Relocation, targets: string[]): Promise<EvacuateOutcome> {
  if (!Array.isArray(targets) || targets.some((t) => typeof t !== 'string' || t.length === 0 || t.includes(':'))) {
    throw new HypernodeError('INVALID_ARGUMENT', `evacuate() needs a list of worker ids (non-empty strings without ':'); got ${describeArg(targets)}.`);
  }
  const to = [...new Set(targets)].filter((t) => t !== host.id);
  if (to.length === 0) {
    throw new HypernodeError('INVALID_ARGUMENT', `evacuate() on worker '${host.id}' got no other worker to move to (${JSON.stringify(targets)}); give at least one other worker id.`);
  }
  const result: EvacuateOutcome = { moved: 0, refused: 0, failed: 0, skipped: 0, outcomes: [] };
  const counts = new Map(to.map((t) => [t, 0]));
  const moves: Promise<MoveOutcome>[] = [];
  for (const rec of host.processes()) {
    if (rec.inbox !== null || rec.status >= ENDING) continue;
    if (rec.parent === null) {
      result.skipped++;
      result.outcomes.push(notMoved(rec.name, 'not-movable', `'${rec.name}' is a root process of worker '${host.id}'; root processes never move.`));
      continue;
    }
    let target = to[0]!;
    for (const t of to) if (counts.get(t)! < counts.get(target)!) target = t;
    counts.set(target, counts.get(target)! + 1);
    moves.push(relocation.move(rec.name, target));
  }
  for (const outcome of await Promise.all(moves)) {
    result.outcomes.push(outcome);
    if (outcome.moved) result.moved++;
    else if (outcome.reason === 'refused') result.refused++;
    else result.failed++;
  }
  return result;
}
