import type { Context } from './context';
import { spawnBound, type ProcessSpawnOptions } from './mailbox-bound';
import type { ProcessClass } from './process';
import type { ProcRecord } from './process-record';

/**
 * What a {@link ProcessContext} needs of its worker: each operation of `Context`, for the process `rec`. The
 * worker runtime implements it; the context knows nothing else of it.
 */
export interface ContextPort {
  send(rec: ProcRecord, to: string, message: unknown): void;
  /** Spawns a child of `rec`; `module` is a module's name or a loaded module's class. */
  spawnChild(rec: ProcRecord, module: string | ProcessClass, initialState: unknown, target?: string, bound?: number): string;
  /** Ends `rec` after its running handler returns. */
  requestEnd(rec: ProcRecord, err: unknown): void;
  call(from: string, to: string, message: unknown, timeoutMs?: number): Promise<unknown>;
  reply(rec: ProcRecord, value: unknown): void;
  keepToken(rec: ProcRecord): string | undefined;
  replyFrom(rec: ProcRecord, token: string, value: unknown): void;
  monitor(rec: ProcRecord, name: string): string;
  demonitor(rec: ProcRecord, ref: string): void;
  link(rec: ProcRecord, name: string): void;
  unlink(rec: ProcRecord, name: string): void;
  trapExits(rec: ProcRecord, on: boolean): void;
  register(rec: ProcRecord, name: string): Promise<void>;
  unregister(rec: ProcRecord, name: string): Promise<void>;
  whereis(name: string): string | undefined;
  /** `ctx.kill`: ends `target`, anywhere in the cluster, as if it called `exit(reason)`. */
  endFrom(from: string, target: string, reason: unknown): void;
  now(): number;
  sendAfter(rec: ProcRecord, to: string, message: unknown, ms: number): string;
  cancelTimer(rec: ProcRecord, ref: string): boolean;
}

/** The context's implementation: one small object per lifecycle call, with bound functions made on access. */
export class ProcessContext implements Context {
  constructor(
    private readonly w: ContextPort,
    private readonly rec: ProcRecord,
  ) {}

  private sendFn: Context['send'] | undefined;

  get send(): Context['send'] {
    // The most used function: made once per context (one context serves a whole turn of messages).
    if (this.sendFn === undefined) {
      const { w, rec } = this;
      this.sendFn = ((to: string, message: unknown) => w.send(rec, to, message)) as Context['send'];
    }
    return this.sendFn;
  }
  get spawn(): Context['spawn'] {
    const { w, rec } = this;
    return ((module: string | ProcessClass, initialState?: unknown, options?: ProcessSpawnOptions) =>
      w.spawnChild(rec, module, initialState, undefined, options === undefined ? undefined : spawnBound(options, typeof module === 'string' ? module : module.name))) as Context['spawn'];
  }
  get exit(): Context['exit'] {
    const { w, rec } = this;
    return (err?: unknown) => w.requestEnd(rec, err);
  }
  get getState(): Context['getState'] {
    const { rec } = this;
    return () => rec.state;
  }
  get getProcessName(): Context['getProcessName'] {
    const { rec } = this;
    return (() => rec.name) as Context['getProcessName'];
  }
  get getParentProcessName(): Context['getParentProcessName'] {
    const { rec } = this;
    return (() => rec.parent) as Context['getParentProcessName'];
  }
  get getChildrenProcessNames(): Context['getChildrenProcessNames'] {
    const { rec } = this;
    return (() => {
      const out: Record<string, string> = {};
      if (rec.children) for (const [name, mod] of rec.children) out[name] = mod;
      return out;
    }) as Context['getChildrenProcessNames'];
  }
  get call(): Context['call'] {
    const { w, rec } = this;
    return ((to: string, message: unknown, timeoutMs?: number) => w.call(rec.name, to, message, timeoutMs)) as Context['call'];
  }
  get reply(): Context['reply'] {
    const { w, rec } = this;
    return ((value: unknown) => w.reply(rec, value)) as Context['reply'];
  }
  get callToken(): Context['callToken'] {
    const { w, rec } = this;
    return () => w.keepToken(rec);
  }
  get replyTo(): Context['replyTo'] {
    const { w, rec } = this;
    return ((token: string, value: unknown) => w.replyFrom(rec, token, value)) as Context['replyTo'];
  }
  get monitor(): Context['monitor'] {
    const { w, rec } = this;
    return ((name: string) => w.monitor(rec, name)) as Context['monitor'];
  }
  get demonitor(): Context['demonitor'] {
    const { w, rec } = this;
    return (ref: string) => w.demonitor(rec, ref);
  }
  get link(): Context['link'] {
    const { w, rec } = this;
    return ((name: string) => w.link(rec, name)) as Context['link'];
  }
  get unlink(): Context['unlink'] {
    const { w, rec } = this;
    return ((name: string) => w.unlink(rec, name)) as Context['unlink'];
  }
  get trapExits(): Context['trapExits'] {
    const { w, rec } = this;
    return (on: boolean) => w.trapExits(rec, on);
  }
  get register(): Context['register'] {
    const { w, rec } = this;
    return (name: string) => w.register(rec, name);
  }
  get unregister(): Context['unregister'] {
    const { w, rec } = this;
    return (name: string) => w.unregister(rec, name);
  }
  get whereis(): Context['whereis'] {
    const { w } = this;
    return ((name: string) => w.whereis(name)) as Context['whereis'];
  }
  get kill(): Context['kill'] {
    const { w, rec } = this;
    return ((name: string, reason?: unknown) => w.endFrom(rec.name, name, reason === undefined ? 'killed' : reason)) as Context['kill'];
  }
  get now(): Context['now'] {
    const { w } = this;
    return () => w.now();
  }
  get sendAfter(): Context['sendAfter'] {
    const { w, rec } = this;
    return ((to: string, message: unknown, ms: number) => w.sendAfter(rec, to, message, ms)) as Context['sendAfter'];
  }
  get cancelTimer(): Context['cancelTimer'] {
    const { w, rec } = this;
    return (ref: string) => w.cancelTimer(rec, ref);
  }
}
