import { assembleArray, checkData, copyData, decodeMany, decodeTrusted, encodeTrusted } from './codec';
import { systemClock, type Clock, type TimerHandle } from './clock';
import { ProcessContext } from './process-context';
import { PENDING, settle } from './coroutine';
import { HypernodeError } from './errors';
import { describeReason, hypernodeReason, isCrash, reviveExitReason, toExitReason } from './exit-reason';
import { LoadMeter } from './load-meter';
import type { Logger } from './logger';
import type { ModuleEntry, ModuleTable } from './modules';
import type { ExitReason, Process } from './process';
import type { LoadReport, Registry } from './registry';
import type { Transport } from './transport';

const INIT = 0; // created; processWillRun not started
const BUSY = 1; // a lifecycle function (or a module fetch) is in progress
const IDLE = 2;
const EXITING = 3;
const DEAD = 4;

/** Messages one process may handle in one turn before others get theirs. */
const TURN = 64;
/** Messages handled in one run of the loop before yielding to I/O and timers. */
const BUDGET = 20_000;
/** Slots in a mailbox chunk: (sender, message) pairs. */
const CHUNK = 512;

// Envelope kinds (first element of each envelope in a frame).
const E_MSG = 0;
const E_SPAWN = 1;
const E_EXITED = 2;
const E_KILL = 3;
const E_MONITOR = 4;
const E_DEMONITOR = 5;
const E_DOWN = 6;
const E_LINK = 7;
const E_UNLINK = 8;
const E_LINK_EXIT = 9;
const E_REPLY = 10;
const E_EXIT_REQ = 11;

const FRAME_MAGIC = 'hn2';

// Cluster event kinds (published frames).
const EV_NAME = 'name';
const EV_UNNAME = 'unname';
const EV_MODULE = 'module';
const EV_WORKER_LOST = 'worker-lost';
const EV_REGISTRY_RESTORED = 'registry-restored';

/** Rarely used per-process data, allocated on first use so an idle process stays small. */
interface ProcExtra {
  timers?: Map<string, TimerHandle>;
  monitors?: Map<string, string>; // ref -> target, held by the watcher
  watchers?: Map<string, string>; // ref -> watcher, held by the target
  links?: Set<string>;
  trap?: boolean;
  names?: Set<string>;
  reason?: ExitReason;
  quiet?: boolean; // ended by its parent: the parent is not notified
  /** Call tokens this process kept (callToken()) and has not answered yet. */
  kept?: Set<string>;
}

/** The sender of a message that is a call, as it waits in a mailbox (plain messages store just the name). */
class CallFrom {
  constructor(
    readonly from: string,
    readonly token: string,
  ) {}
}

/** One process as its worker holds it. Internal. */
export class ProcRecord {
  st = INIT;
  inRq = false;
  /**
   * The mailbox: chunks of (sender, message) pairs; the first chunk (`q`, read from index `qh`) and the last
   * (`qt`, appended to). A full chunk gets the next chunk as its last element (so it has an odd length).
   * Chunks keep a long mailbox from being one huge array that must be copied as it grows.
   */
  q: unknown[] | null = null;
  qt: unknown[] | null = null;
  qh = 0;
  children: Map<string, string> | null = null;
  cur: string | null = null;
  pendingExit: ExitReason | undefined = undefined;
  x: ProcExtra | null = null;
  inst: Process | null = null;
  sink: ((from: string, message: unknown, token: string | null) => void) | null = null;

  constructor(
    readonly w: WorkerRuntime,
    readonly name: string,
    public mod: ModuleEntry | null,
    readonly modName: string,
    public state: any,
    readonly parent: string | null,
  ) {}
}

/** Whether `frame` is laid out as hypernode before frame layout `hn2` did it: a header `['hn1', worker]` then envelopes. */
function isOlderFrame(frame: Uint8Array): boolean {
  try {
    const head = decodeMany(frame)[0];
    return Array.isArray(head) && head[0] === 'hn1';
  } catch {
    return false;
  }
}

/** Messages waiting in a process's mailbox, counted chunk by chunk. */
function mailboxSize(rec: ProcRecord): number {
  let n = 0;
  // A chunk of odd length ends with the next chunk; the pairs before it are (sender, message).
  for (let q = rec.q, i = rec.qh; q !== null; i = 0) {
    const end = q.length & ~1;
    n += (end - i) / 2;
    q = end === q.length ? null : (q[end] as unknown[]);
  }
  return n;
}

/** The sender (a name, or a CallFrom for a call) of each message waiting in `rec`'s mailbox, oldest first. */
function* waitingSenders(rec: ProcRecord): Generator<unknown> {
  // A chunk of odd length ends with the next chunk; the pairs before it are (sender, message).
  for (let q = rec.q, i = rec.qh; q !== null; q = i === q.length ? null : (q[i] as unknown[]), i = 0) {
    for (; i + 1 < q.length; i += 2) yield q[i];
  }
}

/** What `ps` shows of one process. */
export interface ProcessInfo {
  name: string;
  module: string;
  version: number;
  parent: string | null;
  worker: string;
  mailboxSize: number;
  status: 'starting' | 'running' | 'waiting' | 'exiting';
  children: number;
  names: string[];
}

/** Counters of one worker. */
export interface WorkerStats {
  processes: number;
  spawned: number;
  exited: number;
  crashed: number;
  delivered: number;
  deadLetters: number;
  badFrames: number;
  backlog: number;
}

export interface WorkerOptions {
  /** Unique in the cluster; must not contain ':'. */
  id: string;
  transport: Transport;
  registry?: Registry;
  modules: ModuleTable;
  clock?: Clock;
  logger: Logger;
  /** Chooses the worker of a new process (its parent lives on `parentWorker`). Default: this worker. */
  place?: (parentWorker: string) => string;
  /** Cluster name, for messages. */
  cluster: string;
  /**
   * First sequence number for names this worker makes. A worker whose id survives restarts (the cluster
   * daemon's) starts from a number that only grows, such as the start time, so names are never reused.
   */
  seqStart?: number;
  /** How to load a module, for `MODULE_NOT_FOUND` messages (default: the distributed CLI's way). */
  loadHint?: string;
  /**
   * Frames of this worker's inbox handed over before the first is acknowledged (default 256). The transport
   * acknowledges in batches, at the latest once half of this window is outstanding: a wider window means fewer
   * acks, each of which costs the broker work on the round trip's path (design 012).
   */
  prefetch?: number;
  /** Workers whose loss does not end the children of their processes (the cluster daemon's: its root comes back). */
  resilientWorkers?: string[];
  /** Called when the transport reports that a worker is lost, after the local consequences ran. */
  onWorkerLost?: (worker: string) => void;
}

