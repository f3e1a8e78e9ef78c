/**
 * The kernel of a worker: the process table, spawning, the run loop, and sending and receiving messages,
 * locally and to and from other workers. The features (exits, links, calls, names, timers) sit beside it and
 * use it through {@link KernelPort}; `WorkerRuntime` (worker.ts) extends it and wires them in.
 *
 * The local send path (`sendFrom`'s fast path, `enqueue`) and the run loop (`runLoop`, `turn`) are hot (designs
 * 009 and 010): keep them here, monomorphic, free of closures and of extra lookups per message.
 */
import { systemClock, type Clock } from './clock';
import { checkData, copyData, encodeTrusted } from './codec';
import { PENDING, settle } from './coroutine';
import { describeArg } from './describe-arg';
import { HypernodeError } from './errors';
import { hypernodeReason } from './exit-reason';
import type { EnvelopeHandler, EventHandler, KernelPort, WorkerCounters } from './kernel-port';
import { LiveLog, newCounters, TURN_SAMPLE, xorshift32 } from './live-stats';
import { asLogger, type Logger } from './logger';
import { adoptMessages, pushMessage, senderOf, shiftMessage, type Sender } from './mailbox';
import { DISTRIBUTED_LOAD_HINT, moduleNotLoadedMessage } from './loaded-modules';
import type { ModuleTable } from './modules';
import type { ExitReason, Process, ProcessClass } from './process';
import type { ProcessContext } from './process-context';
import { ENDED, ENDING, extrasOf, isLive, onSettled, ProcRecord, RUNNING, STARTING, WAITING, type RecordOwner } from './process-record';
import { outsideProcesses, processScope } from './process-scope';
import type { Registry } from './registry';
import type { Transport } from './transport';
import { activeTrace, endTurnSpan, refreshTracing, runTraced, tracing } from './tracing';
import { TurnWatch } from './turn-watch';
import { Unborn } from './unborn';
import type { WorkerOptions } from './worker-options';
import { FrameRouter } from './frame-router';
import { Outgoing } from './outgoing';
import { spawnedModule } from './spawn-args';
import { upgradeProcess } from './upgrades';
import { E_MSG, E_SPAWN, EV_MODULE, processName } from './wire';

/** Messages one process may handle in one turn before others get theirs. */
const TURN = 64;
/** Messages handled in one run of the loop before yielding to I/O and timers. */
const BUDGET = 20_000;

/**
 * The kernel of a worker runtime. Abstract: what it needs of the features (ending a process, failing a call,
 * looking a registered name up, a process's context) is given by `WorkerRuntime`.
 */
export abstract class Kernel implements KernelPort, RecordOwner {
  readonly id: string;
  readonly cluster: string;
  readonly modules: ModuleTable;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly registry: Registry | undefined;
  readonly counters: WorkerCounters = newCounters();
  /** The last dead letters and exits (live-stats.ts). */
  readonly live: LiveLog;
  /** When this worker started (epoch ms): its processes' `startedAt` count from here. */
  readonly startedAt: number;
  /** The process table: every process and outside inbox of this worker, by full name. */
  protected readonly procs = new Map<string, ProcRecord>();
  /** The local process `sendFrom` found last (by its full name), until it ends: `sendFrom`'s fast path. */
  private lastPid = '';
  private lastRec: ProcRecord | null = null;
  protected readonly transport: Transport;
  private readonly place: (parentWorker: string) => string;
  /** `<id>:`, the start of every name of a process here. */
  protected readonly prefix: string;
  protected seq: number;
  private runq: ProcRecord[] = [];
  private runqHead = 0;
  /** A run of the loop is queued or running (read by the benchmarks to wait for a burst of spawns). */
  protected scheduled = false;
  private turnDice = 0x9e3779b9 | 0; // xorshift32 state that picks the turns timed (never 0)
  private running = false;
  /** Envelopes waiting to leave for other workers. */
  private readonly outgoing: Outgoing;
  /** Messages that arrived before their process's spawn envelope. */
  protected readonly unborn: Unborn;
  /** Called when a process ends or the loop goes idle (see `whenEmpty`). */
  protected readonly idleWaiters = new Set<() => void>();
  protected readonly router: FrameRouter;
  private readonly prefetch: number;
  private readonly loadHint: string;
  /** Whose turn it is, and runs of the loop that blocked the event loop (turn-watch.ts). */
  protected readonly watch: TurnWatch;

