import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { createCluster, silentLogger } from 'hypernode';

const ping = fileURLToPath(new URL('./ping.ts', import.meta.url));
const pong = fileURLToPath(new URL('./pong.ts', import.meta.url));

describe('the ping-pong example', () => {
  it('bounces the requested number of messages and reports the count to its notify name', async () => {
    const cluster = await createCluster({ workers: 3, logger: silentLogger });
    try {
      await cluster.load(ping);
      await cluster.load(pong);
      const inbox = cluster.inbox();
      await cluster.spawn('Ping', { count: 500, notify: inbox.name, quiet: true });
      const { message } = await inbox.receive();
      expect(message).toEqual({ type: 'PING_PONG_DONE', count: 500 });
    } finally {
      await cluster.stop();
    }
  });

  it('ends normally once done: the ping is gone and nothing crashed', async () => {
    const cluster = await createCluster({ workers: 3, logger: silentLogger });
    try {
      await cluster.load(ping);
      await cluster.load(pong);
      const inbox = cluster.inbox();
      const name = await cluster.spawn('Ping', { count: 10, notify: inbox.name, quiet: true });
      await inbox.receive();
      // Ping calls exit() in the handler that reports, so it has ended by now: a call to it is refused.
      await expect(cluster.call(name, 'ping?', 1000)).rejects.toMatchObject({ code: 'NO_PROCESS' });
      const stats = await cluster.stats();
      expect(stats.reduce((n, s) => n + s.crashed, 0)).toBe(0);
    } finally {
      await cluster.stop();
    }
  });
});
