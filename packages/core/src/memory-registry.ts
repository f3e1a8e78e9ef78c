import { systemClock, type Clock } from './clock';
import { HypernodeError } from './errors';
import { checkBytes, checkName, checkSource, checkTtl, checkVersion, encodeMember } from './registry-arguments';
import type { MemberInfo, ModuleSource, ModuleVersion, Registry } from './registry';

interface StoredMember {
  json: string;
  expiresAt: number;
}

function copyBytes(value: Uint8Array): Uint8Array {
  const out = new Uint8Array(value.byteLength);
  out.set(value);
  return out;
}

/**
 * The in-memory {@link Registry}: one per embedded cluster, shared by all the workers simulated in the
 * same Node process, and the reference every adapter's contract test is compared with.
 *
 * It promises everything {@link Registry} promises. Member expiry is computed from the injected clock
 * (so a `ManualClock` moves it); values and records are copied in and out, so mutating an argument
 * after a call, or a returned object, changes nothing stored. Members are copied through JSON, exactly
 * as the Redis adapter stores them. Re-registering a name with the pid it already points at resolves
 * `true` (so a retried registration is harmless), as in the Redis adapter. After {@link close}, every
 * call rejects with `REGISTRY_DOWN`.
 *
 * It does not persist anything and is not shared between Node processes.
 */
export class MemoryRegistry implements Registry {
  private readonly clock: Clock;
  private readonly modules = new Map<string, ModuleVersion[]>();
  private readonly members = new Map<string, StoredMember>();
  private readonly names = new Map<string, string>();
  private readonly values = new Map<string, Uint8Array>();
  private closed = false;

  constructor(options: { clock?: Clock } = {}) {
    this.clock = options.clock ?? systemClock;
  }

  async addModuleVersion(name: string, module: ModuleSource): Promise<ModuleVersion> {
    this.checkOpen();
    checkName('module name', name);
    checkSource(name, module);
    const versions = this.modules.get(name) ?? [];
    const latest = versions[versions.length - 1];
    if (latest && latest.hash === module.hash && latest.code === module.code && latest.seal === module.seal) return { ...latest };
    const stored: ModuleVersion = { name, version: versions.length + 1, code: module.code, hash: module.hash, loadedAt: this.clock.now() };
    if (module.origin !== undefined) stored.origin = module.origin;
    if (module.seal !== undefined) stored.seal = module.seal;
    versions.push(stored);
    this.modules.set(name, versions);
    return { ...stored };
  }

  async getModuleVersion(name: string, version?: number): Promise<ModuleVersion | undefined> {
    this.checkOpen();
    checkName('module name', name);
    checkVersion(name, version);
    const versions = this.modules.get(name);
    const found = versions?.[(version ?? versions.length) - 1];
    return found ? { ...found } : undefined;
  }

  async listModules(): Promise<ModuleVersion[]> {
    this.checkOpen();
    return [...this.modules.keys()].sort(byCodeUnits).map((name) => {
      const versions = this.modules.get(name)!;
      return { ...versions[versions.length - 1]! };
    });
  }

  async putMember(member: MemberInfo, ttlMs: number): Promise<void> {
    this.checkOpen();
    const json = encodeMember(member);
    checkTtl(member.id, ttlMs);
    this.members.set(member.id, { json, expiresAt: this.clock.now() + ttlMs });
  }

  async removeMember(id: string): Promise<void> {
    this.checkOpen();
    checkName('member id', id);
    this.members.delete(id);
  }

  async listMembers(): Promise<MemberInfo[]> {
    this.checkOpen();
    const now = this.clock.now();
    const live: MemberInfo[] = [];
    for (const [id, stored] of this.members) {
      if (stored.expiresAt <= now) this.members.delete(id);
      else live.push(JSON.parse(stored.json) as MemberInfo);
    }
    return live.sort((a, b) => byCodeUnits(a.id, b.id));
  }

  async registerName(name: string, pid: string): Promise<boolean> {
    this.checkOpen();
    checkName('process name', name);
    checkName('pid', pid);
    const current = this.names.get(name);
    if (current === undefined) this.names.set(name, pid);
    return current === undefined || current === pid;
  }

  async unregisterName(name: string, pid: string): Promise<boolean> {
    this.checkOpen();
    checkName('process name', name);
    checkName('pid', pid);
    if (this.names.get(name) !== pid) return false;
    this.names.delete(name);
    return true;
  }

  async lookupName(name: string): Promise<string | undefined> {
    this.checkOpen();
    checkName('process name', name);
    return this.names.get(name);
  }

  async listNames(): Promise<Record<string, string>> {
    this.checkOpen();
    return Object.fromEntries([...this.names].sort((a, b) => byCodeUnits(a[0], b[0])));
  }

  async getValue(key: string): Promise<Uint8Array | undefined> {
    this.checkOpen();
    checkName('value key', key);
    const value = this.values.get(key);
    return value ? copyBytes(value) : undefined;
  }

  async setValue(key: string, value: Uint8Array): Promise<void> {
    this.checkOpen();
    checkName('value key', key);
    checkBytes(key, value);
    this.values.set(key, copyBytes(value));
  }

  async deleteValue(key: string): Promise<void> {
    this.checkOpen();
    checkName('value key', key);
    this.values.delete(key);
  }

  async close(): Promise<void> {
    this.closed = true;
  }

  private checkOpen(): void {
    if (this.closed) {
      throw new HypernodeError('REGISTRY_DOWN', 'This MemoryRegistry was closed; create a new MemoryRegistry (its contents are gone).');
    }
  }
}

function byCodeUnits(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
