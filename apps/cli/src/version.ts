import { createRequire } from 'node:module';

// '../package.json' is the CLI's package.json both from src/ (tsx) and from dist/ (the published bin).
const pkg = createRequire(import.meta.url)('../package.json') as { version: string };

/** The CLI's version, from its package.json. */
export const version: string = pkg.version;
