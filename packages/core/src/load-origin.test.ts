import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
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

const twin = (says: string) => `import { Process, type Context } from '@hypernode/core';
export default class Twin extends Process {
  override processDidReceiveMessage(state: unknown, _m: unknown, _f: string, { reply }: Context) {
    reply('${says}');
    return state;
  }
}
`;

describe('load of a module whose name is already loaded from another file', () => {
  it('is refused, naming both files, and the running process keeps its code; replace: true replaces it on purpose', async () => {
    dir = await mkdtemp(join(tmpdir(), 'hn-origin-'));
    await mkdir(join(dir, 'a'));
    await mkdir(join(dir, 'b'));
    const a = join(dir, 'a', 'twin.ts');
    const b = join(dir, 'b', 'twin.ts');
    await writeFile(a, twin('from a'));
    await writeFile(b, twin('from b'));
    cluster = await createCluster({ workers: 1, logger: silentLogger });
    await cluster.load(a);
    const pid = await cluster.spawn('Twin');

    const err = await cluster.load(b).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'MODULE_INVALID' });
    expect((err as Error).message).toBe(
      `Module 'Twin' of cluster '${cluster.name}' is loaded from '${a}' (v1), and '${b}' defines another module of that name; storing it would switch the running processes to unrelated code, so nothing was stored. Rename one of the modules (the class or its '@hypernode-module' comment), or replace it on purpose: cluster.load(file, { replace: true }).`,
    );
    expect(await cluster.call(pid, 'who')).toBe('from a');
    expect((await cluster.modules()).find((m) => m.name === 'Twin')).toMatchObject({ version: 1, origin: a });

    // The same file again (a new version of it) needs no option.
    await writeFile(a, twin('from a, v2'));
    expect(await cluster.load(a)).toEqual([expect.objectContaining({ name: 'Twin', version: 2, origin: a })]);
    expect(await cluster.load(b, { replace: true })).toEqual([expect.objectContaining({ name: 'Twin', version: 3, origin: b })]);
    expect(await cluster.call(pid, 'who')).toBe('from b');
  });
});
