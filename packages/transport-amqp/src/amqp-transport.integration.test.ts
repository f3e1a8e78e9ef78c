import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { promisify } from 'node:util';
import { transportContract } from '@hypernode/core/testing';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { AmqpTransport } from './amqp-transport';

const url = process.env.HYPERNODE_AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672';
const run = promisify(execFile);

function recordingLogger() {
  const lines: string[] = [];
  return { lines, info: (m: string) => void lines.push(`info ${m}`), warn: (m: string) => void lines.push(`warn ${m}`) };
}

/** Opens transports of fresh clusters and, after each test, closes them and deletes what they declared. */
function harness() {
  const opened: AmqpTransport[] = [];
  return {
    async connect(cluster: string, logger = recordingLogger(), directPublish = true) {
      const t = await AmqpTransport.connect({ url, cluster, logger, directPublish });
      opened.push(t);
      return t;
    },
    async cleanup() {
      const all = opened.splice(0);
      await Promise.all(all.map((t) => t.close()));
      for (const t of all) await t.deleteClusterTopology();
    },
  };
}

transportContract('AmqpTransport (RabbitMQ)', async () => {
  const cluster = `t-${randomUUID().slice(0, 8)}`;
  const h = harness();
  return { connect: () => h.connect(cluster), cleanup: () => h.cleanup() };
});

transportContract('AmqpTransport (RabbitMQ), every frame through amqplib (directPublish: false)', async () => {
  const cluster = `t-${randomUUID().slice(0, 8)}`;
  const h = harness();
  return { connect: () => h.connect(cluster, recordingLogger(), false), cleanup: () => h.cleanup() };
});

/** Closes, from the broker's side, every connection the transports of `cluster` opened. */
async function forceCloseConnections(cluster: string): Promise<number> {
  const { stdout } = await run('rabbitmqctl', ['list_connections', 'pid', 'client_properties', '-q']);
  const pids = stdout
    .split('\n')
    .filter((line) => line.includes(`"hypernode.${cluster}.`))
    .map((line) => line.split('\t')[0]!);
  for (const pid of pids) await run('rabbitmqctl', ['close_connection', pid, 'test']);
  return pids.length;
}

function collector() {
  const frames: string[] = [];
  const waiters: { n: number; resolve: () => void }[] = [];
  return {
    frames,
    push(frame: Uint8Array): void {
      frames.push(Buffer.from(frame).toString());
      for (const w of waiters.filter((w) => frames.length >= w.n)) w.resolve();
    },
    until(n: number): Promise<void> {
      return frames.length >= n ? Promise.resolve() : new Promise((resolve) => waiters.push({ n, resolve }));
    },
  };
}

const once = (t: AmqpTransport, event: 'down' | 'up') => new Promise<Error | undefined>((resolve) => t.on(event, resolve));
const bytes = (s: string) => Buffer.from(s);

