/** The cluster daemon's module cache on disk (design 029) with an in-memory registry. */
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { silentLogger, type Logger } from '@hypernode/core';
import { builtinModules, ClassCatalog, failedModuleCheck, hashCode, MemoryRegistry, moduleSealKey } from '@hypernode/core/runtime';
import { defaultStateDir, ModuleCache } from './module-cache';
import { ModuleUploads, type ModuleUpload } from './module-uploads';

const key = moduleSealKey('module-cache-test-secret-0123456789abcdef', 'cache');
const dirs: string[] = [];
afterEach(async () => {
  for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
});

function upload(name: string, body = ''): ModuleUpload {
  const code = `// ${name} ${body}\n`;
  return { name, code, hash: hashCode(code), origin: `/src/${name}.ts` };
}

/** A cluster daemon's uploads over `registry`, keeping versions in `dir`. */
function daemon(registry: MemoryRegistry, dir: string, withKey = true) {
  const catalog = new ClassCatalog();
  for (const [name, cls] of Object.entries(builtinModules())) catalog.add(name, cls);
  const errors: string[] = [];
  const logger: Logger = { ...silentLogger, error: (m) => errors.push(m) };
  const cache = new ModuleCache(dir, logger, withKey ? key : null);
  const uploads = new ModuleUploads(registry, catalog, logger, withKey ? key : null, async (m) => m.map((x) => ({ name: x.name, className: x.name })), cache);
  return { uploads, cache, errors };
}

async function stateDir(): Promise<string> {
  const d = await mkdtemp(join(tmpdir(), 'hn-cache-test-'));
  dirs.push(d);
  return d;
}

describe('the module cache', () => {
  it('lets a new cluster daemon store every version again, sealed and with its number, after Redis lost its data', async () => {
    const dir = await stateDir();
    const first = daemon(new MemoryRegistry(), dir);
    await first.uploads.store(upload('Echo'));
    await first.uploads.store(upload('Echo', 'v2'));
    await first.uploads.store(upload('Ping.Pong/x'));
    // Redis flushed while no cluster daemon ran: the next daemon starts on an empty registry.
    const registry = new MemoryRegistry();
    const second = daemon(registry, dir);
    await second.uploads.readStored();
    expect(await second.uploads.missingCount()).toBe(3);
    expect(await second.uploads.restore()).toBe(3);
    for (const [name, version] of [['Echo', 1], ['Echo', 2], ['Ping.Pong/x', 1]] as const) {
      const v = (await registry.getModuleVersion(name, version))!;
      expect(v.version).toBe(version);
      expect(failedModuleCheck(v, key)).toBeUndefined();
    }
    expect((await registry.getModuleVersion('Echo'))!.code).toBe(upload('Echo', 'v2').code);
    // Nothing is stored twice.
    expect(await second.uploads.restore()).toBe(0);
    expect(second.errors).toEqual([]);
  });

  it('refuses a tampered file with an error naming it, and restores only the versions before it', async () => {
    const dir = await stateDir();
    const first = daemon(new MemoryRegistry(), dir);
    await first.uploads.store(upload('Echo'));
    await first.uploads.store(upload('Echo', 'v2'));
    await first.uploads.store(upload('Echo', 'v3'));
    const files = (await readdir(join(dir, 'modules'))).sort();
    const v2 = join(dir, 'modules', files.find((f) => f.startsWith('Echo.v2.'))!);
    const record = JSON.parse(await readFile(v2, 'utf8'));
    // Its origin changed (hash and code intact): only the seal can tell.
    await writeFile(v2, JSON.stringify({ ...record, origin: '/elsewhere/evil.ts' }));
    const registry = new MemoryRegistry();
    const second = daemon(registry, dir);
    await second.uploads.readStored();
    expect(await second.uploads.restore()).toBe(1);
    expect((await registry.getModuleVersion('Echo'))!.version).toBe(1);
    expect(second.errors).toHaveLength(1);
    expect(second.errors[0]).toContain(`module cache file '${v2}'`);
    expect(second.errors[0]).toContain("Module 'Echo' version 2 was refused");
    await expect(second.cache.readOne(v2, 'Echo', 2)).rejects.toMatchObject({ code: 'MODULE_TAMPERED' });
    // Code changed with its hash made to match: the file no longer carries the hash its name says.
    const code = '// evil\n';
    await writeFile(v2, JSON.stringify({ ...record, code, hash: hashCode(code) }));
    await expect(second.cache.readOne(v2, 'Echo', 2)).rejects.toThrow(/does not hold module 'Echo' version 2 with the hash its name says/);
  });

  it('without a secret, refuses a file whose code does not match its hash', async () => {
    const dir = await stateDir();
    const first = daemon(new MemoryRegistry(), dir, false);
    await first.uploads.store(upload('Echo'));
    const [file] = await readdir(join(dir, 'modules'));
    const path = join(dir, 'modules', file!);
    const record = JSON.parse(await readFile(path, 'utf8'));
    await writeFile(path, JSON.stringify({ ...record, code: '// changed\n' }));
    const second = daemon(new MemoryRegistry(), dir, false);
    await second.uploads.readStored();
    expect(await second.uploads.restore()).toBe(0);
    expect(second.errors[0]).toMatch(/does not match the hash stored with it/);
  });

  it('writes versions already in the registry but not on disk to the cache (a daemon upgraded with a registry full of modules)', async () => {
    const registry = new MemoryRegistry();
    const before = daemon(registry, await stateDir());
    await before.uploads.store(upload('Echo'));
    const dir = await stateDir();
    const after = daemon(registry, dir);
    await after.uploads.readStored();
    expect((await after.cache.load()).get('Echo')?.map((v) => v.version)).toEqual([1]);
  });

  it('takes its directory from HYPERNODE_STATE_DIR, else ~/.hypernode/state/<cluster>, and refuses an empty one', () => {
    expect(defaultStateDir('prod', { HYPERNODE_STATE_DIR: '/var/lib/hn' })).toBe('/var/lib/hn');
    expect(defaultStateDir('prod', {})).toMatch(/\.hypernode[/\\]state[/\\]prod$/);
    expect(() => defaultStateDir('prod', { HYPERNODE_STATE_DIR: ' ' })).toThrow(/HYPERNODE_STATE_DIR is set but empty/);
  });
});
