/**
 * Cross-worker figures over the real RabbitMQ: two WorkerRuntimes in two OS processes (this one, worker `a`,
 * and a forked peer, worker `b`), each with its own AmqpTransport, and the same payload through raw amqplib
 * in the same run. Needs RabbitMQ on 127.0.0.1:5672.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { AmqpTransport } from '../packages/transport-amqp/src/index';
import { silentLogger } from '../packages/core/src/index';
import { authenticateTransport, ClassCatalog, MemoryRegistry, ModuleTable, WorkerRuntime, type Transport } from '../packages/core/src/runtime';
import { benchModules } from './cross-worker-modules';
import { startRawEcho, type RawEcho } from './amqp-baseline';

export const AMQP_URL = process.env.HYPERNODE_AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672';
const quiet = { info: () => {}, warn: () => {} };

const RTT_BLOCK = 250;

/**
 * A worker runtime over its own AmqpTransport; with `secret`, over that transport signed with it (what a daemon given
 * a cluster secret runs: core's `authenticateTransport`). Returns the AmqpTransport itself for the cleanup.
 */
export async function startRuntime(id: string, cluster: string, place: () => string, secret?: string): Promise<{ runtime: WorkerRuntime; transport: AmqpTransport }> {
  const amqp = await AmqpTransport.connect({ url: AMQP_URL, cluster, logger: quiet });
  const transport: Transport = secret ? authenticateTransport(amqp, { secret, cluster, logger: silentLogger }) : amqp;
  const catalog = new ClassCatalog();
  for (const cls of benchModules) catalog.add(cls.moduleName!, cls);
  const runtime = new WorkerRuntime({
    id,
    cluster,
    transport,
    registry: new MemoryRegistry(),
    modules: new ModuleTable(catalog, undefined, undefined),
    logger: silentLogger,
    place,
    // HYPERNODE_BENCH_DELIVERY=off measures the same without acknowledged delivery (design 028), for comparison.
    ...(process.env.HYPERNODE_BENCH_DELIVERY === 'off' ? { delivery: false as const } : {}),
  });
  await runtime.start();
  return { runtime, transport: amqp };
}

export interface CrossWorkerFigures {
  oneWay: number;
  /** Each measured round trip's time (ms): hypernode's, and raw amqplib's in blocks taking turns with them. */
  rtt: { ours: number[]; raw: number[] };
  remoteSpawns: number;
}

/** The median of `times` (ms), in µs. */
export const p50Us = (times: number[]): number => [...times].sort((x, y) => x - y)[Math.floor(times.length / 2)]! * 1000;

/**
 * Runs the three cross-worker measurements once. Round trips go in blocks of `RTT_BLOCK` that take turns
 * between hypernode and raw amqplib, so both see the same moments of this shared machine (single runs of
 * either swing by ±30%). First `warmUpTrips` round trips of each, in the same blocks, warm up V8 and are left
 * out: a worker that has handled a few thousand messages has not yet compiled its whole path with V8's
 * optimizing compiler (called once per hop, its functions reach it late), and runs the hop ~15–20% slower
 * than a long-running worker does. The `roundTrips` after that are returned, for a p50 over all rounds.
 */
export async function crossWorker(messages: number, roundTrips: number, spawns: number, warmUpTrips = roundTrips * 2, secret?: string): Promise<CrossWorkerFigures> {
  const cluster = `bench-${randomUUID().slice(0, 8)}`;
  // The secret goes to the peer through the environment, as a node daemon hands it to its workers (never argv).
  const peer: ChildProcess = fork(fileURLToPath(new URL('./cross-worker-peer.ts', import.meta.url)), [cluster], {
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    env: { ...process.env, HYPERNODE_SECRET: secret ?? '' },
  });
  await new Promise<void>((resolve, reject) => {
    peer.once('message', () => resolve());
    peer.once('exit', (code) => reject(new Error(`bench peer exited with code ${code}`)));
  });
  const { runtime: a, transport } = await startRuntime('a', cluster, () => 'b', secret);
  const results: string[] = [];
  let wake: () => void = () => {};
  const inbox = a.openInbox((_from, message) => {
    results.push(message as string);
    wake();
  });
  const next = () => new Promise<unknown>((resolve) => {
    if (results.length) return resolve(results.shift());
    wake = () => resolve(results.shift());
  });
  let raw: RawEcho | undefined;
  try {
    raw = await startRawEcho();
    const root = a.spawnRoot('BenchRoot', {});
    // round trips: a Pinger on a, a Ponger on b; the Pinger records each round trip's time
    const ponger = a.spawnAsChild(root, 'BenchPonger', {});
    await new Promise((r) => setTimeout(r, 200));
    const warmUp = Math.ceil(warmUpTrips / RTT_BLOCK);
    const blocks = warmUp + Math.max(4, Math.ceil(roundTrips / RTT_BLOCK));
    const ours: number[] = [];
    const base: number[] = [];
    for (let i = 0; i < blocks; i++) {
      const pinger = a.spawnRoot('BenchTimedPinger', { peer: ponger, left: RTT_BLOCK, notify: inbox, times: [], sentAt: 0 });
      a.sendFrom(inbox, pinger, { type: 'GO', n: 0 }, null);
      a.flushNow();
      const times = (await next()) as unknown as number[];
      const rawTimes = await raw.trips(RTT_BLOCK);
      if (i >= warmUp) {
        ours.push(...times);
        base.push(...rawTimes);
      }
    }
    // one way: a Blaster on a, a Sink on b
    const sink = a.spawnAsChild(root, 'BenchSink', { left: messages, notify: inbox });
    const blaster = a.spawnRoot('BenchBlaster', { to: sink, count: messages, burst: 1000, sent: 0 });
    await new Promise((r) => setTimeout(r, 200));
    let t = performance.now();
    a.sendFrom(inbox, blaster, { type: 'GO', n: 0 }, null);
    a.flushNow();
    await next();
    const oneWay = messages / ((performance.now() - t) / 1000);
    // remote spawns: a process on a spawns `spawns` children on b, then a probe on b reports
    t = performance.now();
    a.spawnRoot('BenchSpawner', { count: spawns, notify: inbox });
    await next();
    const remoteSpawns = spawns / ((performance.now() - t) / 1000);
    return { oneWay, rtt: { ours, raw: base }, remoteSpawns };
  } finally {
    await raw?.close();
    peer.kill('SIGTERM');
    await new Promise((r) => peer.once('exit', r));
    await a.close();
    await transport.close();
    await transport.deleteClusterTopology();
  }
}
