import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { HypernodeError } from '@hypernode/core';

/** What to fork for one of this package's child programs: the file, node's flags, and extra environment. */
export interface ChildLaunch {
  entry: string;
  execArgv: string[];
  env: Record<string, string>;
}

/**
 * How to fork this package's program `name` (`worker-entry`, `module-validator-entry`). From the built package:
 * `dist/<name>.js` with plain node. From the TypeScript sources (tests, `tsx`): `src/<name>.ts` with
 * `--import tsx`, and `TSX_TSCONFIG_PATH` pointing at this package's tsconfig so workspace imports resolve to
 * sources as in the parent. `entry` and `execArgv` override the defaults. Throws `INVALID_OPTIONS` when the file
 * does not exist, naming `option` as the way to give another.
 */
export function childLaunch(name: string, option: string, entry?: string, execArgv?: string[]): ChildLaunch {
  const here = dirname(fileURLToPath(import.meta.url));
  const fromSource = import.meta.url.endsWith('.ts');
  const file = entry ?? join(here, fromSource ? `${name}.ts` : `${name}.js`);
  if (!existsSync(file)) {
    throw new HypernodeError('INVALID_OPTIONS', `The program '${file}' does not exist; build @hypernode/daemon ('pnpm build') or pass ${option}.`);
  }
  const env: Record<string, string> = {};
  let flags = execArgv;
  if (flags === undefined) {
    flags = [];
    if (file.endsWith('.ts')) {
      const tsx = createRequire(import.meta.url).resolve('tsx');
      flags = ['--import', tsx];
      const tsconfig = join(here, '..', 'tsconfig.json');
      if (!process.env.TSX_TSCONFIG_PATH && existsSync(tsconfig)) env.TSX_TSCONFIG_PATH = tsconfig;
    }
  }
  return { entry: file, execArgv: flags, env };
}
