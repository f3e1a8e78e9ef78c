/**
 * A real cluster on this machine's RabbitMQ and Redis: `hypernode-cluster` and `hypernode-node --workers 2`
 * as OS processes (the apps' own main.ts under tsx), driven through connectCluster.
 *
 * Nothing here depends on how busy the machine is: spawns are spread by a placement cost far above any
 * event-loop delay (not by measured load, which a busy machine skews towards one worker), and every wait is
 * for an event, with a generous ceiling. Placement by load reports is tested with reports the tests control
 * (@hypernode/core's and @hypernode/scheduler's placer tests).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { WorkerStats } from '@hypernode/core';
import { connectCluster, type ClusterClient } from './connect-cluster';
import {
  clusterName,
  deleteTestCluster,
  eventually,
  repoPath,
  startClusterProcess,
  startNodeProcess,
  type DaemonProcess,
} from './test-support';
import { expectHelloAnswers } from '../../../examples/http-server/test-support';

const cluster = clusterName();
let clusterDaemon: DaemonProcess;
let nodeDaemon: DaemonProcess;
let client: ClusterClient;
let workers: string[];

type Stats = (WorkerStats & { worker: string })[];

function spawnedOn(before: Stats, after: Stats, worker: string): number {
  return (after.find((s) => s.worker === worker)?.spawned ?? 0) - (before.find((s) => s.worker === worker)?.spawned ?? 0);
}

function workerOf(name: string): string {
  return name.slice(0, name.indexOf(':'));
}

beforeAll(async () => {
  clusterDaemon = await startClusterProcess(cluster);
  // Affinity slack 0 and a placement cost of 100 000 load-score points (100 s of event-loop delay): each spawn
  // makes its worker the costlier one until that worker's next report, so a burst of spawns alternates between
  // the two workers whatever their measured load. Children spread over both on a busy machine too.
  nodeDaemon = await startNodeProcess(cluster, 'n1', 2, ['--affinity-slack', '0', '--placement-cost', '100000']);
  client = await connectCluster({ cluster });
  // Up, and each worker's scheduler knows both (it reads the members every second).
  const status = await eventually(async () => {
    const s = await client.status();
    return s.workers.length === 2 && s.workers.every((w) => w.placesOn?.length === 2) ? s : undefined;
  }, 60_000, 'two workers that place on each other');
  workers = status.workers.map((w) => w.id).sort();
}, 120_000);

afterAll(async () => {
  await client?.stop();
  await nodeDaemon?.stop();
  await clusterDaemon?.stop();
  await deleteTestCluster(cluster);
}, 60_000);

describe('a cluster of real daemons', { timeout: 120_000 }, () => {
  it('reports its node, both workers with their load and counters, and the root process', async () => {
    const status = await client.status();
    expect(status.cluster).toBe(cluster);
    expect(status.root).toBe('root:1');
    expect(status.nodes).toEqual([expect.objectContaining({ id: 'n1', workers: workers })]);
    for (const w of status.workers) {
      expect(w.id).toMatch(/^n1-w[12]-[0-9a-z]+$/);
      expect(w.node).toBe('n1');
      expect(w.load).toEqual(expect.objectContaining({ processes: expect.any(Number), rssBytes: expect.any(Number) }));
      expect(w.stats).toEqual(expect.objectContaining({ spawned: expect.any(Number), delivered: expect.any(Number) }));
    }
    const ps = await client.ps();
    expect(ps[0]).toEqual(expect.objectContaining({ name: 'root:1', module: 'Root', worker: 'root', parent: null }));
  });

  it('serves the HTTP example: 20 concurrent requests, each answered correctly by a handler process of its own, spawned on both workers', async () => {
    const loaded = [
      ...(await client.load(repoPath('examples/http-server/http-server.ts'))),
      ...(await client.load(repoPath('examples/http-server/http-server-request-handler.ts'))),
    ];
    expect(loaded.map((m) => m.name)).toEqual(['HttpServer', 'HttpServerRequestHandler']);
    const inbox = client.inbox();
    const server = await client.spawn('HttpServer', { port: 0, notify: inbox.name, quiet: true });
    const { message } = await inbox.receive(30_000);
    const { port } = message as { type: 'LISTENING'; port: number };
    const before = await client.stats();

    await expectHelloAnswers(port);

    const after = await client.stats();
    const handlers = workers.map((w) => spawnedOn(before, after, w));
    // One handler per request, and (the placement cost alternating a burst of spawns) some on each worker.
    expect(handlers.reduce((a, b) => a + b, 0)).toBe(20);
    expect(handlers.every((n) => n > 0)).toBe(true);
    expect(await client.kill(server, 'shutdown')).toBe(true);
    inbox.close();
  });

  it('plays ping-pong between processes on different workers', async () => {
    await client.load(repoPath('examples/ping-pong/pong.ts'));
    await client.load(repoPath('packages/daemon/test-fixtures/pinger.ts'));
    const inbox = client.inbox();
    const pong = await client.spawn('Pong', {}, { worker: workers[0] });
    const pinger = await client.spawn('Pinger', { pong, count: 500, notify: inbox.name }, { worker: workers[1] });
    expect(workerOf(pong)).toBe(workers[0]);
    expect(workerOf(pinger)).toBe(workers[1]);
    const { message } = await inbox.receive(60_000);
    expect(message).toEqual({ type: 'DONE', rounds: 500, pinger, pong });
    inbox.close();
  });

  it('passes tokens around a ring spread over both workers, each pair in FIFO order', async () => {
    await client.load(repoPath('examples/ring/ring.ts'));
    await client.load(repoPath('examples/ring/ring-node.ts'));
    const inbox = client.inbox();
    const before = await client.stats();
    await client.spawn('Ring', { size: 30, laps: 20, tokens: 5, notify: inbox.name, quiet: true });
    // Every ring member throws (ending the ring, so no RING_DONE) if a token overtakes another.
    const { message } = await inbox.receive(60_000);
    expect(message).toEqual({ type: 'RING_DONE', hops: 30 * 20 * 5, size: 30, laps: 20, tokens: 5 });
    const after = await client.stats();
    for (const w of workers) expect(spawnedOn(before, after, w)).toBeGreaterThan(0);
    const crashed = after.reduce((n, s) => n + s.crashed, 0) - before.reduce((n, s) => n + s.crashed, 0);
    expect(crashed).toBe(0);
    inbox.close();
  });

  it('reloads a module: a running process keeps its state and runs processWillUpgrade', async () => {
    const [v1] = await client.load(repoPath('packages/daemon/test-fixtures/counter-v1.ts'));
    const counter = await client.spawn('Counter', { count: 0 });
    for (let i = 0; i < 3; i++) client.send(counter, { type: 'INC' });
    expect(await client.call(counter, { type: 'GET' })).toEqual({ count: 3, code: 1, upgradedFrom: null });

    // Version 2 lives in another file: replacing the module from it is asked for explicitly.
    const [v2] = await client.load(repoPath('packages/daemon/test-fixtures/counter-v2.ts'), { replace: true });
    expect(v2!.name).toBe('Counter');
    expect(v2!.version).toBe(v1!.version + 1);
    expect(v2!.hash).not.toBe(v1!.hash);
    expect(await client.call(counter, { type: 'GET' })).toEqual({ count: 3, code: 2, upgradedFrom: v1!.version });
    client.send(counter, { type: 'INC' });
    expect(await client.call(counter, { type: 'GET' })).toEqual({ count: 13, code: 2, upgradedFrom: v1!.version });
    const listed = (await client.ps()).find((p) => p.name === counter);
    expect(listed).toEqual(expect.objectContaining({ module: 'Counter', version: v2!.version, parent: 'root:1' }));
    expect((await client.modules()).find((m) => m.name === 'Counter')?.version).toBe(v2!.version);
  });

  it('refuses to load a module from another file than the one it is loaded from, unless replace is given', async () => {
    const err = await client.load(repoPath('packages/daemon/test-fixtures/counter-v1.ts')).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'MODULE_INVALID', message: expect.stringContaining("Module 'Counter' of cluster") });
    expect((err as Error).message).toContain("replace it on purpose: 'hypernode-cli reload <file>' (or load --replace; connectCluster().load(file, { replace: true }))");
  });

  it('refuses a module whose constructor throws, names the cause, and stores nothing', async () => {
    const err = await client.load(repoPath('packages/daemon/test-fixtures/bad-constructor.ts')).catch((e: unknown) => e);
    expect(err).toMatchObject({ name: 'HypernodeError', code: 'MODULE_LOAD_FAILED' });
    expect((err as Error).message).toContain("Module 'BadConstructor'");
    expect((err as Error).message).toContain('throws in its constructor: Error: no port configured');
    expect((await client.modules()).map((m) => m.name)).not.toContain('BadConstructor');
  });

  it('refuses to spawn an unknown module with MODULE_NOT_FOUND listing the loaded modules', async () => {
    const err = await client.spawn('HttpServr').catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'MODULE_NOT_FOUND' });
    expect((err as Error).message).toContain(`Module 'HttpServr' is not loaded in cluster '${cluster}'; loaded modules: `);
    expect((err as Error).message).toContain('HttpServer, HttpServerRequestHandler');
  });

  it('lets a process send to a client inbox, and shows every process in tree() under the root', async () => {
    await client.load(repoPath('packages/daemon/test-fixtures/watcher.ts'));
    await client.load(repoPath('packages/daemon/test-fixtures/idle.ts'));
    const inbox = client.inbox();
    const watcher = await client.spawn('Watcher', { children: 4, notify: inbox.name });
    const message = (await inbox.receive(30_000)).message as { type: string; watcher: string; names: string[] };
    expect(message.watcher).toBe(watcher);
    const tree = await client.tree();
    const node = tree.children.find((c) => c.name === watcher);
    expect(node?.children.map((c) => c.name).sort()).toEqual([...message.names].sort());
    expect(await client.kill(watcher)).toBe(true);
    // Its children end with it (cascade across workers).
    await eventually(async () => ((await client.ps()).some((p) => message.names.includes(p.name) || p.name === watcher) ? undefined : true), 30_000, 'the watcher and its children ending');
    inbox.close();
  });

  it('kills a process by name and answers false for one that does not exist', async () => {
    const idle = await client.spawn('Idle', {});
    expect(await client.kill(idle)).toBe(true);
    expect(await client.kill(`${workers[0]}:nope`)).toBe(false);
    await expect(client.kill('root:1')).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
  });
});
