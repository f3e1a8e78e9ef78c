/**
 * Test support (not exported): starts the daemons' real programs (`apps/<kind>/src/main.ts` under tsx) as OS
 * processes, reads their output line by line, and cleans a test cluster out of RabbitMQ and Redis.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { RedisRegistry } from '@hypernode/registry-redis';
import { afterEach, expect } from 'vitest';
import { AmqpTransport } from '@hypernode/transport-amqp';
import { DEFAULT_AMQP_URL, DEFAULT_REDIS_URL } from './config';
import { isTlsUrl, readTlsFiles, tlsEnv, type TlsPaths } from './tls-settings';
import { tagOf } from './logger';

const run = promisify(execFile);
const repo = fileURLToPath(new URL('../../../', import.meta.url));
const tsx = createRequire(import.meta.url).resolve('tsx');

export const amqpUrl = process.env.HYPERNODE_AMQP_URL ?? DEFAULT_AMQP_URL;
export const redisUrl = process.env.HYPERNODE_REDIS_URL ?? DEFAULT_REDIS_URL;

/**
 * Where a test cluster's daemons and clients connect, and how to run `rabbitmqctl` against its broker: the
 * machine's servers ({@link amqpUrl}, {@link redisUrl}, plain `rabbitmqctl`) for whatever is not given. Tests that
 * stop, restart, cut or flush a server pass the private ones of own-servers.ts here.
 */
export interface TestServers {
  amqpUrl?: string;
  redisUrl?: string;
  /** Runs rabbitmqctl with these arguments against the broker at `amqpUrl` and resolves with its stdout. */
  rabbitmqctl?: (args: string[]) => Promise<string>;
  /** The cluster secret the daemons (through HYPERNODE_SECRET) and the test's client get; none when not given. */
  secret?: string;
  /** TLS files for `amqps://`/`rediss://` URLs: the daemons get them as HYPERNODE_TLS_*, the client as options. */
  tls?: TlsPaths;
}

function rabbitmqctlOf(servers: TestServers): (args: string[]) => Promise<string> {
  return servers.rabbitmqctl ?? (async (args) => (await run('rabbitmqctl', args)).stdout);
}

/** `connectCluster`'s TLS options for `tls`. */
export function tlsOptionsOf(tls: TlsPaths | undefined): { tlsCa?: string; tlsCert?: string; tlsKey?: string } {
  const out: { tlsCa?: string; tlsCert?: string; tlsKey?: string } = {};
  if (tls?.ca !== undefined) out.tlsCa = tls.ca;
  if (tls?.cert !== undefined) out.tlsCert = tls.cert;
  if (tls?.key !== undefined) out.tlsKey = tls.key;
  return out;
}

/** A fresh cluster name for one test. */
export function clusterName(): string {
  return `t-${randomUUID().slice(0, 8)}`;
}

/** A path under the repository. */
export function repoPath(path: string): string {
  return fileURLToPath(new URL(path, `file://${repo}`));
}

/** Every daemon program this test file started that has not exited yet. */
const alive = new Set<DaemonProcess>();
// If the test process ends through process.exit, its daemons must not outlive it: a node daemon killed here
// takes its workers down with it (they stop when its IPC channel closes). Vitest ends its forks with SIGTERM,
// which runs no exit handler: for that, and for a fork killed outright, each daemon watches its parent itself
// (test-parent-watch.ts).
process.on('exit', () => {
  for (const p of alive) p.kill('SIGKILL');
});
const parentWatch = repoPath('packages/daemon/src/test-parent-watch.ts');

/**
 * Stops every daemon this test file started that still runs and deletes their clusters (those on the machine's
 * RabbitMQ and Redis; servers of a test's own go away with it). The integration tests' setup file
 * (test-daemon-cleanup.ts) runs it after each file, so a test that fails, times out or forgets a daemon leaves
 * nothing running. Resolves with one line per daemon it had to stop.
 */
export async function stopLeftoverDaemons(): Promise<string[]> {
  const left = [...alive];
  await Promise.all(left.map((p) => p.stop()));
  const clusters = new Set(left.filter((p) => p.onMachineServers && p.cluster !== '').map((p) => p.cluster));
  for (const cluster of clusters) await deleteTestCluster(cluster);
  return left.map((p) => `hypernode-${p.kind} pid ${p.pid} of cluster '${p.cluster}'`);
}

