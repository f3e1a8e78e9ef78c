import { describe, expect, it } from 'vitest';
import { HypernodeError } from './errors';
import type { Logger } from './logger';
import { MemoryRegistry } from './memory-registry';
import { moduleApi } from './module-api';
import { evaluateModule, hashCode } from './module-loader';
import { failedModuleCheck, moduleSealKey, sealOf } from './module-seal';
import { ClassCatalog, ModuleTable } from './modules';
import type { ModuleVersion } from './registry';

const SECRET = 'module-seal-test-secret-0123456789';
const key = moduleSealKey(SECRET, 'seal-test');

function codeOf(name: string, top = ''): string {
  return `const { Process } = require('@hypernode/core');\n${top}\nclass ${name} extends Process {}\nmodule.exports = { ${name} };\nmodule.__hypernodeModules = { ${name}: '${name}' };\n`;
}

/** A module table over a memory registry, counting evaluations, with its alerts collected. */
function setup(withKey: boolean) {
  const registry = new MemoryRegistry();
  const errors: string[] = [];
  const logger: Logger = { debug() {}, info() {}, warn() {}, error: (m) => errors.push(m) };
  let evaluated = 0;
  const table = new ModuleTable(
    new ClassCatalog(),
    registry,
    (code, origin) => {
      evaluated++;
      return evaluateModule(code, origin, moduleApi) as Record<string, unknown>;
    },
    { key: withKey ? key : null, logger, where: "worker 'w1'" },
  );
  const stored = (name: string): ModuleVersion[] => (registry as unknown as { modules: Map<string, ModuleVersion[]> }).modules.get(name)!;
  const add = (name: string, code: string, seal = withKey) =>
    registry.addModuleVersion(name, { code, hash: hashCode(code), origin: `/src/${name}.ts`, ...(seal ? { seal: sealOf(key, name, stored(name)?.length + 1 || 1, hashCode(code), `/src/${name}.ts`) } : {}) });
  return { registry, table, errors, evaluated: () => evaluated, stored, add };
}

async function refusal(p: Promise<unknown>): Promise<HypernodeError> {
  const err = await p.then(() => undefined, (e: unknown) => e);
  expect(HypernodeError.is(err, 'MODULE_TAMPERED')).toBe(true);
  return err as HypernodeError;
}

describe('verified module code', () => {
  it('runs a record whose code matches its hash and whose seal checks out', async () => {
    const t = setup(true);
    await t.add('Echo', codeOf('Echo'));
    expect((await t.table.fetch('Echo'))?.version).toBe(1);
    expect(t.evaluated()).toBe(1);
    expect(t.errors).toEqual([]);
  });

  it('refuses code changed in the registry with its hash left alone, without a secret too, and never runs it', async () => {
    const t = setup(false);
    await t.add('Echo', codeOf('Echo'));
    t.stored('Echo')[0]!.code = codeOf('Echo', 'globalThis.__tampered = true;');
    const err = await refusal(t.table.fetch('Echo'));
    expect(err.message).toContain("Module 'Echo' version 1 was refused by worker 'w1': its code does not match the hash stored with it");
    expect(err.message).toContain("Reload the module from its source ('hypernode-cli reload <file>')");
    expect(t.evaluated()).toBe(0);
    expect((globalThis as { __tampered?: boolean }).__tampered).toBeUndefined();
    expect(t.errors).toHaveLength(1);
    expect(t.errors[0]).toMatch(/^integrity alert: module 'Echo' version 1 failed its hash check at worker 'w1'/);
  });

  it('with a secret, refuses code and hash changed together (the seal no longer matches)', async () => {
    const t = setup(true);
    await t.add('Echo', codeOf('Echo'));
    const evil = codeOf('Echo', 'globalThis.__tampered = true;');
    Object.assign(t.stored('Echo')[0]!, { code: evil, hash: hashCode(evil) });
    const err = await refusal(t.table.fetch('Echo'));
    expect(err.details).toMatchObject({ module: 'Echo', version: 1, check: 'seal' });
    expect(t.evaluated()).toBe(0);
    expect(t.errors[0]).toContain("module 'Echo' version 1 failed its seal check");
    expect(t.errors[0]).not.toContain(key.toString('hex'));
    expect(t.errors[0]).not.toContain(SECRET);
  });

  it('without a secret, checks only the hash: code and hash changed together are run', async () => {
    const t = setup(false);
    await t.add('Echo', codeOf('Echo'));
    const other = codeOf('Echo', '// changed');
    Object.assign(t.stored('Echo')[0]!, { code: other, hash: hashCode(other) });
    expect((await t.table.fetch('Echo'))?.version).toBe(1);
    expect(t.evaluated()).toBe(1);
  });

  it('with a secret, refuses a record without a seal (stored before the secret, or its seal removed)', async () => {
    const t = setup(true);
    await t.add('Echo', codeOf('Echo'), false);
    const err = await refusal(t.table.fetch('Echo'));
    expect(err.details).toMatchObject({ check: 'unsealed' });
    expect(err.message).toContain('it has no seal, and this cluster has a secret');
  });

  it('with a secret, refuses a sealed version moved to another version number', async () => {
    const t = setup(true);
    await t.add('Echo', codeOf('Echo'));
    await t.add('Echo', codeOf('Echo', '// v2'));
    const [v1, v2] = t.stored('Echo');
    Object.assign(v2!, { code: v1!.code, hash: v1!.hash, seal: v1!.seal });
    const err = await refusal(t.table.fetch('Echo'));
    expect(err.details).toMatchObject({ version: 2, check: 'seal' });
  });

  it('refuses a seal made with another secret or for another cluster', () => {
    const code = codeOf('Echo');
    const record: ModuleVersion = { name: 'Echo', version: 1, code, hash: hashCode(code), loadedAt: 0, origin: '/src/Echo.ts' };
    record.seal = sealOf(moduleSealKey(SECRET, 'another-cluster'), 'Echo', 1, record.hash, record.origin);
    expect(failedModuleCheck(record, key)).toBe('seal');
    record.seal = sealOf(key, 'Echo', 1, record.hash, record.origin);
    expect(failedModuleCheck(record, key)).toBeUndefined();
    expect(failedModuleCheck({ ...record, origin: '/elsewhere.ts' }, key)).toBe('seal');
  });
});

describe('the registry keeps a version only while its stored code, hash and seal are unchanged', () => {
  it('stores a version again when its stored code or its seal differs from the one added', async () => {
    const t = setup(false);
    const code = codeOf('Echo');
    await t.add('Echo', code);
    expect((await t.add('Echo', code)).version).toBe(1);
    t.stored('Echo')[0]!.code = codeOf('Echo', '// tampered');
    expect((await t.add('Echo', code)).version).toBe(2);
    expect((await t.registry.addModuleVersion('Echo', { code, hash: hashCode(code), origin: '/src/Echo.ts', seal: 'hm1:00' })).version).toBe(3);
    expect((await t.registry.getModuleVersion('Echo', 3))?.seal).toBe('hm1:00');
  });
});
