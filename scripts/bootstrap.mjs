#!/usr/bin/env node
// Installs the workspace's dependencies with the pinned pnpm when they are missing or stale.
// Used by `npm run demo`, `npm test` and `npm run bench`, so a fresh clone needs nothing but Node 20.
import { execSync } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const { packageManager } = JSON.parse(readFileSync(`${root}/package.json`, 'utf8'));
const marker = `${root}/node_modules/.modules.yaml`;
const lock = `${root}/pnpm-lock.yaml`;
const fresh = existsSync(marker) && (!existsSync(lock) || statSync(marker).mtimeMs >= statSync(lock).mtimeMs);
if (!fresh) {
  const env = { ...process.env, COREPACK_INTEGRITY_KEYS: '0', TURBO_TELEMETRY_DISABLED: '1' };
  let pnpm = 'pnpm';
  try {
    const have = execSync('pnpm --version', { stdio: ['ignore', 'pipe', 'ignore'] }).toString().trim();
    if (`pnpm@${have}` !== packageManager) pnpm = `npx --yes ${packageManager}`;
  } catch {
    pnpm = `npx --yes ${packageManager}`;
  }
  console.log(`hypernode: installing dependencies with ${packageManager} ...`);
  execSync(`${pnpm} install ${process.env.CI ? '--frozen-lockfile' : ''}`, { cwd: root, stdio: 'inherit', env });
}