/** One daemon program running as an OS process. */
export class DaemonProcess {
  /**
   * Its output, one entry per line; a JSON log line (the daemons' default off a terminal) is shown as the
   * plain-text logger wrote it, `<level> [<role> <id>] <message>`, so tests match messages alone.
   */
  readonly lines: string[] = [];
  /** Its output exactly as written (JSON log lines as JSON). */
  readonly raw: string[] = [];
  private readonly waiters = new Set<{ re: RegExp; from: number; resolve(line: string): void }>();
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  private child: ChildProcess;
  /** The cluster it runs for (its HYPERNODE_CLUSTER). */
  readonly cluster: string;
  /** Whether it uses the machine's RabbitMQ and Redis (not servers of a test's own). */
  readonly onMachineServers: boolean;

  constructor(
    readonly kind: 'cluster' | 'node' | 'worker',
    args: string[],
    env: Record<string, string>,
  ) {
    this.cluster = env.HYPERNODE_CLUSTER ?? process.env.HYPERNODE_CLUSTER ?? '';
    this.onMachineServers = (env.HYPERNODE_AMQP_URL ?? amqpUrl) === amqpUrl && (env.HYPERNODE_REDIS_URL ?? redisUrl) === redisUrl;
    this.child = spawn(process.execPath, ['--import', tsx, '--import', parentWatch, repoPath(`apps/${kind}/src/main.ts`), ...args], {
      cwd: repo,
      env: { ...process.env, TSX_TSCONFIG_PATH: repoPath('tsconfig.json'), ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    for (const stream of [this.child.stdout!, this.child.stderr!]) {
      let rest = '';
      stream.setEncoding('utf8');
      stream.on('data', (chunk: string) => {
        const parts = (rest + chunk).split('\n');
        rest = parts.pop()!;
        for (const line of parts) this.line(line);
      });
    }
    alive.add(this);
    this.exited = new Promise((resolve) =>
      this.child.on('exit', (code, signal) => {
        alive.delete(this);
        resolve({ code, signal });
      }),
    );
  }

  get pid(): number {
    return this.child.pid!;
  }

  private line(rawLine: string): void {
    this.raw.push(rawLine);
    const line = readable(rawLine);
    this.lines.push(line);
    if (process.env.HYPERNODE_TEST_ECHO) process.stderr.write(`[${this.kind} ${this.child.pid}] ${line}\n`);
    for (const w of [...this.waiters]) {
      if (w.re.test(line)) {
        this.waiters.delete(w);
        w.resolve(line);
      }
    }
  }

  /**
   * Resolves with the first output line matching `re` (counting lines already printed from index `from`,
   * default 0), or rejects after `timeoutMs` with the output so far.
   */
  waitFor(re: RegExp, timeoutMs = 20_000, from = 0): Promise<string> {
    const seen = this.lines.slice(from).find((l) => re.test(l));
    if (seen !== undefined) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const waiter = { re, from, resolve: (line: string) => (clearTimeout(timer), resolve(line)) };
      const timer = setTimeout(() => {
        this.waiters.delete(waiter);
        reject(new Error(`hypernode-${this.kind} printed no line matching ${re} within ${timeoutMs} ms; output:\n${this.lines.join('\n')}`));
      }, timeoutMs);
      this.waiters.add(waiter);
    });
  }

  kill(signal: NodeJS.Signals): void {
    this.child.kill(signal);
  }

  /** SIGTERM, then SIGKILL if it has not exited within `timeoutMs`. */
  async stop(timeoutMs = 20_000): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), timeoutMs);
    await this.exited;
    clearTimeout(timer);
  }
}

/** A JSON log line as `<level> [<tag>] <message>`; any other line as it is. */
export function readable(line: string): string {
  if (!line.startsWith('{')) return line;
  try {
    const o = JSON.parse(line) as Record<string, unknown>;
    if (typeof o.msg !== 'string') return line;
    return `${String(o.level)} [${tagOf(o)}] ${o.msg}`;
  } catch {
    return line;
  }
}

/** Environment that points a daemon at the test cluster (and the cluster daemon at a state directory of its own). */
export function daemonEnv(cluster: string, servers: TestServers = {}): Record<string, string> {
  return { HYPERNODE_CLUSTER: cluster, HYPERNODE_AMQP_URL: servers.amqpUrl ?? amqpUrl, HYPERNODE_REDIS_URL: servers.redisUrl ?? redisUrl, HYPERNODE_SECRET: servers.secret ?? '', HYPERNODE_STATE_DIR: testStateDir(cluster), ...tlsEnv(servers.tls) };
}

/** The state directory the test cluster's cluster daemon keeps module code in; {@link deleteTestCluster} removes it. */
export function testStateDir(cluster: string): string {
  return join(tmpdir(), 'hypernode-test-state', cluster);
}

