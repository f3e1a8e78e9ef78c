import { createServer, type Server, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { HypernodeError, type Logger } from '@hypernode/core';
import { connectAdapters } from './adapters';
import { connectCluster } from './connect-cluster';

const open: { server: Server; sockets: Socket[] }[] = [];
afterEach(async () => {
  for (const s of open.splice(0)) {
    for (const socket of s.sockets) socket.destroy();
    await new Promise((resolve) => s.server.close(resolve));
  }
});

/** A TCP server that accepts and never says a word. */
async function silentPort(): Promise<number> {
  const sockets: Socket[] = [];
  const server = createServer((s) => void sockets.push(s.resume()));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  open.push({ server, sockets });
  return (server.address() as { port: number }).port;
}

function recordingLogger(lines: string[]): Logger {
  return { debug() {}, info: (m) => void lines.push(m), warn: (m) => void lines.push(m), error: (m) => void lines.push(m) };
}

describe('connecting a daemon or a client', () => {
  it('gives up after connectTimeoutMs on a port that never speaks AMQP, and its start log named the cluster and where the name came from', async () => {
    const port = await silentPort();
    const lines: string[] = [];
    const url = `amqp://ops:s3cret@127.0.0.1:${port}`;
    const err = await connectAdapters({ cluster: 'default', clusterFrom: 'default', amqpUrl: url, redisUrl: 'redis://127.0.0.1:1', connectTimeoutMs: 300, secret: null }, recordingLogger(lines)).catch((e: unknown) => e);
    expect(HypernodeError.is(err, 'TRANSPORT_DOWN')).toBe(true);
    expect((err as Error).message).toContain('no AMQP handshake within 300 ms: is this a RabbitMQ port');
    expect(lines).toEqual([
      `connecting to cluster 'default' (the default: no --cluster or HYPERNODE_CLUSTER given; others on this broker may use it too) over RabbitMQ at 'amqp://ops:***@127.0.0.1:${port}' and Redis at 'redis://127.0.0.1:1'`,
    ]);
  });

  it('connectCluster bounds the connect too, with its connectTimeoutMs option', async () => {
    const port = await silentPort();
    const err = await connectCluster({ cluster: 'c1', amqp: `amqp://127.0.0.1:${port}`, connectTimeoutMs: 300 }).catch((e: unknown) => e);
    expect(HypernodeError.is(err, 'TRANSPORT_DOWN')).toBe(true);
    expect((err as Error).message).toContain('no AMQP handshake within 300 ms');
  });

  it('connectCluster refuses an empty or invalid option or environment variable before connecting, naming it', async () => {
    await expect(connectCluster({ amqp: '' })).rejects.toMatchObject({ code: 'INVALID_OPTIONS', message: expect.stringContaining("connectCluster's option amqp is empty") });
    await expect(connectCluster({ cluster: 'rel1.inbox' })).rejects.toMatchObject({ code: 'INVALID_OPTIONS', message: expect.stringContaining("connectCluster's option cluster 'rel1.inbox' is not valid") });
    await expect(connectCluster({ redis: 'redis://127.0.0.1:6379/x' })).rejects.toMatchObject({ message: expect.stringContaining("selects the database 'x'") });
    const saved = process.env.HYPERNODE_AMQP_URL;
    process.env.HYPERNODE_AMQP_URL = '';
    try {
      await expect(connectCluster({ cluster: 'c1' })).rejects.toMatchObject({ code: 'INVALID_OPTIONS', message: expect.stringContaining('HYPERNODE_AMQP_URL is set but empty') });
    } finally {
      if (saved === undefined) delete process.env.HYPERNODE_AMQP_URL;
      else process.env.HYPERNODE_AMQP_URL = saved;
    }
  });
});
