/**
 * Frames per second one way through one inbox, 100-byte frames: AmqpTransport vs raw amqplib
 * (sendToQueue on one channel, consume with the same prefetch and one ack per message), in the same run.
 *
 * Needs RabbitMQ on 127.0.0.1:5672 (`rabbitmq-server -detached`). Run from packages/transport-amqp:
 *   pnpm exec tsx bench/throughput.ts [frames=30000]
 */
import { randomUUID } from 'node:crypto';
import { connect } from 'amqplib';
import { AmqpTransport } from '../src/index';

const url = process.env.HYPERNODE_AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672';
const N = Number(process.argv[2] ?? 30_000);
const frame = Buffer.alloc(100, 7);
const quiet = { info: () => {}, warn: (m: string) => console.warn(m) };

async function raw(prefetch: number): Promise<number> {
  const queue = `bench.raw.${randomUUID().slice(0, 8)}`;
  const [pc, cc] = [await connect(url), await connect(url)];
  const [pub, sub] = [await pc.createChannel(), await cc.createChannel()];
  await sub.assertQueue(queue, { durable: false, arguments: { 'x-expires': 60_000 } });
  await sub.prefetch(prefetch);
  let got = 0;
  let done!: () => void;
  const finished = new Promise<void>((r) => (done = r));
  await sub.consume(queue, (msg) => {
    if (!msg) return;
    sub.ack(msg);
    if (++got === N) done();
  });
  const t0 = performance.now();
  for (let i = 0; i < N; i++) {
    if (!pub.sendToQueue(queue, frame, { mandatory: true })) await new Promise((r) => pub.once('drain', r));
  }
  await finished;
  const rate = N / ((performance.now() - t0) / 1000);
  await sub.deleteQueue(queue);
  await pc.close();
  await cc.close();
  return rate;
}

async function transport(prefetch: number): Promise<number> {
  const cluster = `bench-${randomUUID().slice(0, 8)}`;
  const [a, b] = [await AmqpTransport.connect({ url, cluster, logger: quiet }), await AmqpTransport.connect({ url, cluster, logger: quiet })];
  let got = 0;
  let done!: () => void;
  const finished = new Promise<void>((r) => (done = r));
  await b.listen('w', () => {
    if (++got === N) done();
  }, { prefetch });
  const t0 = performance.now();
  for (let i = 0; i < N; i++) a.send('w', frame);
  await finished;
  const rate = N / ((performance.now() - t0) / 1000);
  await a.close();
  await b.close();
  await b.deleteClusterTopology();
  return rate;
}

const fmt = (n: number) => `${Math.round(n).toLocaleString('en-US')} frames/s`;
console.log(`${N.toLocaleString('en-US')} frames of ${frame.length} bytes, one way, one inbox`);
const ROUNDS = 3;
console.log(`best of ${ROUNDS} alternating rounds`);
for (const prefetch of [1, 10, 100, 1000]) {
  let [r, t] = [0, 0];
  for (let round = 0; round < ROUNDS; round++) {
    r = Math.max(r, await raw(prefetch));
    t = Math.max(t, await transport(prefetch));
  }
  console.log(`prefetch ${String(prefetch).padStart(4)}: raw amqplib ${fmt(r).padStart(18)}   AmqpTransport ${fmt(t).padStart(18)}   (${((t / r) * 100).toFixed(0)}%)`);
}
