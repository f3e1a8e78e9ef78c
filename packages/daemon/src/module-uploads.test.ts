import { describe, expect, it } from 'vitest';
import { HypernodeError, silentLogger, type Logger } from '@hypernode/core';
import { builtinModules, ClassCatalog, failedModuleCheck, hashCode, MemoryRegistry, moduleSealKey, type ModuleVersion } from '@hypernode/core/runtime';
import type { CodeToCheck } from './module-check';
import { ModuleUploads, type ModuleUpload } from './module-uploads';

const key = moduleSealKey('module-uploads-test-secret-0123456789', 'uploads');

function upload(name: string, body = ''): ModuleUpload {
  const code = `// ${name} ${body}\n`;
  return { name, code, hash: hashCode(code), origin: `/src/${name}.ts` };
}

function setup(withKey = true) {
  const registry = new MemoryRegistry();
  const catalog = new ClassCatalog();
  for (const [name, cls] of Object.entries(builtinModules())) catalog.add(name, cls);
  const checked: CodeToCheck[][] = [];
  const errors: string[] = [];
  const logger: Logger = { ...silentLogger, error: (m) => errors.push(m) };
  const uploads = new ModuleUploads(registry, catalog, logger, withKey ? key : null, async (modules) => {
    checked.push(modules);
    return modules.map((m) => ({ name: m.name, className: m.name }));
  });
  const stored = (name: string) => (registry as unknown as { modules: Map<string, ModuleVersion[]> }).modules.get(name)!;
  return { registry, uploads, checked, errors, stored };
}

describe('module uploads', () => {
  it('refuses a built-in name or a hash that does not match the code before forking a validator', async () => {
    const t = setup();
    const root = { ...upload('Root') };
    await expect(t.uploads.validate([root])).rejects.toThrow(/Module 'Root' is built in and cannot be replaced/);
    await expect(t.uploads.validate([{ ...upload('Echo'), hash: 'f'.repeat(64) }])).rejects.toThrow(/arrived with a hash that does not match its code/);
    await expect(t.uploads.validate([])).rejects.toThrow(HypernodeError);
    expect(t.checked).toEqual([]);
    await t.uploads.validate([upload('Echo')]);
    expect(t.checked.map((c) => c.map((m) => m.name))).toEqual([['Echo']]);
  });

  it('seals each stored version for the number the registry gives it, and stores nothing new for the same upload', async () => {
    const t = setup();
    expect((await t.uploads.store(upload('Echo'))).version).toBe(1);
    expect((await t.uploads.store(upload('Echo', 'v2'))).version).toBe(2);
    expect((await t.uploads.store(upload('Echo', 'v2'))).version).toBe(2);
    for (const v of [1, 2]) expect(failedModuleCheck((await t.registry.getModuleVersion('Echo', v))!, key)).toBeUndefined();
    expect(t.errors).toEqual([]);
  });

  it('seals right when loads of one module come at once', async () => {
    const t = setup();
    const done = await Promise.all(Array.from({ length: 5 }, (_, i) => t.uploads.store(upload('Busy', `v${i}`))));
    expect(done.map((d) => d.version).sort()).toEqual([1, 2, 3, 4, 5]);
    for (const v of [1, 2, 3, 4, 5]) expect(failedModuleCheck((await t.registry.getModuleVersion('Busy', v))!, key)).toBeUndefined();
  });

  it('stores a tampered, unsealed or foreign-sealed latest version anew when the same file is loaded again', async () => {
    const t = setup();
    const m = upload('Echo');
    await t.uploads.store(m);
    t.stored('Echo')[0]!.code = '// changed in Redis\n';
    const repaired = await t.uploads.store(m);
    expect(repaired.version).toBe(2);
    expect(failedModuleCheck((await t.registry.getModuleVersion('Echo'))!, key)).toBeUndefined();

    const unsealed = setup(false);
    await unsealed.uploads.store(m);
    const sealedNow = new ModuleUploads(unsealed.registry, new ClassCatalog(), silentLogger, key, async () => []);
    expect((await sealedNow.store(m)).version).toBe(2);
    expect(failedModuleCheck((await unsealed.registry.getModuleVersion('Echo'))!, key)).toBeUndefined();
  });

  it('stores its kept versions again, seals and numbers unchanged, into an emptied registry', async () => {
    const t = setup();
    await t.uploads.store(upload('Echo'));
    await t.uploads.store(upload('Echo', 'v2'));
    (t.registry as unknown as { modules: Map<string, unknown> }).modules.clear();
    await t.uploads.restore();
    for (const v of [1, 2]) expect(failedModuleCheck((await t.registry.getModuleVersion('Echo', v))!, key)).toBeUndefined();
  });
});
