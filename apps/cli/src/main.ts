// hypernode-cli's entry. Built (dist/main.js) it runs the CLI at once. Run from its sources under tsx
// (`npx tsx <clone>/apps/cli/src/main.ts`), it first points tsx at the repository's tsconfig.json, whose paths map the
// workspace packages (@hypernode/*) to their sources: tsx reads the tsconfig of the working directory, so from
// any directory outside the clone they would resolve to their unbuilt dist/ and fail (ERR_MODULE_NOT_FOUND).
import { fileURLToPath } from 'node:url';

if (import.meta.url.endsWith('.ts')) {
  const { register } = await import('tsx/esm/api');
  register({ tsconfig: fileURLToPath(new URL('../../../tsconfig.json', import.meta.url)) });
}
await import('./cli');
