/**
 * The seed's headline workload: the HTTP server example (`examples/http-server/`, one handler process per
 * request) in an embedded cluster with its default 2 simulated workers, beside a plain Node `http` server
 * answering the same text, both driven by autocannon.
 *
 * Three OS processes: the load generator (the caller of {@link httpBench}, running autocannon) and one process
 * per server under test, so that on a 2-core machine one core serves and the other generates load. Both
 * servers stay up for the whole run; they take turns being loaded (warm-up, then rounds), so that both are
 * measured in the same moments of a noisy machine, and the ratio is taken between them.
 *
 * Run on its own (`npx tsx bench/http.ts [--quick] [--connections N] [--seconds S] [--rounds R]`) it prints
 * each round; `--cpu-prof DIR` starts the hypernode server under `node --cpu-prof` (profile written to DIR
 * when the run ends).
 */
import { fork, type ChildProcess } from 'node:child_process';
import http from 'node:http';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { createCluster, silentLogger } from '../packages/core/src/index';

const self = fileURLToPath(import.meta.url);
const exampleDir = fileURLToPath(new URL('../examples/http-server/', import.meta.url));
const HOST = '127.0.0.1';

export type Side = 'plain' | 'hypernode';

export interface HttpRound {
  side: Side;
  requests: number;
  seconds: number;
  /** The server process's CPU time during the turn, in µs. */
  cpuUs: number;
  reqPerSec: number;
  /** The server process's CPU time (user + system) per answered request, in µs. */
  cpuUsPerReq: number;
  /** The share of one core the server process used during its turn. */
  serverCpu: number;
  p50: number;
  p99: number;
  errors: number;
  non2xx: number;
}

export interface HttpOptions {
  connections: number;
  /** Seconds of each measured turn of each server. */
  seconds: number;
  rounds: number;
  /** Seconds of the warm-up turn of each server (not measured). */
  warmup: number;
  /** Where the hypernode server writes a CPU profile (`node --cpu-prof`), if anywhere. */
  cpuProfDir?: string;
  /** Simulated workers of the hypernode server's cluster; default: createCluster's default (2). */
  workers?: number;
  log?: (line: string) => void;
}

/** The same text the example's handler answers. */
function plainServer(): http.Server {
  return http.createServer((req, res) => {
    res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8' });
    res.end(`hello ${req.socket.remoteAddress ?? ''}, you asked for ${req.url ?? '/'}\n`);
  });
}

/** The example as a new user runs it: an embedded cluster (default options, 2 workers), both modules loaded from their files. */
async function hypernodeServer(workers?: number): Promise<number> {
  const cluster = await createCluster({ logger: silentLogger, ...(workers ? { workers } : {}) });
  await cluster.load(`${exampleDir}http-server.ts`);
  await cluster.load(`${exampleDir}http-server-request-handler.ts`);
  const inbox = cluster.inbox();
  await cluster.spawn('HttpServer', { port: 0, host: HOST, notify: inbox.name, quiet: true });
  const { message } = await inbox.receiveMatching((r) => (r.message as { type?: string }).type === 'LISTENING');
  return (message as { port: number }).port;
}

/** In a server process: start the server and tell the load generator its port. */
async function serve(side: Side): Promise<void> {
  let port: number;
  if (side === 'plain') {
    const server = plainServer();
    await new Promise<void>((resolve) => server.listen(0, HOST, resolve));
    port = (server.address() as { port: number }).port;
  } else {
    const w = process.argv.indexOf('--workers');
    port = await hypernodeServer(w >= 0 ? Number(process.argv[w + 1]) : undefined);
  }
  process.send!({ port });
  // The load generator asks for this process's CPU time before and after each turn.
  process.on('message', () => {
    const { user, system } = process.cpuUsage();
    process.send!({ cpuUs: user + system });
  });
  // Ends when the load generator disconnects (or exits); process.exit lets --cpu-prof write its profile.
  process.on('disconnect', () => process.exit(0));
}

interface Running {
  child: ChildProcess;
  port: number;
}

