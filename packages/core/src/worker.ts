/**
 * The worker runtime: the kernel (kernel.ts) with its features wired in, and what the rest of hypernode uses
 * of a worker. Where each concept lives:
 *
 * - kernel.ts: the process table, spawning, the run loop, sending and receiving;
 * - mailbox.ts: a process's mailbox; process-record.ts: a process as its worker holds it;
 * - wire.ts: envelopes, cluster events, frames, the format of names;
 * - exits.ts: how a process ends and who is told; links.ts: monitors and links; calls.ts: calls and replies;
 *   names.ts: registered names; timers.ts: `sendAfter`;
 * - process-context.ts: the `Context` handed to a process's lifecycle functions.
 */
import { Calls } from './calls';
import { copyData, encode } from './codec';
import { describeArg } from './describe-arg';
import { HypernodeError } from './errors';
import { Exits } from './exits';
import { Kernel } from './kernel';
import { Links } from './links';
import type { EndHooks, WorkerCounters } from './kernel-port';
import { copyCounters, type DeadLetterRecord, type ExitRecord } from './live-stats';
import { LoadMeter } from './load-meter';
import { mailboxSize } from './mailbox';
import { boundOf, MailboxBounds, NO_BOUND, spawnBound, type ProcessSpawnOptions } from './mailbox-bound';
import { MemoryGuard, type LargeMailbox, type MemoryStatus } from './memory-guard';
import { Names } from './names';
import { Reconciler } from './reconciler';
import type { ExitReason, ProcessClass } from './process';
import { ProcessContext, type ContextPort } from './process-context';
import { ENDED, ENDING, ProcRecord, RUNNING, STARTING, WAITING, type InboxHandler } from './process-record';
import { evacuate, Relocation, type CarriedTimer, type EvacuateOutcome, type MoveOutcome, type RelocationHost } from './relocation';
import type { LoadReport } from './registry';
import { Timers } from './timers';
import { TopSampler, type WorkerTop } from './top-sampler';
import type { StallReport, TurnInfo } from './turn-watch';
import type { TransportStats } from './transport';
import type { WorkerOptions } from './worker-options';
import { workerDelivery, type WorkerDelivery } from './worker-delivery';
import { inboxName, EV_MODULE, EV_REGISTRY_RESTORED, EV_WORKER_LOST, workerOf } from './wire';

export { ProcRecord };
export { workerLostEvent } from './wire';
export type { WorkerOptions };

/** What `ps` shows of one process. */
export interface ProcessInfo {
  name: string;
  module: string;
  version: number;
  parent: string | null;
  worker: string;
  mailboxSize: number;
  /** Its mailbox bound (`maxMailbox`), or null for none. */
  maxMailbox?: number | null;
  /** Its mailbox holds at least its worker's warning size (`WorkerStats.mailboxes.warnAt`). */
  mailboxOver?: boolean;
  status: 'starting' | 'running' | 'waiting' | 'exiting';
  children: number;
  names: string[];
}

/** What `inspect` shows of one process: its `ps` line, and who it is tied to. */
export interface ProcessDetail extends ProcessInfo {
  /** Its state's size encoded by the codec, in bytes; null when the state holds something the codec cannot carry. */
  stateBytes: number | null;
  /** Its living children's names. */
  childNames: string[];
  /** The processes it is linked to. */
  links: string[];
  /** The processes it monitors. */
  monitors: string[];
  /** The processes monitoring it. */
  monitoredBy: string[];
  trapExits: boolean;
}

/** Counters of one worker: its kernel's counters, and how many processes it holds now. */
export interface WorkerStats extends WorkerCounters {
  processes: number;
  /**
   * Frames and cluster events this worker dropped because they failed the cluster secret's check (forged,
   * tampered with, replayed, or from a member without the secret); always 0 without a secret.
   */
  forgedFrames: number;
  /** Frames to other workers sent again by the delivery layer (after a reconnect, a gap or a timeout; design 028). */
  framesResent?: number;
  /** Frames to other workers sent and not yet acknowledged by their receiver, now. */
  framesUnacked?: number;
  /** Mailboxes of its processes against the worker's warning size: how many hold at least `warnAt`, and the largest. */
  mailboxes?: { warnAt: number; over: number; largest: LargeMailbox | null };
  /** Its heap against its limit, as its memory guard last saw it (memory-guard.ts). */
  memory?: MemoryStatus;
}

