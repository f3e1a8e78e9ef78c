/**
 * Registered names: a process may hold cluster-wide names (no ':' or '#', so they never look like a process
 * name or a ref). The registry is the authority; every worker keeps the names it heard of (`EV_NAME`,
 * `EV_UNNAME`) to resolve sends without asking it. When the registry comes back empty, every worker registers
 * its processes' names again.
 */
import { describeArg } from './describe-arg';
import { HypernodeError } from './errors';
import type { EndHooks, KernelPort } from './kernel-port';
import { ENDING, extrasOf, type ProcRecord } from './process-record';
import { EV_NAME, EV_REGISTRY_RESTORED, EV_UNNAME } from './wire';

/** The registered names one worker knows of, and those its processes hold. */
export class Names implements EndHooks {
  /** Registered name -> process, as this worker last heard. */
  private readonly known = new Map<string, string>();

  constructor(private readonly port: KernelPort) {
    port.onEvent(EV_NAME, (ev) => {
      this.known.set(ev[1] as string, ev[2] as string);
    });
    port.onEvent(EV_UNNAME, (ev) => {
      if (this.known.get(ev[1] as string) === ev[2]) this.known.delete(ev[1] as string);
    });
    port.onEvent(EV_REGISTRY_RESTORED, () => void this.registerAgain());
  }

  /** Reads every registered name from the registry (at start); a failure is logged, not thrown. */
  async load(): Promise<void> {
    const { registry, logger, id } = this.port;
    if (!registry) return;
    try {
      for (const [name, pid] of Object.entries(await registry.listNames())) this.known.set(name, pid);
    } catch (err) {
      logger.warn(`worker '${id}' could not read registered names: ${(err as Error).message}`);
    }
  }

  /** The process registered under `name`, as this worker last heard, or undefined. */
  whereis(name: string): string | undefined {
    return this.known.get(name);
  }

  /** `ctx.register` of `rec`. */
  async register(rec: ProcRecord, name: string): Promise<void> {
    if (typeof name !== 'string' || name.length === 0 || name.includes(':') || name.includes('#')) {
      throw new HypernodeError('INVALID_ARGUMENT', `Cannot register the name ${describeArg(name)}; use a non-empty string without ':' or '#'.`);
    }
    const { registry } = this.port;
    if (!registry) {
      throw new HypernodeError('INVALID_OPTIONS', `Worker '${this.port.id}' has no registry, so names cannot be registered; give the cluster a registry.`);
    }
    if (!(await registry.registerName(name, rec.name))) {
      const holder = await registry.lookupName(name);
      if (holder === rec.name) return;
      throw new HypernodeError('NAME_TAKEN', `The name '${name}' is already registered by '${holder}'; pick another name or unregister it first.`);
    }
    if (rec.status >= ENDING) {
      await registry.unregisterName(name, rec.name);
      return;
    }
    (extrasOf(rec).names ??= new Set()).add(name);
    this.known.set(name, rec.name);
    this.port.publish([EV_NAME, name, rec.name]);
  }

  /** `ctx.unregister` of `rec`. */
  async unregister(rec: ProcRecord, name: string): Promise<void> {
    rec.extras?.names?.delete(name);
    await this.drop(rec.name, name);
  }

  /** The names of an ending process are dropped (in the background). */
  ending(rec: ProcRecord): void {
    const names = rec.extras!.names;
    if (names && this.port.registry) for (const n of names) void this.drop(rec.name, n);
  }

  private async drop(pid: string, name: string): Promise<void> {
    if (this.known.get(name) === pid) this.known.delete(name);
    const { registry, logger } = this.port;
    try {
      if (registry && (await registry.unregisterName(name, pid))) this.port.publish([EV_UNNAME, name, pid]);
    } catch (err) {
      logger.warn(`could not unregister '${name}' of '${pid}': ${(err as Error).message}`);
    }
  }

  /** Registers again, in the registry, every name a living process of this worker holds. */
  private async registerAgain(): Promise<void> {
    const { registry, logger } = this.port;
    if (!registry) return;
    for (const rec of this.port.processes()) {
      if (!rec.extras?.names || rec.status >= ENDING) continue;
      for (const name of rec.extras.names) {
        try {
          if (await registry.registerName(name, rec.name)) this.port.publish([EV_NAME, name, rec.name]);
          else logger.warn(`the name '${name}' of '${rec.name}' was taken by another process while the registry was empty`);
        } catch (err) {
          logger.warn(`could not register '${name}' of '${rec.name}' again: ${(err as Error).message}`);
        }
      }
    }
  }
}
