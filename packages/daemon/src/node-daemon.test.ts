/**
 * The node daemon's timing (restart backoff, grace periods) on a ManualClock, with in-memory adapters and
 * fake worker processes: nothing is forked and nothing waits for real time.
 */
import type { ChildProcess } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock, type Logger } from '@hypernode/core';
import { decode, MemoryNetwork, MemoryRegistry } from '@hypernode/core/runtime';
import { stalledWorkers } from './admin-service';
import { serveRpc } from './rpc';
import { RpcGuard } from './rpc-auth';
import type { LogLevel } from './logger';
import type { MetricsAddress } from './metrics-address';
import { startNode, type ForkWorker, type NodeDaemon } from './node-daemon';
import { freePortRun } from './own-servers';

/** A worker process as the node daemon sees it: it says it is ready, and exits when told to unless stubborn. */
class FakeWorker extends EventEmitter {
  readonly signals: string[] = [];
  stubborn = false;
  constructor(readonly pid: number) {
    super();
  }
  kill(signal: NodeJS.Signals): boolean {
    this.signals.push(signal);
    if (!this.stubborn || signal === 'SIGKILL') queueMicrotask(() => this.emit('exit', null, signal));
    return true;
  }
  crash(code = 1): void {
    this.emit('exit', code, null);
  }
}

/** Lets promise continuations run (no time passes on the clock). */
const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

const running: NodeDaemon[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((n) => n.stop()));
});

async function nodeOnManualClock(options: { ready?: boolean; stallLimitMs?: number; metrics?: MetricsAddress; logLevel?: LogLevel; secret?: string } = {}) {
  const clock = new ManualClock(1_000_000);
  const network = new MemoryNetwork({ clock });
  const registry = new MemoryRegistry({ clock });
  const events: unknown[][] = [];
  await network.connect().subscribe((frame) => void events.push(decode(frame) as unknown[]));
  const forked: FakeWorker[] = [];
  const envs: NodeJS.ProcessEnv[] = [];
  const warnings: string[] = [];
  const infos: string[] = [];
  const fork: ForkWorker = (_entry, _args, forkOptions) => {
    const child = new FakeWorker(1000 + forked.length);
    forked.push(child);
    envs.push(forkOptions.env ?? {});
    if (options.ready !== false) queueMicrotask(() => child.emit('message', { type: 'ready' }));
    return child as unknown as ChildProcess;
  };
  // The safe default's start warning (no secret) is not one of the warnings these tests look at.
  const warn = (m: string) => void (m.includes('runs without a cluster secret') ? undefined : warnings.push(m));
  const logger: Logger = { debug: () => undefined, info: (m) => void infos.push(m), warn, error: (m) => void warnings.push(m) };
  const startup = startNode({
    id: 'n1',
    cluster: 'node-daemon-test',
    workers: 1,
    clock,
    fork,
    logger,
    adapters: { transport: network.connect(), registry },
    workerEntry: fileURLToPath(import.meta.url),
    workerExecArgv: [],
    ...(options.stallLimitMs !== undefined ? { stallLimitMs: options.stallLimitMs } : {}),
    ...(options.metrics !== undefined ? { metrics: options.metrics } : {}),
    ...(options.logLevel !== undefined ? { logLevel: options.logLevel } : {}),
    ...(options.secret !== undefined ? { secret: options.secret } : {}),
  });
  return { clock, forked, envs, warnings, infos, startup, events, registry, network };
}

async function startedNode(options: { stallLimitMs?: number; metrics?: MetricsAddress; logLevel?: LogLevel; secret?: string } = {}) {
  const setup = await nodeOnManualClock(options);
  const node = await setup.startup;
  running.push(node);
  return { ...setup, node };
}

