/**
 * Raw amqplib baselines for the cross-worker figures, with the same payload as hypernode's messages.
 * Needs RabbitMQ on 127.0.0.1:5672.
 */
import { fork } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { connect } from 'amqplib';
import { encode } from '../packages/core/src/runtime';

const URL_ = process.env.HYPERNODE_AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672';
/** The payload hypernode carries in the benchmarks, encoded the same way. */
export const payload = Buffer.from(encode({ type: 'M', n: 12345 }));

/** Publish and consume `n` messages through one queue in one process, without acks. */
export async function rawOneWay(n: number): Promise<number> {
  const queue = `bench.raw.${randomUUID().slice(0, 8)}`;
  const [pc, cc] = [await connect(URL_, { noDelay: true }), await connect(URL_, { noDelay: true })];
  const [pub, sub] = [await pc.createChannel(), await cc.createChannel()];
  await sub.assertQueue(queue, { durable: false, autoDelete: true });
  let got = 0;
  let done!: () => void;
  const finished = new Promise<void>((r) => (done = r));
  await sub.consume(queue, () => {
    if (++got === n) done();
  }, { noAck: true });
  const t0 = performance.now();
  for (let i = 0; i < n; i++) {
    if (!pub.sendToQueue(queue, payload)) await new Promise((r) => pub.once('drain', r));
  }
  await finished;
  const rate = n / ((performance.now() - t0) / 1000);
  await pc.close();
  await cc.close();
  return rate;
}

/** A raw amqplib echo in a forked OS process, and this process's side of round trips to it over two queues. */
export interface RawEcho {
  /** Makes `n` round trips one after another; returns each one's time in ms. */
  trips(n: number): Promise<number[]>;
  close(): Promise<void>;
}

export async function startRawEcho(): Promise<RawEcho> {
  const id = randomUUID().slice(0, 8);
  const [ping, pong] = [`bench.ping.${id}`, `bench.pong.${id}`];
  const echo = fork(fileURLToPath(import.meta.url), ['echo', ping, pong], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  await new Promise<void>((resolve, reject) => {
    echo.once('message', () => resolve());
    echo.once('exit', (code) => reject(new Error(`the raw amqplib echo exited with code ${code} before it was ready`)));
  });
  const conn = await connect(URL_, { noDelay: true });
  const ch = await conn.createChannel();
  await ch.assertQueue(pong, { durable: false, autoDelete: true });
  let onPong: () => void = () => {};
  await ch.consume(pong, () => onPong(), { noAck: true });
  return {
    trips: (n) =>
      new Promise((resolve) => {
        const times: number[] = [];
        let sentAt = 0;
        onPong = () => {
          times.push(performance.now() - sentAt);
          if (times.length === n) return resolve(times);
          sentAt = performance.now();
          ch.sendToQueue(ping, payload);
        };
        sentAt = performance.now();
        ch.sendToQueue(ping, payload);
      }),
    async close() {
      echo.kill('SIGTERM');
      await new Promise((r) => echo.once('exit', r));
      await conn.close();
    },
  };
}

if (process.argv[2] === 'echo') {
  const [, , , ping, pong] = process.argv;
  const conn = await connect(URL_, { noDelay: true });
  const ch = await conn.createChannel();
  await ch.assertQueue(ping!, { durable: false, autoDelete: true });
  await ch.assertQueue(pong!, { durable: false, autoDelete: true });
  await ch.consume(ping!, (msg) => {
    if (msg) ch.sendToQueue(pong!, msg.content);
  }, { noAck: true });
  process.send?.('ready');
  process.on('SIGTERM', () => void conn.close().finally(() => process.exit(0)));
}
