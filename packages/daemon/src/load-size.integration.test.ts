// Uses the RabbitMQ and Redis at HYPERNODE_AMQP_URL / HYPERNODE_REDIS_URL under a cluster name of its own; the
// upload is refused before anything is sent, so no large message reaches the broker.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { HypernodeError } from '@hypernode/core';
import { connectCluster } from './connect-cluster';
import { amqpUrl, clusterName, deleteTestCluster, redisUrl } from './test-support';

const cluster = clusterName();
let dir: string | undefined;
afterAll(async () => {
  await deleteTestCluster(cluster);
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('load of a module over the broker message limit', () => {
  it('is refused before sending, naming the upload size and the limit, instead of timing out', async () => {
    dir = await mkdtemp(join(tmpdir(), 'hn-load-size-'));
    const file = join(dir, 'big.ts');
    const chunk = JSON.stringify('x'.repeat(100_000));
    await writeFile(file, `import { Process } from 'hypernode';\nexport const DATA = [${`${chunk},`.repeat(20)}];\nexport default class Big extends Process {}\n`);
    const client = await connectCluster({ cluster, amqp: amqpUrl, redis: redisUrl, maxMessageBytes: 1024 * 1024 });
    try {
      const err = await client.load(file).catch((e: unknown) => e);
      expect(HypernodeError.is(err, 'MODULE_LOAD_FAILED')).toBe(true);
      expect((err as Error).message).toMatch(
        new RegExp(`^Cannot load '${file}': its bundled code \\(Big\\) makes an upload of 1\\.9 MiB \\(\\d+ bytes\\), over the message limit of 1\\.0 MiB \\(1048576 bytes\\) \\(RabbitMQ's max_message_size\\), so nothing was sent`),
      );
    } finally {
      await client.stop();
    }
  });
});