/**
 * The worker runtime: hosts many processes in one Node process. It owns mailboxes, the run loop, the local fast
 * path (a message between two of its processes is copied through the codec's rules but never encoded), frames to
 * other workers (one frame per destination per tick) and its share of the cluster protocol (spawns, exits,
 * monitors, links, calls, names).
 */
export class WorkerRuntime extends Kernel implements ContextPort, RelocationHost {
  private readonly calls: Calls;
  private readonly timers: Timers;
  private readonly names: Names;
  private readonly links: Links;
  private readonly exits: Exits;
  private readonly relocation: Relocation;
  private readonly workerExistsOption: WorkerOptions['workerExists'];
  /** Event-loop delay per load report, started on the first report. */
  private meter: LoadMeter | undefined;
  /** Rates for `top`, started on the first sample. */
  private sampler: TopSampler | undefined;
  /** Exactly-once delivery to other workers (design 028), unless turned off. */
  private readonly delivery: WorkerDelivery | undefined;
  /** Applies losses recorded in the registry that no event brought (design 029); none without a registry. */
  private readonly reconciler: Reconciler | undefined;

  /** Mailbox bounds and the warning size (mailbox-bound.ts). */
  readonly bounds: MailboxBounds;
  /** The memory guard (memory-guard.ts): checking on a timer when `options.memoryGuard` is given. */
  readonly memoryGuard: MemoryGuard;
  private readonly guardOn: boolean;

  constructor(options: WorkerOptions) {
    const delivery = workerDelivery(options);
    super(delivery === undefined ? options : { ...options, transport: delivery.transport });
    delivery?.attach(this.live);
    this.delivery = delivery;
    const failCall = (token: string, reason: ExitReason) => this.failCall(token, reason);
    this.bounds = new MailboxBounds({ id: this.id, clock: this.clock, logger: this.logger, live: this.live, failCall }, options.mailboxWarn);
    this.memoryGuard = new MemoryGuard({ id: this.id, clock: this.clock, logger: this.logger, bounds: this.bounds, records: () => this.procs.values() }, options.memoryGuard || {});
    this.guardOn = options.memoryGuard !== undefined && options.memoryGuard !== false;
    this.calls = new Calls(this);
    this.timers = new Timers(this);
    this.names = new Names(this);
    this.links = new Links(this);
    this.relocation = new Relocation(this);
    this.workerExistsOption = options.workerExists;
    // The end-of-process hooks, in the order they run.
    const hooks: EndHooks[] = [this.unborn, this.calls, this.timers, this.names, this.links, this.relocation];
    if (delivery) hooks.push(delivery);
    const { processEnded } = options;
    if (processEnded) hooks.push({ ended: () => processEnded(this.id) });
    this.exits = new Exits(this, hooks, {
      resilientWorkers: options.resilientWorkers,
      onWorkerLost: options.onWorkerLost,
    });
    const { onLostSelf } = options;
    this.onEvent(EV_WORKER_LOST, (ev) => {
      const why = (ev[2] as string | undefined) ?? 'it stopped answering';
      if (ev[1] === this.id) onLostSelf?.(why);
      else this.workerLost(ev[1] as string, why);
    });
    const { registry, transport, reconcileEveryMs: everyMs } = options;
    this.reconciler = registry && new Reconciler({ port: this, transport, registry, clock: this.clock, logger: this.logger, onLostSelf, everyMs });
  }

  /** Starts listening to the worker queue and to cluster events, then reads the registered names. */
  override async start(): Promise<void> {
    await super.start();
    await this.names.load();
    this.reconciler?.start();
    if (this.guardOn) this.memoryGuard.start();
  }

  /** Reads the registry's lost-worker record now and applies the losses not applied yet; resolves with how many (design 029). */
  reconcile(): Promise<number> {
    return this.reconciler?.reconcile() ?? Promise.resolve(0);
  }

  // ---------------------------------------------------------------- what the kernel needs of the features

  endProcess(rec: ProcRecord, reason: ExitReason): void {
    this.exits.endProcess(rec, reason);
  }

  protected endOnCrash(rec: ProcRecord, err: unknown): void {
    this.exits.endOnCrash(rec, err);
  }

  endSettled(rec: ProcRecord, err: unknown): void {
    this.exits.endSettled(rec, err);
  }

  protected refuseSpawn(name: string, moduleName: string, parent: string | null): void {
    this.exits.refuseSpawn(name, moduleName, parent);
  }

