import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import * as core from './index';
import { moduleApi } from './module-api';
import * as runtime from './runtime';
import { bundleModuleFile, evaluateModule } from './module-loader';
import { Process } from './process';

const here = dirname(fileURLToPath(import.meta.url));

/** The core files `file` reaches through relative imports (type-only imports included). */
function reachable(file: string, seen = new Set<string>()): Set<string> {
  if (seen.has(file)) return seen;
  seen.add(file);
  const source = readFileSync(file, 'utf8');
  for (const match of source.matchAll(/^\s*(?:import|export)\b[^'"]*?from\s+'(\.{1,2}\/[^']+)'/gm)) {
    reachable(resolve(dirname(file), `${match[1]}.ts`), seen);
  }
  return seen;
}

describe('moduleApi', () => {
  it("is what module code's import of 'hypernode' gives: a bundled module extends the runtime's own Process", async () => {
    const dir = await mkdtemp(join(tmpdir(), 'hypernode-module-api-'));
    try {
      const path = join(dir, 'greeter.ts');
      await writeFile(
        path,
        "import { Process, HypernodeError, copyData } from 'hypernode';\n" +
          'export default class Greeter extends Process<{ n: number }> {\n' +
          '  static tools = [typeof HypernodeError, typeof copyData];\n' +
          '}\n',
      );
      const [bundled] = await bundleModuleFile(path, moduleApi);
      const classes = evaluateModule(bundled!.code, bundled!.origin, moduleApi);
      const Greeter = classes['Greeter'] as unknown as { prototype: unknown; tools: string[] };
      expect(Greeter.prototype).toBeInstanceOf(Process);
      expect(Greeter.tools).toEqual(['function', 'function']);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('holds the module-author values of the public surface, and neither starting a cluster nor runtime internals', () => {
    expect(Object.isFrozen(moduleApi)).toBe(true);
    expect(Object.keys(moduleApi).sort()).toEqual(
      ['Process', 'isProcessClass', 'Root', 'Supervisor', 'Inbox', 'HypernodeError', 'copyData', 'checkData', 'systemClock', 'ManualClock', 'consoleLogger', 'silentLogger'].sort(),
    );
  });

  it('imports neither the cluster nor the package index, so the cluster can import it without a cycle', () => {
    const files = [...reachable(join(here, 'module-api.ts'))].map((file) => file.slice(here.length + 1));
    expect(files).toContain('process.ts');
    expect(files).not.toContain('cluster.ts');
    expect(files).not.toContain('index.ts');
  });
});

describe("@hypernode/core's root export", () => {
  it('is the module API plus starting an embedded cluster, and no runtime internals', () => {
    expect(Object.keys(core).sort()).toEqual([...Object.keys(moduleApi), 'createCluster', 'EmbeddedCluster'].sort());
  });

  it('leaves the runtime internals to @hypernode/core/runtime, which shares its classes', () => {
    for (const name of ['WorkerRuntime', 'createWorkerRuntime', 'ModuleTable', 'ClassCatalog', 'LoadPlacer', 'MemoryNetwork', 'MemoryRegistry', 'encode', 'ClusterBase']) {
      expect(core).not.toHaveProperty(name);
      expect(runtime).toHaveProperty(name);
    }
  });
});

