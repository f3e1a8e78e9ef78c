import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { createCluster, Process, silentLogger, type Context, type ExitReason } from 'hypernode';
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

/** Spawns an HttpServer with `state.serverState` and tells `state.report` how it ended. */
class ServerParent extends Process<{ serverState: unknown; report: string }, { type: string; payload: { err: ExitReason } }> {
  static override moduleName = 'ServerParent';
  override processWillRun(state: { serverState: unknown; report: string }, { spawn }: Context<{ serverState: unknown; report: string }>) {
    spawn('HttpServer', state.serverState as never);
    return state;
  }
  override processDidReceiveMessage(state: { serverState: unknown; report: string }, message: { type: string; payload: { err: ExitReason } }, _from: string, { send }: Context<{ serverState: unknown; report: string }>) {
    if (message.type === 'CHILD_PROCESS_EXIT') send(state.report, { err: message.payload.err });
    return state;
  }
}

describe('the HTTP server example', () => {
  it('refuses a port that is not a whole number from 0 to 65535 with a clear reason, and creates no socket file', async () => {
    const cluster = await createCluster({ workers: 1, logger: silentLogger });
    try {
      await cluster.load(server);
      await cluster.load(ServerParent);
      for (const port of ['abc', 70000, 1.5, -1]) {
        const inbox = cluster.inbox();
        await cluster.spawn('ServerParent', { serverState: { port }, report: inbox.name });
        const { message } = await inbox.receive(10_000);
        expect((message as { err: { name: string; message: string } }).err).toMatchObject({
          name: 'TypeError',
          message: `HttpServer's state.port must be a whole number from 0 to 65535 (0 picks a free port); got ${JSON.stringify(port)}. Spawn it with e.g. {"port":3000}.`,
        });
        inbox.close();
      }
      expect(existsSync('abc')).toBe(false);
    } finally {
      await cluster.stop();
    }
  });

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
