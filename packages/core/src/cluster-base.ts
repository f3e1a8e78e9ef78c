import { refreshTracing } from './tracing';
import type { Clock } from './clock';
import { describeArg } from './describe-arg';
import { HypernodeError } from './errors';
import { Inbox } from './inbox';
import type { LoadedModule, LoadOptions } from './loaded-modules';
import type { ProcessSpawnOptions } from './mailbox-bound';
import { moduleNameOf } from './module-loader';
import { isProcessClass, type ProcessClass } from './process';
import type { MessageTo, ModuleRef, ReplyFrom, SpawnArgs, SpawnedName } from './typed-names';
import type { DeadLetterRecord, ExitRecord } from './live-stats';
import type { TopSnapshot } from './top-sampler';
import type { ProcessInfo, WorkerRuntime, WorkerStats } from './worker';
import type { MoveOutcome } from './relocation';

export { listLoadedModules, moduleNotLoadedMessage } from './loaded-modules';
export type { LoadedModule, LoadOptions } from './loaded-modules';

/**
 * A running cluster, seen from outside its processes. The embedded cluster and a client connected to a
 * distributed one share this surface.
 */
export interface Cluster {
  readonly name: string;
  /** The root process's name. */
  readonly root: string;
  /**
   * Loads (or reloads, as a new version) the module(s) of a source file, or a Process class. Running
   * processes of a reloaded module switch to the new code from their next message. A file that defines a
   * module of the same name as one loaded from another file is refused (`MODULE_INVALID`) unless
   * `options.replace` is true.
   */
  load(source: string | ProcessClass, options?: LoadOptions): Promise<LoadedModule[]>;
  /**
   * Spawns a child of the root process; rejects with `MODULE_NOT_FOUND` for a module that is not loaded.
   * `module` is a module's name or its class (loaded first with `load`); with a class, or a name declared in
   * `ModuleMap`, the initial state is checked and the returned name is typed, as for `ctx.spawn`.
   */
  spawn<M extends ModuleRef>(module: M, ...initialState: SpawnArgs<M>): Promise<SpawnedName<M>>;
  /**
   * Spawns a child of the root process as above, with `options`: `maxMailbox` bounds its mailbox (see
   * `ProcessSpawnOptions`; a bad value rejects with `INVALID_ARGUMENT` and spawns nothing).
   */
  spawn<M extends ModuleRef>(module: M, initialState: SpawnArgs<M>[0], options: ProcessSpawnOptions): Promise<SpawnedName<M>>;
  /**
   * Sends a message from outside (the sender name is `from`, default the cluster's own outside name). To a
   * typed name (from `spawn`) the message is checked against the module's message type.
   */
  send<To extends string>(to: To, message: MessageTo<To>, from?: string): void;
  /**
   * Sends a message as a call and resolves with the reply: typed by the module of a typed name, else `unknown`
   * or the `R` given.
   */
  call<R extends ReplyFrom<To>, To extends string = string>(to: To, message: MessageTo<To>, timeoutMs?: number): Promise<R>;
  /** A mailbox outside any process that processes can send to by `inbox.name`. */
  inbox(): Inbox;
  /** Every process of the cluster. */
  ps(): Promise<ProcessInfo[]>;
  /** Ends a process as if it called `exit(reason)` (default `'killed'`); false when there is no such process. */
  kill(name: string, reason?: unknown): Promise<boolean>;
  /**
   * Moves a live process (by its name or a registered name) to worker `options.to`, or without `to` to the
   * least-loaded other worker, between two of its messages (design 031): it keeps its name, state, mailbox,
   * monitors, links, names, timers, parent, children and module version, and every sender's messages keep
   * their order. Resolves with the outcome (a process that refuses or cannot move stays, unchanged); rejects
   * with `INVALID_ARGUMENT` for a worker the cluster does not have.
   */
  move(name: string, options?: { to?: string }): Promise<MoveOutcome>;
  /** The latest version of every loaded module. */
  modules(): Promise<LoadedModule[]>;
  /** Per-worker counters. */
  stats(): Promise<(WorkerStats & { worker: string })[]>;
  /**
   * Every worker's load and rates, and the busiest processes (design 020). Rates cover the time since the previous
   * `top` of anyone (or since the worker started), so poll it at the pace you show it.
   */
  top(): Promise<TopSnapshot>;
  /**
   * The last dead letters of every worker (each keeps 200), oldest first: those at or after `since` (epoch ms), at
   * most the newest `limit` (default 200, at most 10 000).
   */
  deadLetters(options?: RecentOptions): Promise<DeadLetterRecord[]>;
  /** The last processes that ended on every worker (each keeps 200), oldest first, as {@link Cluster.deadLetters}. */
  exits(options?: RecentOptions): Promise<ExitRecord[]>;
  /** Ends every process (each runs `processWillExit`), then closes. Idempotent. */
  stop(): Promise<void>;
}

/** Which of the last dead letters or exits {@link Cluster.deadLetters} and {@link Cluster.exits} return. */
export interface RecentOptions {
  /** Only those at or after this time (epoch ms). */
  since?: number;
  /** At most this many, the newest (1 to 10 000; default 200). */
  limit?: number;
}

