import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createCluster, type EmbeddedCluster } from './cluster';
import type { Context } from './context';
import { silentLogger } from './logger';
import { Process } from './process';

let cluster: EmbeddedCluster | undefined;
let dir: string | undefined;
afterEach(async () => {
  await cluster?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
  cluster = dir = undefined;
});

class BadReply extends Process {
  static override moduleName = 'BadReply';
  override processDidReceiveMessage(_s: unknown, _m: unknown, _f: string, { reply }: Context) {
    reply({ fn: () => 1 });
  }
}

class Quitter extends Process {
  static override moduleName = 'Quitter';
  override processWillRun(_s: unknown, { exit }: Context) {
    exit(new Error('configuration missing'));
  }
}

describe('edges of the embedded cluster a user meets', () => {
  it('rejects a call with PROCESS_EXITED at once when the callee crashes on a reply that is not data', async () => {
    cluster = await createCluster({ workers: 1, logger: silentLogger, modules: [BadReply] });
    const pid = await cluster.spawn('BadReply');
    await expect(cluster.call(pid, 'hi', 60_000)).rejects.toMatchObject({ code: 'PROCESS_EXITED' });
  });

  it('logs a process that exits with an Error, as it logs a crash', async () => {
    const warnings: string[] = [];
    cluster = await createCluster({ workers: 1, logger: { ...silentLogger, warn: (m) => warnings.push(m) }, modules: [Quitter] });
    const pid = await cluster.spawn('Quitter');
    await expect.poll(() => warnings.join('\n')).toContain(`process '${pid}' (Quitter) exited: Error: configuration missing`);
  });

  it('refuses to kill the root process, saying how to stop the cluster', async () => {
    cluster = await createCluster({ workers: 1, logger: silentLogger });
    await expect(cluster.kill(cluster.root)).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', message: expect.stringContaining('cluster.stop()') });
  });

  it('refuses to load a class under the name of a module loaded from a file, and the other way round', async () => {
    dir = await mkdtemp(join(tmpdir(), 'hn-edges-'));
    const file = join(dir, 'counter.ts');
    await writeFile(file, `import { Process } from '@hypernode/core';\nexport default class Counter extends Process {}\n`);
    cluster = await createCluster({ workers: 1, logger: silentLogger });
    await cluster.load(file);
    class Counter extends Process {}
    await expect(cluster.load(Counter)).rejects.toMatchObject({ code: 'MODULE_INVALID', message: expect.stringContaining('from a file') });
    class Other extends Process {
      static override moduleName = 'Other';
    }
    await cluster.load(Other);
    const other = join(dir, 'other.ts');
    await writeFile(other, `import { Process } from '@hypernode/core';\nexport default class Other extends Process {}\n`);
    await expect(cluster.load(other)).rejects.toMatchObject({ code: 'MODULE_INVALID', message: expect.stringContaining('as a class') });
  });

  it('says how to load a missing module in an embedded cluster (not with the distributed CLI)', async () => {
    cluster = await createCluster({ workers: 1, logger: silentLogger });
    await expect(cluster.spawn('Nope')).rejects.toMatchObject({ code: 'MODULE_NOT_FOUND', message: expect.stringContaining('cluster.load(') });
  });
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