  callbackFailed(rec: ProcRecord, err: unknown): void {
    this.exits.endOnCallbackCrash(rec, err);
  }

  protected failCall(token: string, reason: ExitReason): void {
    this.calls.replyTo(token, undefined, reason);
  }

  whereis(name: string): string | undefined {
    return this.names.whereis(name);
  }

  context(rec: ProcRecord): ProcessContext {
    return new ProcessContext(this, rec);
  }

  // ---------------------------------------------------------------- relocation (relocation.ts, design 031)

  route(name: string): string {
    return this.relocation.route(name);
  }

  isOn(name: string, worker: string): boolean {
    return this.relocation.isOn(name, worker);
  }

  /**
   * Moves process `name` of this worker to worker `toWorker` between two of its messages, with its state, mailbox,
   * monitors, links, names, timers, parent, children and module version; it keeps its name, and every sender's
   * messages keep their order (design 031). Resolves once the target runs it, or with why it did not move (it
   * then runs on here unchanged). Throws `INVALID_ARGUMENT` for a name or worker id that is not a string.
   */
  moveProcess(name: string, toWorker: string): Promise<MoveOutcome> {
    return this.relocation.move(name, toWorker);
  }

  /**
   * Moves every process of this worker (root processes aside: `skipped`) onto `targets`, spread by count; those
   * that refuse or cannot move stay and are counted. Throws `INVALID_ARGUMENT` when `targets` names no other worker.
   */
  evacuate(targets: string[]): Promise<EvacuateOutcome> {
    return evacuate(this, this.relocation, targets);
  }

  /** Queues an envelope for `worker`; one for a moved process whose home was lost goes where the process runs. */
  override push(worker: string, envelope: Uint8Array, what?: string, from?: string, to?: string): void {
    super.push(this.relocation.redirect(worker, to), envelope, what, from, to);
  }

  adopt(rec: ProcRecord): void {
    this.procs.set(rec.name, rec);
  }

  raiseSeq(seq: number): number {
    if (seq > this.seq) this.seq = seq;
    return this.seq;
  }

  carryTimers(rec: ProcRecord): CarriedTimer[] {
    return this.timers.carry(rec);
  }

  restoreTimers(rec: ProcRecord, timers: CarriedTimer[]): void {
    this.timers.restore(rec, timers);
  }

  intercept(fn: ((envelope: unknown[]) => boolean) | null): void {
    this.router.intercept = fn;
  }

  dispatch(envelope: unknown[]): void {
    try {
      this.router.dispatch(envelope);
    } catch (err) {
      this.logger.warn(`worker '${this.id}' dropped an envelope held for a moving process: ${(err as Error).message}`);
    }
  }

  async workerExists(id: string): Promise<boolean> {
    if (this.workerExistsOption) return this.workerExistsOption(id);
    if (!this.registry) return false;
    return (await this.registry.listMembers()).some((m) => m.id === id && m.role === 'worker');
  }

  protected admitOver(rec: ProcRecord, from: string, message: unknown, token: string | null, trace: unknown): void {
    if (this.bounds.admit(rec, from, token)) this.enqueue(rec, from, message, token, trace);
  }

  // ---------------------------------------------------------------- a process's context (ContextPort)

  requestEnd(rec: ProcRecord, err: unknown): void {
    this.exits.requestEnd(rec, err);
  }

  endFrom(from: string, target: string, reason: unknown): void {
    this.exits.endFrom(from, target, reason);
  }

  /** Sends `message` to `to` as a call from `from` and resolves with the reply. */
  call(from: string, to: string, message: unknown, timeoutMs = 5000): Promise<unknown> {
    return this.calls.call(from, to, message, timeoutMs);
  }

  reply(rec: ProcRecord, value: unknown): void {
    this.calls.reply(rec, value);
  }

  keepToken(rec: ProcRecord): string | undefined {
    return this.calls.keepToken(rec);
  }

  replyFrom(rec: ProcRecord, token: string, value: unknown): void {
    this.calls.replyFrom(rec, token, value);
  }

  monitor(rec: ProcRecord, name: string): string {
    return this.links.monitor(rec, name);
  }

  demonitor(rec: ProcRecord, ref: string): void {
    this.links.demonitor(rec, ref);
  }

  link(rec: ProcRecord, name: string): void {
    this.links.link(rec, name);
  }

  unlink(rec: ProcRecord, name: string): void {
    this.links.unlink(rec, name);
  }