function start(side: Side, cpuProfDir?: string, workers?: number): Promise<Running> {
  const execArgv = ['--import', 'tsx', ...(cpuProfDir ? ['--cpu-prof', `--cpu-prof-dir=${cpuProfDir}/${side}`] : [])];
  const child = fork(self, ['--serve', side, ...(workers ? ['--workers', String(workers)] : [])], { execArgv, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  return new Promise((resolve, reject) => {
    child.once('message', (m) => resolve({ child, port: (m as { port: number }).port }));
    child.once('exit', (code) => reject(new Error(`the ${side} server exited (code ${code}) before listening`)));
  });
}

function stop(r: Running): Promise<void> {
  return new Promise((resolve) => {
    if (r.child.exitCode !== null) return resolve();
    const timer = setTimeout(() => r.child.kill('SIGKILL'), 10_000);
    r.child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    r.child.disconnect();
  });
}

/** The server process's CPU time so far (user + system), in µs. */
function cpuOf(r: Running): Promise<number> {
  return new Promise((resolve) => {
    r.child.once('message', (m) => resolve((m as { cpuUs: number }).cpuUs));
    r.child.send('cpu');
  });
}

async function load(side: Side, server: Running, connections: number, seconds: number): Promise<HttpRound> {
  const cpu0 = await cpuOf(server);
  const result = await autocannon({ url: `http://${HOST}:${server.port}/`, connections, duration: seconds });
  const cpu = (await cpuOf(server)) - cpu0;
  return {
    side,
    requests: result.requests.total,
    seconds: result.duration,
    cpuUs: cpu,
    reqPerSec: result.requests.total / result.duration,
    cpuUsPerReq: cpu / result.requests.total,
    serverCpu: cpu / 1e6 / result.duration,
    p50: result.latency.p50,
    p99: result.latency.p99,
    errors: result.errors,
    non2xx: result.non2xx,
  };
}

const show = (r: HttpRound) =>
  `${r.side} ${(r.reqPerSec / 1000).toFixed(1)}k req/s (p50 ${r.p50} ms, p99 ${r.p99} ms; server ${r.cpuUsPerReq.toFixed(0)} µs CPU/req, ${(100 * r.serverCpu).toFixed(0)}% of a core${r.errors || r.non2xx ? `, ${r.errors} errors, ${r.non2xx} non-2xx` : ''})`;

/** Starts both servers, warms each up, then loads them in turns; returns every measured round. */
export async function httpBench(o: HttpOptions): Promise<HttpRound[]> {
  const log = o.log ?? (() => {});
  const servers = { plain: await start('plain', o.cpuProfDir), hypernode: await start('hypernode', o.cpuProfDir, o.workers) };
  const rounds: HttpRound[] = [];
  try {
    for (const side of ['plain', 'hypernode'] as const) {
      const w = await load(side, servers[side], o.connections, o.warmup);
      log(`  warm-up: ${show(w)}`);
    }
    for (let i = 0; i < o.rounds; i++) {
      // Which server goes first alternates too, so neither always follows the other.
      const order: Side[] = i % 2 === 0 ? ['plain', 'hypernode'] : ['hypernode', 'plain'];
      const got: Partial<Record<Side, HttpRound>> = {};
      for (const side of order) {
        const r = await load(side, servers[side], o.connections, o.seconds);
        if (r.errors > 0 || r.non2xx > 0) throw new Error(`the ${side} server failed requests: ${show(r)}`);
        got[side] = r;
        rounds.push(r);
      }
      log(`  round ${i + 1}: ${show(got.plain!)}; ${show(got.hypernode!)}; ratio ${(got.hypernode!.reqPerSec / got.plain!.reqPerSec).toFixed(2)}×`);
    }
  } finally {
    await Promise.all([stop(servers.plain), stop(servers.hypernode)]);
  }
  return rounds;
}

/**
 * Each side over all its measured rounds: requests per second and CPU per request over the whole measured time
 * (the turns alternate, so both sides sample the same moments of a noisy machine), and the median of its
 * rounds' p50 and p99 latencies; `ratios` are each round's hypernode/plain req/s.
 */
export function summarize(rounds: HttpRound[]): Record<Side, HttpRound> & { ratios: number[] } {
  const median = (xs: number[]) => {
    const s = [...xs].sort((a, b) => a - b);
    return s.length % 2 ? s[s.length >> 1]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
  };
  const over = (side: Side): HttpRound => {
    const rs = rounds.filter((r) => r.side === side);
    const requests = rs.reduce((n, r) => n + r.requests, 0);
    const seconds = rs.reduce((n, r) => n + r.seconds, 0);
    const cpuUs = rs.reduce((n, r) => n + r.cpuUs, 0);
    return {
      side,
      requests,
      seconds,
      cpuUs,
      reqPerSec: requests / seconds,
      cpuUsPerReq: cpuUs / requests,
      serverCpu: cpuUs / 1e6 / seconds,
      p50: median(rs.map((r) => r.p50)),
      p99: median(rs.map((r) => r.p99)),
      errors: rs.reduce((n, r) => n + r.errors, 0),
      non2xx: rs.reduce((n, r) => n + r.non2xx, 0),
    };
  };
  const plain = rounds.filter((r) => r.side === 'plain');
  const ours = rounds.filter((r) => r.side === 'hypernode');
  return { plain: over('plain'), hypernode: over('hypernode'), ratios: ours.map((r, i) => r.reqPerSec / plain[i]!.reqPerSec) };
}

export function httpOptions(argv: string[]): HttpOptions {
  const quick = argv.includes('--quick');
  const num = (flag: string, dflt: number) => {
    const i = argv.indexOf(flag);
    return i >= 0 ? Number(argv[i + 1]) : dflt;
  };
  const prof = argv.indexOf('--cpu-prof');
  return {
    connections: num('--connections', 50),
    seconds: num('--seconds', quick ? 2 : 3),
    rounds: num('--rounds', quick ? 1 : 6),
    warmup: num('--warmup', quick ? 1 : 3),
    cpuProfDir: prof >= 0 ? argv[prof + 1] : undefined,
    workers: argv.includes('--workers') ? num('--workers', 2) : undefined,
  };
}

export const ratioRange = (ratios: number[]) => {
  const s = [...ratios].sort((a, b) => a - b);
  return `${s[0]!.toFixed(2)}–${s[s.length - 1]!.toFixed(2)}×`;
};

export const describeHttp = (o: HttpOptions) =>
  `http: each server in its own process, autocannon in another (2 cores: one serves, one loads), loopback ${HOST}; ` +
  `${o.connections} connections; warm-up ${o.warmup} s each, then ${o.rounds} round(s) of ${o.seconds} s each, plain and hypernode taking turns; figures over all rounds`;

const serveAt = process.argv.indexOf('--serve');
if (serveAt >= 0) {
  await serve(process.argv[serveAt + 1] as Side);
} else if (process.argv[1] === self) {
  const o = httpOptions(process.argv);
  console.log(describeHttp(o));
  const all = summarize(await httpBench({ ...o, log: (l) => console.log(l) }));
  console.log(`all rounds: ${show(all.plain)}; ${show(all.hypernode)}`);
  console.log(`ratio hypernode/plain: ${(all.hypernode.reqPerSec / all.plain.reqPerSec).toFixed(2)}× req/s, ${(all.plain.cpuUsPerReq / all.hypernode.cpuUsPerReq).toFixed(2)}× requests per CPU second (rounds ${ratioRange(all.ratios)})`);
}