/** What {@link ClusterBase} needs from its subclass at construction. */
export interface ClusterBaseOptions {
  /** The sender name `send` uses when the caller gives none. */
  outsideName: string;
  /** The clock the inboxes' `receive` timeouts run on. */
  clock: Clock;
  /** The `CLUSTER_STOPPED` sentence for an operation after `stop()`: what is stopped and how to get a new one. */
  stoppedMessage: string;
}

/**
 * The part of a {@link Cluster} that is the same whether its workers run in this Node process (the embedded
 * cluster) or elsewhere (a client from `connectCluster`): messages from outside (`send`, `call`, `inbox`) go
 * through one outside runtime, the subclass's `runtime`; every open inbox is closed on `stop()`; `stop()` runs
 * once however often it is called; and, once stopping, every operation that checks `live()` throws
 * `CLUSTER_STOPPED`.
 *
 * A subclass supplies `runtime` (started by the subclass), `load`, `spawn`, `ps`, `kill`, `modules` and `stats`,
 * and the two steps of stopping: {@link ClusterBase.endProcesses} (before the inboxes close; default: none) and
 * {@link ClusterBase.release} (after). It does not: start or own the runtime, place processes, or know any
 * transport.
 */
export abstract class ClusterBase implements Cluster {
  abstract readonly root: string;
  /** The runtime that hosts this cluster's inboxes and sends on behalf of the outside. */
  protected abstract readonly runtime: WorkerRuntime;
  private readonly inboxes = new Set<Inbox>();
  private stopping: Promise<void> | null = null;

  protected constructor(
    readonly name: string,
    private readonly base: ClusterBaseOptions,
  ) {}

  abstract load(source: string | ProcessClass, options?: LoadOptions): Promise<LoadedModule[]>;
  abstract spawn<M extends ModuleRef>(module: M, ...initialState: SpawnArgs<M>): Promise<SpawnedName<M>>;
  abstract spawn<M extends ModuleRef>(module: M, initialState: SpawnArgs<M>[0], options: ProcessSpawnOptions): Promise<SpawnedName<M>>;
  abstract ps(): Promise<ProcessInfo[]>;
  abstract kill(name: string, reason?: unknown): Promise<boolean>;

  /** See {@link Cluster.move}; a client that cannot move processes rejects with `INVALID_OPTIONS`. */
  move(name: string, _options?: { to?: string }): Promise<MoveOutcome> {
    return Promise.reject(new HypernodeError('INVALID_OPTIONS', `This client of cluster '${this.name}' cannot move '${String(name)}'; use hypernode-cli move or the worker's move RPC.`));
  }
  abstract modules(): Promise<LoadedModule[]>;
  abstract stats(): Promise<(WorkerStats & { worker: string })[]>;
  abstract top(): Promise<TopSnapshot>;
  abstract deadLetters(options?: RecentOptions): Promise<DeadLetterRecord[]>;
  abstract exits(options?: RecentOptions): Promise<ExitRecord[]>;

  /** Throws `CLUSTER_STOPPED` once `stop()` has been called. */
  protected live(): void {
    if (this.stopping) throw new HypernodeError('CLUSTER_STOPPED', this.base.stoppedMessage);
  }

  /**
   * The module name `spawn` was given: a name as is, a class by its module name (its static `moduleName`, else
   * its class name). Throws `INVALID_ARGUMENT` for anything else.
   */
  protected spawnedModuleName(module: ModuleRef): string {
    const given: unknown = module;
    if (typeof given === 'function' && isProcessClass(given)) return moduleNameOf(undefined, given);
    if (typeof given === 'string' && given.length > 0) return given;
    const got =
      typeof given === 'string' ? "''" : typeof given === 'function' ? `a function that does not extend Process ('${given.name || 'anonymous'}')` : describeArg(given);
    throw new HypernodeError(
      'INVALID_ARGUMENT',
      `spawn() needs a module's name (a non-empty string) or its Process class as its first argument; got ${got}. Load the module with load(), then spawn it by name or class.`,
    );
  }

  send<To extends string>(to: To, message: MessageTo<To>, from: string = this.base.outsideName): void {
    this.live();
    refreshTracing();
    this.runtime.sendFrom(from, to, message, null);
    this.runtime.flushNow();
  }

  async call<R extends ReplyFrom<To>, To extends string = string>(to: To, message: MessageTo<To>, timeoutMs?: number): Promise<R> {
    this.live();
    refreshTracing();
    const inbox = this.inbox();
    try {
      const reply = this.runtime.call(inbox.name, to, message, timeoutMs) as Promise<R>;
      this.runtime.flushNow();
      return await reply;
    } finally {
      inbox.close();
    }
  }

  inbox(): Inbox {
    this.live();
    const inbox = new Inbox(this.runtime, this.base.clock, () => this.inboxes.delete(inbox));
    this.inboxes.add(inbox);
    return inbox;
  }

  stop(): Promise<void> {
    this.stopping ??= this.shutdown();
    return this.stopping;
  }

  /** The first step of stopping, while inboxes still receive (e.g. ending every process). Default: none. */
  protected async endProcesses(): Promise<void> {}

  /** The last step of stopping, after every inbox is closed: close runtimes and connections. */
  protected abstract release(): Promise<void>;

  private async shutdown(): Promise<void> {
    await this.endProcesses();
    for (const inbox of [...this.inboxes]) inbox.close();
    await this.release();
  }
}