  trapExits(rec: ProcRecord, on: boolean): void {
    this.links.trapExits(rec, on);
  }

  register(rec: ProcRecord, name: string): Promise<void> {
    return this.names.register(rec, name);
  }

  unregister(rec: ProcRecord, name: string): Promise<void> {
    return this.names.unregister(rec, name);
  }

  sendAfter(rec: ProcRecord, to: string, message: unknown, ms: number): string {
    return this.timers.sendAfter(rec, to, message, ms);
  }

  cancelTimer(rec: ProcRecord, ref: string): boolean {
    return this.timers.cancelTimer(rec, ref);
  }

  /** The worker clock's time in epoch milliseconds. */
  now(): number {
    return this.clock.now();
  }

  // ---------------------------------------------------------------- cluster events

  /** Tells every worker that `worker` is gone (it died or stopped answering): see {@link WorkerRuntime.workerLost}. */
  announceWorkerLost(worker: string, why: string): void {
    this.publish([EV_WORKER_LOST, worker, why]);
  }

  /**
   * Applies the loss of another worker here: every process of it counts as crashed. Local processes whose
   * parent lived there end (`'shutdown'`, unless that worker is resilient, like the cluster daemon's);
   * local parents of processes there get `CHILD_PROCESS_EXIT` with a `WORKER_LOST` error; monitors get
   * `DOWN`; links fire; calls waiting on it fail; messages parked for processes it was spawning are dropped.
   * Idempotent per worker: returns whether this call applied the loss (false when it was applied before).
   */
  workerLost(worker: string, why: string): boolean {
    return this.exits.workerLost(worker, why);
  }

  /** Tells every worker that the registry came back empty: each registers its processes' names again. */
  announceRegistryRestored(): void {
    this.publish([EV_REGISTRY_RESTORED]);
  }

  /** Announces a new module version: workers switch running processes of it on their next message. */
  announceModule(name: string, version: number): void {
    this.modules.invalidate(name, version);
    this.publish([EV_MODULE, name, version]);
  }

  // ---------------------------------------------------------------- outside access

  /**
   * Spawns a child of the process `parentName` of this worker (the embedded cluster's root, the cluster
   * daemon's) and returns its name at once. The child lives on worker `target` when given, else where this
   * worker's `place` says. `options.maxMailbox` bounds its mailbox (checked: `INVALID_ARGUMENT` when bad).
   */
  spawnAsChild(parentName: string, moduleName: string | ProcessClass, initialState: unknown, target?: string, options?: ProcessSpawnOptions): string {
    const parent = this.lookup(parentName);
    const label = typeof moduleName === 'string' ? moduleName : describeArg(moduleName);
    if (!parent || parent.status >= ENDING) {
      throw new HypernodeError('NO_PROCESS', `Process '${parentName}' is not running on worker '${this.id}', so it cannot spawn '${label}'.`);
    }
    if (target !== undefined && (typeof target !== 'string' || target.length === 0 || target.includes(':'))) {
      throw new HypernodeError('INVALID_ARGUMENT', `Cannot spawn '${label}' on ${describeArg(target)}; give a worker id (non-empty, without ':').`);
    }
    const name = this.spawnChild(parent, moduleName, initialState, target, spawnBound(options, label));
    this.flushSoon();
    return name;
  }

  /**
   * Starts a process with no parent on this worker (the root process), named `name` when given (the
   * cluster daemon keeps its root's name across restarts).
   */
  spawnRoot(moduleName: string, initialState: unknown, name?: string): string {
    const pid = name ?? this.nextName(this.id);
    if (!pid.startsWith(this.prefix)) {
      throw new HypernodeError('INVALID_ARGUMENT', `A root process of worker '${this.id}' must be named '${this.prefix}...'; got '${pid}'.`);
    }
    if (this.procs.has(pid)) {
      throw new HypernodeError('NAME_TAKEN', `Cannot start a root process '${pid}' (${moduleName}) on worker '${this.id}': a process of that name already runs there; it was left running. Give another name, or end that process first.`);
    }
    this.createLocal(pid, moduleName, null, copyData(initialState ?? {}, 'initialState'), false);
    return pid;
  }

  /** Whether a process (not an inbox) of this name lives on this worker. */
  has(name: string): boolean {
    const rec = this.procs.get(name);
    return rec !== undefined && rec.inbox === null && rec.status < ENDED;
  }

