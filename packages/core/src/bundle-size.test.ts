import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { moduleApi } from './module-api';
import { bundleModuleFile } from './module-loader';

let dir: string | undefined;
afterEach(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
  dir = undefined;
});

describe('bundling a large module', () => {
  it('makes code about the size of the file: the source map keeps positions, not a second copy of the source', async () => {
    dir = await mkdtemp(join(tmpdir(), 'hn-bundle-size-'));
    const file = join(dir, 'big.ts');
    const chunk = JSON.stringify('abcdefghijklmnopqrstuvwxyz0123456789'.repeat(1000));
    await writeFile(file, `import { Process } from '@hypernode/core';\nexport const DATA = [\n${`${chunk},\n`.repeat(60)}];\nexport default class Big extends Process {}\n`);
    const size = (await stat(file)).size;
    const [big] = await bundleModuleFile(file, moduleApi);
    expect(size).toBeGreaterThan(2_000_000);
    // Before, the inline source map carried the source again in base64: 2.3 times the file.
    expect(Buffer.byteLength(big!.code)).toBeLessThan(size * 1.05);
  });
});
