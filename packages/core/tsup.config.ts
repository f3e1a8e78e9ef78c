import { defineConfig } from 'tsup';

export default defineConfig({
  entry: { index: 'src/index.ts', runtime: 'src/runtime.ts', testing: 'src/testing/index.ts' },
  format: ['esm', 'cjs'],
  // Shared chunks in both formats: `@hypernode/core` and `@hypernode/core/runtime` must give the same classes
  // (Process, HypernodeError, ...) to one program, required or imported (esbuild splits ESM by default only).
  splitting: true,
  dts: true,
  clean: true,
  sourcemap: true,
  target: 'node20',
});
