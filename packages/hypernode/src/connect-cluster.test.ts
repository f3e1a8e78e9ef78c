import { execFile } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const probe = fileURLToPath(new URL('../test-fixtures/import-probe.ts', import.meta.url));
const tsconfig = fileURLToPath(new URL('../../../tsconfig.json', import.meta.url));
const tsx = createRequire(import.meta.url).resolve('tsx');

async function probeImport(mode: string) {
  const { stdout } = await run(process.execPath, ['--import', tsx, probe, mode], { env: { ...process.env, TSX_TSCONFIG_PATH: tsconfig } });
  return JSON.parse(stdout.trim().split('\n').pop()!) as { connectCluster: string; Process: string; driversAtImport: number; driversAfter: number };
}

describe("hypernode's connectCluster", () => {
  it('is exported, yet importing hypernode loads neither the RabbitMQ nor the Redis driver', async () => {
    expect(await probeImport('import')).toEqual({ connectCluster: 'function', Process: 'function', driversAtImport: 0, driversAfter: 0 });
  });

  it('loads the drivers on its first call', async () => {
    const result = await probeImport('connect');
    expect(result.driversAtImport).toBe(0);
    expect(result.driversAfter).toBeGreaterThan(0);
  });
});
