import { describe, expect, it } from 'vitest';
import { listLoadedModules, moduleNotLoadedMessage } from './cluster-base';
import { MemoryRegistry } from './memory-registry';
import { ClassCatalog } from './modules';
import { Process } from './process';

describe('moduleNotLoadedMessage', () => {
  it('names the module, the cluster and the loaded modules, then gives the hint', () => {
    expect(moduleNotLoadedMessage('HttpServr', 'demo', ['Echo', 'HttpServer'], "Load it with 'hypernode-cli load <file>'.")).toBe(
      "Module 'HttpServr' is not loaded in cluster 'demo'; loaded modules: Echo, HttpServer. Load it with 'hypernode-cli load <file>'.",
    );
  });

  it('says (none) when no module is loaded', () => {
    expect(moduleNotLoadedMessage('X', 'c', [], 'Hint.')).toBe("Module 'X' is not loaded in cluster 'c'; loaded modules: (none). Hint.");
  });
});

describe('listLoadedModules', () => {
  it('lists class and file modules once each, sorted by name, the registry version winning, origin only for files', async () => {
    class Zed extends Process {}
    class Alpha extends Process {}
    const catalog = new ClassCatalog();
    catalog.add('Zed', Zed);
    catalog.add('Alpha', Alpha);
    const registry = new MemoryRegistry();
    await registry.addModuleVersion('Mid', { code: 'x', hash: 'h1', origin: '/m.ts' });
    await registry.addModuleVersion('Alpha', { code: 'y', hash: 'h2', origin: '/a.ts' });
    const list = await listLoadedModules(catalog, registry);
    expect(list).toStrictEqual([
      { name: 'Alpha', version: 1, hash: 'h2', origin: '/a.ts' },
      { name: 'Mid', version: 1, hash: 'h1', origin: '/m.ts' },
      { name: 'Zed', version: 1, hash: 'class:Zed:1' },
    ]);
    await registry.close();
  });
});
