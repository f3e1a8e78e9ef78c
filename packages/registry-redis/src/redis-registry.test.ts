import { createServer, type Server, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { HypernodeError } from '@hypernode/core';
import { RedisRegistry } from './redis-registry';

const servers: { server: Server; sockets: Socket[] }[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) {
    for (const socket of s.sockets) socket.destroy();
    await new Promise((resolve) => s.server.close(resolve));
  }
});

/** A TCP server that accepts connections and never answers (what a non-Redis port looks like to ioredis). */
async function silentServer(): Promise<number> {
  const sockets: Socket[] = [];
  const server = createServer((s) => {
    sockets.push(s);
    s.resume();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  servers.push({ server, sockets });
  return (server.address() as { port: number }).port;
}

describe('RedisRegistry.connect, without a Redis', () => {
  it('rejects after connectTimeoutMs when the server accepts TCP but never answers, asking whether it is a Redis port, without the password', async () => {
    const port = await silentServer();
    const err = await RedisRegistry.connect({ url: `redis://:hunter2@127.0.0.1:${port}`, cluster: 'c', connectTimeoutMs: 300 }).catch((e: unknown) => e);
    expect(HypernodeError.is(err, 'REGISTRY_DOWN')).toBe(true);
    expect((err as Error).message).toBe(
      `Cannot connect to Redis at 'redis://:***@127.0.0.1:${port}' for cluster 'c': no Redis reply within 300 ms: is this a Redis port (6379 by default, not RabbitMQ's or another service's)? Fix the URL, or raise the connect timeout (--connect-timeout, HYPERNODE_CONNECT_TIMEOUT_MS).`,
    );
  });

  it.each([
    ['', 'The Redis URL is empty'],
    ['redis//oops', "The Redis URL 'redis//oops' cannot be parsed as a URL"],
    ['amqp://127.0.0.1:5672', "has the scheme 'amqp:'; Redis URLs start with redis:// or rediss://"],
    ['redis://:hunter2@127.0.0.1:6379/abc', "'redis://:***@127.0.0.1:6379/abc' selects the database 'abc', which is not a database index"],
    ['redis://127.0.0.1:6379/-1', "selects the database '-1', which is not a database index"],
  ])('refuses the url %j with INVALID_OPTIONS before connecting, never showing the password', async (url, problem) => {
    const err = await RedisRegistry.connect({ url, cluster: 'c' }).catch((e: unknown) => e);
    expect(HypernodeError.is(err, 'INVALID_OPTIONS')).toBe(true);
    expect((err as Error).message).toContain(problem);
    expect((err as Error).message).not.toContain('hunter2');
  });

  it("refuses a cluster name with '.' or ':', which would let keys of two clusters collide", async () => {
    for (const cluster of ['rel1.inbox', 'a:b']) {
      const err = await RedisRegistry.connect({ cluster, url: 'redis://127.0.0.1:1' }).catch((e: unknown) => e);
      expect(HypernodeError.is(err, 'INVALID_OPTIONS'), cluster).toBe(true);
      expect((err as Error).message).toContain(`The cluster name for the Redis registry '${cluster}' is not valid`);
    }
  });

  it.each([0, -1, Number.POSITIVE_INFINITY])('refuses connectTimeoutMs %s with INVALID_OPTIONS', async (connectTimeoutMs) => {
    const err = await RedisRegistry.connect({ cluster: 'c', connectTimeoutMs }).catch((e: unknown) => e);
    expect(HypernodeError.is(err, 'INVALID_OPTIONS')).toBe(true);
    expect((err as Error).message).toContain("The Redis registry's connectTimeoutMs must be a finite number above 0");
  });
});
