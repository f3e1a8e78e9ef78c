import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const src = (path: string) => fileURLToPath(new URL(path, import.meta.url));

// Tests import workspace packages from source: no build is needed to test.
export default defineConfig({
  resolve: {
    alias: [
      { find: /^@hypernode\/core\/testing$/, replacement: src('./packages/core/src/testing/index.ts') },
      { find: /^@hypernode\/core\/runtime$/, replacement: src('./packages/core/src/runtime.ts') },
      { find: /^@hypernode\/core$/, replacement: src('./packages/core/src/index.ts') },
      { find: /^hypernode$/, replacement: src('./packages/hypernode/src/index.ts') },
      { find: /^@hypernode\/transport-amqp$/, replacement: src('./packages/transport-amqp/src/index.ts') },
      { find: /^@hypernode\/registry-redis$/, replacement: src('./packages/registry-redis/src/index.ts') },
      { find: /^@hypernode\/scheduler$/, replacement: src('./packages/scheduler/src/index.ts') },
      { find: /^@hypernode\/daemon$/, replacement: src('./packages/daemon/src/index.ts') },
    ],
  },
  test: {
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: 'forks',
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          include: ['packages/*/src/**/*.test.ts', 'apps/*/src/**/*.test.ts', 'examples/**/*.test.ts'],
          exclude: ['**/node_modules/**', '**/*.integration.test.ts'],
        },
      },
      {
        // Integration tests use the machine's RabbitMQ and Redis (each under a cluster name of its own) and, to cut or
        // restart a server, servers of their own (packages/daemon/src/own-servers.ts): one file at a time.
        extends: true,
        test: {
          name: 'integration',
          include: ['packages/*/src/**/*.integration.test.ts', 'apps/*/src/**/*.integration.test.ts', 'examples/**/*.integration.test.ts'],
          fileParallelism: false,
          // Stops any daemon a file left running (packages/daemon/src/test-support.ts) and deletes its cluster.
          setupFiles: [src('./packages/daemon/src/test-daemon-cleanup.ts')],
        },
      },
    ],
  },
});
