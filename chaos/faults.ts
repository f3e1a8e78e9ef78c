/**
 * The chaos suite's faults: each takes the running cluster and one scheduled {@link Fault}, injects it, brings back
 * whatever it stopped, and says which workers it took down (their processes end) and what it did.
 */
import { createRequire } from 'node:module';
import { encodeTrusted } from '../packages/core/src/codec';
import type { OwnRabbit, OwnRedis } from '../packages/daemon/src/own-servers';
import { daemonEnv, DaemonProcess, type TestCluster, type TestClusterOptions } from '../packages/daemon/src/test-support';

import { UP_MS } from './cluster';
import type { Fault } from './schedule';
import type { Peer, Workload } from './workload';

/** What the suite runs against. */
export interface ChaosEnv {
  t: TestCluster;
  rabbit: OwnRabbit;
  redis: OwnRedis;
  servers: TestClusterOptions;
  workersPerNode: number;
}

/** What a fault did. */
export interface FaultEffect {
  /** Workers it killed or stopped (every process on them ended). */
  lostWorkers: string[];
  /** One line for the log. */
  note: string;
  /** A failure of the fault itself (e.g. a move refused), as a sentence. */
  error?: string;
  /** Peers moved (relocate). */
  moved?: Peer[];
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** The little of amqplib the suite uses to publish frames of its own (resolved through transport-amqp, which depends on it). */
interface RawAmqp {
  connect(url: string): Promise<{ createChannel(): Promise<{ sendToQueue(queue: string, content: Buffer): boolean; close(): Promise<void> }>; close(): Promise<void> }>;
}
const amqplib = createRequire(new URL('../packages/transport-amqp/package.json', import.meta.url))('amqplib') as RawAmqp;

async function sortedWorkers(env: ChaosEnv): Promise<{ id: string; node: string | null; pid: number | null }[]> {
  const s = await env.t.client.status();
  return s.workers.map((w) => ({ id: w.id, node: w.node, pid: w.pid })).sort((a, b) => a.id.localeCompare(b.id));
}

/** Garbage and foreign frames: what the suite publishes into each worker's inbox queue. */
function badFrames(cluster: string): Buffer[] {
  const random = Buffer.alloc(64);
  for (let i = 0; i < random.length; i++) random[i] = (i * 97 + 13) & 0xff;
  return [
    Buffer.from('not a frame at all'),
    random,
    Buffer.alloc(0),
    Buffer.from(encodeTrusted(['hn1', 'w-old'])), // an older layout
    Buffer.from(encodeTrusted([['hn2', `foreign-${cluster}`], [99, 'x'], 'junk'])), // unknown envelope kinds
    Buffer.from(encodeTrusted([['hn2', 'nobody'], [0, 'nobody:1', 'nobody:2', { type: 'SEQ', from: 'foreign', n: 1 }]])), // to a process that never existed
    Buffer.from(encodeTrusted({ hn2: true })), // msgpack, but not an array
  ];
}

/** Injects `fault` and brings the cluster's servers and daemons back; resolves with what it did. */
export async function inject(env: ChaosEnv, fault: Fault, workload: Workload): Promise<FaultEffect> {
  const { t, rabbit, redis } = env;
  switch (fault.kind) {
    case 'worker-kill': {
      const workers = await sortedWorkers(env);
      const victim = workers[fault.pick % workers.length]!;
      process.kill(victim.pid!, 'SIGKILL');
      return { lostWorkers: [victim.id], note: `SIGKILL worker '${victim.id}' (pid ${victim.pid})` };
    }
    case 'node-kill': {
      const ids = [...t.nodes.keys()].sort();
      const id = ids[fault.pick % ids.length]!;
      const lost = (await sortedWorkers(env)).filter((w) => w.node === id).map((w) => w.id);
      const node = t.nodes.get(id)!;
      node.kill('SIGKILL');
      await node.exited;
      await sleep(fault.outageMs);
      const restarted = new DaemonProcess('node', ['--id', id, '--workers', String(env.workersPerNode), '--affinity-slack', '0', ...(env.servers.nodeArgs ?? [])], daemonEnv(t.cluster, env.servers));
      t.nodes.set(id, restarted); // at once, so the suite stops it whatever happens next
      await restarted.waitFor(/node daemon .* is up with/, UP_MS);
      return { lostWorkers: lost, note: `SIGKILL node daemon '${id}' (workers ${lost.join(', ')}), restarted after ${fault.outageMs} ms` };
    }
    case 'cluster-daemon-kill': {
      t.clusterDaemon.kill('SIGKILL');
      await t.clusterDaemon.exited;
      await sleep(fault.outageMs);
      t.clusterDaemon = new DaemonProcess('cluster', env.servers.clusterArgs ?? [], daemonEnv(t.cluster, env.servers));
      await t.clusterDaemon.waitFor(/cluster daemon of cluster .* is up/, UP_MS);
      return { lostWorkers: [], note: `SIGKILL cluster daemon, restarted after ${fault.outageMs} ms` };
    }
    case 'rabbit-stop-app':
      await rabbit.stopApp();
      await sleep(fault.outageMs);
      await rabbit.startApp();
      return { lostWorkers: [], note: `rabbitmqctl stop_app, start_app after ${fault.outageMs} ms` };
    case 'rabbit-full-restart': {
      const started = Date.now();
      await rabbit.fullRestart();
      return { lostWorkers: [], note: `RabbitMQ node stopped and started again (${Date.now() - started} ms)` };
    }
    case 'redis-restart':
      await redis.restart();
      return { lostWorkers: [], note: 'Redis shut down without saving and started again empty' };
    case 'redis-flushall':
      await redis.flushall();
      return { lostWorkers: [], note: 'Redis FLUSHALL' };
    case 'amqp-close-connections': {
      // One CLI call (each rabbitmqctl starts an Erlang VM: seconds on a busy machine); the broker is the suite's own.
      await rabbit.rabbitmqctl(['-q', 'close_all_connections', 'hypernode chaos suite: simulated broker outage']);
      return { lostWorkers: [], note: 'rabbitmqctl close_all_connections' };
    }
    case 'garbage-frames': {
      const workers = await sortedWorkers(env);
      const conn = await amqplib.connect(rabbit.url);
      try {
        const ch = await conn.createChannel();
        const frames = badFrames(t.cluster);
        for (let i = 0; i < 5; i++) for (const w of workers) for (const f of frames) ch.sendToQueue(`hypernode.${t.cluster}.inbox.${w.id}`, f);
        await ch.close();
      } finally {
        await conn.close();
      }
      return { lostWorkers: [], note: `published ${5 * 7} garbage and foreign frames into each of ${workers.length} worker queues` };
    }
    case 'relocate': {
      const move = (t.client as unknown as { move?: (name: string, options?: { to?: string }) => Promise<{ moved: boolean; to?: string; message?: string; reason?: string }> }).move;
      const peers = workload.peers;
      const chosen = [peers[fault.pick % peers.length]!, peers[(fault.pick + 1) % peers.length]!];
      if (typeof move !== 'function') {
        return { lostWorkers: [], note: `relocate ${chosen.map((p) => `'${p.name}'`).join(', ')}`, error: 'ClusterClient has no move() on this branch (relocation is not built): nothing was relocated' };
      }
      const notes: string[] = [];
      for (const p of chosen) {
        const outcome = await move.call(t.client, p.name);
        if (!outcome.moved) return { lostWorkers: [], note: notes.join('; '), error: `move('${p.name}') did not move it: ${outcome.reason}: ${outcome.message}` };
        notes.push(`moved '${p.name}' to '${outcome.to}'`);
      }
      return { lostWorkers: [], note: notes.join('; '), moved: chosen };
    }
  }
}
