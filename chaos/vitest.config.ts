import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';
import root from '../vitest.config';

// The chaos suite (`pnpm test:chaos`): its own configuration, so `npm test` never runs it. It imports workspace
// packages from source, as the other tests do (the root configuration's aliases).
export default defineConfig({
  root: fileURLToPath(new URL('..', import.meta.url)),
  resolve: root.resolve,
  test: {
    include: ['chaos/**/*.chaos.test.ts'],
    pool: 'forks',
    testTimeout: 30 * 60_000,
    hookTimeout: 5 * 60_000,
  },
});