/** Starts `hypernode-cluster` (with `args` and `env` added) and resolves once it says it is up. */
export async function startClusterProcess(cluster: string, servers: TestServers = {}, args: string[] = [], env: Record<string, string> = {}): Promise<DaemonProcess> {
  const p = new DaemonProcess('cluster', args, { ...daemonEnv(cluster, servers), ...env });
  await upOrStopped(p, p.waitFor(/cluster daemon of cluster .* is up/));
  return p;
}

/** Starts `hypernode-node` with `workers` workers and resolves once it says it is up. */
export async function startNodeProcess(cluster: string, id: string, workers: number, extra: string[] = [], servers: TestServers = {}): Promise<DaemonProcess> {
  const p = new DaemonProcess('node', ['--id', id, '--workers', String(workers), ...extra], daemonEnv(cluster, servers));
  await upOrStopped(p, p.waitFor(/node daemon .* is up with/, 40_000));
  return p;
}

/** Awaits `up`; if it rejects (the daemon never said it is up), stops `p` before rethrowing, since no caller holds it. */
async function upOrStopped(p: DaemonProcess, up: Promise<string>): Promise<void> {
  try {
    await up;
  } catch (err) {
    await p.stop();
    throw err;
  }
}

/**
 * Deletes everything the cluster left in RabbitMQ (its inbox and RPC queues, found with rabbitmqctl, and its
 * events exchange) and in Redis. Run after its daemons stopped.
 */
export async function deleteTestCluster(cluster: string, servers: TestServers = {}): Promise<void> {
  const stdout = await rabbitmqctlOf(servers)(['list_queues', 'name', '-q']);
  const prefix = `hypernode.${cluster}.`;
  const queues = stdout.split('\n').map((l) => l.trim()).filter((l) => l.startsWith(prefix));
  const url = servers.amqpUrl ?? amqpUrl;
  const tls = servers.tls ? readTlsFiles(servers.tls) : undefined;
  const transport = await AmqpTransport.connect({ url, cluster, logger: { info() {}, warn() {} }, ...(tls && isTlsUrl(url) ? { tls } : {}) });
  // Declaring a queue through listen/serve makes this transport delete it in deleteClusterTopology().
  for (const q of queues) {
    const rest = q.slice(prefix.length);
    try {
      if (rest.startsWith('inbox.')) await (await transport.listen(rest.slice('inbox.'.length), () => undefined)).close();
      else if (rest.startsWith('rpc.')) await (await transport.serve(rest.slice('rpc.'.length), async () => new Uint8Array())).close();
    } catch {
      // still consumed by a process that is going away; its x-expires deletes it
    }
  }
  await transport.close();
  await transport.deleteClusterTopology();
  const rurl = servers.redisUrl ?? redisUrl;
  const registry = await RedisRegistry.connect({ url: rurl, cluster, ...(tls && isTlsUrl(rurl) ? { tls } : {}) });
  await registry.deleteCluster();
  await registry.close();
  await rm(testStateDir(cluster), { recursive: true, force: true });
}

/** Closes, from the broker's side, every connection of `cluster` (as a broker outage would). */
export async function dropBrokerConnections(cluster: string, servers: TestServers = {}): Promise<number> {
  const rabbitmqctl = rabbitmqctlOf(servers);
  const stdout = await rabbitmqctl(['list_connections', 'pid', 'client_properties', '-q']);
  const pids = stdout
    .split('\n')
    .filter((line) => line.includes(`"hypernode.${cluster}.`))
    .map((line) => line.split('\t')[0]!);
  await Promise.all(pids.map((pid) => rabbitmqctl(['close_connection', pid, 'hypernode test: simulated broker outage'])));
  return pids.length;
}

