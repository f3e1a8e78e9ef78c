import { mkdir, readdir, readFile, rename, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { HypernodeError, type Logger } from '@hypernode/core';
import { failedModuleCheck, tamperedError, type ModuleVersion } from '@hypernode/core/runtime';

/**
 * The cluster daemon's state directory when neither `--state-dir`, `HYPERNODE_STATE_DIR` nor the `stateDir`
 * option names one: `~/.hypernode/state/<cluster>`.
 */
export function defaultStateDir(cluster: string, env: Record<string, string | undefined> = process.env): string {
  const fromEnv = env.HYPERNODE_STATE_DIR;
  if (fromEnv !== undefined) {
    if (fromEnv.trim() === '') {
      throw new HypernodeError('INVALID_OPTIONS', `HYPERNODE_STATE_DIR is set but empty; unset it to use ~/.hypernode/state/${cluster}, or set it to a directory the cluster daemon may write.`);
    }
    return fromEnv;
  }
  return join(homedir(), '.hypernode', 'state', cluster);
}

/**
 * The cluster daemon's copy on disk of every module version it stored (design 029): one JSON file per version in
 * `<stateDir>/modules`, named by module, version and hash, holding the record as the registry holds it (code,
 * hash, origin, seal). When Redis lost its data while the cluster daemon was down, the daemon stores these
 * versions again at start, with the same numbers, so their seals still check out.
 *
 * A file is checked when read, as a worker checks a registry record: its code against its hash, and its seal
 * when the cluster has a secret. One that fails is refused (`MODULE_TAMPERED`, logged at error level with its
 * path) and never stored; without a secret only the hash is checked, so an edit that also fixes the hash is not
 * caught (as in the registry). It never deletes files: `hypernode-cli destroy` does not reach it.
 */
export class ModuleCache {
  readonly dir: string;

  constructor(
    stateDir: string,
    private readonly logger: Logger,
    /** The cluster's `modules` key, or null without a secret. */
    private readonly sealKey: Uint8Array | null,
  ) {
    this.dir = join(stateDir, 'modules');
  }

  /** Writes one version (atomically: a temporary file, then a rename). Logs, never throws, when it cannot. */
  async save(v: ModuleVersion): Promise<void> {
    try {
      await mkdir(this.dir, { recursive: true, mode: 0o700 });
      const file = join(this.dir, fileName(v));
      const record: ModuleVersion = { name: v.name, version: v.version, code: v.code, hash: v.hash, loadedAt: v.loadedAt };
      if (v.origin !== undefined) record.origin = v.origin;
      if (v.seal !== undefined) record.seal = v.seal;
      await writeFile(`${file}.tmp`, JSON.stringify(record), { mode: 0o600 });
      await rename(`${file}.tmp`, file);
    } catch (err) {
      this.logger.warn(
        `could not keep module '${v.name}' version ${v.version} in the state directory '${this.dir}': ${(err as Error).message}; it cannot be restored from there if Redis loses its data. Give --state-dir (or HYPERNODE_STATE_DIR) a writable directory.`,
      );
    }
  }

  /**
   * Every version kept, by module in version order, stopping at a module's first version that is missing or
   * refused (the versions after it could not keep their numbers). A refused file is logged; a missing directory
   * reads as empty.
   */
  async load(): Promise<Map<string, ModuleVersion[]>> {
    let files: string[];
    try {
      files = (await readdir(this.dir)).filter((f) => f.endsWith('.json'));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') this.logger.warn(`could not read the module cache '${this.dir}': ${(err as Error).message}`);
      return new Map();
    }
    const byName = new Map<string, Map<number, ModuleVersion | HypernodeError>>();
    for (const f of files) {
      const parsed = /^(.+)\.v(\d+)\.[0-9a-f]+\.json$/.exec(f);
      if (!parsed) continue;
      const [, encoded, num] = parsed as unknown as [string, string, string];
      let name: string;
      try {
        name = decodeURIComponent(encoded);
      } catch {
        continue;
      }
      const versions = byName.get(name) ?? new Map<number, ModuleVersion | HypernodeError>();
      byName.set(name, versions);
      versions.set(Number(num), await this.readOne(join(this.dir, f), name, Number(num)).catch((err: HypernodeError) => err));
    }
    const out = new Map<string, ModuleVersion[]>();
    for (const [name, versions] of byName) {
      const kept: ModuleVersion[] = [];
      for (let n = 1; versions.has(n); n++) {
        const v = versions.get(n)!;
        if (v instanceof Error) {
          this.logger.error(`${v.message} Versions of '${name}' from ${n} on are not restored from the cache.`);
          break;
        }
        kept.push(v);
      }
      if (kept.length > 0) out.set(name, kept);
    }
    return out;
  }

  /** Reads and checks one file; rejects with `MODULE_TAMPERED` naming the file when it fails its checks. */
  async readOne(file: string, name: string, version: number): Promise<ModuleVersion> {
    let v: ModuleVersion;
    try {
      v = JSON.parse(await readFile(file, 'utf8')) as ModuleVersion;
    } catch (err) {
      throw new HypernodeError('MODULE_TAMPERED', `The module cache file '${file}' is unreadable (${(err as Error).message}); it is not restored. Delete it and reload the module from its source.`);
    }
    if (typeof v?.code !== 'string' || typeof v.hash !== 'string' || v.name !== name || v.version !== version || !file.endsWith(fileName(v))) {
      throw new HypernodeError('MODULE_TAMPERED', `The module cache file '${file}' does not hold module '${name}' version ${version} with the hash its name says; it is not restored. Delete it and reload the module from its source.`);
    }
    const check = failedModuleCheck(v, this.sealKey);
    if (check !== undefined) {
      const refused = tamperedError(v, check, `the cluster daemon reading its module cache file '${file}'`);
      throw new HypernodeError('MODULE_TAMPERED', refused.message, { details: { ...refused.details, file } });
    }
    return v;
  }
}

/** `<name, URI-encoded, '.' as %2E>.v<version>.<first 16 hex digits of the hash>.json` */
function fileName(v: Pick<ModuleVersion, 'name' | 'version' | 'hash'>): string {
  return `${encodeURIComponent(v.name).replace(/\./g, '%2E')}.v${v.version}.${v.hash.slice(0, 16)}.json`;
}
