import { defineConfig } from 'tsup';

// The CLI is an executable, not a library: one ESM file with a shebang, no type declarations.
// Its dependencies (@hypernode/core, yargs) stay external and are installed with it.
export default defineConfig({
  entry: { main: 'src/main.ts' },
  format: ['esm'],
  dts: false,
  clean: true,
  sourcemap: true,
  target: 'node20',
  platform: 'node',
  banner: { js: '#!/usr/bin/env node' },
  // Only main.ts's run-from-sources branch imports tsx (a dev tool of the repository): never bundled.
  external: ['tsx'],
});
