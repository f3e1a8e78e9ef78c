import { createServer, type Server, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { HypernodeError } from '@hypernode/core';
import { AmqpTransport } from './amqp-transport';

/** A TCP server that accepts connections and never says a word (what a non-AMQP port looks like to amqplib). */
async function silentServer(): Promise<{ url: string; server: Server; sockets: Socket[]; closed: () => boolean }> {
  const sockets: Socket[] = [];
  const ended = new Set<Socket>();
  const server = createServer((s) => {
    sockets.push(s);
    s.resume(); // reads (and ignores) what the client says, so its end is seen
    s.on('close', () => ended.add(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return { url: `amqp://ops:s3cret@127.0.0.1:${port}`, server, sockets, closed: () => sockets.length > 0 && sockets.every((s) => ended.has(s)) };
}

const servers: { server: Server; sockets: Socket[] }[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) {
    for (const socket of s.sockets) socket.destroy();
    await new Promise((resolve) => s.server.close(resolve));
  }
});

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

  it("refuses a cluster name with '.', which would let two clusters' queue names collide", async () => {
    const err = await AmqpTransport.connect({ cluster: 'rel1.inbox' }).catch((e: unknown) => e);
    expect(HypernodeError.is(err, 'INVALID_OPTIONS')).toBe(true);
    expect((err as Error).message).toMatch(/'rel1\.inbox' is not valid \('\.' and ':' separate .*e\.g\. 'rel1-inbox'/);
  });

  it('rejects after connectTimeoutMs, naming the url without its password and asking whether it is a RabbitMQ port, when the server never speaks AMQP', async () => {
    const silent = await silentServer();
    servers.push(silent);
    const err = await AmqpTransport.connect({ url: silent.url, cluster: 'c', connectTimeoutMs: 300 }).catch((e: unknown) => e);
    expect(HypernodeError.is(err, 'TRANSPORT_DOWN')).toBe(true);
    const message = (err as Error).message;
    expect(message).toContain(`RabbitMQ at '${silent.url.replace('s3cret', '***')}'`);
    expect(message).toContain('no AMQP handshake within 300 ms: is this a RabbitMQ port');
    expect(message).not.toContain('s3cret');
    // The connection it opened is not left behind.
    await expect.poll(silent.closed, { timeout: 10_000 }).toBe(true);
  });

  it.each([
    ['', 'is empty'],
    ['redis://127.0.0.1:6379', "has the scheme 'redis:'; RabbitMQ URLs start with amqp:// or amqps://"],
    ['amqp//guest:s3cret@host', 'cannot be parsed as a URL'],
    ['amqp://guest:s3cret@127.0.0.1:99999', 'cannot be parsed as a URL'],
  ])('refuses the url %j with INVALID_OPTIONS before connecting', async (url, problem) => {
    const err = await AmqpTransport.connect({ url, cluster: 'c' }).catch((e: unknown) => e);
    expect(HypernodeError.is(err, 'INVALID_OPTIONS')).toBe(true);
    expect((err as Error).message).toContain(problem);
    expect((err as Error).message).not.toContain('s3cret');
  });

  it.each([0, -1, Number.NaN])('refuses connectTimeoutMs %s with INVALID_OPTIONS', async (connectTimeoutMs) => {
    const err = await AmqpTransport.connect({ cluster: 'c', connectTimeoutMs }).catch((e: unknown) => e);
    expect(HypernodeError.is(err, 'INVALID_OPTIONS')).toBe(true);
    expect((err as Error).message).toMatch(/connectTimeoutMs .* is not valid/);
  });
});
