import { defineConfig } from 'tsup';

export default defineConfig({
  entry: {"main": "src/main.ts"},
  format: ['esm', 'cjs'],
  dts: true,
  clean: true,
  sourcemap: true,
  target: 'node20',
});