  constructor(options: WorkerOptions) {
    if (!options.id || options.id.includes(':')) {
      throw new HypernodeError('INVALID_OPTIONS', `Worker id '${options.id}' is not valid; use a non-empty id without ':'.`);
    }
    this.id = options.id;
    this.cluster = options.cluster;
    this.prefix = `${options.id}:`;
    this.transport = options.transport;
    this.registry = options.registry;
    this.modules = options.modules;
    this.clock = options.clock ?? systemClock;
    this.logger = asLogger(options.logger);
    this.place = options.place ?? (() => this.id);
    this.startedAt = this.clock.now();
    this.live = new LiveLog(this.id, this.clock, this.counters);
    this.unborn = new Unborn(this.live);
    this.outgoing = new Outgoing(options.transport, this.id, options.maxMessageBytes, this.logger, this.live, () => void (this.scheduled && !this.running && setImmediate(this.runLoop)));
    this.seq = options.seqStart ?? 0;
    this.prefetch = options.prefetch ?? 256;
    this.loadHint = options.loadHint ?? DISTRIBUTED_LOAD_HINT;
    this.watch = new TurnWatch(this.clock, this.logger, this.id, options.stallWarnMs);
    this.router = new FrameRouter(this.id, this.counters, this.clock, this.logger);
    this.onEnvelope(E_MSG, (env) => this.receiveMessage(env[1] as string, env[2] as string, env[3], (env[4] as string | undefined) ?? null, env[5]));
    this.onEnvelope(E_SPAWN, (env) => {
      if (this.procs.has(env[1] as string)) return this.refuseSpawn(env[1] as string, env[2] as string, env[3] as string | null);
      this.createLocal(env[1] as string, env[2] as string, env[3] as string | null, env[4], true, env[5], env[6] as number | undefined);
    });
    this.onEvent(EV_MODULE, (ev) => this.modules.invalidate(ev[1] as string, ev[2] as number));
  }

  /** Ends `rec` with `reason` (the exit rules). */
  abstract endProcess(rec: ProcRecord, reason: ExitReason): void;
  /** A lifecycle function of `rec` failed with `err`. */
  protected abstract endOnCrash(rec: ProcRecord, err: unknown): void;
  abstract endSettled(rec: ProcRecord, err: unknown): void;
  /** A spawn envelope named `name`, which a process or inbox here already has: refused, that one untouched. */
  protected abstract refuseSpawn(name: string, moduleName: string, parent: string | null): void;
  abstract callbackFailed(rec: ProcRecord, err: unknown): void;
  /** Fails the call of `token` with `reason`. */
  protected abstract failCall(token: string, reason: ExitReason): void;
  /** The process registered under `name`, as this worker last heard. */
  abstract whereis(name: string): string | undefined;
  abstract context(rec: ProcRecord): ProcessContext;
  /** A user message for `rec`, whose mailbox reached its `mailboxCheck`: queued, or refused (mailbox-bound.ts). */
  protected abstract admitOver(rec: ProcRecord, from: string, message: unknown, token: string | null, trace: unknown): void;

  /** Starts listening to the worker queue (this worker's queue on the broker, `Transport.listen`) and to cluster events. */
  async start(): Promise<void> {
    await this.transport.listen(this.id, (frame) => this.onFrame(frame), { prefetch: this.prefetch });
    await this.transport.subscribe((frame) => this.router.receiveEvent(frame));
  }

  // ---------------------------------------------------------------- the process table

  lookup(name: string): ProcRecord | undefined {
    return this.procs.get(name);
  }

  processes(): ProcRecord[] {
    return [...this.procs.values()];
  }

  nextSeq(): number {
    return ++this.seq;
  }

  resolve(name: string): string | undefined {
    if (name.includes(':')) return name;
    return this.whereis(name);
  }

  forget(rec: ProcRecord): void {
    this.procs.delete(rec.name);
    if (this.lastRec === rec) {
      this.lastPid = '';
      this.lastRec = null;
    }
  }

  checkIdle(): void {
    if (this.idleWaiters.size > 0) for (const w of [...this.idleWaiters]) w();
  }

  onEnvelope(kind: number, handler: EnvelopeHandler): void {
    this.router.onEnvelope(kind, handler);
  }

  onEvent(kind: string, handler: EventHandler): void {
    this.router.onEvent(kind, handler);
  }

  // ---------------------------------------------------------------- spawning

  protected nextName(target: string): string {
    return processName(target, this.id, ++this.seq);
  }

