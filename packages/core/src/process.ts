import type { Lifecycle } from './coroutine';
import type { Context } from './context';

/**
 * The key of the phantom property that carries a module's type parameters to typed names (see
 * `typed-names.ts`). Types only: it has no value at run time.
 */
export declare const processTypes: unique symbol;

/**
 * The base class of every hypernode module. A module is a class extending `Process`; each spawned process
 * is an instance of it with its own state, inbox, parent and children.
 *
 * Lifecycle (all optional, each a generator function that may `yield` promises, an `async` function, or a
 * plain function):
 * - `processWillRun(state, ctx)` runs once, before any message; messages sent meanwhile wait in the inbox.
 * - `processDidReceiveMessage(state, message, senderName, ctx)` runs per message, one at a time, never
 *   overlapping.
 * - `processWillExit(state, err, ctx)` runs once when the process ends, whatever the reason; an error it
 *   throws is logged, not propagated.
 * - `processWillUpgrade(state, fromVersion, ctx)` runs once after a module reload, before the next message
 *   is handled under the new code.
 * - `processWillMove(state, ctx)` runs before the process moves to another worker (it may refuse), and
 *   `processDidMove(state, ctx)` on the new instance there, before its next message (design 031).
 *
 * `processWillRun`, `processDidReceiveMessage` and `processWillUpgrade` are reducers: they return the next
 * state; returning `undefined` keeps the current state (so a handler that mutates `state` in place and
 * returns nothing is fine). Keep per-process data in `state`: it is what the runtime carries when a process is
 * upgraded or relocated. The instance (`this`) is private to the process too, but is not relocated.
 *
 * The type parameters also type the sending side: `spawn(Counter, state)` checks `state` against `State` and
 * returns a name typed with `Message` and `Reply`, so that `send` and `call` to it check the message and
 * `call` resolves with `Reply` (see `ProcessName`). They change nothing at run time.
 *
 * @typeParam State - the process's state (and what `spawn` checks its initial state against).
 * @typeParam Message - the messages it receives (and what `send`/`call` to its typed name accept).
 * @typeParam Reply - what it answers calls with (`ctx.reply`), so what `call` to its typed name resolves with.
 */
export abstract class Process<State = any, Message = any, Reply = unknown> {
  /** Overrides the module name (otherwise the `@hypernode-module` comment or the class name). */
  static moduleName?: string;

  /**
   * The mailbox bound of its processes unless their spawn gives `maxMailbox`: a user message that finds a
   * mailbox holding this many is refused (a dead letter `mailbox-full`; a call fails with `MAILBOX_FULL`).
   * System messages are never refused. A whole number from 1; a bad value fails the module's load
   * (`MODULE_INVALID`). Unset: no bound (design 030).
   */
  static maxMailbox?: number;

  /** Never present at run time: carries the type parameters to typed names. */
  declare readonly [processTypes]?: { state: State; message: Message; reply: Reply };

  processWillRun?(state: State, ctx: Context<State, Reply>): Lifecycle<State | void>;
  processDidReceiveMessage?(state: State, message: Message, senderName: string, ctx: Context<State, Reply>): Lifecycle<State | void>;
  processWillExit?(state: State, err: ExitReason, ctx: Context<State, Reply>): Lifecycle<unknown>;
  processWillUpgrade?(state: State, fromVersion: number, ctx: Context<State, Reply>): Lifecycle<State | void>;
  /**
   * Runs on the process's worker, between two messages, before it moves to another worker (design 031).
   * Return `false` (or throw) to refuse: the process stays, unchanged, and the move reports `'refused'`.
   * Otherwise prepare: let go of what cannot move (close a socket, clear timers on `this`); the state (which
   * must be data the codec carries) moves as it is now. May be async; the process takes no turn meanwhile.
   */
  processWillMove?(state: State, ctx: Context<State, Reply>): boolean | void | Promise<boolean | void>;
  /**
   * Runs on the target worker on a new instance (the old one's fields do not move), before the next message;
   * `processWillRun` does not run again. A reducer like the others: returns the next state (undefined keeps it);
   * throwing crashes the process there.
   */
  processDidMove?(state: State, ctx: Context<State, Reply>): Lifecycle<State | void>;
}

/** A class that extends {@link Process}. */
export type ProcessClass = (abstract new () => Process) & { moduleName?: string; name: string };

/**
 * Why a process ended, as its parent (and `processWillExit`) sees it: a string (`'normal'` for `exit()`
 * with no reason, `'shutdown'` when its parent or the cluster ended it, or the string given to `exit`),
 * any other data given to `exit`, or an {@link ErrorData} for an error (a throw, a rejection, `exit(new Error())`).
 */
export type ExitReason = string | ErrorData | Record<string, unknown> | number | boolean | null;

/**
 * An error turned into data so it can cross process boundaries: `name`, `message`, `stack` and, for a
 * `HypernodeError`, its `code`. `String(err)` and `err.toString()` give `Name: message`, as for an Error.
 */
export interface ErrorData {
  name: string;
  message: string;
  stack?: string;
  code?: string;
  toString(): string;
}

/** The messages the runtime itself sends to processes. */
export type SystemMessage =
  | { type: 'CHILD_PROCESS_EXIT'; payload: { err: ExitReason } }
  | { type: 'DOWN'; payload: { ref: string; err: ExitReason } }
  | { type: 'EXIT'; payload: { err: ExitReason } };

/** True when `cls` is a class extending {@link Process}. */
export function isProcessClass(cls: unknown): cls is ProcessClass {
  return typeof cls === 'function' && cls.prototype instanceof Process;
}
