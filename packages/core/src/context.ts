import type { ProcessSpawnOptions } from './mailbox-bound';
import type { MessageTo, ModuleRef, ProcessName, ReplyFrom, SpawnArgs, SpawnedName } from './typed-names';

/**
 * What a process can do, handed to every lifecycle function as its last argument. Every function may be
 * destructured (`{ send, spawn }`) and kept: it stays bound to the process, including in callbacks that run
 * later (a server's request handler, a timer).
 *
 * Names are typed where the compiler knows the module: `spawn(Counter, state)` (or `spawn('Counter', state)`
 * with `Counter` declared in `ModuleMap`) checks `state` and returns a `ProcessName` that `send`, `call` and
 * `sendAfter` check messages against. A plain `string` name accepts any message.
 *
 * @typeParam State - the process's state (what `getState` returns).
 * @typeParam Reply - what this process answers calls with (what `reply` takes).
 */
export interface Context<State = any, Reply = unknown> {
  /**
   * Sends `message` to the process named `to` (a process name or a registered name). Never fails because
   * the target is gone: the message is then dropped and counted as a dead letter. Throws a `TypeError` at
   * once when `message` is not data. When `to` is a typed {@link ProcessName}, `message` must be one of its
   * process's messages.
   */
  send<To extends string>(to: To, message: MessageTo<To>): void;
  /**
   * Spawns a child process of `module` (a module name, or a loaded module's class) with `initialState` and
   * returns its cluster-unique name at once. Messages sent to it right away are handled after its
   * `processWillRun`. An unknown module ends the child at once; the parent then gets `CHILD_PROCESS_EXIT`
   * with a `MODULE_NOT_FOUND` error.
   *
   * For a class, or a name declared in `ModuleMap`, `initialState` is checked against the module's `State`
   * and the name returned is typed with its `Message` and `Reply`; any other name gives an untyped name.
   */
  spawn<M extends ModuleRef>(module: M, ...initialState: SpawnArgs<M>): SpawnedName<M>;
  /**
   * Spawns a child as above with `options`: `maxMailbox` bounds its mailbox (overriding its module's `static
   * maxMailbox`; see {@link ProcessSpawnOptions}). A bad option throws `INVALID_ARGUMENT` and spawns nothing.
   */
  spawn<M extends ModuleRef>(module: M, initialState: SpawnArgs<M>[0], options: ProcessSpawnOptions): SpawnedName<M>;
  /** Ends this process with `err` as the reason (`'normal'` when omitted), after the current handler returns. */
  exit(err?: unknown): void;
  getState(): State;
  getProcessName(): string;
  /** The parent's name; `null` for the root process. */
  getParentProcessName(): string | null;
  /** The living children, keyed by name (the values are their module names). */
  getChildrenProcessNames(): Record<string, string>;

  /**
   * Sends `message` to `to` and resolves with its reply (see {@link Context.reply}); rejects with a
   * `HypernodeError` `CALL_TIMEOUT` after `timeoutMs` (default 5000), or `NO_PROCESS` when `to` does not
   * exist, or `PROCESS_EXITED` when it ends before replying. Yield it (or await it) inside a handler.
   *
   * To a typed {@link ProcessName}, `message` is checked and the reply is its process's `Reply`. To an
   * untyped name the reply is `unknown`, or `R` when given (`call<ChildInfo[]>(sup, message)`), which is a
   * claim the compiler cannot check (giving `R` also turns the message check off).
   */
  call<R extends ReplyFrom<To>, To extends string = string>(to: To, message: MessageTo<To>, timeoutMs?: number): Promise<R>;
  /** Replies to the message being handled when it was sent with `call`; throws otherwise. */
  reply(value: Reply): void;
  /**
   * The token of the call being handled (`undefined` when the message was not a call), to reply later with
   * `replyTo`, from this or another process. If this process ends before the call is answered, the caller gets
   * `PROCESS_EXITED`.
   */
  callToken(): string | undefined;
  /** Replies to a call whose token was kept with `callToken()`. Replying twice, or after the caller gave up, does nothing. */
  replyTo(token: string, value: unknown): void;

  /**
   * Watches `name`: when it ends (or if it does not exist), this process gets
   * `{ type: 'DOWN', payload: { ref, err } }` from it. Returns the ref.
   */
  monitor(name: string): string;
  demonitor(ref: string): void;
  /**
   * Links this process with `name`, both ways: when either ends with a crash (not `'normal'` or
   * `'shutdown'`), the other ends too with reason `{ name: 'LinkedProcessExit', ... }` unless it traps exits,
   * in which case it gets `{ type: 'EXIT', payload: { err } }` from the ended process instead.
   */
  link(name: string): void;
  unlink(name: string): void;
  /** Turns exit trapping on or off (see {@link Context.link}). */
  trapExits(on: boolean): void;

  /** Registers this process under `name` cluster-wide; rejects with `NAME_TAKEN` when the name is held. */
  register(name: string): Promise<void>;
  /** Drops a name this process holds. */
  unregister(name: string): Promise<void>;
  /** The process registered under `name`, as this worker last heard, or `undefined`. */
  whereis(name: string): string | undefined;

  /**
   * Ends the process `name` (any process of the cluster) with `reason` (default `'killed'`) at once, as
   * Erlang's `exit(Pid, Reason)`: a handler of it waiting at a `yield` is abandoned (its `finally` blocks run),
   * then its `processWillExit` runs and its parent is told as usual. A process that has not run
   * `processWillRun` yet runs it first. Does nothing when it has already ended.
   */
  kill(name: string, reason?: unknown): void;
  /** The cluster clock's time in epoch milliseconds (tests may drive it by hand). */
  now(): number;

  /**
   * Sends `message` to `to` after `ms` milliseconds; returns a timer ref. Timers end with the process. The
   * message is checked as for {@link Context.send}.
   */
  sendAfter<To extends string>(to: To, message: MessageTo<To>, ms: number): string;
  /** Cancels a timer; true when it had not fired yet. */
  cancelTimer(ref: string): boolean;
}