  /**
   * Spawns a child of `parent` (a process of this worker) and returns its name at once. `module` is a module's
   * name or a module's class (its module name is used). The child lives on `target` when given, else where
   * `place` says. `bound` is its mailbox bound (spawn option `maxMailbox`, checked by the caller).
   */
  spawnChild(parent: ProcRecord, module: string | ProcessClass, initialState: unknown, target?: string, bound?: number): string {
    const moduleName = spawnedModule(parent, module);
    const state = initialState === undefined ? {} : initialState;
    const worker = target ?? this.place(this.id);
    const trace = tracing.on ? activeTrace() : undefined;
    if (worker === this.id) {
      const copy = copyData(state, 'initialState');
      const name = this.nextName(worker);
      (parent.children ??= new Map()).set(name, moduleName);
      this.createLocal(name, moduleName, parent.name, copy, false, trace, bound);
      return name;
    }
    const maps = checkData(state, 'initialState');
    const name = this.nextName(worker);
    const env = [E_SPAWN, name, moduleName, parent.name, state];
    this.push(worker, encodeTrusted(trace === undefined && bound === undefined ? env : [...env, trace, bound], maps), 'initial state', parent.name, name);
    (parent.children ??= new Map()).set(name, moduleName);
    return name;
  }

  protected createLocal(name: string, moduleName: string, parent: string | null, state: unknown, remote: boolean, trace?: unknown, bound?: number): ProcRecord {
    const rec = new ProcRecord(this, name, this.modules.resolveNow(moduleName) ?? null, moduleName, state, parent);
    rec.startedAt = this.clock.now() - this.startedAt;
    if (trace !== undefined) extrasOf(rec).startTrace = trace;
    if (bound !== undefined) extrasOf(rec).maxMailbox = bound;
    this.procs.set(name, rec);
    this.counters.spawned++;
    const parked = remote ? this.unborn.spawned(name) : undefined;
    if (parked) {
      adoptMessages(rec, parked);
      this.counters.backlog += parked.length / 2;
      rec.received += parked.length / 2;
    }
    this.schedule(rec);
    return rec;
  }

  /** Runs `processWillRun`; when it finishes at once, messages that waited for it are scheduled. */
  private runInit(rec: ProcRecord): void {
    this.startInit(rec);
    if (rec.status === WAITING && rec.mailboxHead) this.schedule(rec);
  }

  private startInit(rec: ProcRecord): void {
    rec.status = RUNNING;
    const mod = rec.module;
    if (!mod) {
      this.modules.fetch(rec.moduleName).then(
        (entry) => {
          if (rec.status !== RUNNING) return;
          if (entry) {
            rec.module = entry;
            this.runInit(rec);
            this.flushSoon();
          } else {
            // No module of that name: the process ends with the sentence that lists those loaded.
            void this.modules.known().then((known) => {
              this.endProcess(rec, hypernodeReason('MODULE_NOT_FOUND', moduleNotLoadedMessage(rec.moduleName, this.cluster, known, this.loadHint)));
              this.flushSoon();
            });
          }
        },
        (err) => this.endOnCrash(rec, err),
      );
      return;
    }
    let value: unknown;
    try {
      const inst = (rec.instance = new (mod.cls as unknown as new () => Process)());
      const fn = inst.processWillRun;
      if (!fn) return this.finish(rec, undefined);
      const run = () => settle(fn.call(inst, rec.state, this.context(rec)), onSettled, rec, isLive);
      value = rec.extras?.startTrace === undefined ? run() : runTraced(rec, rec.extras.startTrace, 'start', run);
    } catch (err) {
      return this.endOnCrash(rec, err);
    }
    if (value !== PENDING) this.finish(rec, value);
  }

  // ---------------------------------------------------------------- the run loop

  private schedule(rec: ProcRecord): void {
    if (rec.inRunQueue) return;
    rec.inRunQueue = true;
    this.runq.push(rec);
    if (!this.scheduled) {
      this.scheduled = true;
      if (!this.running) queueMicrotask(this.runLoop);
    }
  }