/** Advances the clock to one millisecond before `ms`, checks no worker was forked, then to `ms`. */
async function expectRestartAfter(clock: ManualClock, forked: FakeWorker[], ms: number): Promise<void> {
  const before = forked.length;
  clock.advance(ms - 1);
  await settle();
  expect(forked.length, `no replacement before ${ms} ms`).toBe(before);
  clock.advance(1);
  await settle();
  expect(forked.length, `a replacement at ${ms} ms`).toBe(before + 1);
}

describe('the node daemon on a manual clock', () => {
  it("gives each worker the metrics port of its slot (kept by a replacement) and its log level, and counts the worker's exit and restart", async () => {
    const port = await freePortRun(1);
    const { clock, forked, envs, node } = await startedNode({ metrics: { host: '127.0.0.1', port }, logLevel: 'debug' });
    await node.addWorkers(1);
    expect(envs.map((e) => [e.HYPERNODE_METRICS, e.HYPERNODE_LOG_LEVEL])).toEqual([
      [`127.0.0.1:${port + 1}`, 'debug'],
      [`127.0.0.1:${port + 2}`, 'debug'],
    ]);
    forked[0]!.crash(3);
    await expectRestartAfter(clock, forked, 100);
    expect(envs[2]!.HYPERNODE_METRICS).toBe(`127.0.0.1:${port + 1}`);
    const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    expect(text).toContain(`hypernode_node_worker_exits_total{kind="code",cluster="node-daemon-test",node="n1"} 1`);
    expect(text).toContain(`hypernode_node_worker_restarts_total{cluster="node-daemon-test",node="n1"} 1`);
  });

  it('replaces a worker that keeps crashing after 100 ms, then 200 ms, 400 ms..., doubling up to 10 s', async () => {
    const { clock, forked, node } = await startedNode();
    expect(forked).toHaveLength(1);
    for (const ms of [100, 200, 400, 800, 1600, 3200, 6400, 10_000, 10_000]) {
      forked.at(-1)!.crash();
      await expectRestartAfter(clock, forked, ms);
    }
    expect(node.status().workers).toMatchObject([{ slot: 1, restarts: 9 }]);
  });

  it('starts the backoff again from 100 ms once a replacement stayed up for 30 s', async () => {
    const { clock, forked } = await startedNode();
    forked.at(-1)!.crash();
    await expectRestartAfter(clock, forked, 100);
    forked.at(-1)!.crash();
    await expectRestartAfter(clock, forked, 200);
    // Up for 30 s, saying it is alive (as a worker program does every 500 ms).
    for (let i = 0; i < 60; i++) {
      clock.advance(500);
      forked.at(-1)!.emit('message', { type: 'alive' });
    }
    expect(forked.at(-1)!.signals).toEqual([]);
    forked.at(-1)!.crash();
    await expectRestartAfter(clock, forked, 100);
  });

  it('gives every replacement a new worker id in the same slot', async () => {
    const { clock, forked, node } = await startedNode();
    const first = node.status().workers[0]!.id;
    forked.at(-1)!.crash();
    clock.advance(100);
    await settle();
    const second = node.status().workers[0]!;
    expect(second.slot).toBe(1);
    expect(second.id).not.toBe(first);
  });

  it('counts a worker that exits with code 0 unasked (a module called process.exit(0)) as a crash: announced lost and replaced', async () => {
    const { clock, forked, node, warnings, events } = await startedNode();
    const first = node.status().workers[0]!.id;
    forked[0]!.crash(0);
    await settle();
    expect(warnings).toContain(`worker '${first}' (pid 1000) exited with code 0 without being asked to stop; its processes are lost; starting a replacement in 100 ms`);
    expect(events).toContainEqual(['worker-lost', first, 'exited with code 0 without being asked to stop']);
    await expectRestartAfter(clock, forked, 100);
    expect(node.status().workers).toMatchObject([{ slot: 1, restarts: 1, up: true }]);
  });

  it('replaces a worker that fenced itself (exit code 75), saying so', async () => {
    const { clock, forked, node, warnings } = await startedNode();
    const first = node.status().workers[0]!.id;
    forked[0]!.crash(75);
    await settle();
    expect(warnings).toContain(
      `worker '${first}' (pid 1000) exited with code 75: it fenced itself (the cluster had declared it lost while its event loop was blocked); its processes are lost; starting a replacement in 100 ms`,
    );
    await expectRestartAfter(clock, forked, 100);
  });

  it('kills with SIGKILL a worker silent for the stall limit, announces it lost and replaces it', async () => {
    const { clock, forked, node, warnings, events, registry } = await startedNode({ stallLimitMs: 10_000 });
    const stuck = forked[0]!;
    const id = node.status().workers[0]!.id;
    clock.advance(1000);
    expect(node.status().workers[0]).toMatchObject({ silentForMs: 1000, stalled: false });
    await settle();
    clock.advance(1000);
    expect(node.status().workers[0]).toMatchObject({ silentForMs: 2000, stalled: true });
    await settle();
    // Its member record tells the cluster daemon's status which worker seems stuck, and for how long.
    expect(stalledWorkers(await registry.listMembers())).toEqual(new Map([[id, 2000]]));
    clock.advance(7999);
    await settle();
    expect(stuck.signals).toEqual([]);
    clock.advance(1);
    await settle();
    expect(stuck.signals).toEqual(['SIGKILL']);
    expect(warnings).toContain(
      `worker '${id}' (pid 1000) has not answered for 10000 ms, over the stall limit of 10000 ms (its event loop is stuck, e.g. a process in an endless loop); killing it with SIGKILL`,
    );
    expect(events).toContainEqual(['worker-lost', id, 'was stuck for 10000 ms (stall limit 10000 ms) and was killed with SIGKILL']);
    await expectRestartAfter(clock, forked, 100);
    expect(node.status().workers).toMatchObject([{ slot: 1, restarts: 1, up: true, stalled: false }]);
  });

  it('never kills a worker that keeps saying it is alive, however long it runs', async () => {
    const { clock, forked, node } = await startedNode({ stallLimitMs: 3000 });
    for (let i = 0; i < 120; i++) {
      clock.advance(500);
      forked[0]!.emit('message', { type: 'alive' });
    }
    await settle();
    expect(forked[0]!.signals).toEqual([]);
    expect(forked).toHaveLength(1);
    expect(node.status().workers[0]).toMatchObject({ silentForMs: 0, stalled: false });
  });

  it('does not kill workers for a silence its own blocked loop caused; it judges them afresh from then', async () => {
    const { clock, forked, warnings } = await startedNode({ stallLimitMs: 5000 });
    clock.advance(1000);
    clock.block(60_000);
    clock.advance(1);
    await settle();
    expect(forked[0]!.signals).toEqual([]);
    expect(warnings).toEqual(["node 'n1': its own event loop was blocked for about 59000 ms; it judges its workers' silence afresh from now"]);
    clock.advance(4998);
    await settle();
    expect(forked[0]!.signals).toEqual([]);
    clock.advance(1001);
    await settle();
    expect(forked[0]!.signals).toEqual(['SIGKILL']);
  });

  it('refuses a stall limit under one second, naming the option', async () => {
    await expect(startNode({ stallLimitMs: 500 })).rejects.toThrow(
      'startNode() got stallLimitMs: 500; give a whole number of milliseconds, at least 1000.',
    );
  });

  it('sends SIGKILL to a worker being removed only when it has not exited 15 s after SIGTERM', async () => {
    const { clock, forked, node, warnings } = await startedNode();
    const worker = forked[0]!;
    worker.stubborn = true;
    let removed: boolean | undefined;
    void node.removeWorker(node.status().workers[0]!.id).then((r) => (removed = r));
    await settle();
    expect(worker.signals).toEqual(['SIGTERM']);
    clock.advance(14_999);
    await settle();
    expect(worker.signals).toEqual(['SIGTERM']);
    clock.advance(1);
    await settle();
    expect(worker.signals).toEqual(['SIGTERM', 'SIGKILL']);
    expect(removed).toBe(true);
    expect(warnings.some((w) => w.includes('did not stop within 15 s of SIGTERM; killing it'))).toBe(true);
    expect(node.status().workers).toEqual([]);
  });

  it('removes a worker that exits on SIGTERM without ever sending SIGKILL, and does not replace it', async () => {
    const { clock, forked, node } = await startedNode();
    expect(await node.removeWorker(node.status().workers[0]!.id)).toBe(true);
    clock.advance(60_000);
    await settle();
    expect(forked[0]!.signals).toEqual(['SIGTERM']);
    expect(forked).toHaveLength(1);
  });

  it("on stop, marks itself draining and asks its workers (signed with the cluster secret) to evacuate to other nodes' live workers before it sends SIGTERM, then logs the counts", async () => {
    const secret = 'a-test-secret-of-enough-length';
    const { clock, forked, node, registry, network, infos } = await startedNode({ secret });
    const load = { processes: 0, backlog: 0, eventLoopDelayMs: 0, rssBytes: 0, at: 1_000_000 };
    await registry.putMember({ id: 'n2-w1', role: 'worker', node: 'n2', startedAt: 0, load }, 60_000);
    await registry.putMember({ id: 'n3-w1', role: 'worker', node: 'n3', startedAt: 0, load, meta: { draining: true } }, 60_000);
    await registry.putMember({ id: 'n4', role: 'node', node: 'n4', startedAt: 0, meta: { draining: true } }, 60_000);
    await registry.putMember({ id: 'n4-w1', role: 'worker', node: 'n4', startedAt: 0, load }, 60_000);
    const id = node.status().workers[0]!.id;
    const seen: string[] = [];
    let held = 3;
    const server = await serveRpc(network.connect(), `worker.${id}`, {
      stats: () => ({ processes: held }),
      evacuate: async (args: { targets: string[] }) => {
        const self = (await registry.listMembers()).find((m) => m.id === 'n1');
        seen.push(`evacuate to ${args.targets.join(',')}; node draining: ${String(self?.meta?.draining)}; signals so far: ${forked[0]!.signals.length}`);
        held = 1;
        return { moved: 2, refused: 1, failed: 0, outcomes: [] };
      },
      // Like a worker with the cluster secret: it answers only requests signed with it (the node signs as admin).
    }, new RpcGuard('node-daemon-test', secret, clock, { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined }));
    await node.stop('a test');
    await server.close();
    expect(seen).toEqual(['evacuate to n2-w1; node draining: true; signals so far: 0']);
    expect(forked[0]!.signals).toEqual(['SIGTERM']);
    expect(infos).toContain(`evacuation of '${id}' (node 'n1' is draining: a test): moved 2 processes to 'n2-w1'; 1 to end with 'shutdown' (1 refused, 0 could not move)`);
  });

  it('on stop with no other live worker, asks nothing, says the processes end as before, and stops its workers', async () => {
    const { forked, node, network, infos } = await startedNode();
    const id = node.status().workers[0]!.id;
    const asked: string[] = [];
    const server = await serveRpc(network.connect(), `worker.${id}`, {
      stats: () => (asked.push('stats'), { processes: 4 }),
      evacuate: () => (asked.push('evacuate'), { moved: 0, refused: 0, failed: 0, outcomes: [] }),
    });
    await node.stop('a test');
    await server.close();
    expect(asked).toEqual(['stats']);
    expect(forked[0]!.signals).toEqual(['SIGTERM']);
    expect(infos).toContain(`evacuation of '${id}' (node 'n1' is draining: a test): no other worker is left to move to; its 4 processes end with 'shutdown' as before`);
  });

  it('stops its workers without asking them to evacuate when told not to (nodes remove has moved the processes)', async () => {
    const { forked, node, registry, network, infos } = await startedNode();
    const load = { processes: 0, backlog: 0, eventLoopDelayMs: 0, rssBytes: 0, at: 1_000_000 };
    await registry.putMember({ id: 'n2-w1', role: 'worker', node: 'n2', startedAt: 0, load }, 60_000);
    const asked: string[] = [];
    const server = await serveRpc(network.connect(), `worker.${node.status().workers[0]!.id}`, {
      stats: () => (asked.push('stats'), { processes: 4 }),
      evacuate: () => (asked.push('evacuate'), { moved: 4, refused: 0, failed: 0, outcomes: [] }),
    });
    await node.stop('a test', { evacuate: false });
    await server.close();
    expect(asked).toEqual([]);
    expect(forked[0]!.signals).toEqual(['SIGTERM']);
    expect(infos.some((m) => m.startsWith('evacuation of'))).toBe(false);
  });

  it('stops its workers after 10 s when they have not finished evacuating, saying so', async () => {
    const { clock, forked, node, registry, network, warnings } = await startedNode();
    const load = { processes: 0, backlog: 0, eventLoopDelayMs: 0, rssBytes: 0, at: 1_000_000 };
    await registry.putMember({ id: 'n2-w1', role: 'worker', node: 'n2', startedAt: 0, load }, 60_000);
    let evacuating = false;
    const server = await serveRpc(network.connect(), `worker.${node.status().workers[0]!.id}`, {
      stats: () => ({ processes: 4 }),
      evacuate: () => {
        evacuating = true;
        return new Promise(() => undefined);
      },
    });
    let stopped = false;
    void node.stop('a test').then(() => (stopped = true));
    while (!evacuating) await settle();
    clock.advance(9_999);
    await settle();
    expect(forked[0]!.signals).toEqual([]);
    clock.advance(1);
    while (!stopped) await settle();
    await server.close();
    expect(forked[0]!.signals).toEqual(['SIGTERM']);
    expect(warnings).toContain("node 'n1': its workers did not finish evacuating within 10 s; stopping them now (the processes not yet moved end with 'shutdown')");
  });

  it('starts anyway, with a warning, when a new worker has not said it is ready within 30 s', async () => {
    const { clock, warnings, startup, forked } = await nodeOnManualClock({ ready: false });
    let node: NodeDaemon | undefined;
    void startup.then((n) => (node = n));
    while (forked.length === 0) await settle();
    clock.advance(29_999);
    await settle();
    expect(node).toBeUndefined();
    clock.advance(1);
    await settle();
    expect(node).toBeDefined();
    running.push(node!);
    expect(warnings.some((w) => w.includes('1 of 1 new workers did not come up within 30 s'))).toBe(true);
    expect(node!.status().workers).toMatchObject([{ up: false }]);
  });
});

