/**
 * What logging and metrics cost (design 022): one log line with the plain-text logger hypernode had before
 * (`<time> <level> [<tag>] <message>` with process.stdout.write) against pino (JSON, and pino-pretty), and one
 * scrape of a worker daemon's metrics (the registry's text, with and without Node's process metrics; and over HTTP
 * on loopback). Run it with stdout and stderr sent to /dev/null so the terminal is not measured:
 * `npx tsx bench/observability.ts observability.json > /dev/null 2>&1`; the figures are written as JSON to the
 * file named by the first argument. Best of 5 runs.
 */
import { writeFileSync } from 'node:fs';
import { DaemonMetrics, type ObservedStats } from '../packages/daemon/src/metrics';
import { serveMetrics } from '../packages/daemon/src/metrics-server';
import { daemonLogger } from '../packages/daemon/src/logger';

const LINES = 20_000;
const message = "process 'n1-w1-m1x0a9:1234' (Echo) crashed: Error: boom";

/** The daemon logger before design 022, as it was. */
function plainLogger(tag: string) {
  const line = (level: string, m: string) => `${new Date().toISOString()} ${level} [${tag}] ${m}`;
  return { info: (m: string) => void process.stdout.write(`${line('info ', m)}\n`) };
}

function best(runs: number, f: () => number): number {
  let min = Infinity;
  for (let i = 0; i < runs; i++) min = Math.min(min, f());
  return min;
}

function perLine(log: (m: string) => void): number {
  const t0 = performance.now();
  for (let i = 0; i < LINES; i++) log(message);
  return ((performance.now() - t0) * 1000) / LINES;
}

const bindings = { role: 'worker', cluster: 'bench', node: 'n1', worker: 'n1-w1-m1x0a9' } as const;
const plain = plainLogger('worker n1-w1-m1x0a9');
const json = daemonLogger(bindings, { format: 'json', level: 'info', secrets: ['guest-password-x', 'the-cluster-secret-0123456789abcdef'] });
const jsonNoScrub = daemonLogger(bindings, { format: 'json', level: 'info' });
const pretty = daemonLogger(bindings, { format: 'pretty', level: 'info' });
const fields = { process: 'n1-w1-m1x0a9:1234', module: 'Echo' };

const figures: Record<string, number> = {};
figures.plainUsPerLine = best(5, () => perLine((m) => plain.info(m)));
figures.pinoJsonUsPerLine = best(5, () => perLine((m) => json.info(m)));
figures.pinoJsonWithFieldsUsPerLine = best(5, () => perLine((m) => json.warn(m, fields)));
figures.pinoJsonNoSecretsUsPerLine = best(5, () => perLine((m) => jsonNoScrub.info(m)));
figures.pinoPrettyUsPerLine = best(5, () => perLine((m) => pretty.info(m)));
figures.pinoDebugDroppedUsPerLine = best(5, () => perLine((m) => json.debug(m)));

const stats: ObservedStats = { spawned: 1e6, exited: 9e5, crashed: 12, delivered: 5e7, deadLetters: 40, badFrames: 0, backlog: 17, processes: 100_000 };
const metrics = new DaemonMetrics({
  labels: { cluster: 'bench', node: 'n1', worker: 'n1-w1-m1x0a9' },
  stats: () => stats,
  transport: () => ({ framesSent: 1e6, framesReceived: 1e6, bytesSent: 1e9, bytesReceived: 1e9, dropped: 0 }),
});
const bare = new DaemonMetrics({ labels: { cluster: 'bench', node: 'n1', worker: 'n1-w1-m1x0a9' }, stats: () => stats, processMetrics: false });
const bareMs: number[] = [];
for (let r = 0; r < 5; r++) {
  const t0 = performance.now();
  for (let i = 0; i < 2000; i++) await bare.text();
  bareMs.push((performance.now() - t0) / 2000);
}
figures.scrapeTextWithoutProcessMetricsUs = Math.min(...bareMs) * 1000;
bare.close();
const SCRAPES = 2000;
let bytes = 0;
const textMs: number[] = [];
for (let r = 0; r < 5; r++) {
  const t0 = performance.now();
  for (let i = 0; i < SCRAPES; i++) bytes = (await metrics.text()).length;
  textMs.push((performance.now() - t0) / SCRAPES);
}
figures.scrapeTextUs = Math.min(...textMs) * 1000;
figures.scrapeBytes = bytes;
const server = await serveMetrics(metrics, { host: '127.0.0.1', port: 0 }, { debug() {}, info() {}, warn() {}, error() {} });
const httpMs: number[] = [];
for (let r = 0; r < 5; r++) {
  const t0 = performance.now();
  for (let i = 0; i < 200; i++) await (await fetch(`http://127.0.0.1:${server.address.port}/metrics`)).text();
  httpMs.push((performance.now() - t0) / 200);
}
figures.scrapeHttpUs = Math.min(...httpMs) * 1000;
await server.close();
metrics.close();
for (const k of Object.keys(figures)) figures[k] = Math.round(figures[k]! * 100) / 100;
writeFileSync(process.argv[2] ?? 'observability.json', `${JSON.stringify({ lines: LINES, node: process.version, ...figures }, null, 2)}\n`);
process.exit(0);