  // Each turn runs in its process's scope (process-scope.ts): one enterWith per turn, reset before the loop's own work.
  private readonly runLoop = outsideProcesses((): void => {
    this.running = this.outgoing.held = true;
    refreshTracing();
    let budget = BUDGET;
    const runq = this.runq;
    const first = this.runqHead;
    this.watch.runStarted();
    while (this.runqHead < runq.length && budget > 0 && !this.outgoing.paused) {
      const rec = (this.watch.turn = runq[this.runqHead++]!);
      rec.inRunQueue = false;
      processScope.enterWith(rec);
      // One turn in TURN_SAMPLE, picked at random, is timed and counts TURN_SAMPLE times (design 020).
      if (((this.turnDice = xorshift32(this.turnDice)) & (TURN_SAMPLE - 1)) !== 0) budget -= this.turn(rec);
      else {
        const t = performance.now();
        budget -= this.turn(rec);
        rec.turnMs += (performance.now() - t) * TURN_SAMPLE;
      }
    }
    processScope.enterWith(undefined);
    this.watch.runEnded(runq, first, this.runqHead);
    // The records stay in the queue until the watch has read them; then the queue lets go of them.
    runq.fill(undefined as unknown as ProcRecord, first, this.runqHead);
    if (this.runqHead >= runq.length) {
      runq.length = 0;
      this.runqHead = 0;
    } else if (this.runqHead > 4096) {
      this.runq = runq.slice(this.runqHead);
      this.runqHead = 0;
    }
    this.running = this.outgoing.held = false;
    this.outgoing.flush();
    if (this.runqHead < this.runq.length) {
      if (!this.outgoing.paused) setImmediate(this.runLoop); // else once the transport has room (design 028)
    } else {
      this.scheduled = false;
      this.checkIdle();
    }
  });

  /** Gives `rec` up to TURN messages (or starts it); returns how much of the loop's budget that used. */
  private turn(rec: ProcRecord): number {
    if (rec.status === STARTING) {
      this.runInit(rec);
      return 1;
    }
    let n = 0;
    let ctx: ProcessContext | undefined;
    while (rec.status === WAITING && n < TURN) {
      const chunk = rec.mailboxHead;
      if (!chunk) break;
      if (rec.module!.superseded) {
        this.upgrade(rec);
        break;
      }
      const i = rec.mailboxIndex;
      const sender = chunk[i] as Sender;
      const message = chunk[i + 1];
      shiftMessage(rec, chunk, i);
      this.counters.backlog--;
      ctx ??= this.context(rec);
      if (typeof sender === 'string') this.handle(rec, sender, message, null, ctx, undefined);
      else this.handle(rec, sender.from, message, sender.token, ctx, sender.trace);
      n++;
    }
    if (rec.status === WAITING && rec.mailboxHead) this.schedule(rec);
    return n || 1;
  }

  private handle(rec: ProcRecord, from: string, message: unknown, token: string | null, ctx: ProcessContext, trace: unknown): void {
    this.counters.delivered++;
    const inst = rec.instance!;
    const fn = inst.processDidReceiveMessage;
    if (!fn) {
      if (token !== null) {
        this.failCall(token, hypernodeReason('INVALID_ARGUMENT', `Module '${rec.moduleName}' has no processDidReceiveMessage, so '${rec.name}' cannot answer calls.`));
      }
      return;
    }
    rec.status = RUNNING;
    rec.currentCall = token;
    let value: unknown;
    try {
      if (trace === undefined) value = settle(fn.call(inst, rec.state, message, from, ctx), onSettled, rec, isLive);
      else value = runTraced(rec, trace, 'handle', () => settle(fn.call(inst, rec.state, message, from, ctx), onSettled, rec, isLive));
    } catch (err) {
      return this.endOnCrash(rec, err);
    }
    if (value !== PENDING) this.finish(rec, value);
  }

  /** A lifecycle function returned `value` (the next state, or undefined to keep it). */
  private finish(rec: ProcRecord, value: unknown): void {
    if (rec.status !== RUNNING) return;
    if (value !== undefined) rec.state = value;
    rec.currentCall = null;
    rec.status = WAITING;
    if (rec.pendingEnd !== undefined) this.endProcess(rec, rec.pendingEnd);
  }

  /** An asynchronous lifecycle function of `rec` settled. */
  settled(rec: ProcRecord, err: unknown, value: unknown): void {
    if (rec.extras !== null) endTurnSpan(rec, err);
    if (err !== null) this.endOnCrash(rec, err);
    else {
      this.finish(rec, value);
      if (rec.status === WAITING && rec.mailboxHead) this.schedule(rec);
    }
    this.flushSoon();
  }

  /** Switches `rec` to the newest version of its module, or rolls it back when that fails (upgrades.ts). */
  private upgrade(rec: ProcRecord): void {
    rec.status = RUNNING;
    upgradeProcess(this, rec);
  }

