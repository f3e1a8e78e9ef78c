#!/usr/bin/env node
// Installs the workspace's dependencies with the pinned pnpm when they are missing or stale.
// Used by `npm run demo`, `npm test`, `npm run build` and `npm run bench`, so a fresh clone needs nothing but Node 20.
import { execSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { pinnedPnpm } from './pnpm.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const marker = `${root}/node_modules/.modules.yaml`;
const lock = `${root}/pnpm-lock.yaml`;
const fresh = existsSync(marker) && (!existsSync(lock) || statSync(marker).mtimeMs >= statSync(lock).mtimeMs);
if (!fresh) {
  const { pnpm, env, packageManager } = pinnedPnpm(root);
  console.log(`hypernode: installing dependencies with ${packageManager} ...`);
  execSync(`${pnpm} install ${process.env.CI ? '--frozen-lockfile' : ''}`, { cwd: root, stdio: 'inherit', env });
}
