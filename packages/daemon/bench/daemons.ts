/**
 * Rough figures of a real cluster on this machine (cluster daemon + one node daemon with 2 workers, from
 * sources under tsx): start-up, admin round trips, cross-worker ping-pong, and how fast a parent hears of a
 * SIGKILLed worker. Run: `pnpm exec tsx packages/daemon/bench/daemons.ts` (RabbitMQ and Redis running).
 */
import { performance } from 'node:perf_hooks';
import { repoPath, startTestCluster } from '../src/test-support';

const t0 = performance.now();
const t = await startTestCluster([{ id: 'n1', workers: 2 }]);
const startMs = performance.now() - t0;
try {
  const [a, b] = t.workers.get('n1')!;
  await t.client.load(repoPath('examples/ping-pong/pong.ts'));
  await t.client.load(repoPath('packages/daemon/test-fixtures/pinger.ts'));
  await t.client.load(repoPath('packages/daemon/test-fixtures/watcher.ts'));
  await t.client.load(repoPath('packages/daemon/test-fixtures/idle.ts'));

  const statusMs: number[] = [];
  for (let i = 0; i < 50; i++) {
    const s = performance.now();
    await t.client.modules();
    statusMs.push(performance.now() - s);
  }
  const spawnMs: number[] = [];
  for (let i = 0; i < 200; i++) {
    const s = performance.now();
    await t.client.spawn('Idle', {});
    spawnMs.push(performance.now() - s);
  }

  const inbox = t.client.inbox();
  const pong = await t.client.spawn('Pong', {}, { worker: a });
  const rounds = 5000;
  const p0 = performance.now();
  await t.client.spawn('Pinger', { pong, count: rounds, notify: inbox.name }, { worker: b });
  await inbox.receive(60_000);
  const pingMs = performance.now() - p0;

  await t.client.spawn('Watcher', { children: 20, notify: inbox.name }, { worker: a });
  const { names } = (await inbox.receive(10_000)).message as { names: string[] };
  const onB = names.filter((n) => n.startsWith(`${b}:`)).length;
  const pid = (await t.client.status()).workers.find((w) => w.id === b)!.pid!;
  const k0 = performance.now();
  process.kill(pid, 'SIGKILL');
  await inbox.receive(10_000);
  const lossMs = performance.now() - k0;
  for (let i = 1; i < onB; i++) await inbox.receive(10_000);
  inbox.close();

  const median = (xs: number[]) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)]!;
  console.log(`start (cluster daemon, node daemon, 2 workers up and placing): ${startMs.toFixed(0)} ms`);
  console.log(`admin round trip (modules), median of 50: ${median(statusMs).toFixed(2)} ms`);
  console.log(`spawn through the cluster daemon, median of 200: ${median(spawnMs).toFixed(2)} ms`);
  console.log(`cross-worker ping-pong: ${rounds} round trips in ${pingMs.toFixed(0)} ms = ${((pingMs / rounds) * 1000).toFixed(0)} µs each`);
  console.log(`SIGKILL of a worker to its first CHILD_PROCESS_EXIT (WORKER_LOST) at a parent elsewhere: ${lossMs.toFixed(0)} ms`);
} finally {
  await t.stop();
}
