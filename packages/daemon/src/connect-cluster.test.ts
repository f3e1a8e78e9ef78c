import { HypernodeError } from '@hypernode/core';
import { describe, expect, it } from 'vitest';
import { connectCluster } from './connect-cluster';

describe('connectCluster', () => {
  it('refuses an invalid maxMessageBytes with INVALID_OPTIONS before connecting to anything', async () => {
    // Port 1 answers nothing: had it tried to connect, the error would be TRANSPORT_DOWN.
    const err = await connectCluster({ amqp: 'amqp://guest:guest@127.0.0.1:1', redis: 'redis://127.0.0.1:1', cluster: 'c', maxMessageBytes: 10 }).catch((e: unknown) => e);
    expect(HypernodeError.is(err, 'INVALID_OPTIONS')).toBe(true);
    expect((err as Error).message).toContain('connectCluster() got maxMessageBytes: 10; give a whole number of bytes from 1024 to 536870912');
  });
});
