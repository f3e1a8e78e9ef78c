import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createCluster, type EmbeddedCluster } from './cluster';
import { silentLogger } from './logger';

let cluster: EmbeddedCluster | undefined;
let dir: string | undefined;
afterEach(async () => {
  await cluster?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
  cluster = dir = undefined;
});

describe('a module loaded from a file, first spawned on a worker', () => {
  it('delivers messages that arrived while the worker fetched and evaluated the module', async () => {
    dir = await mkdtemp(join(tmpdir(), 'hn-fetch-'));
    const parent = join(dir, 'parent.ts');
    const echo = join(dir, 'echo.ts');
    await writeFile(
      parent,
      `import { Process } from '@hypernode/core';
export default class Parent extends Process {
  processWillRun(s: any, { spawn, send }: any) { const e = spawn('Echo'); send(e, { hi: s.notify }); send(e, { hi: s.notify }); }
}`,
    );
    await writeFile(
      echo,
      `import { Process } from '@hypernode/core';
export default class Echo extends Process {
  processDidReceiveMessage(s: any, m: any, _f: string, { send }: any) { send(m.hi, 'echoed'); }
}`,
    );
    cluster = await createCluster({ workers: 1, logger: silentLogger });
    await cluster.load(parent);
    await cluster.load(echo);
    const inbox = cluster.inbox();
    await cluster.spawn('Parent', { notify: inbox.name });
    expect((await inbox.receive()).message).toBe('echoed');
    expect((await inbox.receive()).message).toBe('echoed');
  });
});

describe('stopping a cluster', () => {
  it('closes after stopTimeoutMs with a warning naming a process whose processWillExit never settles', async () => {
    const { Process } = await import('./process');
    class Stuck extends Process {
      static override moduleName = 'Stuck';
      override processWillExit() {
        return new Promise<void>(() => {});
      }
    }
    const warnings: string[] = [];
    const logger = { ...silentLogger, warn: (m: string) => warnings.push(m) };
    const c = await createCluster({ workers: 1, logger, modules: [Stuck], stopTimeoutMs: 50 });
    const name = await c.spawn('Stuck');
    await c.stop();
    expect(warnings.join('\n')).toContain(`'${name}' (Stuck, exiting)`);
  });
});