/** Calls `probe` until it returns a value other than undefined (at most `timeoutMs`), re-trying on errors. */
export async function eventually<T>(probe: () => Promise<T | undefined>, timeoutMs = 20_000, what = 'the condition'): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`${what} did not hold within ${timeoutMs} ms${last ? `; last error: ${(last as Error).message}` : ''}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** A running test cluster: a cluster daemon, node daemons, a connected client. */
export interface TestCluster {
  cluster: string;
  clusterDaemon: DaemonProcess;
  nodes: Map<string, DaemonProcess>;
  client: import('./connect-cluster').ClusterClient;
  /** Worker ids by node id, sorted. */
  workers: Map<string, string[]>;
  /**
   * Closes the client, stops every daemon it started and those in `clusterDaemon` and `nodes` now (a test that
   * restarts a daemon puts the new one there), and deletes the cluster from RabbitMQ and Redis.
   */
  stop(): Promise<void>;
}

/** Options of {@link startTestCluster}: the servers to use, and flags added to every `hypernode-node`. */
export interface TestClusterOptions extends TestServers {
  /** Flags after `--affinity-slack 0`, e.g. `['--placement-cost', '100000']`. */
  nodeArgs?: string[];
  /** Flags of `hypernode-cluster`, e.g. `['--http', '127.0.0.1:0']`. */
  clusterArgs?: string[];
  /** The cluster's name; default a fresh one ({@link clusterName}). */
  cluster?: string;
  /** The client's RabbitMQ URL, when it differs from the daemons' `amqpUrl` (another broker user). */
  clientAmqpUrl?: string;
}

/** Registers an `afterEach` that stops the test cluster the running test started with `start` (see {@link startTestCluster}). */
export function testClusterPerTest(): { start(nodes: { id: string; workers: number }[], options?: TestClusterOptions): Promise<TestCluster> } {
  let current: TestCluster | undefined;
  afterEach(async () => {
    await current?.stop();
    current = undefined;
  }, 60_000);
  return {
    async start(nodes, options) {
      current = await startTestCluster(nodes, options);
      return current;
    },
  };
}

/**
 * Starts `hypernode-cluster` and one `hypernode-node` per entry (affinity slack 0, so spawns spread by
 * load), connects a client and waits until every worker is up and its scheduler knows every other worker.
 */
export async function startTestCluster(nodes: { id: string; workers: number }[], servers: TestClusterOptions = {}): Promise<TestCluster> {
  const { connectCluster } = await import('./connect-cluster');
  const cluster = servers.cluster ?? clusterName();
  const started: DaemonProcess[] = [];
  const stop = async (t?: TestCluster) => {
    await t?.client.stop();
    const current = t ? [...t.nodes.values(), t.clusterDaemon] : [];
    for (const p of new Set([...current, ...[...started].reverse()])) await p.stop();
    await deleteTestCluster(cluster, servers);
  };
  try {
    const clusterDaemon = await startClusterProcess(cluster, servers, servers.clusterArgs);
    started.push(clusterDaemon);
    const nodeMap = new Map<string, DaemonProcess>();
    await Promise.all(
      nodes.map(async (n) => {
        const p = await startNodeProcess(cluster, n.id, n.workers, ['--affinity-slack', '0', ...(servers.nodeArgs ?? [])], servers);
        started.push(p);
        nodeMap.set(n.id, p);
      }),
    );
    const client = await connectCluster({ cluster, amqp: servers.clientAmqpUrl ?? servers.amqpUrl ?? amqpUrl, redis: servers.redisUrl ?? redisUrl, ...tlsOptionsOf(servers.tls), ...(servers.secret !== undefined ? { secret: servers.secret } : {}) });
    const total = nodes.reduce((sum, n) => sum + n.workers, 0);
    const status = await eventually(async () => {
      const s = await client.status();
      return s.workers.length === total && s.workers.every((w) => w.placesOn?.length === total) ? s : undefined;
    }, 20_000, `${total} workers that place on each other`);
    const workers = new Map<string, string[]>();
    for (const n of nodes) workers.set(n.id, status.workers.filter((w) => w.node === n.id).map((w) => w.id).sort());
    const t: TestCluster = { cluster, clusterDaemon, nodes: nodeMap, client, workers, stop: () => stop(t) };
    return t;
  } catch (err) {
    await stop();
    throw err;
  }
}

/** The worker part of a process name (`w2` of `w2:w1.5f`). */
export function workerOf(name: string): string {
  return name.slice(0, name.indexOf(':'));
}

/**
 * Spawns a Watcher on worker `a` with 10 Idle children spread by the scheduler; resolves once it reported their
 * names, with those placed on worker `b` (at least one).
 */
export async function watcherAcross(t: TestCluster, a: string, b: string) {
  await t.client.load(repoPath('packages/daemon/test-fixtures/watcher.ts'));
  await t.client.load(repoPath('packages/daemon/test-fixtures/idle.ts'));
  const inbox = t.client.inbox();
  await t.client.spawn('Watcher', { children: 10, notify: inbox.name }, { worker: a });
  const { names } = (await inbox.receive(30_000)).message as { names: string[] };
  const onB = names.filter((n) => workerOf(n) === b).sort();
  expect(onB.length).toBeGreaterThan(0);
  return { inbox, names, onB };
}
