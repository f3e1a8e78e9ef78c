#!/usr/bin/env node
// `npm run build`: installs if needed (bootstrap.mjs), then builds every package and the four programs with turbo
// and tsup (dist/ of each). turbo runs the workspace's package manager, so it runs under the pinned pnpm, which
// puts pnpm on its PATH even on a machine where pnpm is not installed.
import { execSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { pinnedPnpm } from './pnpm.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
execSync('node scripts/bootstrap.mjs', { cwd: root, stdio: 'inherit' });
const { pnpm, env } = pinnedPnpm(root);
execSync(`${pnpm} exec turbo run build ${process.argv.slice(2).join(' ')}`, { cwd: root, stdio: 'inherit', env });
