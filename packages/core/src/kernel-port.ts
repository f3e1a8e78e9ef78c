import type { Clock } from './clock';
import type { LiveLog } from './live-stats';
import type { Logger } from './logger';
import type { ExitReason } from './process';
import type { ProcRecord } from './process-record';
import type { ProcessContext } from './process-context';
import type { Registry } from './registry';

/** Counters of one worker (see `WorkerRuntime.stats`). */
export interface WorkerCounters {
  spawned: number;
  exited: number;
  /** Exits whose reason is neither `'normal'` nor `'shutdown'` (so `'killed'` counts too). */
  crashed: number;
  /** Messages handled by its processes (taken from their mailboxes). */
  delivered: number;
  /** Messages its processes and inboxes sent (`send`, `call`, `sendAfter`; not replies or system notices). */
  sent: number;
  /** Messages dropped, all reasons together. */
  deadLetters: number;
  /** Messages dropped, by reason (see `DeadLetterReason` in live-stats.ts); every reason is present. */
  deadLettersByReason: Record<string, number>;
  /** Exits by kind of reason (see `ExitKind` in live-stats.ts). */
  exitsByKind: { normal: number; shutdown: number; killed: number; crash: number };
  badFrames: number;
  /** Messages waiting in mailboxes. */
  backlog: number;
  /** Processes this worker moved to another worker (design 031); absent in reports of workers before it. */
  relocations?: number;
}

/** Handles one envelope of a frame from another worker (the kind at index 0, see `wire.ts`). */
export type EnvelopeHandler = (envelope: unknown[]) => void;
/** Handles one cluster event (the kind at index 0, see `wire.ts`). */
export type EventHandler = (event: unknown[]) => void;

/**
 * What the feature modules (exits, links, calls, names, timers) use of their worker's kernel: the process
 * table, the two ways into a mailbox, the way out to other workers, and the worker's clock, registry, logger and
 * counters. Features depend on this interface, never on the kernel class, and never on each other; the worker
 * (`worker.ts`) wires them together.
 */
export interface KernelPort {
  /** This worker's id (the part of its processes' names before ':'). */
  readonly id: string;
  /** The cluster's name, for messages. */
  readonly cluster: string;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly registry: Registry | undefined;
  readonly counters: WorkerCounters;
  /** Counts and remembers dead letters and exits (live-stats.ts). */
  readonly live: LiveLog;

  /** A process (or outside inbox) of this worker, by its full name, including one that is ending. */
  lookup(name: string): ProcRecord | undefined;
  /** Every process (and outside inbox) of this worker, as a copy that may be walked while they change. */
  processes(): ProcRecord[];
  /** The process a name stands for: a process name as is, a registered name as last heard, else undefined. */
  resolve(name: string): string | undefined;
  /** A new, unique sequence number of this worker (for refs and tokens). */
  nextSeq(): number;

  /**
   * A user message: sends `message` from `from` to `to` (a process or registered name, here or on another
   * worker) as `ctx.send` does: copied or encoded, a dead letter when `to` is gone. `token` marks a call.
   */
  sendFrom(from: string, to: string, message: unknown, token: string | null): void;
  /**
   * A system message (`CHILD_PROCESS_EXIT`, `DOWN`, `EXIT`): appends `message` as is (not copied) to the mailbox of
   * `rec`, a local process, and schedules it. The caller checks that `rec` is not ending.
   */
  enqueue(rec: ProcRecord, from: string, message: unknown, token: string | null): void;
  /**
   * Queues an encoded envelope for `worker`; it leaves in a frame at the end of the tick. One too large for a
   * frame throws `MESSAGE_TOO_LARGE` naming `what` (`'message'`, `'reply'`), `from` and `to` when `what` is given,
   * and is dropped (a logged dead letter) when not (see outgoing.ts).
   */
  push(worker: string, envelope: Uint8Array, what?: string, from?: string, to?: string): void;
  /** Tells every worker of the cluster (this one included) a cluster event. */
  publish(event: unknown[]): void;
  /** Makes queued envelopes leave soon (at the end of the current tick); call after work done outside the run loop. */
  flushSoon(): void;

  /** Ends `rec` with `reason` (see `Exits.endProcess`). */
  endProcess(rec: ProcRecord, reason: ExitReason): void;
  /** A context for a lifecycle function of `rec`. */
  context(rec: ProcRecord): ProcessContext;
  /** Takes an ended process out of the process table. */
  forget(rec: ProcRecord): void;
  /** Tells `whenEmpty` waiters to look again (a process ended). */
  checkIdle(): void;

  /** Routes envelopes of `kind` from other workers to `handler` (one handler per kind). */
  onEnvelope(kind: number, handler: EnvelopeHandler): void;
  /** Routes cluster events of `kind` to `handler`, after the handlers already registered for that kind. */
  onEvent(kind: string, handler: EventHandler): void;
}

/**
 * Where a process is (relocation.ts, design 031): a process keeps its name when it moves, and everything
 * addressed to it still goes to the worker its name starts with (its home), which forwards it. Features use this
 * instead of `workerOf` to address a process, and to tell which processes a lost worker took with it.
 */
export interface Locator {
  /** The worker to send what is addressed to process `name`: its home, or where its home forwards to when that is here. */
  route(name: string): string;
  /** Whether process `name` is lost with worker `worker`: it runs there, or its home (which routes to it) is there. */
  isOn(name: string, worker: string): boolean;
}

/**
 * What a feature does when a process ends or a worker is lost. The worker hands a fixed list of these (calls,
 * timers, names, links, in that order) to `Exits`, which runs them at each step without knowing the features.
 * Every method is optional.
 */
export interface EndHooks {
  /**
   * `rec` starts ending (its status is ENDING, `extras.reason` is set), before its mailbox is dropped, its
   * children are ended and its `processWillExit` runs: let go of what it holds (answer its calls, cancel its
   * timers, drop its names).
   */
  ending?(rec: ProcRecord): void;
  /** `rec` has ended with `reason` (it is gone from the table, its parent was told): tell the others watching it. */
  ended?(rec: ProcRecord, reason: ExitReason): void;
  /** Worker `worker` was lost: forget what waited on it. Runs before `peerLost`. */
  workerLost?(worker: string, reason: ExitReason): void;
  /** Worker `worker` was lost: `rec`, a living local process, hears of its peers there (not its children or parent). */
  peerLost?(rec: ProcRecord, worker: string, reason: ExitReason): void;
}
