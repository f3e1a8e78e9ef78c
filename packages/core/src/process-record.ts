import type { TimerHandle } from './clock';
import type { Mailbox } from './mailbox';
import type { ModuleEntry } from './modules';
import type { ExitReason, Process } from './process';

// A process's status, in the order it goes through them (comparisons such as `status >= ENDING` rely on it).
/** Created; `processWillRun` not started. */
export const STARTING = 0;
/** A lifecycle function (or the fetch of its module) is in progress. */
export const RUNNING = 1;
/** Waiting for a message. */
export const WAITING = 2;
/** Ending: its mailbox is dropped, `processWillExit` may still run. */
export const ENDING = 3;
/** Gone from its worker's process table. */
export const ENDED = 4;

/** Receives the messages of an outside inbox (see `Inbox`) instead of a mailbox. */
export type InboxHandler = (from: string, message: unknown, token: string | null) => void;

/** What settles a process's asynchronous lifecycle functions: its worker. */
export interface RecordOwner {
  /** An asynchronous `processWillRun`, `processDidReceiveMessage` or `processWillUpgrade` settled. */
  settled(rec: ProcRecord, err: unknown, value: unknown): void;
  /** An asynchronous `processWillExit` settled. */
  endSettled(rec: ProcRecord, err: unknown): void;
  /** A callback `rec` started outside its lifecycle functions threw, or a promise it made rejected unhandled (crash-isolation.ts). */
  callbackFailed(rec: ProcRecord, err: unknown): void;
}

/** Rarely used per-process data, allocated on first use (see {@link extrasOf}) so an idle process stays small. */
export interface ProcessExtras {
  /** Timers of `sendAfter`, by ref. */
  timers?: Map<string, TimerHandle>;
  /** Monitors this process holds: ref -> the watched process. */
  monitors?: Map<string, string>;
  /** Monitors of this process held by others: ref -> the watcher. */
  watchers?: Map<string, string>;
  links?: Set<string>;
  trapExits?: boolean;
  /** Registered names this process holds. */
  names?: Set<string>;
  /** Why it ended, set once it is ending. */
  reason?: ExitReason;
  /** Ended by its parent: the parent is not told. */
  endedByParent?: boolean;
  /** Call tokens this process kept (`callToken()`) and has not answered yet. */
  keptTokens?: Set<string>;
  /** The trace span of the async lifecycle function running now (tracing.ts). */
  span?: unknown;
  /** The trace context its spawner sent along, for `processWillRun` (tracing.ts). */
  startTrace?: unknown;
  /** Its mailbox bound (the spawn option `maxMailbox`, else its module's `static maxMailbox`): mailbox-bound.ts. */
  maxMailbox?: number;
  /** Its mailbox is one of the largest while the worker's heap is nearly full: new messages are refused (memory-guard.ts). */
  mailboxShed?: boolean;
  /** Its mailbox crossed the worker's warning size (and was logged): mailbox-bound.ts. */
  mailboxWarned?: boolean;
}

/**
 * One process as its worker holds it (or an outside inbox, which has an {@link InboxHandler} instead of a
 * mailbox and never runs). Internal: its fields are read and written by the kernel and the feature modules.
 * Every record has the same fields in the same order (one hidden class): add rare data to
 * {@link ProcessExtras} instead of a field, since an idle process's size counts (design 009).
 */
export class ProcRecord implements Mailbox {
  status = STARTING;
  /** In its worker's run queue. */
  inRunQueue = false;
  mailboxHead: unknown[] | null = null;
  mailboxTail: unknown[] | null = null;
  mailboxIndex = 0;
  mailboxCount = 0;
  /**
   * The mailbox size at which a user message takes the slow path of mailbox-bound.ts before it is queued (its
   * bound, its warning size, or the memory guard): 0 until that path has looked at the process once.
   */
  mailboxCheck = 0;
  /** Living children: name -> module name. */
  children: Map<string, string> | null = null;
  /** The token of the call being handled, until it is answered. */
  currentCall: string | null = null;
  /** The reason of an end requested while a lifecycle function ran; it ends once that function returns. */
  pendingEnd: ExitReason | undefined = undefined;
  extras: ProcessExtras | null = null;
  instance: Process | null = null;
  inbox: InboxHandler | null = null;
  /** Messages taken into its mailbox since it started. */
  received = 0;
  /** Milliseconds spent in its turns since it started (the synchronous part of its lifecycle functions). */
  turnMs = 0;
  /** When it was created: ms after its worker started (a small integer, so it stays unboxed: design 020). */
  startedAt = 0;

  constructor(
    readonly owner: RecordOwner,
    readonly name: string,
    /** The module, once resolved (null while it is fetched). */
    public module: ModuleEntry | null,
    readonly moduleName: string,
    public state: any,
    readonly parent: string | null,
  ) {}
}

/** The rarely used data of `rec`, allocated on first use. */
export function extrasOf(rec: ProcRecord): ProcessExtras {
  return (rec.extras ??= {});
}

/** What `settle` calls when a lifecycle function's promise settles: the record's owner takes it from there. */
export function onSettled(rec: ProcRecord, err: unknown, value: unknown): void {
  rec.owner.settled(rec, err, value);
}

/** Whether a settled promise still concerns its process (it has not begun to end). */
export function isLive(rec: ProcRecord): boolean {
  return rec.status < ENDING;
}

/** The log fields of a line about `rec`: its name and module (see `Logger`). */
export function about(rec: ProcRecord): { process: string; module: string } {
  return { process: rec.name, module: rec.moduleName };
}
