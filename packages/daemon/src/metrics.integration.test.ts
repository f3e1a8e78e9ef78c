/**
 * Prometheus metrics of a real cluster: `hypernode-cluster --metrics`, `hypernode-node --metrics` with two
 * workers (each serving at the node's port + its slot), on this machine's RabbitMQ and Redis. Every daemon is
 * scraped over HTTP; counters must move after processes on two workers exchange messages.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectCluster, type ClusterClient } from './connect-cluster';
import { freePort, freePortRun } from './own-servers';
import { clusterName, daemonEnv, DaemonProcess, deleteTestCluster, eventually, repoPath } from './test-support';

const cluster = clusterName();
let clusterDaemon: DaemonProcess;
let nodeDaemon: DaemonProcess;
let client: ClusterClient;
let clusterPort: number;
let nodePort: number;
let workers: { id: string; slot: number }[];

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** The samples of a Prometheus text exposition (no escapes in hypernode's label values). */
function parse(text: string): Sample[] {
  const out: Sample[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m) throw new Error(`not a Prometheus sample line: ${line}`);
    const labels: Record<string, string> = {};
    for (const [, k, v] of (m[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="([^"]*)"/g)) labels[k!] = v!;
    out.push({ name: m[1]!, labels, value: Number(m[3]) });
  }
  return out;
}

async function scrape(port: number): Promise<Sample[]> {
  const res = await fetch(`http://127.0.0.1:${port}/metrics`);
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toContain('text/plain');
  return parse(await res.text());
}

function one(samples: Sample[], name: string, labels: Record<string, string> = {}): Sample {
  const found = samples.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v));
  if (found.length !== 1) throw new Error(`expected one sample ${name}${JSON.stringify(labels)}, found ${found.length}`);
  return found[0]!;
}

beforeAll(async () => {
  clusterPort = await freePort();
  nodePort = await freePortRun(3);
  clusterDaemon = new DaemonProcess('cluster', ['--metrics', String(clusterPort)], daemonEnv(cluster));
  await clusterDaemon.waitFor(/cluster daemon of cluster .* is up/);
  nodeDaemon = new DaemonProcess('node', ['--id', 'n1', '--workers', '2', '--affinity-slack', '0', '--metrics', `127.0.0.1:${nodePort}`], daemonEnv(cluster));
  await nodeDaemon.waitFor(/node daemon .* is up with/, 40_000);
  client = await connectCluster({ cluster });
  const status = await eventually(async () => {
    const s = await client.status();
    return s.workers.length === 2 && s.workers.every((w) => w.placesOn?.length === 2) ? s : undefined;
  }, 60_000, 'two workers that place on each other');
  // A node daemon names its workers `<node>-w<slot>-<time>`.
  workers = status.workers.map((w) => ({ id: w.id, slot: Number(/^n1-w(\d+)-[a-z0-9]+$/.exec(w.id)![1]) }));
}, 120_000);

afterAll(async () => {
  await client?.stop();
  await nodeDaemon?.stop();
  await clusterDaemon?.stop();
  await deleteTestCluster(cluster);
}, 60_000);

describe('metrics of a real cluster', () => {
  it('the cluster daemon serves its series with the cluster label and counts admin requests by method and result', async () => {
    await client.status();
    const killed = await client.kill('nosuchworker:1').then(
      () => 'ok',
      (err: { code?: string }) => err.code ?? 'error',
    );
    const s = await scrape(clusterPort);
    const base = { cluster, worker: 'root' };
    expect(one(s, 'hypernode_admin_requests_total', { ...base, method: 'status', result: 'ok' }).value).toBeGreaterThanOrEqual(1);
    expect(one(s, 'hypernode_admin_requests_total', { ...base, method: 'kill', result: killed }).value).toBe(1);
    expect(one(s, 'hypernode_relocations_total', base).value).toBe(0);
    expect(one(s, 'hypernode_broker_reconnects_total', base).value).toBe(0);
    expect(one(s, 'hypernode_processes', base).value).toBeGreaterThanOrEqual(1);
    expect(one(s, 'hypernode_event_loop_delay_seconds_bucket', { ...base, le: '+Inf' }).value).toBeGreaterThanOrEqual(0);
    expect(s.some((x) => x.name === 'process_resident_memory_bytes' && x.labels.cluster === cluster)).toBe(true);
    // Nothing else is served there.
    expect((await fetch(`http://127.0.0.1:${clusterPort}/`)).status).toBe(404);
  });

  it('the node daemon serves its workers table with the cluster and node labels', async () => {
    expect(await client.addWorkers('n1', 0)).toEqual([]);
    const s = await scrape(nodePort);
    expect(one(s, 'hypernode_node_workers', { cluster, node: 'n1', state: 'up' }).value).toBe(2);
    expect(one(s, 'hypernode_node_worker_restarts_total', { cluster, node: 'n1' }).value).toBe(0);
    expect(one(s, 'hypernode_admin_requests_total', { cluster, node: 'n1', method: 'addWorkers', result: 'ok' }).value).toBe(1);
    expect(one(s, 'hypernode_broker_reconnects_total', { cluster, node: 'n1' }).value).toBe(0);
  });

  it("each worker serves at the node's port plus its slot, and its message and frame counters move when processes on two workers play ping-pong", async () => {
    const before = new Map<string, Sample[]>();
    for (const w of workers) {
      const s = await scrape(nodePort + w.slot);
      expect(one(s, 'hypernode_processes', { cluster, node: 'n1', worker: w.id }).labels.worker).toBe(w.id);
      before.set(w.id, s);
    }
    await client.load(repoPath('examples/ping-pong/pong.ts'));
    await client.load(repoPath('packages/daemon/test-fixtures/pinger.ts'));
    const inbox = client.inbox();
    const [a, b] = workers;
    const pong = await client.spawn('Pong', {}, { worker: a!.id });
    await client.spawn('Pinger', { pong, count: 50, notify: inbox.name }, { worker: b!.id });
    expect((await inbox.receive(60_000)).message).toEqual(expect.objectContaining({ type: 'DONE', rounds: 50 }));
    inbox.close();
    for (const w of workers) {
      const labels = { cluster, node: 'n1', worker: w.id };
      const was = before.get(w.id)!;
      const now = await scrape(nodePort + w.slot);
      const moved = (name: string, extra: Record<string, string> = {}) => one(now, name, { ...labels, ...extra }).value - one(was, name, { ...labels, ...extra }).value;
      expect(moved('hypernode_messages_delivered_total')).toBeGreaterThanOrEqual(50);
      expect(moved('hypernode_processes_spawned_total')).toBeGreaterThanOrEqual(1);
      expect(moved('hypernode_transport_frames_total', { direction: 'sent' })).toBeGreaterThan(0);
      expect(moved('hypernode_transport_bytes_total', { direction: 'received' })).toBeGreaterThan(0);
      expect(one(now, 'hypernode_dead_letters_total', { ...labels, reason: 'no-process' }).value).toBeGreaterThanOrEqual(0);
      expect(one(now, 'hypernode_mailbox_backlog', labels).value).toBeGreaterThanOrEqual(0);
      expect(one(now, 'hypernode_event_loop_delay_seconds_count', labels).value).toBeGreaterThan(0);
      expect(one(now, 'hypernode_admin_requests_total', { ...labels, method: 'stats', result: 'ok' }).value).toBeGreaterThanOrEqual(1);
    }
  });
});
