import { randomUUID } from 'node:crypto';
import { HypernodeError } from '@hypernode/core';
import { afterEach, describe, expect, it } from 'vitest';
import { AmqpTransport } from './amqp-transport';

const url = process.env.HYPERNODE_AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672';
const LIMIT = 4096;

const opened: AmqpTransport[] = [];
afterEach(async () => {
  const all = opened.splice(0);
  await Promise.all(all.map((t) => t.close()));
  for (const t of all) await t.deleteClusterTopology();
});

async function connect(cluster: string, lines: string[]) {
  const logger = { info: (m: string) => void lines.push(`info ${m}`), warn: (m: string) => void lines.push(`warn ${m}`) };
  const t = await AmqpTransport.connect({ url, cluster, logger, maxFrameBytes: LIMIT });
  opened.push(t);
  return t;
}

describe('AmqpTransport with maxFrameBytes (RabbitMQ; nothing over the limit reaches the broker)', () => {
  it('never publishes a frame over the limit: it is dropped and counted with a warning, and the frames around it arrive on the same channel', async () => {
    const cluster = `t-${randomUUID().slice(0, 8)}`;
    const lines: string[] = [];
    const t = await connect(cluster, lines);
    const got: string[] = [];
    let arrived: () => void = () => {};
    const all = new Promise<void>((resolve) => (arrived = resolve));
    await t.listen('w2', (frame) => {
      got.push(Buffer.from(frame).toString());
      if (got.length === 3) arrived();
    });
    t.send('w2', Buffer.from('before'));
    t.send('w2', Buffer.alloc(LIMIT + 1, 'x'));
    t.publish(Buffer.alloc(LIMIT + 1, 'y'));
    t.send('w2', Buffer.from('after'));
    t.send('w2', Buffer.alloc(LIMIT, 'z'));
    await all;
    expect(got.slice(0, 2)).toEqual(['before', 'after']);
    expect(got[2]).toHaveLength(LIMIT);
    expect(t.stats().dropped).toBe(2);
    const warnings = lines.filter((l) => l.startsWith('warn'));
    expect(warnings[0]).toContain(`dropped a frame of 4.0 KiB (4097 bytes) for 'w2': over the limit of 4.0 KiB (4096 bytes) (maxFrameBytes`);
    expect(warnings).toHaveLength(2);
  });

  it('rejects a request whose body is over the limit with MESSAGE_TOO_LARGE, and answers an oversized reply with an error instead', async () => {
    const cluster = `t-${randomUUID().slice(0, 8)}`;
    const t = await connect(cluster, []);
    await t.serve('echo', async (body) => (Buffer.from(body).toString() === 'big' ? Buffer.alloc(LIMIT + 1) : body));
    const err = await t.request('echo', Buffer.alloc(LIMIT + 1), 5000).catch((e: unknown) => e);
    expect(HypernodeError.is(err, 'MESSAGE_TOO_LARGE')).toBe(true);
    expect((err as Error).message).toContain("The request to 'echo' is 4.0 KiB (4097 bytes), over the limit of 4.0 KiB (4096 bytes)");
    await expect(t.request('echo', Buffer.from('big'), 5000)).rejects.toThrow(/The reply of 'echo' is 4\.0 KiB \(4097 bytes\), over the limit/);
    expect(Buffer.from(await t.request('echo', Buffer.from('small'), 5000)).toString()).toBe('small');
  });
});
