import type { Context } from './context';
import type { ProcRecord, WorkerRuntime } from './worker';

/** The context's implementation: one small object per lifecycle call, with bound functions made on access. */
export class ProcessContext implements Context {
  constructor(
    private readonly w: WorkerRuntime,
    private readonly rec: ProcRecord,
  ) {}

  private sendFn: ((to: string, message: unknown) => void) | undefined;

  get send() {
    // The most used function: made once per context (one context serves a whole turn of messages).
    if (this.sendFn === undefined) {
      const { w, rec } = this;
      this.sendFn = (to: string, message: unknown) => w.send(rec, to, message);
    }
    return this.sendFn;
  }
  get spawn() {
    const { w, rec } = this;
    return (moduleName: string, initialState?: unknown) => w.spawnChild(rec, moduleName, initialState);
  }
  get exit() {
    const { w, rec } = this;
    return (err?: unknown) => w.requestExit(rec, err);
  }
  get getState() {
    const { rec } = this;
    return () => rec.state;
  }
  get getProcessName() {
    const { rec } = this;
    return () => rec.name;
  }
  get getParentProcessName() {
    const { rec } = this;
    return () => rec.parent;
  }
  get getChildrenProcessNames() {
    const { rec } = this;
    return () => {
      const out: Record<string, string> = {};
      if (rec.children) for (const [name, mod] of rec.children) out[name] = mod;
      return out;
    };
  }
  get call() {
    const { w, rec } = this;
    return <R>(to: string, message: unknown, timeoutMs?: number) => w.call(rec.name, to, message, timeoutMs) as Promise<R>;
  }
  get reply() {
    const { w, rec } = this;
    return (value: unknown) => w.reply(rec, value);
  }
  get callToken() {
    const { w, rec } = this;
    return () => w.keepToken(rec);
  }
  get replyTo() {
    const { w, rec } = this;
    return (token: string, value: unknown) => w.replyFrom(rec, token, value);
  }
  get monitor() {
    const { w, rec } = this;
    return (name: string) => w.monitor(rec, name);
  }
  get demonitor() {
    const { w, rec } = this;
    return (ref: string) => w.demonitor(rec, ref);
  }
  get link() {
    const { w, rec } = this;
    return (name: string) => w.link(rec, name);
  }
  get unlink() {
    const { w, rec } = this;
    return (name: string) => w.unlink(rec, name);
  }
  get trapExits() {
    const { w, rec } = this;
    return (on: boolean) => {
      w.extra(rec).trap = on;
    };
  }
  get register() {
    const { w, rec } = this;
    return (name: string) => w.register(rec, name);
  }
  get unregister() {
    const { w, rec } = this;
    return (name: string) => w.unregister(rec, name);
  }
  get whereis() {
    const { w } = this;
    return (name: string) => w.whereis(name);
  }
  get kill() {
    const { w, rec } = this;
    return (name: string, reason?: unknown) => w.killFrom(rec.name, name, reason === undefined ? 'killed' : reason);
  }
  get now() {
    const { w } = this;
    return () => w.now();
  }
  get sendAfter() {
    const { w, rec } = this;
    return (to: string, message: unknown, ms: number) => w.sendAfter(rec, to, message, ms);
  }
  get cancelTimer() {
    const { w, rec } = this;
    return (ref: string) => w.cancelTimer(rec, ref);
  }
}
