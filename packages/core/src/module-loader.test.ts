import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, sep } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HypernodeError } from './errors';
import { bundleModuleFile, evaluateModule, hashCode, moduleNameOf } from './module-loader';

/** A stand-in for @hypernode/core: the loader only needs its `Process` class. */
class Process {}
const core = { Process };

let dir: string;

async function fixture(name: string, source: string): Promise<string> {
  const path = join(dir, name);
  await mkdir(join(path, '..'), { recursive: true });
  await writeFile(path, source);
  return path;
}

async function failure(promise: Promise<unknown>): Promise<HypernodeError> {
  const error = await promise.then(
    () => undefined,
    (reason: unknown) => reason,
  );
  if (!(error instanceof HypernodeError)) throw new Error(`expected a HypernodeError, got ${String(error)}`);
  return error;
}

function thrown(fn: () => unknown): HypernodeError {
  try {
    fn();
  } catch (error) {
    if (error instanceof HypernodeError) return error;
    throw error;
  }
  throw new Error('expected a HypernodeError');
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'hn-module-loader-'));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('bundleModuleFile', () => {
  it('names a TypeScript module by its @hypernode-module comment and makes it extend the core Process', async () => {
    const path = await fixture(
      'http-server.ts',
      `/** @hypernode-module HttpServer **/
import { Process } from '@hypernode/core';
export default class Server extends Process {
  port: number = 8080;
}
`,
    );
    const [module, ...rest] = await bundleModuleFile(path, core);
    expect(rest).toEqual([]);
    expect(module!.name).toBe('HttpServer');
    expect(module!.exportName).toBe('default');
    expect(module!.origin).toBe(path);
    expect(module!.hash).toBe(hashCode(module!.code));
    const { HttpServer } = evaluateModule(module!.code, module!.origin, core);
    const instance = new (HttpServer as new () => { port: number })();
    expect(instance).toBeInstanceOf(Process);
    expect(instance.port).toBe(8080);
  });

  it('names a JavaScript module without a comment by its class name', async () => {
    const path = await fixture(
      'echo.js',
      `import { Process } from 'hypernode';
export default class Echo extends Process {}
`,
    );
    const modules = await bundleModuleFile(path, core);
    expect(modules.map((m) => m.name)).toEqual(['Echo']);
    expect(Object.keys(evaluateModule(modules[0]!.code, path, core))).toEqual(['Echo']);
  });

  it('bundles relative imports and leaves Node built-ins to Node', async () => {
    await fixture('lib/greet.ts', `import { sep } from 'node:path';\nexport const greet = (who: string) => 'hello ' + who + sep;\n`);
    const path = await fixture(
      'greeter.ts',
      `import os from 'os';
import { Process } from 'hypernode';
import { greet } from './lib/greet';
export default class Greeter extends Process {
  static hello() { return greet('world') + typeof os.cpus; }
}
`,
    );
    const [module] = await bundleModuleFile(path, core);
    const { Greeter } = evaluateModule(module!.code, module!.origin, core) as unknown as { Greeter: { hello(): string } };
    expect(Greeter.hello()).toBe(`hello world${sep}function`);
    expect(module!.code).not.toContain(dir);
  });

  it('bundles an ESM-only npm package found from the file location into CommonJS', async () => {
    await fixture(
      'node_modules/esm-only/package.json',
      JSON.stringify({ name: 'esm-only', version: '1.0.0', type: 'module', exports: { import: './index.js' } }),
    );
    await fixture('node_modules/esm-only/index.js', `export const answer = 42;\n`);
    const path = await fixture(
      'uses-dep.ts',
      `import { Process } from 'hypernode';
import { answer } from 'esm-only';
export default class UsesDep extends Process { static answer = answer; }
`,
    );
    const [module] = await bundleModuleFile(path, core);
    expect(module!.code).not.toMatch(/require\(["']esm-only["']\)/);
    const { UsesDep } = evaluateModule(module!.code, module!.origin, core) as unknown as { UsesDep: { answer: number } };
    expect(UsesDep.answer).toBe(42);
  });

  it("hands the bundle's require('@hypernode/core') and require('hypernode') exactly the core object", async () => {
    const path = await fixture(
      'cjs-module.cjs',
      `const hn = require('@hypernode/core');
class Plain extends hn.Process {}
Plain.cores = [hn, require('hypernode')];
module.exports = Plain;
`,
    );
    const [module] = await bundleModuleFile(path, core);
    const { Plain } = evaluateModule(module!.code, module!.origin, core) as unknown as { Plain: { cores: unknown[] } };
    expect(Plain.cores[0]).toBe(core);
    expect(Plain.cores[1]).toBe(core);
  });

  it('yields one module per exported Process class and gives the comment name to the default export', async () => {
    const path = await fixture(
      'several.ts',
      `/**
 * @hypernode-module Main
 */
import { Process } from 'hypernode';
export class Worker extends Process {}
export class Renamed extends Process { static moduleName = 'Custom.Name'; }
export const notAModule = 1;
export default class Anything extends Process {}
`,
    );
    const modules = await bundleModuleFile(path, core);
    expect(modules.map((m) => [m.name, m.exportName])).toEqual([
      ['Main', 'default'],
      ['Custom.Name', 'Renamed'],
      ['Worker', 'Worker'],
    ]);
    expect(new Set(modules.map((m) => m.hash)).size).toBe(1);
    const classes = evaluateModule(modules[0]!.code, path, core);
    expect(Object.keys(classes)).toEqual(['Main', 'Custom.Name', 'Worker']);
    expect((classes.Main as Function).name).toBe('Anything');
  });

  it('reports a syntax error with file:line:col and esbuild text', async () => {
    const path = await fixture('syntax.ts', `import { Process } from 'hypernode';\nexport default class Broken extends Process {\n  x = ;\n}\n`);
    const error = await failure(bundleModuleFile(path, core));
    expect(error.code).toBe('MODULE_LOAD_FAILED');
    expect(error.message).toContain(`Cannot bundle module file '${path}'`);
    expect(error.message).toContain(`syntax.ts:3:7: Unexpected ";"`);
  });

  it('reports an import that cannot be resolved with its location', async () => {
    const path = await fixture('missing-import.ts', `import { Process } from 'hypernode';\nimport { nope } from './nowhere';\nexport default class M extends Process { n = nope; }\n`);
    const error = await failure(bundleModuleFile(path, core));
    expect(error.code).toBe('MODULE_LOAD_FAILED');
    expect(error.message).toContain(':2:22: Could not resolve "./nowhere"');
    expect(error.message).toContain('fix the import path');
  });

  it('refuses top-level await and says where to move it', async () => {
    const path = await fixture('tla.ts', `import { Process } from 'hypernode';\nawait Promise.resolve();\nexport default class T extends Process {}\n`);
    const error = await failure(bundleModuleFile(path, core));
    expect(error.code).toBe('MODULE_LOAD_FAILED');
    expect(error.message).toMatch(/Top-level await.*processWillRun/);
  });

  it('rejects a file that exports no Process class and lists what it exports', async () => {
    const path = await fixture('no-process.ts', `export const version = 1;\nexport function helper() {}\nexport default class NotAProcess {}\n`);
    const error = await failure(bundleModuleFile(path, core));
    expect(error.code).toBe('MODULE_INVALID');
    expect(error.message).toContain(`Module file '${path}' exports no class extending Process`);
    expect(error.message).toContain('default (class NotAProcess)');
    expect(error.message).toContain('version (number)');
    expect(error.message).toContain('helper (function helper)');
    expect(error.message).toContain("export default class MyModule extends Process");
  });

  it('says so when a class extends another copy of Process', async () => {
    await fixture('fake-core.ts', `export class Process {}\n`);
    const path = await fixture('other-copy.ts', `import { Process } from './fake-core';\nexport default class Stray extends Process {}\n`);
    const error = await failure(bundleModuleFile(path, core));
    expect(error.code).toBe('MODULE_INVALID');
    expect(error.message).toContain('extends a different copy of Process');
  });

  it('reports a top-level throw with the original message and source location', async () => {
    const path = await fixture(
      'throws.ts',
      `import { Process } from 'hypernode';
const config: Record<string, string> = {};
if (!config.url) throw new Error('config.url is required');
export default class Throws extends Process {}
`,
    );
    const error = await failure(bundleModuleFile(path, core));
    expect(error.code).toBe('MODULE_LOAD_FAILED');
    expect(error.message).toContain(`Module file '${path}' threw while loading: config.url is required (at ${path}:3:`);
    expect((error.cause as Error).message).toBe('config.url is required');
  });

  it('gives a missing file a message naming the path and the current directory', async () => {
    const error = await failure(bundleModuleFile('./does-not-exist.ts', core));
    expect(error.code).toBe('MODULE_LOAD_FAILED');
    expect(error.message).toBe(
      `Cannot load module file './does-not-exist.ts': no such file; check the path (relative paths resolve from ${process.cwd()}).`,
    );
  });

  it('rejects a comment naming an invalid module name', async () => {
    const path = await fixture('bad-name.ts', `/* @hypernode-module 9lives */\nimport { Process } from 'hypernode';\nexport default class Cat extends Process {}\n`);
    const error = await failure(bundleModuleFile(path, core));
    expect(error.code).toBe('MODULE_INVALID');
    expect(error.message).toContain("'9lives'");
  });

  it('rejects an anonymous default class with no comment', async () => {
    const path = await fixture('anonymous.ts', `import { Process } from 'hypernode';\nexport default class extends Process {}\n`);
    const error = await failure(bundleModuleFile(path, core));
    expect(error.code).toBe('MODULE_INVALID');
    expect(error.message).toContain('no class name');
  });

  it('gives the same file the same hash twice, and the same source in another directory the same hash', async () => {
    const source = `/** @hypernode-module Stable **/\nimport { Process } from 'hypernode';\nimport { sep } from 'node:path';\nexport default class S extends Process { s = sep; }\n`;
    const a = await fixture('stable/a/stable.ts', source);
    const b = await fixture('stable/elsewhere/deeper/stable.ts', source);
    const [first] = await bundleModuleFile(a, core);
    const [second] = await bundleModuleFile(a, core);
    const [moved] = await bundleModuleFile(b, core);
    expect(second!.hash).toBe(first!.hash);
    expect(second!.code).toBe(first!.code);
    expect(moved!.hash).toBe(first!.hash);
  });

  it('gives an edited file a different hash', async () => {
    const path = await fixture('edited.ts', `import { Process } from 'hypernode';\nexport default class E extends Process { v = 1; }\n`);
    const [before] = await bundleModuleFile(path, core);
    await writeFile(path, `import { Process } from 'hypernode';\nexport default class E extends Process { v = 2; }\n`);
    const [after] = await bundleModuleFile(path, core);
    expect(after!.hash).not.toBe(before!.hash);
  });

  it('refuses a core object without a Process class', async () => {
    const error = await failure(bundleModuleFile(join(dir, 'echo.js'), {}));
    expect(error.code).toBe('INVALID_ARGUMENT');
  });
});

describe('evaluateModule', () => {
  it('names classes of plain CommonJS code by their class names', () => {
    const code = `const { Process } = require('hypernode');\nexports.A = class A extends Process {};\nexports.B = class B extends Process { static moduleName = 'Bee'; };\n`;
    expect(Object.keys(evaluateModule(code, '/virtual/a.js', core))).toEqual(['A', 'Bee']);
  });

  it('gives a require of anything but core and built-ins a MODULE_NOT_FOUND error that optional imports can catch', () => {
    const code = `let found = true;\ntry { require('left-pad'); } catch (e) { found = e.code; }\nconst { Process } = require('hypernode');\nmodule.exports = class Opt extends Process { static found = found; };\n`;
    const { Opt } = evaluateModule(code, '/virtual/opt.js', core) as unknown as { Opt: { found: unknown } };
    expect(Opt.found).toBe('MODULE_NOT_FOUND');
  });

  it('reports code that does not compile as MODULE_LOAD_FAILED', () => {
    const error = thrown(() => evaluateModule('module.exports = (', '/virtual/broken.js', core));
    expect(error.code).toBe('MODULE_LOAD_FAILED');
    expect(error.message).toContain("'/virtual/broken.js' does not compile");
  });

  it('reports a top-level throw with the origin, also when the thrown value is not an Error', () => {
    const error = thrown(() => evaluateModule(`throw 'nope';`, '/virtual/throws.js', core));
    expect(error.code).toBe('MODULE_LOAD_FAILED');
    expect(error.message).toContain("Module file '/virtual/throws.js' threw while loading: string \"nope\"");
  });

  it('reports code that exports no Process class as MODULE_INVALID', () => {
    const error = thrown(() => evaluateModule(`exports.x = 1;`, '/virtual/x.js', core));
    expect(error.code).toBe('MODULE_INVALID');
    expect(error.message).toContain('x (number)');
  });
});

describe('moduleNameOf', () => {
  class Named extends Process {}

  it.each([
    ['/** @hypernode-module Http **/', 'Http'],
    ['/*@hypernode-module Http*/', 'Http'],
    ['/***   @hypernode-module   Http.v2   ***/', 'Http.v2'],
    ['/**\n * Serves requests.\n * @hypernode-module Http_Server\n */', 'Http_Server'],
    ['// @hypernode-module Http-Server', 'Http-Server'],
  ])('reads the name from the comment %j', (source, expected) => {
    expect(moduleNameOf(`${source}\nexport default class X {}`, Named)).toBe(expected);
  });

  it('prefers a static moduleName to the class name and ignores an inherited one', () => {
    class Base extends Process {
      static moduleName = 'BaseModule';
    }
    class Child extends Base {}
    expect(moduleNameOf(undefined, Base)).toBe('BaseModule');
    expect(moduleNameOf(undefined, Child)).toBe('Child');
    expect(moduleNameOf('const x = 1;', Named)).toBe('Named');
  });

  it('rejects a comment without a name and an invalid static moduleName', () => {
    expect(thrown(() => moduleNameOf('/** @hypernode-module **/', Named)).code).toBe('MODULE_INVALID');
    class Spaced extends Process {
      static moduleName = 'has space';
    }
    expect(thrown(() => moduleNameOf(undefined, Spaced)).message).toContain("'has space'");
  });
});

describe('hashCode', () => {
  it('is the hex SHA-256 of the code', () => {
    expect(hashCode('')).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
    expect(hashCode('a')).not.toBe(hashCode('b'));
  });
});
