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

  it('refuses a short secret or a malformed role secret with BAD_SECRET before connecting, naming the option, not the secret', async () => {
    const short = await connectCluster({ amqp: 'amqp://guest:guest@127.0.0.1:1', redis: 'redis://127.0.0.1:1', cluster: 'c', secret: 'hunter2' }).catch((e: unknown) => e);
    expect(HypernodeError.is(short, 'BAD_SECRET')).toBe(true);
    expect((short as Error).message).toContain("The cluster secret in connectCluster's option secret is 7 bytes long; it needs at least 16.");
    expect((short as Error).message).not.toContain('hunter2');
    const role = await connectCluster({ amqp: 'amqp://guest:guest@127.0.0.1:1', redis: 'redis://127.0.0.1:1', cluster: 'c', secret: 'role:boss:0123456789abcdef' }).catch((e: unknown) => e);
    expect(HypernodeError.is(role, 'BAD_SECRET')).toBe(true);
    expect((role as Error).message).not.toContain('0123456789abcdef');
  });
});
