/**
 * Monitors and links between processes, anywhere in the cluster.
 *
 * - A monitor is one way: the watcher gets `{ type: 'DOWN', payload: { ref, err } }` from the target when it
 *   ends (or at once, with `'noproc'`, when it does not exist). The watcher holds `monitors` (ref -> target), the
 *   target holds `watchers` (ref -> watcher).
 * - A link is both ways: when either end crashes, the other ends too (`LinkedProcessExit`) unless it traps exits,
 *   in which case it gets `{ type: 'EXIT', payload: { err } }` instead. `'normal'` and `'shutdown'` do not travel
 *   along links.
 */
import { encodeTrusted } from './codec';
import { describeReason, isCrash, reviveExitReason, toExitReason } from './exit-reason';
import { copyReason, pushWithReason } from './exits';
import type { EndHooks, KernelPort, Locator } from './kernel-port';
import type { ExitReason } from './process';
import { ENDING, extrasOf, type ProcRecord } from './process-record';
import { E_DEMONITOR, E_DOWN, E_LINK, E_LINK_EXIT, E_MONITOR, E_UNLINK, monitorRef } from './wire';

/** Monitors and links of one worker's processes. */
export class Links implements EndHooks {
  constructor(private readonly port: KernelPort & Locator) {
    port.onEnvelope(E_MONITOR, (env) => this.addWatcher(env[1] as string, env[2] as string, env[3] as string));
    port.onEnvelope(E_DEMONITOR, (env) => {
      port.lookup(env[1] as string)?.extras?.watchers?.delete(env[3] as string);
    });
    port.onEnvelope(E_DOWN, (env) => this.down(env[1] as string, env[2] as string, env[3] as string, reviveExitReason(env[4])));
    port.onEnvelope(E_LINK, (env) => this.addLink(env[1] as string, env[2] as string));
    port.onEnvelope(E_UNLINK, (env) => {
      port.lookup(env[1] as string)?.extras?.links?.delete(env[2] as string);
    });
    port.onEnvelope(E_LINK_EXIT, (env) => this.linkExit(env[1] as string, env[2] as string, reviveExitReason(env[3])));
  }

  /** `ctx.monitor` of `rec`: returns the ref. */
  monitor(rec: ProcRecord, target: string): string {
    const port = this.port;
    const pid = port.resolve(target);
    const ref = monitorRef(rec.name, port.nextSeq());
    (extrasOf(rec).monitors ??= new Map()).set(ref, pid ?? target);
    if (pid === undefined) {
      this.down(rec.name, target, ref, 'noproc');
      return ref;
    }
    const w = port.route(pid);
    if (w === port.id) this.addWatcher(pid, rec.name, ref);
    else port.push(w, encodeTrusted([E_MONITOR, pid, rec.name, ref]));
    return ref;
  }

  /** `ctx.demonitor` of `rec`. */
  demonitor(rec: ProcRecord, ref: string): void {
    const target = rec.extras?.monitors?.get(ref);
    if (target === undefined) return;
    rec.extras!.monitors!.delete(ref);
    const w = this.port.route(target);
    if (w === this.port.id) this.port.lookup(target)?.extras?.watchers?.delete(ref);
    else this.port.push(w, encodeTrusted([E_DEMONITOR, target, rec.name, ref]));
  }

  /** `ctx.link` of `rec`. */
  link(rec: ProcRecord, target: string): void {
    const pid = this.port.resolve(target);
    if (pid === undefined) return this.linkExit(rec.name, target, 'noproc', true);
    if (pid === rec.name) return;
    (extrasOf(rec).links ??= new Set()).add(pid);
    const w = this.port.route(pid);
    if (w === this.port.id) this.addLink(pid, rec.name);
    else this.port.push(w, encodeTrusted([E_LINK, pid, rec.name]));
  }

  /** `ctx.unlink` of `rec`. */
  unlink(rec: ProcRecord, target: string): void {
    const pid = this.port.resolve(target) ?? target;
    rec.extras?.links?.delete(pid);
    const w = this.port.route(pid);
    if (w === this.port.id) this.port.lookup(pid)?.extras?.links?.delete(rec.name);
    else this.port.push(w, encodeTrusted([E_UNLINK, pid, rec.name]));
  }

  /** `ctx.trapExits` of `rec`. */
  trapExits(rec: ProcRecord, on: boolean): void {
    extrasOf(rec).trapExits = on;
  }

  /** The watchers of `rec` get `DOWN`, its linked processes the exit signal. */
  ended(rec: ProcRecord, reason: ExitReason): void {
    const extras = rec.extras!;
    if (extras.watchers) for (const [ref, watcher] of extras.watchers) this.sendDown(watcher, rec.name, ref, reason);
    if (extras.links) for (const other of extras.links) this.sendLinkExit(other, rec.name, reason);
  }

  /** `rec` gets `DOWN` for what it monitors on the lost worker, and the exit signal of what it is linked with there. */
  peerLost(rec: ProcRecord, worker: string, reason: ExitReason): void {
    const extras = rec.extras;
    if (extras?.monitors) {
      for (const [ref, target] of [...extras.monitors]) if (this.port.isOn(target, worker)) this.down(rec.name, target, ref, copyReason(reason));
    }
    if (extras?.links) {
      for (const other of [...extras.links]) if (this.port.isOn(other, worker)) this.linkExit(rec.name, other, copyReason(reason));
    }
  }

  private addWatcher(target: string, watcher: string, ref: string): void {
    const rec = this.port.lookup(target);
    if (!rec || rec.status >= ENDING) return this.sendDown(watcher, target, ref, 'noproc');
    (extrasOf(rec).watchers ??= new Map()).set(ref, watcher);
  }

  private sendDown(watcher: string, target: string, ref: string, reason: ExitReason): void {
    const w = this.port.route(watcher);
    if (w === this.port.id) this.down(watcher, target, ref, copyReason(reason));
    else pushWithReason(this.port, w, (r) => [E_DOWN, watcher, target, ref, r], reason, target, watcher);
  }

  private down(watcher: string, target: string, ref: string, reason: ExitReason): void {
    const rec = this.port.lookup(watcher);
    if (!rec || rec.status >= ENDING || !rec.extras?.monitors?.delete(ref)) return;
    this.port.enqueue(rec, target, { type: 'DOWN', payload: { ref, err: reason } }, null);
  }

  private addLink(target: string, from: string): void {
    const rec = this.port.lookup(target);
    if (!rec || rec.status >= ENDING) return this.sendLinkExit(from, target, 'noproc');
    (extrasOf(rec).links ??= new Set()).add(from);
  }

  private sendLinkExit(to: string, from: string, reason: ExitReason): void {
    const w = this.port.route(to);
    if (w === this.port.id) this.linkExit(to, from, copyReason(reason));
    else pushWithReason(this.port, w, (r) => [E_LINK_EXIT, to, from, r], reason, from, to);
  }

  private linkExit(to: string, from: string, reason: ExitReason, force = false): void {
    const rec = this.port.lookup(to);
    if (!rec || rec.status >= ENDING) return;
    if (!force && !rec.extras?.links?.delete(from)) return;
    if (rec.extras?.trapExits) {
      this.port.enqueue(rec, from, { type: 'EXIT', payload: { err: reason } }, null);
    } else if (isCrash(reason)) {
      this.port.endProcess(
        rec,
        toExitReason(Object.assign(new Error(`linked process '${from}' exited: ${describeReason(reason)}`), { name: 'LinkedProcessExit' })),
      );
    }
  }
}