describe('the cluster secret', () => {
  it('reaches forked workers through HYPERNODE_SECRET in their environment, never their arguments, and is empty without one', async () => {
    const secret = 'node-daemon-test-secret-0123456789';
    const launched: { args: string[]; env: NodeJS.ProcessEnv }[] = [];
    const fork: ForkWorker = (_entry, args, options) => {
      launched.push({ args, env: options.env ?? {} });
      const child = new FakeWorker(2000 + launched.length);
      queueMicrotask(() => child.emit('message', { type: 'ready' }));
      return child as unknown as ChildProcess;
    };
    for (const given of [secret, null]) {
      const network = new MemoryNetwork();
      const node = await startNode({
        id: 'n1',
        cluster: 'node-daemon-secret',
        workers: 1,
        fork,
        logger: { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined },
        adapters: { transport: network.connect(), registry: new MemoryRegistry() },
        workerEntry: fileURLToPath(import.meta.url),
        workerExecArgv: [],
        secret: given,
      });
      running.push(node);
    }
    expect(launched).toHaveLength(2);
    expect(launched[0]!.env.HYPERNODE_SECRET).toBe(secret);
    expect(launched[0]!.args.join(' ')).not.toContain(secret);
    expect(launched[1]!.env.HYPERNODE_SECRET).toBe('');
  });
});