describe('AmqpTransport against RabbitMQ', () => {
  const h = harness();
  afterEach(() => h.cleanup());

  it('reconnects on its own after the broker drops the connection, re-establishes its consumers and flushes buffered sends in order', async () => {
    const cluster = `t-${randomUUID().slice(0, 8)}`;
    const logA = recordingLogger();
    const [a, b] = [await h.connect(cluster, logA), await h.connect(cluster)];
    const inbox = collector();
    const events = collector();
    await b.listen('w1', (f) => inbox.push(f));
    await b.subscribe((f) => events.push(f));
    await b.serve('admin', async (body) => bytes(`ok ${Buffer.from(body)}`));
    a.send('w1', bytes('before'));
    await inbox.until(1);

    const downs = [once(a, 'down'), once(b, 'down')];
    const ups = [once(a, 'up'), once(b, 'up')];
    expect(await forceCloseConnections(cluster)).toBe(2);
    const [causeA] = await Promise.all(downs);
    expect(causeA).toMatchObject({ code: 'TRANSPORT_DOWN' });
    for (let i = 0; i < 100; i++) a.send('w1', bytes(`while-down ${i}`));
    await Promise.all(ups);

    a.send('w1', bytes('after'));
    await inbox.until(102);
    expect(inbox.frames).toEqual(['before', ...Array.from({ length: 100 }, (_, i) => `while-down ${i}`), 'after']);
    a.publish(bytes('event'));
    await events.until(1);
    expect(Buffer.from(await a.request('admin', bytes('ping'), 5000)).toString()).toBe('ok ping');
    expect(logA.lines).toContain('info reconnected to RabbitMQ at 127.0.0.1:5672');
    expect(logA.lines.join('\n')).not.toContain('guest:guest');
  });

  it('hands a frame over at most once when the connection drops while its handler runs', async () => {
    const cluster = `t-${randomUUID().slice(0, 8)}`;
    const logB = recordingLogger();
    const [a, b] = [await h.connect(cluster), await h.connect(cluster, logB)];
    const inbox = collector();
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    await b.listen('w1', (f) => {
      inbox.push(f);
      if (inbox.frames.length === 1) return gate;
    });
    a.send('w1', bytes('first'));
    a.send('w1', bytes('second'));
    await inbox.until(1);
    const ups = [once(a, 'up'), once(b, 'up')];
    await forceCloseConnections(cluster);
    await Promise.all(ups);
    release();
    await inbox.until(2);
    expect(inbox.frames).toEqual(['first', 'second']);
    expect(b.stats().dropped).toBe(1);
    expect(logB.lines.join('\n')).toContain('redelivered');
  });

  it('consumes a listener with its own acks (ownAcks) without the broker\'s: a pending handler holds nothing back', async () => {
    const cluster = `t-${randomUUID().slice(0, 8)}`;
    const [a, b] = [await h.connect(cluster), await h.connect(cluster)];
    const acked = collector();
    const own = collector();
    const pending = new Promise<void>(() => {});
    // prefetch 1 and a handler that never settles: with broker acks, the second frame waits for the first's ack.
    await b.listen('acked', (f) => {
      acked.push(f);
      return pending;
    }, { prefetch: 1 });
    await b.listen('own', (f) => {
      own.push(f);
      return pending;
    }, { prefetch: 1, ownAcks: true });
    for (const n of [1, 2, 3, 4, 5]) {
      a.send('acked', bytes(String(n)));
      a.send('own', bytes(String(n)));
    }
    await own.until(5);
    expect(own.frames).toEqual(['1', '2', '3', '4', '5']);
    expect(acked.frames).toEqual(['1']);
  });

  it('writes small frames past amqplib, and keeps their order with frames too big for that that go through amqplib', async () => {
    const cluster = `t-${randomUUID().slice(0, 8)}`;
    const [a, b] = [await h.connect(cluster), await h.connect(cluster)];
    const inbox = collector();
    await b.listen('w1', (f) => inbox.push(f));
    const publish = vi.spyOn(Object.getPrototypeOf((a as unknown as { pub: object }).pub) as { publish: () => boolean }, 'publish');
    try {
      for (let i = 0; i < 50; i++) a.send('w1', bytes(`small ${i}`));
      expect(publish).not.toHaveBeenCalled();
      // A frame larger than the broker's frame size (128 KiB) takes amqplib's path; small frames after it
      // wait behind it in amqplib's channel buffer until it is written.
      const big = (tag: string) => bytes(tag.padEnd(200_000, '.'));
      const sent: string[] = [];
      for (let i = 0; i < 50; i++) sent.push(`small ${i}`);
      for (let round = 0; round < 3; round++) {
        a.send('w1', big(`big ${round}`));
        sent.push(`big ${round}`.padEnd(200_000, '.'));
        for (let i = 0; i < 20; i++) {
          a.send('w1', bytes(`after big ${round}: ${i}`));
          sent.push(`after big ${round}: ${i}`);
        }
        await new Promise((r) => setImmediate(r));
      }
      expect(publish).toHaveBeenCalled();
      await inbox.until(sent.length);
      expect(inbox.frames).toEqual(sent);
      expect(a.stats().framesSent).toBe(sent.length);
    } finally {
      publish.mockRestore();
    }
  });

  it('counts a frame for an inbox nobody listens on as dropped, on the direct path too', async () => {
    const cluster = `t-${randomUUID().slice(0, 8)}`;
    const a = await h.connect(cluster);
    const before = a.stats().dropped;
    a.send('nobody', bytes('lost'));
    await vi.waitFor(() => expect(a.stats().dropped).toBe(before + 1), { timeout: 5000 });
  });

  it('rejects with TRANSPORT_DOWN when the broker refuses the login, without the password', async () => {
    const wrong = url.replace(/\/\/([^:@/]+):[^@/]*@/, '//$1:not-the-password@');
    const err = await AmqpTransport.connect({ url: wrong, cluster: 'refused' }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'TRANSPORT_DOWN' });
    expect((err as Error).message).toContain('refused the login');
    expect((err as Error).message).not.toContain('not-the-password');
  });

  it('keeps two clusters on one broker apart', async () => {
    const [x, y] = [`t-${randomUUID().slice(0, 8)}`, `t-${randomUUID().slice(0, 8)}`];
    const [tx, ty] = [await h.connect(x), await h.connect(y)];
    const inX = collector();
    const inY = collector();
    const evX = collector();
    const evY = collector();
    await tx.listen('same', (f) => inX.push(f));
    await ty.listen('same', (f) => inY.push(f));
    await tx.subscribe((f) => evX.push(f));
    await ty.subscribe((f) => evY.push(f));
    await tx.serve('svc', async () => bytes('from x'));

    tx.send('same', bytes('x-frame'));
    tx.publish(bytes('x-event'));
    await inX.until(1);
    await evX.until(1);
    ty.send('same', bytes('y-frame'));
    ty.publish(bytes('y-event'));
    await inY.until(1);
    await evY.until(1);

    expect(inX.frames).toEqual(['x-frame']);
    expect(inY.frames).toEqual(['y-frame']);
    expect(evX.frames).toEqual(['x-event']);
    expect(evY.frames).toEqual(['y-event']);
    await expect(ty.request('svc', bytes('?'), 2000)).rejects.toMatchObject({ code: 'REQUEST_TIMEOUT' });
  });
});
