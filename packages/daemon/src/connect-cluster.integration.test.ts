/** connectCluster's message limit, against the machine's RabbitMQ and Redis (a fresh cluster name; nothing large is published). */
import { randomUUID } from 'node:crypto';
import { HypernodeError } from '@hypernode/core';
import { describe, expect, it } from 'vitest';
import { connectCluster } from './connect-cluster';

describe('a client connected with maxMessageBytes', () => {
  it('throws MESSAGE_TOO_LARGE for a send to a worker over its limit, and still sends the small ones', async () => {
    const client = await connectCluster({ cluster: `size-${randomUUID().slice(0, 8)}`, maxMessageBytes: 4096, timeoutMs: 2000 });
    try {
      let err: unknown;
      try {
        client.send('w-elsewhere:1', 'x'.repeat(5000));
      } catch (e) {
        err = e;
      }
      expect(HypernodeError.is(err, 'MESSAGE_TOO_LARGE')).toBe(true);
      expect((err as Error).message).toContain('over the limit of 4.0 KiB (4096 bytes)');
      expect(() => client.send('w-elsewhere:1', 'small')).not.toThrow();
    } finally {
      await client.stop();
    }
  });
});