  /** The status `ps()` would show for process `name` on this worker, or undefined when it has none of that name. */
  processStatus(name: string): ProcessInfo['status'] | undefined {
    const rec = this.procs.get(name);
    if (rec === undefined || rec.inbox !== null || rec.status >= ENDED) return undefined;
    return rec.status === WAITING ? 'waiting' : rec.status === RUNNING ? 'running' : rec.status === STARTING ? 'starting' : 'exiting';
  }

  /** Resolves once this worker hosts no process (inboxes aside) and its loop is idle. */
  whenEmpty(): Promise<void> {
    return new Promise((resolve) => {
      const check = () => {
        let live = 0;
        for (const rec of this.procs.values()) if (!rec.inbox) live++;
        if (live === 0 && !this.scheduled) {
          this.idleWaiters.delete(check);
          resolve();
        }
      };
      this.idleWaiters.add(check);
      check();
    });
  }

  /**
   * Opens an outside inbox (for tests, scripts, the CLI: see `Inbox`): a name processes can send to, whose
   * messages go to `handler` as they arrive. Its name never equals a process's name.
   */
  openInbox(handler: InboxHandler): string {
    const name = inboxName(this.id, this.nextSeq());
    const rec = new ProcRecord(this, name, null, '$inbox', undefined, null);
    rec.status = WAITING;
    rec.inbox = handler;
    rec.mailboxCheck = NO_BOUND;
    this.procs.set(name, rec);
    return name;
  }

  /** Closes an outside inbox: later messages to its name are dead letters. */
  closeInbox(name: string): void {
    const rec = this.procs.get(name);
    if (rec?.inbox) {
      rec.status = ENDED;
      this.forget(rec);
    }
  }


  /**
   * Ends a process of this worker from outside (another process's `kill`, the CLI's `kill`) at once: a handler
   * waiting at a `yield` is abandoned, as in Erlang's `exit(Pid, Reason)`. False when no such process lives here.
   */
  kill(name: string, reason: unknown): boolean {
    // A process that moved away from here (its home) is ended where it runs (design 031).
    if (typeof name === 'string' && workerOf(name) === this.id && this.route(name) !== this.id) {
      this.exits.endFrom(name, name, reason);
      return true;
    }
    return this.exits.endByName(name, reason);
  }

  /** Ends every process here with `reason` (without waiting for `whenEmpty`). */
  exitAll(reason: ExitReason): void {
    for (const rec of this.processes()) if (!rec.inbox) this.exits.endProcess(rec, reason);
    this.flush();
  }

  /** Ensures pending frames leave now. */
  flushNow(): void {
    this.flush();
  }

  /** A snapshot of every process of this worker (outside inboxes excluded). */
  ps(): ProcessInfo[] {
    const out: ProcessInfo[] = [];
    for (const rec of this.procs.values()) {
      if (rec.inbox) continue;
      out.push({
        name: rec.name,
        module: rec.moduleName,
        version: rec.module?.version ?? 0,
        parent: rec.parent,
        worker: this.id,
        mailboxSize: rec.mailboxCount,
        maxMailbox: boundOf(rec),
        mailboxOver: rec.mailboxCount >= this.bounds.warnAt,
        status: rec.status === WAITING ? 'waiting' : rec.status === RUNNING ? 'running' : rec.status === STARTING ? 'starting' : 'exiting',
        children: rec.children?.size ?? 0,
        names: rec.extras?.names ? [...rec.extras.names] : [],
      });
    }
    return out;
  }

  /** One process of this worker in detail (for operators: state size, links, monitors, names), or undefined. */
  inspect(name: string): ProcessDetail | undefined {
    const rec = this.procs.get(name);
    if (rec === undefined || rec.inbox !== null || rec.status >= ENDED) return undefined;
    const info = this.ps().find((p) => p.name === name);
    if (info === undefined) return undefined;
    let stateBytes: number | null;
    try {
      stateBytes = encode(rec.state, 'state').byteLength;
    } catch {
      stateBytes = null;
    }
    const x = rec.extras;
    return {
      ...info,
      stateBytes,
      childNames: rec.children ? [...rec.children.keys()] : [],
      links: x?.links ? [...x.links] : [],
      monitors: x?.monitors ? [...new Set(x.monitors.values())] : [],
      monitoredBy: x?.watchers ? [...new Set(x.watchers.values())] : [],
      trapExits: x?.trapExits === true,
    };
  }

