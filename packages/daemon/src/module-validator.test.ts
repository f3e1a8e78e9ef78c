import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { HypernodeError } from '@hypernode/core';
import { hashCode } from '@hypernode/core/runtime';
import type { CodeToCheck } from './module-check';
import { validateInChild } from './module-validator';

// Each test forks a process under tsx: on a busy machine that takes seconds, so the ceiling is generous.
vi.setConfig({ testTimeout: 120_000 });

// The validator is a real child process here: each test forks it (from the TypeScript sources, under tsx).

const dir = mkdtempSync(join(tmpdir(), 'hn-validator-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A module upload of CommonJS `body` that defines module `name` (names recorded as bundleModuleFile does). */
function upload(name: string, body: string, exportName = name): CodeToCheck {
  const code = `const { Process } = require('@hypernode/core');\n${body}\nmodule.__hypernodeModules = ${JSON.stringify({ [name]: exportName })};\n`;
  return { name, code, hash: hashCode(code), origin: join(dir, `${name}.ts`) };
}

const good = (name: string, top = '') => upload(name, `${top}\nclass ${name} extends Process {}\nmodule.exports = { ${name} };`);

async function failure(modules: CodeToCheck[], options = {}): Promise<HypernodeError> {
  const err = await validateInChild(modules, options).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(HypernodeError);
  return err as HypernodeError;
}

describe('the module validator process', () => {
  it('runs the top-level code in a process of its own and returns the classes it found', async () => {
    const file = join(dir, 'pid.txt');
    const found = await validateInChild([good('Good', `require('node:fs').writeFileSync(${JSON.stringify(file)}, String(process.pid)); globalThis.__goodLoaded = true;`)]);
    expect(found).toEqual([{ name: 'Good', className: 'Good' }]);
    const pid = Number(readFileSync(file, 'utf8'));
    expect(pid).toBeGreaterThan(0);
    expect(pid).not.toBe(process.pid);
    expect((globalThis as { __goodLoaded?: boolean }).__goodLoaded).toBeUndefined();
  });

  it('gives the module no hypernode settings: no secret, no broker or Redis URL', async () => {
    const file = join(dir, 'env.json');
    const before = process.env.HYPERNODE_SECRET;
    process.env.HYPERNODE_SECRET = 'a-test-secret-that-must-not-leak';
    try {
      await validateInChild([good('EnvReader', `require('node:fs').writeFileSync(${JSON.stringify(file)}, JSON.stringify(Object.keys(process.env)));`)]);
    } finally {
      if (before === undefined) delete process.env.HYPERNODE_SECRET;
      else process.env.HYPERNODE_SECRET = before;
    }
    const keys = JSON.parse(readFileSync(file, 'utf8')) as string[];
    expect(keys.filter((k) => k.startsWith('HYPERNODE_'))).toEqual([]);
    expect(keys.length).toBeGreaterThan(0);
  });

  it('names a module whose top level throws', async () => {
    const err = await failure([upload('Thrower', `throw new Error('no config file');`)]);
    expect(err.code).toBe('MODULE_LOAD_FAILED');
    expect(err.message).toContain("Module 'Thrower'");
    expect(err.message).toContain('threw while loading: no config file');
  });

  it('names a module whose code does not compile', async () => {
    const err = await failure([upload('Broken', `class Broken extends Process {`)]);
    expect(err.code).toBe('MODULE_LOAD_FAILED');
    expect(err.message).toContain('does not compile');
  });

  it('names a module that exports no Process class', async () => {
    const err = await failure([upload('Plain', `module.exports = { Plain: class Plain {} };`)]);
    expect(err.code).toBe('MODULE_INVALID');
    expect(err.message).toContain('exports no class extending Process');
  });

  it('names a module whose code defines no module of its name', async () => {
    const other = good('Other');
    const err = await failure([{ ...other, name: 'Missing' }]);
    expect(err.code).toBe('MODULE_INVALID');
    expect(err.message).toContain("The code uploaded for module 'Missing' defines no module of that name (it defines Other)");
  });

  it('names a module whose constructor throws', async () => {
    const err = await failure([upload('Ctor', `class Ctor extends Process { constructor() { super(); throw new Error('no port configured'); } }\nmodule.exports = { Ctor };`)]);
    expect(err.code).toBe('MODULE_LOAD_FAILED');
    expect(err.message).toContain("Module 'Ctor' from");
    expect(err.message).toContain('throws in its constructor: Error: no port configured');
  });

  it('kills a module whose top level never ends, and says so', async () => {
    const err = await failure([upload('Spin', `for (;;) {}`)], { timeoutMs: 300 });
    expect(err.code).toBe('MODULE_LOAD_FAILED');
    expect(err.message).toContain("Module 'Spin'");
    expect(err.message).toContain('did not finish within 300 ms in the module validator');
  });

  it('stops a module that uses more memory than the heap limit, and says so', async () => {
    const err = await failure([upload('Hog', `const keep = []; for (;;) keep.push(new Array(1e5).fill({ x: Math.random() }));`)], { maxHeapMb: 32, timeoutMs: 120_000 });
    expect(err.code).toBe('MODULE_LOAD_FAILED');
    expect(err.message).toContain('ran out of memory (its heap limit is 32 MiB)');
  });

  it('says so when the module ends the validator itself', async () => {
    const err = await failure([upload('Quitter', `process.exit(3);`)]);
    expect(err.code).toBe('MODULE_LOAD_FAILED');
    expect(err.message).toContain('exited (code 3) without an answer');
  });

  it('does not take a reply the module forged for a real one', async () => {
    const err = await failure([upload('Forger', `process.send({ ok: true, modules: [] });\nclass Forger extends Process {}\nmodule.exports = { Forger };`)]);
    expect(err.code).toBe('MODULE_LOAD_FAILED');
    expect(err.message).toContain('an answer that is not one');
  });
});
