/**
 * Takes the screenshot of the web dashboard in docs/images/dashboard.png: starts a real cluster of its own
 * (hypernode-cluster with --http, one hypernode-node with 2 workers, over the machine's RabbitMQ and Redis),
 * gives it some processes, traffic, a crash and a restart, opens the page in headless Chromium and saves it.
 * Afterwards it stops the daemons and deletes the cluster's Redis keys and events exchange; its queues expire
 * by themselves 60 s after their consumers left (docs/operations.md, "Removing a cluster").
 *
 *   npx tsx scripts/dashboard-screenshot.ts [out.png]        (needs /usr/bin/chromium: apt-get install -y chromium)
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { connectCluster, DEFAULT_AMQP_URL, DEFAULT_REDIS_URL } from '@hypernode/daemon';
import { RedisRegistry } from '@hypernode/registry-redis';
import { AmqpTransport } from '@hypernode/transport-amqp';

const repo = fileURLToPath(new URL('..', import.meta.url));
const out = process.argv[2] ?? `${repo}docs/images/dashboard.png`;
const amqpUrl = process.env.HYPERNODE_AMQP_URL ?? DEFAULT_AMQP_URL;
const redisUrl = process.env.HYPERNODE_REDIS_URL ?? DEFAULT_REDIS_URL;
const cluster = `shop-${randomUUID().slice(0, 6)}`;
const tsx = createRequire(`${repo}packages/daemon/package.json`).resolve('tsx');
const children: ChildProcess[] = [];

/** Starts a daemon program from source and resolves with the first output line matching `ready`. */
function daemon(kind: 'cluster' | 'node', args: string[], ready: RegExp): Promise<string> {
  const child = spawn(process.execPath, ['--import', tsx, `${repo}apps/${kind}/src/main.ts`, ...args], {
    cwd: repo,
    env: { ...process.env, TSX_TSCONFIG_PATH: `${repo}tsconfig.json`, HYPERNODE_CLUSTER: cluster, HYPERNODE_AMQP_URL: amqpUrl, HYPERNODE_REDIS_URL: redisUrl },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  return new Promise((resolve, reject) => {
    let seen = '';
    const timer = setTimeout(() => reject(new Error(`hypernode-${kind} did not print ${ready} within 60 s:\n${seen}`)), 60_000);
    for (const stream of [child.stdout!, child.stderr!]) {
      stream.setEncoding('utf8');
      stream.on('data', (chunk: string) => {
        seen += chunk;
        const line = seen.split('\n').find((l) => ready.test(l));
        if (line !== undefined) {
          clearTimeout(timer);
          resolve(line);
        }
      });
    }
    child.on('exit', (code) => reject(new Error(`hypernode-${kind} exited (${code}) before it was ready:\n${seen}`)));
  });
}

const dashboardLine = await daemon('cluster', ['--http', '127.0.0.1:0'], /web dashboard of cluster '[^']+' at http:\/\/\S+/);
const url = /(http:\/\/\S+)/.exec(dashboardLine)![1]!;
await daemon('node', ['--id', 'node-a', '--workers', '2'], /node daemon .* is up with/);
const client = await connectCluster({ cluster, amqp: amqpUrl, redis: redisUrl });
const browser = await chromium.launch({ executablePath: process.env.HYPERNODE_CHROMIUM ?? '/usr/bin/chromium', args: ['--no-sandbox'] });
try {
  for (const file of ['examples/ping-pong/ping.ts', 'examples/ping-pong/pong.ts', 'packages/daemon/test-fixtures/idle.ts', 'packages/daemon/test-fixtures/named.ts', 'packages/daemon/test-fixtures/crasher.ts']) {
    await client.load(`${repo}${file}`);
  }
  const page = await browser.newPage({ viewport: { width: 1440, height: 1000 } });
  await page.goto(url);
  await page.waitForSelector('#live:text("live")');
  await client.spawn('Supervisor', {
    strategy: 'oneForOne',
    intensity: 5,
    children: [
      { id: 'cache', module: 'Idle', state: { i: 1 } },
      { id: 'sessions', module: 'Idle', state: { i: 2 } },
      { id: 'checkout', module: 'Crasher' },
    ],
  });
  await client.spawn('Named', { name: 'billing' });
  // A crash the supervisor restarts from, and one of a child of the root (whose reason the root hears).
  const tree = async () => (await client.ps()).filter((p) => p.module === 'Crasher');
  const [checkout] = await tree();
  if (checkout) client.send(checkout.name, { crash: 'payment gateway timed out after 3000 ms' });
  const lone = await client.spawn('Crasher', {});
  client.send(lone, { crash: "Cannot read properties of undefined (reading 'total')" });
  // Some history for the charts, and the detail of a process.
  await page.waitForFunction(() => (globalThis as unknown as { document: { querySelectorAll(s: string): { length: number } } }).document.querySelectorAll('#exits tr[data-kind="crash"]').length >= 1);
  // Traffic for the charts: a ping-pong still running when the picture is taken (about 15 s of one core).
  await client.spawn('Ping', { count: 3_000_000, quiet: true });
  await new Promise((resolve) => setTimeout(resolve, 12_000));
  const billing = page.locator('tr.proc', { hasText: 'billing' });
  await billing.click();
  await page.waitForSelector('#detail dl');
  await page.screenshot({ path: out, fullPage: true });
  console.log(`dashboard-screenshot: wrote ${out}`);
} finally {
  await browser.close();
  await client.stop();
  for (const child of children.reverse()) {
    child.kill('SIGTERM');
    await new Promise((resolve) => child.once('exit', resolve));
  }
  const transport = await AmqpTransport.connect({ url: amqpUrl, cluster, logger: { info() {}, warn() {} } });
  await transport.close();
  await transport.deleteClusterTopology();
  const registry = await RedisRegistry.connect({ url: redisUrl, cluster });
  await registry.deleteCluster();
  await registry.close();
}