  /**
   * The turn running now: the process, its module, and when the run of the loop holding the turn began. Undefined
   * between turns, so code outside a process's turn (a timer, an RPC handler) always gets undefined; a process's
   * own code gets its own turn.
   */
  currentTurn(): TurnInfo | undefined {
    return this.watch.current();
  }

  /** The last run of the loop that blocked the event loop for at least `stallWarnMs`, with the processes it ran. */
  lastStall(): StallReport | undefined {
    return this.watch.last;
  }

  /**
   * Stops every process here at once, without running any more of their code (no `processWillExit`, no
   * messages): each counts as ended, so its leftover callbacks speak into the void, and nothing more is sent.
   * For a worker the cluster has declared lost (fencing): its processes' parents were already told.
   */
  halt(): void {
    for (const rec of this.procs.values()) rec.status = ENDED;
    this.procs.clear();
    this.stopSending(true);
  }

  /**
   * Holds a lease of `ms` that {@link WorkerRuntime.renewLease} renews: when a run of the loop starts or ends
   * with the lease not renewed for `ms` (the loop was blocked that long), `expired` is called (once) before
   * that run's frames leave, so a worker can halt (fence itself) first. Checked with the clock reads each run
   * makes anyway.
   */
  holdLease(ms: number, expired: (silentMs: number) => void): void {
    this.watch.lease(ms, expired);
  }

  /** Renews the lease of {@link WorkerRuntime.holdLease}. */
  renewLease(): void {
    this.watch.renew();
  }

  /** The counters of this worker's transport: forged frames and the delivery layer's resent and unacknowledged frames are counted there. */
  protected transportStats(): TransportStats {
    return this.transport.stats();
  }

  /** This worker's counters since it started, and how many processes it hosts now. */
  stats(): WorkerStats {
    let processes = 0;
    let over = 0;
    let largest: ProcRecord | undefined;
    const warnAt = this.bounds.warnAt;
    for (const rec of this.procs.values()) {
      if (rec.inbox) continue;
      processes++;
      if (rec.mailboxCount >= warnAt) over++;
      if (rec.mailboxCount > (largest?.mailboxCount ?? 0) && rec.status < ENDING) largest = rec;
    }
    const t = this.transportStats();
    const top = largest && { name: largest.name, module: largest.moduleName, size: largest.mailboxCount };
    const mailboxes = { warnAt, over, largest: top ?? null };
    return { processes, ...copyCounters(this.counters), forgedFrames: t.forgedFrames ?? 0, framesResent: t.delivery?.resent ?? 0, framesUnacked: t.delivery?.unacked ?? 0, mailboxes, memory: this.memoryGuard.status() };
  }

  /**
   * What `top` shows of this worker now: rates over the time since the previous call (or since it started), the
   * OS process's CPU and memory, and its busiest processes (see top-sampler.ts).
   */
  top(): WorkerTop {
    this.sampler ??= new TopSampler(this.clock, this.startedAt);
    return this.sampler.sample(this.id, this.counters, this.procs.values());
  }

  /** The last dead letters here (at most 200), oldest first: those at or after `since` (epoch ms), at most the newest `limit`. */
  recentDeadLetters(since?: number, limit?: number): DeadLetterRecord[] {
    return this.live.deadLetters.list(since, limit);
  }

  /** The last processes that ended here (at most 200), oldest first, as {@link WorkerRuntime.recentDeadLetters}. */
  recentExits(since?: number, limit?: number): ExitRecord[] {
    return this.live.exits.list(since, limit);
  }

  /** The load report the scheduler reads; its event-loop delay covers the time since the previous report. */
  load(): LoadReport {
    this.meter ??= new LoadMeter();
    // Outside inboxes and the forwarding entries of processes that moved away (relocation.ts) are not processes.
    let processes = 0;
    for (const rec of this.procs.values()) if (!rec.inbox) processes++;
    return {
      processes,
      backlog: this.counters.backlog,
      eventLoopDelayMs: this.meter.read(),
      rssBytes: process.memoryUsage.rss(),
      at: this.clock.now(),
    };
  }

  /** Sends what is pending, then stops sending; calls still waiting never settle (their timers are stopped). */
  async close(): Promise<void> {
    this.reconciler?.close();
    this.stopSending();
    this.delivery?.transport.stop();
    this.memoryGuard.stop();
    this.meter?.stop();
    this.sampler?.stop();
    this.calls.close();
  }
}
