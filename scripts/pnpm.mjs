// The pinned pnpm (package.json's packageManager) as a command line: `pnpm` when that version is installed,
// else `npx --yes pnpm@<version>` (fetched once into npm's cache), so a fresh clone needs nothing but Node 20.
import { execSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

/** The command that runs the pinned pnpm for the workspace at `root`, and the environment to run it with. */
export function pinnedPnpm(root) {
  const { packageManager } = JSON.parse(readFileSync(`${root}/package.json`, 'utf8'));
  const env = { ...process.env, COREPACK_INTEGRITY_KEYS: '0', TURBO_TELEMETRY_DISABLED: '1' };
  try {
    const have = execSync('pnpm --version', { stdio: ['ignore', 'pipe', 'ignore'] }).toString().trim();
    if (`pnpm@${have}` === packageManager) return { pnpm: 'pnpm', env, packageManager };
  } catch {
    // not installed
  }
  return { pnpm: `npx --yes ${packageManager}`, env, packageManager };
}