interface PendingCall {
  /** The callee's name, as resolved when the call was made. */
  target: string;
  resolve(value: unknown): void;
  reject(err: unknown): void;
  timer: TimerHandle;
}

/**
 * The worker runtime: hosts many processes in one Node process. It owns mailboxes, the scheduler loop, the
 * local fast path (a message between two of its processes is copied through the codec's rules but never
 * encoded), frames to other workers (one frame per destination per tick) and its share of the cluster
 * protocol (spawns, exits, monitors, links, calls).
 */
export class WorkerRuntime {
  readonly id: string;
  readonly cluster: string;
  private readonly procs = new Map<string, ProcRecord>();
  /** The local process `sendFrom` found last (by its full name), until it ends: `sendFrom`'s fast path. */
  private lastPid = '';
  private lastRec: ProcRecord | null = null;
  private forgetLast(): void {
    this.lastPid = '';
    this.lastRec = null;
  }
  private readonly transport: Transport;
  private readonly registry: Registry | undefined;
  readonly modules: ModuleTable;
  private readonly clock: Clock;
  private readonly logger: Logger;
  private readonly place: (parentWorker: string) => string;
  private readonly prefix: string;
  private seq = 0;
  private runq: ProcRecord[] = [];
  private rqHead = 0;
  private scheduled = false;
  private running = false;
  private readonly out = new Map<string, Uint8Array[]>();
  private flushQueued = false;
  private readonly header: Uint8Array;
  private readonly calls = new Map<string, PendingCall>();
  private readonly names = new Map<string, string>();
  /** Highest remote-spawn sequence seen per spawning worker: tells "not born yet" from "ended". */
  private readonly born = new Map<string, number>();
  /** Messages for processes whose spawn envelope has not arrived yet, by name. */
  private readonly unborn = new Map<string, unknown[]>();
  private readonly idleWaiters = new Set<() => void>();
  private closed = false;
  private readonly counters = { spawned: 0, exited: 0, crashed: 0, delivered: 0, deadLetters: 0, badFrames: 0, backlog: 0 };
  private lastBadFrameLog = 0;

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
    this.logger = options.logger;
    this.place = options.place ?? (() => this.id);
    this.header = encodeTrusted([FRAME_MAGIC, this.id]);
    this.seq = options.seqStart ?? 0;
    this.prefetch = options.prefetch ?? 256;
    this.loadHint = options.loadHint ?? "Load it with 'hypernode-cli load <file>' (or connectCluster().load).";
    this.resilient = new Set(options.resilientWorkers ?? []);
    this.onWorkerLost = options.onWorkerLost;
  }

  private readonly resilient: Set<string>;
  private readonly prefetch: number;
  private readonly loadHint: string;
  /** Event-loop delay per load report, started on the first report. */
  private meter: LoadMeter | undefined;
  private readonly onWorkerLost: ((worker: string) => void) | undefined;
  private readonly lostWorkers = new Set<string>();

  /** Starts listening to this worker's inbox and to cluster events. */
  async start(): Promise<void> {
    await this.transport.listen(this.id, (frame) => this.onFrame(frame), { prefetch: this.prefetch });
    await this.transport.subscribe((frame) => this.onEvent(frame));
    if (this.registry) {
      try {
        for (const [name, pid] of Object.entries(await this.registry.listNames())) this.names.set(name, pid);
      } catch (err) {
        this.logger.warn(`worker '${this.id}' could not read registered names: ${(err as Error).message}`);
      }
    }
  }

  // ---------------------------------------------------------------- spawning

  private nextName(target: string): string {
    const n = (++this.seq).toString(36);
    return target === this.id ? this.prefix + n : `${target}:${this.id}.${n}`;
  }

  /** Spawns a child of `parent` (a process of this worker) and returns its name at once. */
  spawnChild(parent: ProcRecord, moduleName: string, initialState: unknown): string {
    if (parent.st === DEAD) {
      throw new HypernodeError(
        'PROCESS_EXITED',
        `Process '${parent.name}' has ended and cannot spawn '${moduleName}'; spawn from a living process.`,
      );
    }
    if (typeof moduleName !== 'string' || moduleName.length === 0) {
      throw new TypeError(`spawn() needs a module name (a non-empty string) as its first argument; got ${describeArg(moduleName)}.`);
    }
    const state = initialState === undefined ? {} : initialState;
    const target = this.place(this.id);
    if (target === this.id) {
      const copy = copyData(state, 'initialState');
      const name = this.nextName(target);
      (parent.children ??= new Map()).set(name, moduleName);
      this.createLocal(name, moduleName, parent.name, copy, false);
      return name;
    }
    const maps = checkData(state, 'initialState');
    const name = this.nextName(target);
    (parent.children ??= new Map()).set(name, moduleName);
    this.push(target, encodeTrusted([E_SPAWN, name, moduleName, parent.name, state], maps));
    return name;
  }

  /** Spawns a child of the process `parentName` of this worker (the embedded cluster's root). */
  spawnAsChild(parentName: string, moduleName: string, initialState: unknown): string {
    const parent = this.procs.get(parentName);
    if (!parent || parent.st >= EXITING) {
      throw new HypernodeError('NO_PROCESS', `Process '${parentName}' is not running on worker '${this.id}', so it cannot spawn '${moduleName}'.`);
    }
    const name = this.spawnChild(parent, moduleName, initialState);
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
    this.createLocal(pid, moduleName, null, copyData(initialState ?? {}, 'initialState'), false);
    return pid;
  }

  private createLocal(name: string, moduleName: string, parent: string | null, state: unknown, remote: boolean): ProcRecord {
    const rec = new ProcRecord(this, name, this.modules.resolveNow(moduleName) ?? null, moduleName, state, parent);
    this.procs.set(name, rec);
    this.counters.spawned++;
    const parked = remote && this.unborn.size > 0 ? this.unborn.get(name) : undefined;
    if (parked) {
      this.unborn.delete(name);
      rec.q = rec.qt = parked;
      this.counters.backlog += parked.length / 2;
    }
    this.schedule(rec);
    return rec;
  }

  /** Runs `processWillRun`; when it finishes at once, messages that waited for it are scheduled. */
  private runInit(rec: ProcRecord): void {
    this.startInit(rec);
    if (rec.st === IDLE && rec.q) this.schedule(rec);
  }

  private startInit(rec: ProcRecord): void {
    rec.st = BUSY;
    const mod = rec.mod;
    if (!mod) {
      this.modules.fetch(rec.modName).then(
        (entry) => {
          if (rec.st !== BUSY) return;
          if (entry) {
            rec.mod = entry;
            this.runInit(rec);
            this.flushSoon();
          } else {
            void this.failUnknownModule(rec);
          }
        },
        (err) => this.crash(rec, err),
      );
      return;
    }
    let value: unknown;
    try {
      const inst = (rec.inst = new (mod.cls as unknown as new () => Process)());
      const fn = inst.processWillRun;
      if (!fn) return this.finish(rec, undefined);
      value = settle(fn.call(inst, rec.state, new ProcessContext(this, rec)), onSettled, rec, isLive);
    } catch (err) {
      return this.crash(rec, err);
    }
    if (value !== PENDING) this.finish(rec, value);
  }

  private async failUnknownModule(rec: ProcRecord): Promise<void> {
    const known = await this.modules.known();
    this.exitProcess(
      rec,
      hypernodeReason(
        'MODULE_NOT_FOUND',
        `Module '${rec.modName}' is not loaded in cluster '${this.cluster}'; loaded modules: ${known.join(', ') || '(none)'}. ${this.loadHint}`,
      ),
    );
    this.flushSoon();
  }

  // ---------------------------------------------------------------- the run loop

  private schedule(rec: ProcRecord): void {
    if (rec.inRq) return;
    rec.inRq = true;
    this.runq.push(rec);
    if (!this.scheduled) {
      this.scheduled = true;
      if (!this.running) queueMicrotask(this.runLoop);
    }
  }

  private readonly runLoop = (): void => {
    this.running = true;
    let budget = BUDGET;
    const runq = this.runq;
    while (this.rqHead < runq.length && budget > 0) {
      const rec = runq[this.rqHead]!;
      runq[this.rqHead++] = undefined as unknown as ProcRecord;
      rec.inRq = false;
      budget -= this.turn(rec);
    }
    if (this.rqHead >= runq.length) {
      runq.length = 0;
      this.rqHead = 0;
    } else if (this.rqHead > 4096) {
      this.runq = runq.slice(this.rqHead);
      this.rqHead = 0;
    }
    this.running = false;
    this.flush();
    if (this.rqHead < this.runq.length) {
      setImmediate(this.runLoop);
    } else {
      this.scheduled = false;
      if (this.idleWaiters.size > 0) for (const w of [...this.idleWaiters]) w();
    }
  };

  private turn(rec: ProcRecord): number {
    if (rec.st === INIT) {
      this.runInit(rec);
      return 1;
    }
    let n = 0;
    let ctx: ProcessContext | undefined;
    while (rec.st === IDLE && n < TURN) {
      const q = rec.q;
      if (!q) break;
      if (rec.mod!.superseded) {
        this.upgrade(rec);
        break;
      }
      const h = rec.qh;
      const head = q[h] as string | CallFrom;
      const message = q[h + 1];
      q[h] = q[h + 1] = undefined;
      const next = h + 2;
      if (next === q.length) {
        rec.q = rec.qt = null;
        rec.qh = 0;
      } else if (next === q.length - 1) {
        rec.q = q[next] as unknown[];
        rec.qh = 0;
      } else {
        rec.qh = next;
      }
      this.counters.backlog--;
      ctx ??= new ProcessContext(this, rec);
      if (typeof head === 'string') this.handle(rec, head, message, null, ctx);
      else this.handle(rec, head.from, message, head.token, ctx);
      n++;
    }
    if (rec.st === IDLE && rec.q) this.schedule(rec);
    return n || 1;
  }

  private handle(rec: ProcRecord, from: string, message: unknown, token: string | null, ctx: ProcessContext): void {
    this.counters.delivered++;
    const inst = rec.inst!;
    const fn = inst.processDidReceiveMessage;
    if (!fn) {
      if (token !== null) this.replyTo(token, undefined, hypernodeReason('INVALID_ARGUMENT', `Module '${rec.modName}' has no processDidReceiveMessage, so '${rec.name}' cannot answer calls.`));
      return;
    }
    rec.st = BUSY;
    rec.cur = token;
    let value: unknown;
    try {
      value = settle(fn.call(inst, rec.state, message, from, ctx), onSettled, rec, isLive);
    } catch (err) {
      return this.crash(rec, err);
    }
    if (value !== PENDING) this.finish(rec, value);
  }

  /** A lifecycle function returned `value` (the next state, or undefined to keep it). */
  finish(rec: ProcRecord, value: unknown): void {
    if (rec.st !== BUSY) return;
    if (value !== undefined) rec.state = value;
    rec.cur = null;
    rec.st = IDLE;
    if (rec.pendingExit !== undefined) this.exitProcess(rec, rec.pendingExit);
  }

  /** Called when an asynchronous lifecycle function settles. */
  settled(rec: ProcRecord, err: unknown, value: unknown): void {
    if (err !== null) this.crash(rec, err);
    else {
      this.finish(rec, value);
      if (rec.st === IDLE && rec.q) this.schedule(rec);
    }
    this.flushSoon();
  }

  private upgrade(rec: ProcRecord): void {
    const from = rec.mod!;
    rec.st = BUSY;
    this.modules.fetch(rec.modName).then(
      (entry) => {
        if (rec.st !== BUSY) return;
        if (!entry) {
          rec.mod = { ...from, superseded: false };
          this.settled(rec, null, undefined);
          return;
        }
        rec.mod = entry;
        let value: unknown;
        try {
          Object.setPrototypeOf(rec.inst, entry.cls.prototype);
          const fn = rec.inst!.processWillUpgrade;
          value = fn ? settle(fn.call(rec.inst, rec.state, from.version, new ProcessContext(this, rec)), onSettled, rec, isLive) : undefined;
        } catch (err) {
          this.crash(rec, err);
          this.flushSoon();
          return;
        }
        if (value !== PENDING) this.settled(rec, null, value);
      },
      (err) => this.crash(rec, err),
    );
  }

  // ---------------------------------------------------------------- sending

  /** `ctx.send` of process `rec`. */
  send(rec: ProcRecord, to: string, message: unknown): void {
    if (rec.st === DEAD) {
      // An ended process's leftover callback (a timer, a socket) speaks into the void.
      checkData(message, 'message');
      this.counters.deadLetters++;
      return;
    }
    this.sendFrom(rec.name, to, message, null);
  }

  /** Sends from any name (a process, an inbox, the outside); `token` marks a call. */
  sendFrom(from: string, to: string, message: unknown, token: string | null): void {
    // A burst of sends usually goes to one process: the local one found last is tried before any lookup.
    let pid = to;
    let target = to === this.lastPid ? this.lastRec : null;
    if (target === null) {
      if (typeof to !== 'string') {
        throw new TypeError(`send() needs a process name (a string) as its first argument; got ${describeArg(to)}.`);
      }
      let colon = to.indexOf(':');
      if (colon < 0) {
        const found = this.names.get(to);
        if (found === undefined) {
          checkData(message, 'message');
          return this.deadLetter(from, to, token);
        }
        pid = found;
        colon = pid.indexOf(':');
      }
      if (colon !== this.id.length || !pid.startsWith(this.prefix)) {
        const maps = checkData(message, 'message');
        this.push(pid.slice(0, colon), encodeTrusted(token === null ? [E_MSG, pid, from, message] : [E_MSG, pid, from, message, token], maps));
        return;
      }
      target = this.procs.get(pid) ?? null;
    }
    const copy = copyData(message, 'message');
    if (target === null || target.st >= EXITING) return this.deadLetter(from, pid, token);
    this.lastPid = pid;
    this.lastRec = target;
    this.enqueue(target, from, copy, token);
  }

  private enqueue(rec: ProcRecord, from: string, message: unknown, token: string | null): void {
    if (rec.sink !== null) return rec.sink(from, message, token);
    const head = token === null ? from : new CallFrom(from, token);
    const t = rec.qt;
    if (t === null) rec.q = rec.qt = [head, message];
    else if (t.length < CHUNK) t.push(head, message);
    else t.push((rec.qt = [head, message]));
    this.counters.backlog++;
    if (rec.st === IDLE && !rec.inRq) this.schedule(rec);
  }

  private deadLetter(from: string, to: string, token: string | null): void {
    this.counters.deadLetters++;
    this.logger.debug(`dead letter from '${from}' to '${to}' (no such process)`);
    if (token !== null) this.replyTo(token, undefined, hypernodeReason('NO_PROCESS', `No process named '${to}' is running (it has ended or never existed); check the name.`));
  }

  /** Queues an envelope for another worker; frames leave at the end of the tick. */
  private push(worker: string, envelope: Uint8Array): void {
    const list = this.out.get(worker);
    if (list === undefined) this.out.set(worker, [envelope]);
    else list.push(envelope);
    this.flushSoon();
  }

  private flushSoon(): void {
    if (this.flushQueued || this.running || this.out.size === 0) return;
    this.flushQueued = true;
    queueMicrotask(this.flush);
  }

  private readonly flush = (): void => {
    this.flushQueued = false;
    if (this.out.size === 0 || this.closed) return;
    try {
      // One msgpack array per worker: the header, then the envelopes, each already encoded.
      for (const [worker, envelopes] of this.out) this.transport.send(worker, assembleArray(this.header, envelopes));
    } finally {
      this.out.clear();
    }
  };

  // ---------------------------------------------------------------- receiving frames

  /** Handles one frame from the transport: an array of a header, then envelopes. Garbage is counted and logged. */
  onFrame(frame: Uint8Array): void {
    let items: unknown[];
    try {
      items = decodeTrusted(frame) as unknown[];
      if (!Array.isArray(items)) throw new Error('not a hypernode frame');
      const head = items[0];
      if (!Array.isArray(head) || head[0] !== FRAME_MAGIC) throw new Error('no hypernode frame header');
    } catch (err) {
      if (isOlderFrame(frame)) {
        this.badFrame(frame, new Error('a frame of an older hypernode version'), 'Upgrade every worker of the cluster to the same hypernode version.');
      } else {
        this.badFrame(frame, err);
      }
      return;
    }
    for (let i = 1; i < items.length; i++) {
      try {
        this.dispatch(items[i] as unknown[]);
      } catch (err) {
        this.badFrame(frame, err);
      }
    }
    this.flush();
  }

  private badFrame(frame: Uint8Array, err: unknown, hint = "Another program may be publishing to this cluster's queues."): void {
    this.counters.badFrames++;
    const now = this.clock.now();
    if (now - this.lastBadFrameLog > 1000) {
      this.lastBadFrameLog = now;
      this.logger.warn(
        `worker '${this.id}' dropped an unreadable frame of ${frame.byteLength} bytes (${(err as Error).message}); ${this.counters.badFrames} so far. ${hint}`,
      );
    }
  }

  private dispatch(env: unknown[]): void {
    switch (env[0]) {
      case E_MSG:
        return this.receiveMessage(env[1] as string, env[2] as string, env[3], (env[4] as string | undefined) ?? null);
      case E_SPAWN: {
        const name = env[1] as string;
        this.noteBorn(name);
        this.createLocal(name, env[2] as string, env[3] as string | null, env[4], true);
        return;
      }
      case E_EXITED:
        return this.childExited(env[1] as string, env[2] as string, reviveExitReason(env[3]));
      case E_KILL: {
        const rec = this.procs.get(env[1] as string);
        if (rec) this.killByParent(rec, reviveExitReason(env[3]));
        return;
      }
      case E_MONITOR:
        return this.addWatcher(env[1] as string, env[2] as string, env[3] as string);
      case E_DEMONITOR:
        this.procs.get(env[1] as string)?.x?.watchers?.delete(env[3] as string);
        return;
      case E_DOWN:
        return this.down(env[1] as string, env[2] as string, env[3] as string, reviveExitReason(env[4]));
      case E_LINK:
        return this.addLink(env[1] as string, env[2] as string);
      case E_UNLINK:
        this.procs.get(env[1] as string)?.x?.links?.delete(env[2] as string);
        return;
      case E_LINK_EXIT:
        return this.linkExit(env[1] as string, env[2] as string, reviveExitReason(env[3]));
      case E_REPLY:
        return this.settleCall(env[1] as string, env[2] as boolean, env[3]);
      case E_EXIT_REQ: {
        const rec = this.procs.get(env[1] as string);
        if (rec && !rec.sink && rec.st < EXITING) this.exitProcess(rec, reviveExitReason(env[3]));
        return;
      }
      default:
        throw new Error(`unknown envelope kind ${String(env[0])}`);
    }
  }

  private receiveMessage(to: string, from: string, message: unknown, token: string | null): void {
    const rec = this.procs.get(to);
    if (rec !== undefined && rec.st < EXITING) return this.enqueue(rec, from, message, token);
    if (rec === undefined && this.isUnborn(to)) {
      const head = token === null ? from : new CallFrom(from, token);
      const parked = this.unborn.get(to);
      if (parked) parked.push(head, message);
      else this.unborn.set(to, [head, message]);
      return;
    }
    this.deadLetter(from, to, token);
  }

  /** A name `w2:w1.5f` (spawned remotely by w1) whose spawn envelope has not arrived yet. */
  private isUnborn(name: string): boolean {
    const colon = name.indexOf(':');
    const dot = name.lastIndexOf('.');
    if (dot < colon) return false;
    const spawner = name.slice(colon + 1, dot);
    const seq = parseInt(name.slice(dot + 1), 36);
    return seq > (this.born.get(spawner) ?? 0);
  }

  private noteBorn(name: string): void {
    const colon = name.indexOf(':');
    const dot = name.lastIndexOf('.');
    if (dot < colon) return;
    const spawner = name.slice(colon + 1, dot);
    const seq = parseInt(name.slice(dot + 1), 36);
    if (seq > (this.born.get(spawner) ?? 0)) this.born.set(spawner, seq);
  }

  private onEvent(frame: Uint8Array): void {
    let ev: unknown[];
    try {
      ev = decodeMany(frame)[0] as unknown[];
    } catch (err) {
      this.badFrame(frame, err);
      return;
    }
    if (!Array.isArray(ev) || typeof ev[0] !== 'string') {
      this.badFrame(frame, new Error('not a hypernode cluster event'));
      return;
    }
    switch (ev[0]) {
      case EV_NAME:
        this.names.set(ev[1] as string, ev[2] as string);
        break;
      case EV_UNNAME:
        if (this.names.get(ev[1] as string) === ev[2]) this.names.delete(ev[1] as string);
        break;
      case EV_MODULE:
        this.modules.invalidate(ev[1] as string, ev[2] as number);
        break;
      case EV_WORKER_LOST:
        this.workerLost(ev[1] as string, (ev[2] as string | undefined) ?? 'it stopped answering');
        break;
      case EV_REGISTRY_RESTORED:
        void this.registerNamesAgain();
        break;
    }
  }

  /** Tells every worker of the cluster (this one included) about a change. */
  publish(event: unknown[]): void {
    this.transport.publish(encodeTrusted(event));
  }

  /** Tells every worker that `worker` is gone (it died or stopped answering): see {@link WorkerRuntime.workerLost}. */
  announceWorkerLost(worker: string, why: string): void {
    this.publish([EV_WORKER_LOST, worker, why]);
  }

  /**
   * Applies the loss of another worker here: every process of it counts as crashed. Local processes whose
   * parent lived there end (`'shutdown'`, unless that worker is resilient, like the cluster daemon's);
   * local parents of processes there get `CHILD_PROCESS_EXIT` with a `WORKER_LOST` error; monitors get
   * `DOWN`; links fire; calls waiting on it fail; messages parked for processes it was spawning are dropped.
   */
  workerLost(worker: string, why: string): void {
    if (worker === this.id || this.lostWorkers.has(worker)) return;
    this.lostWorkers.add(worker);
    const reason = hypernodeReason(
      'WORKER_LOST',
      `Worker '${worker}' of cluster '${this.cluster}' was lost (${why}); every process on it ended. Its node daemon restarts a replacement worker.`,
    );
    for (const name of [...this.unborn.keys()]) if (spawnerOf(name) === worker) this.unborn.delete(name);
    for (const [ref, call] of [...this.calls]) {
      if (workerOf(call.target) === worker) this.settleCall(ref, false, reason);
    }
    for (const rec of [...this.procs.values()]) {
      if (rec.st >= EXITING || rec.sink) continue;
      if (rec.children) {
        for (const child of [...rec.children.keys()]) {
          if (workerOf(child) === worker) this.childExited(rec.name, child, copyReason(reason));
        }
      }
      const x = rec.x;
      if (x?.monitors) {
        for (const [ref, target] of [...x.monitors]) if (workerOf(target) === worker) this.down(rec.name, target, ref, copyReason(reason));
      }
      if (x?.links) {
        for (const other of [...x.links]) if (workerOf(other) === worker) this.linkExit(rec.name, other, copyReason(reason));
      }
      if (rec.parent !== null && workerOf(rec.parent) === worker && !this.resilient.has(worker) && rec.st < EXITING) {
        this.killByParent(rec, 'shutdown');
      }
    }
    this.flushSoon();
    this.onWorkerLost?.(worker);
  }

  /** Tells every worker that the registry came back empty: each registers its processes' names again. */
  announceRegistryRestored(): void {
    this.publish([EV_REGISTRY_RESTORED]);
  }

  /** Registers again, in the registry, every name a living process of this worker holds. */
  private async registerNamesAgain(): Promise<void> {
    if (!this.registry) return;
    for (const rec of this.procs.values()) {
      if (!rec.x?.names || rec.st >= EXITING) continue;
      for (const name of rec.x.names) {
        try {
          if (await this.registry.registerName(name, rec.name)) this.publish([EV_NAME, name, rec.name]);
          else this.logger.warn(`the name '${name}' of '${rec.name}' was taken by another process while the registry was empty`);
        } catch (err) {
          this.logger.warn(`could not register '${name}' of '${rec.name}' again: ${(err as Error).message}`);
        }
      }
    }
  }

  /** Announces a new module version: workers switch running processes of it on their next message. */
  announceModule(name: string, version: number): void {
    this.modules.invalidate(name, version);
    this.publish([EV_MODULE, name, version]);
  }

  // ---------------------------------------------------------------- exits

  /** `ctx.exit`: ends the process after the running handler returns. */
  requestExit(rec: ProcRecord, err: unknown): void {
    if (rec.st >= EXITING) return;
    const reason = toExitReason(err);
    if (rec.st === BUSY || rec.st === INIT) {
      // The running handler finishes first (its returned state counts), then the process ends.
      if (rec.pendingExit === undefined) rec.pendingExit = reason;
      return;
    }
    this.exitProcess(rec, reason);
    this.flushSoon();
  }

  private crash(rec: ProcRecord, err: unknown): void {
    if (rec.st >= EXITING) return;
    const reason = toExitReason(err);
    this.logger.warn(`process '${rec.name}' (${rec.modName}) crashed: ${describeReason(reason)}`);
    this.exitProcess(rec, reason, true);
  }

  private killByParent(rec: ProcRecord, reason: ExitReason): void {
    if (rec.st >= EXITING) return;
    this.extra(rec).quiet = true;
    this.exitProcess(rec, reason);
  }

  /**
   * Ends a process: its mailbox is dropped (dead letters), its timers cancelled, its children ended, then
   * `processWillExit` runs; after that its parent, monitors and links are told.
   */
  exitProcess(rec: ProcRecord, reason: ExitReason, logged = false): void {
    if (rec.st >= EXITING) return;
    if (rec.st === INIT) {
      // Every process runs processWillRun once before processWillExit: it ends right after starting.
      if (rec.pendingExit === undefined) rec.pendingExit = reason;
      return;
    }
    const wasInit = rec.inst === null;
    if (!logged && isErrorReason(reason)) {
      // An error given to exit() (or a linked process's crash, an unknown module) is worth a line, as a crash is.
      this.logger.warn(`process '${rec.name}' (${rec.modName}) exited: ${describeReason(reason)}`);
    }
    rec.st = EXITING;
    rec.pendingExit = undefined;
    const x = this.extra(rec);
    x.reason = reason;
    if (rec.q) {
      let left = 0;
      for (const head of waitingSenders(rec)) {
        if (head instanceof CallFrom) this.replyTo(head.token, undefined, exitedReason(rec.name));
        left++;
      }
      this.counters.backlog -= left;
      this.counters.deadLetters += left;
      rec.q = rec.qt = null;
    }
    if (rec.cur !== null) {
      x.kept?.delete(rec.cur);
      this.replyTo(rec.cur, undefined, exitedReason(rec.name));
      rec.cur = null;
    }
    if (x.kept) {
      for (const token of x.kept) this.replyTo(token, undefined, exitedReason(rec.name));
      x.kept = undefined;
    }
    if (x.timers) {
      for (const t of x.timers.values()) this.clock.clearTimeout(t);
      x.timers = undefined;
    }
    if (x.names && this.registry) {
      for (const n of x.names) void this.dropName(rec.name, n);
    }
    if (rec.children) {
      const children = [...rec.children.keys()].reverse();
      rec.children = null;
      for (const child of children) this.signalKill(child, rec.name, 'shutdown');
    }
    const fn = wasInit ? undefined : rec.inst?.processWillExit;
    let value: unknown;
    if (fn) {
      try {
        value = settle(fn.call(rec.inst, rec.state, reason, new ProcessContext(this, rec)), onExitSettled, rec);
      } catch (err) {
        this.logger.error(`processWillExit of '${rec.name}' (${rec.modName}) threw: ${String(err)}`);
      }
    }
    if (value !== PENDING) this.finalize(rec);
  }

  /** processWillExit settled: the process is gone. */
  exitSettled(rec: ProcRecord, err: unknown): void {
    if (err !== null) this.logger.error(`processWillExit of '${rec.name}' (${rec.modName}) failed: ${String(err)}`);
    this.finalize(rec);
    this.flushSoon();
  }

  private finalize(rec: ProcRecord): void {
    if (rec.st === DEAD) return;
    rec.st = DEAD;
    this.procs.delete(rec.name);
    if (this.lastRec === rec) this.forgetLast();
    const x = rec.x!;
    const reason = x.reason!;
    this.counters.exited++;
    if (isCrash(reason)) this.counters.crashed++;
    if (rec.parent !== null && !x.quiet) this.notifyParent(rec.parent, rec.name, reason);
    if (x.watchers) for (const [ref, watcher] of x.watchers) this.sendDown(watcher, rec.name, ref, reason);
    if (x.links) for (const other of x.links) this.sendLinkExit(other, rec.name, reason);
    rec.inst = null;
    if (this.idleWaiters.size > 0) for (const w of [...this.idleWaiters]) w();
  }

  private signalKill(child: string, from: string, reason: ExitReason): void {
    const w = workerOf(child);
    if (w === this.id) {
      const rec = this.procs.get(child);
      if (rec) this.killByParent(rec, reason);
    } else {
      this.push(w, encodeTrusted([E_KILL, child, from, reason]));
    }
  }

  private notifyParent(parent: string, child: string, reason: ExitReason): void {
    const w = workerOf(parent);
    if (w === this.id) this.childExited(parent, child, copyReason(reason));
    else this.push(w, encodeTrusted([E_EXITED, parent, child, reason]));
  }

  private childExited(parent: string, child: string, reason: ExitReason): void {
    const rec = this.procs.get(parent);
    if (!rec || rec.st >= EXITING) return;
    rec.children?.delete(child);
    this.enqueue(rec, child, { type: 'CHILD_PROCESS_EXIT', payload: { err: reason } }, null);
  }

  // ---------------------------------------------------------------- monitors and links

  monitor(rec: ProcRecord, target: string): string {
    const pid = this.resolve(target);
    const ref = `${rec.name}#m${(++this.seq).toString(36)}`;
    (this.extra(rec).monitors ??= new Map()).set(ref, pid ?? target);
    if (pid === undefined) {
      this.down(rec.name, target, ref, 'noproc');
      return ref;
    }
    const w = workerOf(pid);
    if (w === this.id) this.addWatcher(pid, rec.name, ref);
    else this.push(w, encodeTrusted([E_MONITOR, pid, rec.name, ref]));
    return ref;
  }

  demonitor(rec: ProcRecord, ref: string): void {
    const target = rec.x?.monitors?.get(ref);
    if (target === undefined) return;
    rec.x!.monitors!.delete(ref);
    const w = workerOf(target);
    if (w === this.id) this.procs.get(target)?.x?.watchers?.delete(ref);
    else this.push(w, encodeTrusted([E_DEMONITOR, target, rec.name, ref]));
  }

  private addWatcher(target: string, watcher: string, ref: string): void {
    const rec = this.procs.get(target);
    if (!rec || rec.st >= EXITING) return this.sendDown(watcher, target, ref, 'noproc');
    (this.extra(rec).watchers ??= new Map()).set(ref, watcher);
  }

  private sendDown(watcher: string, target: string, ref: string, reason: ExitReason): void {
    const w = workerOf(watcher);
    if (w === this.id) this.down(watcher, target, ref, copyReason(reason));
    else this.push(w, encodeTrusted([E_DOWN, watcher, target, ref, reason]));
  }

  private down(watcher: string, target: string, ref: string, reason: ExitReason): void {
    const rec = this.procs.get(watcher);
    if (!rec || rec.st >= EXITING || !rec.x?.monitors?.delete(ref)) return;
    this.enqueue(rec, target, { type: 'DOWN', payload: { ref, err: reason } }, null);
  }

  link(rec: ProcRecord, target: string): void {
    const pid = this.resolve(target);
    if (pid === undefined) return this.linkExit(rec.name, target, 'noproc', true);
    if (pid === rec.name) return;
    (this.extra(rec).links ??= new Set()).add(pid);
    const w = workerOf(pid);
    if (w === this.id) this.addLink(pid, rec.name);
    else this.push(w, encodeTrusted([E_LINK, pid, rec.name]));
  }

  unlink(rec: ProcRecord, target: string): void {
    const pid = this.resolve(target) ?? target;
    rec.x?.links?.delete(pid);
    const w = workerOf(pid);
    if (w === this.id) this.procs.get(pid)?.x?.links?.delete(rec.name);
    else this.push(w, encodeTrusted([E_UNLINK, pid, rec.name]));
  }

  private addLink(target: string, from: string): void {
    const rec = this.procs.get(target);
    if (!rec || rec.st >= EXITING) return this.sendLinkExit(from, target, 'noproc');
    (this.extra(rec).links ??= new Set()).add(from);
  }

  private sendLinkExit(to: string, from: string, reason: ExitReason): void {
    const w = workerOf(to);
    if (w === this.id) this.linkExit(to, from, copyReason(reason));
    else this.push(w, encodeTrusted([E_LINK_EXIT, to, from, reason]));
  }

  private linkExit(to: string, from: string, reason: ExitReason, force = false): void {
    const rec = this.procs.get(to);
    if (!rec || rec.st >= EXITING) return;
    if (!force && !rec.x?.links?.delete(from)) return;
    if (rec.x?.trap) {
      this.enqueue(rec, from, { type: 'EXIT', payload: { err: reason } }, null);
    } else if (isCrash(reason)) {
      this.exitProcess(
        rec,
        toExitReason(Object.assign(new Error(`linked process '${from}' exited: ${describeReason(reason)}`), { name: 'LinkedProcessExit' })),
      );
    }
  }

  // ---------------------------------------------------------------- calls

  /** Sends `message` to `to` as a call from `from` and resolves with the reply. */
  call(from: string, to: string, message: unknown, timeoutMs = 5000): Promise<unknown> {
    if (!(timeoutMs > 0) || !Number.isFinite(timeoutMs)) {
      throw new TypeError(`call() needs a positive, finite timeout in milliseconds; got ${describeArg(timeoutMs)}.`);
    }
    const ref = (++this.seq).toString(36);
    const token = `${from}#${ref}`;
    return new Promise((resolve, reject) => {
      const timer = this.clock.setTimeout(() => {
        this.calls.delete(ref);
        reject(
          new HypernodeError(
            'CALL_TIMEOUT',
            `Call from '${from}' to '${to}' got no reply within ${timeoutMs} ms; make sure the receiver calls reply() for this message, or pass a larger timeout.`,
          ),
        );
      }, timeoutMs);
      this.calls.set(ref, { target: this.resolve(to) ?? to, resolve, reject, timer });
      try {
        this.sendFrom(from, to, message, token);
      } catch (err) {
        this.calls.delete(ref);
        this.clock.clearTimeout(timer);
        reject(err);
      }
    });
  }

  reply(rec: ProcRecord, value: unknown): void {
    if (rec.cur === null) {
      throw new HypernodeError(
        'INVALID_ARGUMENT',
        `reply() was called by '${rec.name}' while handling a message that was not sent with call() (or was already answered); use send() to answer plain messages.`,
      );
    }
    const token = rec.cur;
    // Checked (and sent) first: a reply that is not data throws here and leaves the call pending, so the
    // caller gets PROCESS_EXITED when this process crashes, not a timeout.
    this.replyTo(token, value);
    rec.cur = null;
    rec.x?.kept?.delete(token);
  }

  /** `ctx.callToken`: the current call's token, which this process now owes an answer to. */
  keepToken(rec: ProcRecord): string | undefined {
    if (rec.cur === null) return undefined;
    (this.extra(rec).kept ??= new Set()).add(rec.cur);
    return rec.cur;
  }

  /** `ctx.replyTo` of process `rec`. */
  replyFrom(rec: ProcRecord, token: string, value: unknown): void {
    this.replyTo(token, value);
    if (rec.cur === token) rec.cur = null;
    rec.x?.kept?.delete(token);
  }

  /** Answers the call identified by `token` with `value`, or with an error reason. */
  replyTo(token: string, value: unknown, error?: ExitReason): void {
    if (typeof token !== 'string' || token.lastIndexOf('#') < 0) {
      throw new TypeError(`replyTo() needs a call token from callToken(); got ${describeArg(token)}.`);
    }
    const hash = token.lastIndexOf('#');
    const caller = token.slice(0, hash);
    const ref = token.slice(hash + 1);
    const ok = error === undefined;
    const w = workerOf(caller);
    if (w === this.id) this.settleCall(ref, ok, ok ? copyData(value, 'reply') : error);
    else {
      const maps = ok ? checkData(value, 'reply') : false;
      this.push(w, encodeTrusted([E_REPLY, ref, ok, ok ? value : error], maps));
    }
  }

  private settleCall(ref: string, ok: boolean, value: unknown): void {
    const pending = this.calls.get(ref);
    if (!pending) return;
    this.calls.delete(ref);
    this.clock.clearTimeout(pending.timer);
    if (ok) pending.resolve(value);
    else {
      const r = value as { code?: string; message?: string };
      pending.reject(new HypernodeError((r?.code as HypernodeError['code']) ?? 'REMOTE_ERROR', r?.message ?? String(value)));
    }
  }

  // ---------------------------------------------------------------- names

  private resolve(name: string): string | undefined {
    if (name.includes(':')) return name;
    return this.names.get(name);
  }

  whereis(name: string): string | undefined {
    return this.names.get(name);
  }

  async register(rec: ProcRecord, name: string): Promise<void> {
    if (typeof name !== 'string' || name.length === 0 || name.includes(':') || name.includes('#')) {
      throw new HypernodeError('INVALID_ARGUMENT', `Cannot register the name ${describeArg(name)}; use a non-empty string without ':' or '#'.`);
    }
    if (!this.registry) {
      throw new HypernodeError('INVALID_OPTIONS', `Worker '${this.id}' has no registry, so names cannot be registered; give the cluster a registry.`);
    }
    if (!(await this.registry.registerName(name, rec.name))) {
      const holder = await this.registry.lookupName(name);
      if (holder === rec.name) return;
      throw new HypernodeError('NAME_TAKEN', `The name '${name}' is already registered by '${holder}'; pick another name or unregister it first.`);
    }
    if (rec.st >= EXITING) {
      await this.registry.unregisterName(name, rec.name);
      return;
    }
    (this.extra(rec).names ??= new Set()).add(name);
    this.names.set(name, rec.name);
    this.publish([EV_NAME, name, rec.name]);
  }

  async unregister(rec: ProcRecord, name: string): Promise<void> {
    rec.x?.names?.delete(name);
    await this.dropName(rec.name, name);
  }

  private async dropName(pid: string, name: string): Promise<void> {
    if (this.names.get(name) === pid) this.names.delete(name);
    try {
      if (this.registry && (await this.registry.unregisterName(name, pid))) this.publish([EV_UNNAME, name, pid]);
    } catch (err) {
      this.logger.warn(`could not unregister '${name}' of '${pid}': ${(err as Error).message}`);
    }
  }

  // ---------------------------------------------------------------- timers

  sendAfter(rec: ProcRecord, to: string, message: unknown, ms: number): string {
    if (!(ms >= 0) || !Number.isFinite(ms)) {
      throw new TypeError(`sendAfter() needs a delay in milliseconds (a finite number >= 0); got ${describeArg(ms)}.`);
    }
    const snapshot = copyData(message, 'message');
    const ref = `${rec.name}#t${(++this.seq).toString(36)}`;
    const timers = (this.extra(rec).timers ??= new Map());
    timers.set(
      ref,
      this.clock.setTimeout(() => {
        timers.delete(ref);
        if (rec.st >= EXITING) return;
        this.sendFrom(rec.name, to, snapshot, null);
        this.flushSoon();
      }, ms),
    );
    return ref;
  }

  cancelTimer(rec: ProcRecord, ref: string): boolean {
    const handle = rec.x?.timers?.get(ref);
    if (handle === undefined) return false;
    this.clock.clearTimeout(handle);
    rec.x!.timers!.delete(ref);
    return true;
  }

  // ---------------------------------------------------------------- outside access

  /** Creates a mailbox for code outside any process (tests, scripts, the CLI). */
  createSink(sink: (from: string, message: unknown, token: string | null) => void): string {
    const name = `${this.prefix}i${(++this.seq).toString(36)}`;
    const rec = new ProcRecord(this, name, null, '$inbox', undefined, null);
    rec.st = IDLE;
    rec.sink = sink;
    this.procs.set(name, rec);
    return name;
  }

  removeSink(name: string): void {
    const rec = this.procs.get(name);
    if (rec?.sink) {
      rec.st = DEAD;
      this.procs.delete(name);
      if (this.lastRec === rec) this.forgetLast();
    }
  }

  /**
   * Ends a process of this worker from outside (another process's `kill`, the CLI's `kill`) at once: a handler
   * waiting at a `yield` is abandoned, as in Erlang's `exit(Pid, Reason)`.
   */
  kill(name: string, reason: unknown): boolean {
    const rec = this.procs.get(name);
    if (!rec || rec.sink || rec.st >= EXITING) return false;
    this.exitProcess(rec, toExitReason(reason));
    this.flushSoon();
    return true;
  }

  /** `ctx.kill`: ends any process of the cluster as if it called `exit(reason)`. */
  killFrom(from: string, target: string, reason: unknown): void {
    if (typeof target !== 'string') {
      throw new TypeError(`kill() needs a process name (a string) as its first argument; got ${describeArg(target)}.`);
    }
    const pid = this.resolve(target);
    if (pid === undefined) return;
    const w = workerOf(pid);
    if (w === this.id) {
      this.kill(pid, reason);
      return;
    }
    const exitReason = toExitReason(reason);
    this.push(w, encodeTrusted([E_EXIT_REQ, pid, from, exitReason]));
  }

  now(): number {
    return this.clock.now();
  }

  /** Looks a process of this worker up. */
  has(name: string): boolean {
    const rec = this.procs.get(name);
    return rec !== undefined && rec.sink === null && rec.st < DEAD;
  }

  /** Ensures pending frames leave now. */
  flushNow(): void {
    this.flush();
  }

  ps(): ProcessInfo[] {
    const out: ProcessInfo[] = [];
    for (const rec of this.procs.values()) {
      if (rec.sink) continue;
      out.push({
        name: rec.name,
        module: rec.modName,
        version: rec.mod?.version ?? 0,
        parent: rec.parent,
        worker: this.id,
        mailboxSize: mailboxSize(rec),
        status: rec.st === IDLE ? 'waiting' : rec.st === BUSY ? 'running' : rec.st === INIT ? 'starting' : 'exiting',
        children: rec.children?.size ?? 0,
        names: rec.x?.names ? [...rec.x.names] : [],
      });
    }
    return out;
  }

  stats(): WorkerStats {
    let processes = 0;
    for (const rec of this.procs.values()) if (!rec.sink) processes++;
    return { processes, ...this.counters };
  }

  /** The load report the scheduler reads; its event-loop delay covers the time since the previous report. */
  load(): LoadReport {
    this.meter ??= new LoadMeter();
    return {
      processes: this.procs.size,
      backlog: this.counters.backlog,
      eventLoopDelayMs: this.meter.read(),
      rssBytes: process.memoryUsage.rss(),
      at: this.clock.now(),
    };
  }

  /** Resolves once this worker hosts no process (inboxes aside) and its loop is idle. */
  whenEmpty(): Promise<void> {
    return new Promise((resolve) => {
      const check = () => {
        let live = 0;
        for (const rec of this.procs.values()) if (!rec.sink) live++;
        if (live === 0 && !this.scheduled) {
          this.idleWaiters.delete(check);
          resolve();
        }
      };
      this.idleWaiters.add(check);
      check();
    });
  }

  /** Ends every process here with `reason` (without waiting for `whenEmpty`). */
  exitAll(reason: ExitReason): void {
    for (const rec of [...this.procs.values()]) if (!rec.sink) this.exitProcess(rec, reason);
    this.flush();
  }

  async close(): Promise<void> {
    this.flush();
    this.closed = true;
    this.meter?.stop();
    for (const call of this.calls.values()) this.clock.clearTimeout(call.timer);
    this.calls.clear();
  }

  extra(rec: ProcRecord): ProcExtra {
    return (rec.x ??= {});
  }
}

