import { defineConfig } from 'tsup';

export default defineConfig({
  // `worker-entry` (what a node daemon forks) and `module-validator-entry` (what the cluster daemon forks to check
  // an upload) must exist as their own files next to the index.
  entry: { index: 'src/index.ts', 'worker-entry': 'src/worker-entry.ts', 'module-validator-entry': 'src/module-validator-entry.ts' },
  format: ['esm', 'cjs'],
  dts: { entry: { index: 'src/index.ts' } },
  clean: true,
  sourcemap: true,
  target: 'node20',
  // import.meta.url in the CommonJS build, to find worker-entry.js next to this file.
  shims: true,
});
