import { defineConfig } from 'tsup';

export default defineConfig({
  // `worker-entry` is what a node daemon forks: it must exist as its own file next to the index.
  entry: { index: 'src/index.ts', 'worker-entry': 'src/worker-entry.ts' },
  format: ['esm', 'cjs'],
  dts: { entry: { index: 'src/index.ts' } },
  clean: true,
  sourcemap: true,
  target: 'node20',
  // import.meta.url in the CommonJS build, to find worker-entry.js next to this file.
  shims: true,
});