  // ---------------------------------------------------------------- sending

  /** `ctx.send` of process `rec`. */
  send(rec: ProcRecord, to: string, message: unknown): void {
    if (rec.status === ENDED) {
      // An ended process's leftover callback (a timer, a socket) speaks into the void.
      checkData(message, 'message');
      this.live.deadLetter(rec.name, String(to), 'sender-ended');
      return;
    }
    this.sendFrom(rec.name, to, message, null);
  }

  /** Sends from any name (a process, an inbox, the outside); `token` marks a call. */
  sendFrom(from: string, to: string, message: unknown, token: string | null): void {
    this.counters.sent++;
    const trace = tracing.on ? activeTrace() : undefined;
    // A burst of sends usually goes to one process: the local one found last is tried before any lookup.
    let pid = to;
    let target = to === this.lastPid ? this.lastRec : null;
    if (target === null) {
      if (typeof to !== 'string') {
        throw new TypeError(`send() needs a process name (a string) as its first argument; got ${describeArg(to)}.`);
      }
      let colon = to.indexOf(':');
      if (colon < 0) {
        const found = this.whereis(to);
        if (found === undefined) {
          checkData(message, 'message');
          return this.noProcess(from, to, token);
        }
        pid = found;
        colon = pid.indexOf(':');
      }
      if (colon !== this.id.length || !pid.startsWith(this.prefix)) {
        const maps = checkData(message, 'message');
        const env = trace !== undefined ? [E_MSG, pid, from, message, token, trace] : token === null ? [E_MSG, pid, from, message] : [E_MSG, pid, from, message, token];
        this.push(pid.slice(0, colon), encodeTrusted(env, maps), 'message', from, pid);
        return;
      }
      target = this.procs.get(pid) ?? null;
    }
    const copy = copyData(message, 'message');
    if (target === null || target.status >= ENDING) return this.noProcess(from, pid, token);
    if (target.mailboxCount >= target.mailboxCheck) return this.admitOver(target, from, copy, token, trace);
    this.lastPid = pid;
    this.lastRec = target;
    this.enqueue(target, from, copy, token, trace);
  }

  enqueue(rec: ProcRecord, from: string, message: unknown, token: string | null, trace?: unknown): void {
    if (rec.inbox !== null) return rec.inbox(from, message, token);
    pushMessage(rec, token === null && trace === undefined ? from : senderOf(from, token, trace), message);
    this.counters.backlog++;
    rec.received++;
    if (rec.status === WAITING && !rec.inRunQueue) this.schedule(rec);
  }

  /** A message (a call when `token` is given) to a process that has ended or never existed. */
  private noProcess(from: string, to: string, token: string | null): void {
    this.live.deadLetter(from, to, 'no-process');
    this.logger.debug(`dead letter from '${from}' to '${to}' (no such process)`);
    if (token !== null) this.failCall(token, hypernodeReason('NO_PROCESS', `No process named '${to}' is running (it has ended or never existed); check the name.`));
  }

  push(worker: string, envelope: Uint8Array, what?: string, from?: string, to?: string): void {
    this.outgoing.push(worker, envelope, what, from, to);
  }

  flushSoon(): void {
    this.outgoing.soon();
  }

  /** Sends the queued envelopes now: one frame per destination worker. */
  protected flush(): void {
    this.outgoing.flush();
  }

  /** Sends what is queued (drops it when `drop`), then nothing more. */
  protected stopSending(drop = false): void {
    if (!drop) this.outgoing.flush();
    this.outgoing.closed = true;
  }

  publish(event: unknown[]): void {
    this.outgoing.publish(event);
  }

  // ---------------------------------------------------------------- receiving

  /** Handles one frame from the transport: an array of a header, then envelopes. Garbage is counted and logged. */
  onFrame(frame: Uint8Array): void {
    this.router.receiveFrame(frame);
    this.flush();
  }

  private receiveMessage(to: string, from: string, message: unknown, token: string | null, trace: unknown): void {
    const rec = this.procs.get(to);
    if (rec !== undefined && rec.status < ENDING) return rec.mailboxCount < rec.mailboxCheck ? this.enqueue(rec, from, message, token, trace) : this.admitOver(rec, from, message, token, trace);
    if (rec === undefined && this.unborn.isUnborn(to)) return this.unborn.park(to, senderOf(from, token, trace), message);
    this.noProcess(from, to, token);
  }
}
