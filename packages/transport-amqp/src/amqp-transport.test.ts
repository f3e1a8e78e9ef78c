import { describe, expect, it } from 'vitest';
import { HypernodeError } from '@hypernode/core';
import { AmqpTransport } from './amqp-transport';

describe('AmqpTransport.connect', () => {
  it('rejects with TRANSPORT_DOWN naming the host and how to start RabbitMQ when the connection is refused, without the password', async () => {
    const err = await AmqpTransport.connect({ url: 'amqp://guest:s3cret@127.0.0.1:1', cluster: 'c' }).catch((e: unknown) => e);
    expect(HypernodeError.is(err, 'TRANSPORT_DOWN')).toBe(true);
    const message = (err as Error).message;
    expect(message).toContain('127.0.0.1:1');
    expect(message).toContain('rabbitmq-server -detached');
    expect(message).not.toContain('s3cret');
    expect(JSON.stringify((err as HypernodeError).toJSON())).not.toContain('s3cret');
  });

  it('refuses a cluster name that cannot be part of a queue name with INVALID_OPTIONS', async () => {
    const err = await AmqpTransport.connect({ cluster: 'no spaces/here' }).catch((e: unknown) => e);
    expect(HypernodeError.is(err, 'INVALID_OPTIONS')).toBe(true);
    expect((err as Error).message).toContain("'no spaces/here'");
  });
});
