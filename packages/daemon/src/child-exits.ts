import { Process, type ExitReason, type ProcessClass } from '@hypernode/core';

/** How long the reason of a child of the root that ended is kept for a `spawn` that may ask for it. */
const KEEP_MS = 60_000;
const KEEP_MAX = 1000;

/**
 * The reasons the root's children ended with, as the root hears of them (`CHILD_PROCESS_EXIT`), kept for a
 * minute so that the admin service's `spawn` can report why a process it just spawned ended.
 */
export class ChildExits {
  private readonly recent = new Map<string, { reason: ExitReason; at: number }>();
  private readonly waiters = new Map<string, Set<(reason: ExitReason) => void>>();
  private readonly listeners = new Set<(name: string, reason: ExitReason, at: number, module: string | undefined) => void>();
  /** The modules of children spawned through the admin service and not yet ended (at most KEEP_MAX, oldest dropped). */
  private readonly modules = new Map<string, string>();

  constructor(private readonly now: () => number) {}

  /** The root heard that its child `name` ended with `reason`. */
  record(name: string, reason: ExitReason): void {
    const at = this.now();
    this.recent.set(name, { reason, at });
    for (const [n, e] of this.recent) {
      if (this.recent.size <= KEEP_MAX && at - e.at < KEEP_MS) break;
      this.recent.delete(n);
    }
    for (const wake of this.waiters.get(name) ?? []) wake(reason);
    this.waiters.delete(name);
    const module = this.modules.get(name);
    this.modules.delete(name);
    for (const listener of this.listeners) listener(name, reason, at, module);
  }

  /** The root spawned child `name` of `module` (so that listeners can name the module of its exit). */
  spawned(name: string, module: string): void {
    this.modules.set(name, module);
    if (this.modules.size > KEEP_MAX) this.modules.delete(this.modules.keys().next().value!);
  }

  /** Calls `listener` for every exit recorded from now on (the web dashboard keeps its own list); returns the unsubscribe. */
  listen(listener: (name: string, reason: ExitReason, at: number, module: string | undefined) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Resolves with the reason child `name` ended with, once the root hears of it, or undefined after `ms`. */
  wait(name: string, ms: number): Promise<ExitReason | undefined> {
    const known = this.recent.get(name);
    if (known) return Promise.resolve(known.reason);
    return new Promise((resolve) => {
      const wake = (reason: ExitReason | undefined) => {
        clearTimeout(timer);
        this.waiters.get(name)?.delete(wake);
        resolve(reason);
      };
      const timer = setTimeout(() => wake(undefined), ms);
      timer.unref?.();
      let set = this.waiters.get(name);
      if (!set) this.waiters.set(name, (set = new Set()));
      set.add(wake);
    });
  }
}

/**
 * The cluster daemon's root process (module `Root`, like the built-in one): it ignores what it receives, except
 * that it records in `exits` each child of the root that ended.
 */
export function rootRecording(exits: ChildExits): ProcessClass {
  return class Root extends Process<Record<string, unknown>, { type?: string; payload?: { err?: ExitReason } }> {
    static override moduleName = 'Root';

    override processDidReceiveMessage(state: Record<string, unknown>, message: { type?: string; payload?: { err?: ExitReason } }, sender: string): Record<string, unknown> {
      if (message?.type === 'CHILD_PROCESS_EXIT') exits.record(sender, message.payload?.err ?? 'normal');
      return state;
    }
  } as unknown as ProcessClass;
}
