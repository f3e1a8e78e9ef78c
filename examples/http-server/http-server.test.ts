import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { createCluster, silentLogger } from 'hypernode';
import { expectHelloAnswers, portIsClosed } from './test-support';

const server = fileURLToPath(new URL('./http-server.ts', import.meta.url));
const handler = fileURLToPath(new URL('./http-server-request-handler.ts', import.meta.url));


async function startServer() {
  const cluster = await createCluster({ workers: 3, logger: silentLogger });
  const loaded = await cluster.load(server);
  loaded.push(...(await cluster.load(handler)));
  const inbox = cluster.inbox();
  const name = await cluster.spawn('HttpServer', { port: 0, notify: inbox.name, quiet: true });
  const { message } = await inbox.receiveMatching((r) => (r.message as { type?: string }).type === 'LISTENING');
  const { port } = message as { type: 'LISTENING'; port: number };
  return { cluster, loaded, name, port };
}

describe('the HTTP server example', () => {
  it('loads both modules under the names their comments give', async () => {
    const { cluster, loaded } = await startServer();
    try {
      expect(loaded.map((m) => m.name)).toEqual(['HttpServer', 'HttpServerRequestHandler']);
    } finally {
      await cluster.stop();
    }
  });

  it('answers 20 concurrent requests, each from its own handler process, with the caller address and path', async () => {
    const { cluster, port } = await startServer();
    try {
      await expectHelloAnswers(port);
      const stats = await cluster.stats();
      expect(stats.reduce((n, s) => n + s.spawned, 0)).toBeGreaterThanOrEqual(1 + 1 + 20);
    } finally {
      await cluster.stop();
    }
  });

  it('answers 500 naming the error when the request handler crashes, and keeps serving', async () => {
    const { cluster, port } = await startServer();
    try {
      const crashed = await fetch(`http://127.0.0.1:${port}/crash`);
      expect(crashed.status).toBe(500);
      expect(await crashed.text()).toBe('request handler failed: Error: crash requested by GET /crash\n');
      const after = await fetch(`http://127.0.0.1:${port}/after`);
      expect(after.status).toBe(200);
      expect(await after.text()).toBe('hello 127.0.0.1, you asked for /after\n');
    } finally {
      await cluster.stop();
    }
  });

  it('closes its port when the cluster stops (processWillExit ran)', async () => {
    const { cluster, port } = await startServer();
    const ok = await fetch(`http://127.0.0.1:${port}/before-stop`);
    expect(await ok.text()).toBe('hello 127.0.0.1, you asked for /before-stop\n');
    await cluster.stop();
    expect(await portIsClosed(port)).toBe(true);
  });
});