function onSettled(rec: ProcRecord, err: unknown, value: unknown): void {
  rec.w.settled(rec, err, value);
}

function isLive(rec: ProcRecord): boolean {
  return rec.st < EXITING;
}

function onExitSettled(rec: ProcRecord, err: unknown): void {
  rec.w.exitSettled(rec, err);
}

function workerOf(name: string): string {
  const colon = name.indexOf(':');
  return colon < 0 ? '' : name.slice(0, colon);
}

/** The worker that spawned a remotely placed process (`w2:w1.5f` → `w1`), or '' for a local name. */
function spawnerOf(name: string): string {
  const colon = name.indexOf(':');
  const dot = name.lastIndexOf('.');
  return dot > colon ? name.slice(colon + 1, dot) : '';
}

/** An exit reason made from an error (it has a name and a message), as opposed to a plain string or data. */
function isErrorReason(reason: ExitReason): boolean {
  return reason !== null && typeof reason === 'object' && typeof (reason as { name?: unknown }).name === 'string' && typeof (reason as { message?: unknown }).message === 'string';
}

function copyReason(reason: ExitReason): ExitReason {
  return reviveExitReason(copyData(reason, 'reason'));
}

function exitedReason(name: string): ExitReason {
  return hypernodeReason('PROCESS_EXITED', `Process '${name}' ended before replying; handle the error or monitor it.`);
}

function describeArg(value: unknown): string {
  if (typeof value === 'string') return `'${value}'`;
  if (typeof value === 'function') {
    return `the function or class '${value.name}' (pass a module's name, such as '${value.name}', after loading its class or file into the cluster)`;
  }
  if (value === null || value === undefined) return String(value);
  if (typeof value === 'object') return Array.isArray(value) ? 'an array' : 'an object';
  return `${typeof value} ${String(value)}`;
}
