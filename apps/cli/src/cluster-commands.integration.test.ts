/**
 * hypernode-cli against a real cluster on this machine's RabbitMQ and Redis: `hypernode-cluster` and
 * `hypernode-node --workers 2` run as OS processes, and every command runs as its own CLI process. A client
 * in the test process only provides an inbox, for modules that report to it.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ProcessInfo } from '@hypernode/core';
import { connectCluster, type ClusterClient, type ClusterStatus, type NodeSummary, type ProcessTree } from '@hypernode/daemon';
import {
  clusterName,
  deleteTestCluster,
  startClusterProcess,
  startNodeProcess,
  type DaemonProcess,
} from '../../../packages/daemon/src/test-support';
import { expectOneLineError, startCli, type CliResult } from './test-cli';

const cluster = clusterName();
/** A cluster name nobody runs a daemon for. */
const unused = clusterName();
let clusterDaemon: DaemonProcess;
let nodeDaemon: DaemonProcess;
let client: ClusterClient;
let dir: string;

/** Runs one CLI command against the test cluster and resolves once it has exited. */
function cli(...args: string[]): Promise<CliResult> {
  return startCli(args, { HYPERNODE_CLUSTER: cluster }).finished();
}

/** Runs a command that must succeed; resolves with its stdout lines. */
async function ok(...args: string[]): Promise<string[]> {
  const r = await cli(...args);
  if (r.code !== 0) throw new Error(`hypernode-cli ${args.join(' ')} exited with ${r.code}; stderr:\n${r.err.join('\n')}`);
  return r.out;
}

/** Runs a command with `--json` and parses its output. */
async function json<T>(...args: string[]): Promise<T> {
  return JSON.parse((await ok(...args, '--json')).join('\n')) as T;
}

const counter = (version: number, step: number) => `/** @hypernode-module Counter **/
import { Process, type Context } from 'hypernode';

type Incoming = { type: 'INC' } | { type: 'GET' };

/** Version ${version}: INC adds ${step}; GET replies with the count and the code version. */
export default class Counter extends Process<{ count: number }, Incoming> {
  override processDidReceiveMessage(state: { count: number }, message: Incoming, _from: string, { reply }: Context<{ count: number }>) {
    if (message.type === 'INC') return { count: state.count + ${step} };
    reply({ count: state.count, code: ${version} });
    return state;
  }
}
`;

const guard = `/** @hypernode-module Guard **/
import { Process, type Context, type ExitReason } from 'hypernode';

/** Idles; when it ends, tells state.notify why. */
export default class Guard extends Process<{ notify: string }> {
  override processWillExit(state: { notify: string }, err: ExitReason, { send, getProcessName }: Context<{ notify: string }>) {
    send(state.notify, { type: 'GUARD_EXIT', name: getProcessName(), err });
  }
}
`;

const brokenConstructor = `/** @hypernode-module Broken **/
import { Process } from 'hypernode';

export default class Broken extends Process {
  constructor() {
    super();
    throw new Error('no port configured');
  }
}
`;

const listener = `/** @hypernode-module Listener **/
import { createServer, type Server } from 'node:net';
import { Process } from 'hypernode';

/** Listens on state.port in processWillRun (so a port in use crashes it at once); BOOM crashes it later. */
export default class Listener extends Process<{ port: number }> {
  private server?: Server;
  override async processWillRun(state: { port: number }) {
    const server = createServer();
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(state.port, '127.0.0.1', () => resolve());
    });
    this.server = server;
    return state;
  }
  override processDidReceiveMessage(state: { port: number }, message: { type: string }) {
    if (message.type === 'BOOM') throw new Error('boom: the handler failed');
    return state;
  }
  override processWillExit() {
    this.server?.close();
  }
}
`;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'hypernode-cli-'));
  await writeFile(join(dir, 'listener.ts'), listener);
  await writeFile(join(dir, 'counter.ts'), counter(1, 1));
  await writeFile(join(dir, 'guard.ts'), guard);
  await writeFile(join(dir, 'broken-constructor.ts'), brokenConstructor);
  await writeFile(join(dir, 'syntax-error.ts'), "import { Process } from 'hypernode';\nexport default class Bad extends Process {\n  processWillRun( {\n}\n");
  await writeFile(join(dir, 'top-level-throw.ts'), "import { Process } from 'hypernode';\nthrow new Error('no config file');\nexport default class Bad extends Process {}\n");
  clusterDaemon = await startClusterProcess(cluster);
  nodeDaemon = await startNodeProcess(cluster, 'n1', 2);
  client = await connectCluster({ cluster });
}, 90_000);

afterAll(async () => {
  await client?.stop();
  await nodeDaemon?.stop();
  await clusterDaemon?.stop();
  await deleteTestCluster(cluster);
  await deleteTestCluster(unused);
  if (dir) await rm(dir, { recursive: true, force: true });
}, 90_000);

// Each test runs several CLI processes (each one compiles its TypeScript with tsx at start): on a loaded 2-core machine
// six of them took over 30 s, so the tests get 90 s.
describe('hypernode-cli against a running cluster', { timeout: 90_000 }, () => {
  let workers: string[];
  let pong: string;
  let counterName: string;

  it('status shows the cluster daemon, node n1 and its two workers, as a table and as JSON', async () => {
    const status = await json<ClusterStatus>('status');
    expect(status.cluster).toBe(cluster);
    expect(status.root).toBe('root:1');
    expect(status.nodes.map((n) => n.id)).toEqual(['n1']);
    workers = status.workers.map((w) => w.id).sort();
    expect(workers).toHaveLength(2);
    expect(status.workers.every((w) => w.node === 'n1' && w.stats !== null)).toBe(true);

    const out = await ok('status');
    expect(out[0]).toMatch(new RegExp(`^cluster '${cluster}': root process 'root:1', cluster daemon pid \\d+ on .+, up \\d+`));
    expect(out[1]).toMatch(/^1 node, 2 workers, \d+ process(es)? on workers$/);
    expect(out[3]).toMatch(/^WORKER +NODE +PID +STATE +PROCESSES +BACKLOG /);
    for (const w of workers) expect(out.some((l) => l.startsWith(w) && /\bn1\b.*\bup\b/.test(l))).toBe(true);
  });

  it('nodes lists n1 with its host, pid and both workers', async () => {
    const list = await json<NodeSummary[]>('nodes');
    expect(list).toEqual([expect.objectContaining({ id: 'n1', pid: expect.any(Number), workers: expect.arrayContaining(workers) })]);
    const out = await ok('nodes');
    expect(out[0]).toMatch(/^NODE +HOST +PID +STATE +CPUS +LOAD +FREE MEMORY +UP +WORKERS$/);
    expect(out[1]).toMatch(new RegExp(`^n1 .* up .* 2: ${workers.join(', ')}$`));
  });

  it('load bundles the ping-pong example and prints each module with its version and short hash; modules lists them', async () => {
    const out = await ok('load', 'examples/ping-pong/ping.ts', 'examples/ping-pong/pong.ts');
    expect(out).toEqual([
      expect.stringMatching(/^loaded Ping v1 [0-9a-f]{8} from examples\/ping-pong\/ping\.ts$/),
      expect.stringMatching(/^loaded Pong v1 [0-9a-f]{8} from examples\/ping-pong\/pong\.ts$/),
    ]);
    const loaded = await json<{ name: string; version: number; hash: string }[]>('load', join(dir, 'guard.ts'));
    expect(loaded).toEqual([expect.objectContaining({ name: 'Guard', version: 1, hash: expect.stringMatching(/^[0-9a-f]{64}$/) })]);

    const modules = await json<{ name: string; version: number; origin?: string }[]>('modules');
    expect(modules.map((m) => m.name)).toEqual(expect.arrayContaining(['Guard', 'Ping', 'Pong', 'Root', 'Supervisor']));
    const table = await ok('modules');
    expect(table[0]).toMatch(/^MODULE +VERSION +HASH +SOURCE$/);
    expect(table).toContainEqual(expect.stringMatching(/^Pong +1 +[0-9a-f]{8} +examples\/ping-pong\/pong\.ts$/));
    expect(table).toContainEqual(expect.stringMatching(/^Root +1 +\S+ +\(built in\)$/));
  });

  it('spawn prints the new name; the spawned processes run (ping-pong across the cluster reports to an inbox)', async () => {
    [pong] = await ok('spawn', 'Pong');
    expect(pong).toMatch(new RegExp(`^(${workers.join('|')}):`));
    const inbox = client.inbox();
    const spawned = await json<{ name: string; module: string }>('spawn', 'Ping', JSON.stringify({ count: 50, notify: inbox.name, quiet: true }));
    expect(spawned.module).toBe('Ping');
    const { message, from } = await inbox.receive(20_000);
    expect(message).toEqual({ type: 'PING_PONG_DONE', count: 50 });
    expect(from).toBe(spawned.name);
    inbox.close();
  });

  it('ps lists every process with the documented columns; its JSON carries module, version, worker and parent', async () => {
    const list = await json<ProcessInfo[]>('ps');
    expect(list[0]).toEqual(expect.objectContaining({ name: 'root:1', module: 'Root', worker: 'root', parent: null }));
    const p = list.find((x) => x.name === pong);
    expect(p).toEqual(
      expect.objectContaining({ module: 'Pong', version: 1, worker: pong.slice(0, pong.indexOf(':')), parent: 'root:1', mailboxSize: 0, status: expect.any(String) }),
    );
    const out = await ok('ps');
    expect(out[0]).toMatch(/^NAME +MODULE +VERSION +WORKER +PARENT +MAILBOX +STATUS$/);
    expect(out).toContainEqual(expect.stringMatching(new RegExp(`^${pong} +Pong +1 +${p!.worker} +root:1 +0 +\\w+$`)));
  });

  it('tree shows the processes indented under the root', async () => {
    const out = await ok('tree');
    expect(out[0]).toBe('root:1  Root');
    expect(out).toContainEqual(expect.stringMatching(new RegExp(`^[├└]─ ${pong}  Pong$`)));
    const root = await json<ProcessTree>('tree');
    expect(root.children.map((c) => c.name)).toContain(pong);
  });

  it('send and call reach a process: three INCs, then GET replies with the count', async () => {
    await ok('load', join(dir, 'counter.ts'));
    [counterName] = await ok('spawn', 'Counter', '{"count":0}');
    for (let i = 0; i < 3; i++) expect(await ok('send', counterName, '{"type":"INC"}')).toEqual([`sent to '${counterName}' (Counter)`]);
    const reply = JSON.parse((await ok('call', counterName, '{"type":"GET"}')).join('\n'));
    expect(reply).toEqual({ count: 3, code: 1 });
  });

  it('reload stores v2 and says so; the running counter keeps its state and runs the new code', async () => {
    await writeFile(join(dir, 'counter.ts'), counter(2, 10));
    const out = await ok('reload', join(dir, 'counter.ts'));
    expect(out).toEqual([
      expect.stringMatching(new RegExp(`^reloaded Counter v1 -> v2 [0-9a-f]{8} from ${join(dir, 'counter.ts')}; 1 running process switches at the next message$`)),
    ]);
    expect(JSON.parse((await ok('call', counterName, '{"type":"GET"}')).join('\n'))).toEqual({ count: 3, code: 2 });
    await ok('send', counterName, '{"type":"INC"}');
    expect(JSON.parse((await ok('call', counterName, '{"type":"GET"}')).join('\n'))).toEqual({ count: 13, code: 2 });
    const p = (await json<ProcessInfo[]>('ps')).find((x) => x.name === counterName);
    expect(p).toEqual(expect.objectContaining({ module: 'Counter', version: 2 }));

    const again = await json<{ name: string; version: number; previousVersion: number; processes: number }[]>('reload', join(dir, 'counter.ts'));
    expect(again).toEqual([expect.objectContaining({ name: 'Counter', version: 2, previousVersion: 2, processes: 1 })]);
  });

  it('kill ends a process with the reason given: its processWillExit sees it', async () => {
    const inbox = client.inbox();
    const [name] = await ok('spawn', 'Guard', JSON.stringify({ notify: inbox.name }));
    expect(await ok('kill', name!, 'shutdown')).toEqual([`killed '${name}' (reason: shutdown)`]);
    expect((await inbox.receive(10_000)).message).toEqual({ type: 'GUARD_EXIT', name, err: 'shutdown' });
    inbox.close();
  });

  it('workers add starts a worker on n1, reports progress, and prints its id once it is up; workers remove stops it', async () => {
    const add = await cli('workers', 'add', 'n1', '--progress');
    expect(add.code).toBe(0);
    expect(add.out).toEqual([expect.stringMatching(/^n1-w3-[0-9a-z]+$/)]);
    const id = add.out[0]!;
    expect(add.err).toContain("starting 1 worker on node 'n1'");
    expect(add.err).toContain(`worker '${id}' is up (1 of 1)`);
    expect((await json<ClusterStatus>('status')).workers.map((w) => w.id)).toContain(id);

    const remove = await cli('workers', 'remove', id, '--progress');
    expect(remove.code).toBe(0);
    expect(remove.out).toEqual([`removed worker '${id}': 0 processes moved to other workers, 0 ended (0 refused, 0 could not move)`]);
    expect(remove.err).toEqual([
      `stopping worker '${id}' of node 'n1': moving its 0 processes to the other workers first`,
      `worker '${id}' has stopped`,
      `hypernode-cli: cluster '${cluster}' (from HYPERNODE_CLUSTER)`,
    ]);
    expect((await json<ClusterStatus>('status')).workers.map((w) => w.id).sort()).toEqual(workers);
  }, 60_000);

  it('fails with one line naming a missing module and listing the loaded ones', async () => {
    const { code, err } = await cli('spawn', 'Countr', '{}');
    expect(code).toBe(1);
    expectOneLineError(err, new RegExp(`Module 'Countr' is not loaded in cluster '${cluster}'; loaded modules: .*Counter.*Pong`));
  });

  it('spawn of a process that crashes in processWillRun (port in use) exits 1 with the crash reason; call to a process that crashes prints its reason', async () => {
    const held = createServer();
    await new Promise<void>((resolve) => held.listen(0, '127.0.0.1', resolve));
    const { port } = held.address() as { port: number };
    try {
      await ok('load', join(dir, 'listener.ts'));
      const crashed = await cli('spawn', 'Listener', JSON.stringify({ port }));
      expect(crashed.code).toBe(1);
      expect(crashed.out).toEqual([]);
      expectOneLineError(crashed.err, new RegExp(`Process '[^']+' \\(Listener\\) ended with reason Error: listen EADDRINUSE: address already in use 127\\.0\\.0\\.1:${port} before its first turn \\(in processWillRun\\)`));
    } finally {
      held.close();
    }
    const [name] = await ok('spawn', 'Listener', '{"port":0}');
    const boom = await cli('call', name!, '{"type":"BOOM"}');
    expect(boom.code).toBe(1);
    expectOneLineError(boom.err, new RegExp(`Process '${name}' ended with reason Error: boom: the handler failed before replying`));
  });

  it('load refuses a file whose module name is loaded from another file, unless --replace; reload replaces', async () => {
    const twin = (says: string) => `import { Process, type Context } from 'hypernode';\nexport default class Twin extends Process {\n  override processDidReceiveMessage(s: unknown, _m: unknown, _f: string, { reply }: Context) {\n    reply('${says}');\n    return s;\n  }\n}\n`;
    await mkdir(join(dir, 'a'), { recursive: true });
    await mkdir(join(dir, 'b'), { recursive: true });
    const [a, b] = [join(dir, 'a', 'twin.ts'), join(dir, 'b', 'twin.ts')];
    await writeFile(a, twin('a'));
    await writeFile(b, twin('b'));
    await ok('load', a);
    const [twinName] = await ok('spawn', 'Twin');
    const refused = await cli('load', b);
    expect(refused.code).toBe(1);
    expectOneLineError(refused.err, new RegExp(`Module 'Twin' of cluster '${cluster}' is loaded from '${a}' \\(v1\\), and '${b}' defines another module of that name; .* replace it on purpose: 'hypernode-cli reload <file>' \\(or load --replace`));
    expect(JSON.parse((await ok('call', twinName!, '"who"')).join('\n'))).toBe('a');
    expect(await ok('load', b, '--replace')).toEqual([expect.stringMatching(/^loaded Twin v2 [0-9a-f]{8} from /)]);
    expect(JSON.parse((await ok('call', twinName!, '"who"')).join('\n'))).toBe('b');
    expect(await ok('reload', a)).toEqual([expect.stringMatching(/^reloaded Twin v2 -> v3 /)]);
    expect(JSON.parse((await ok('call', twinName!, '"who"')).join('\n'))).toBe('a');
  });

  it('fails with one line naming a missing process, for send, call and kill', async () => {
    const missing = `${workers[0]}:no-such-process`;
    for (const args of [['send', missing, '{}'], ['call', missing, '{}'], ['kill', missing]]) {
      const { code, err } = await cli(...args);
      expect(code, args[0]).toBe(1);
      expectOneLineError(err, new RegExp(`No process '${missing}' in cluster '${cluster}' .*hypernode-cli ps`));
    }
  });

  it('fails with one line naming the argument and the parse error for bad JSON', async () => {
    const { code, err } = await cli('send', counterName, '{type: INC}');
    expect(code).toBe(1);
    expectOneLineError(err, /The <message> argument is not valid JSON \(.+\); pass a JSON value/);
  });

  it('refuses modules that fail to bundle, evaluate or construct with one line naming the file and the cause, and the cluster keeps running', async () => {
    const construct = await cli('load', join(dir, 'broken-constructor.ts'));
    expect(construct.code).toBe(1);
    expectOneLineError(construct.err, new RegExp(`Module 'Broken' from '${join(dir, 'broken-constructor.ts')}' throws in its constructor: Error: no port configured`));
    const bundle = await cli('load', join(dir, 'syntax-error.ts'));
    expect(bundle.code).toBe(1);
    expectOneLineError(bundle.err, new RegExp(`${join(dir, 'syntax-error.ts')}.*:\\d+:\\d+: `));
    const evaluate = await cli('reload', join(dir, 'top-level-throw.ts'));
    expect(evaluate.code).toBe(1);
    expectOneLineError(evaluate.err, new RegExp(`${join(dir, 'top-level-throw.ts')}' threw while loading: no config file`));
    const missing = await cli('load', join(dir, 'missing.ts'));
    expect(missing.code).toBe(1);
    expectOneLineError(missing.err, new RegExp(`${join(dir, 'missing.ts')}'?: no such file`));

    expect((await json<{ name: string }[]>('modules')).map((m) => m.name)).not.toContain('Broken');
    expect(JSON.parse((await ok('call', counterName, '{"type":"GET"}')).join('\n'))).toEqual({ count: 13, code: 2 });
  });

  it('says that no cluster daemon answers for a cluster name nobody runs, and how to start one', async () => {
    const { code, err } = await startCli(['ps', '--cluster', unused]).finished();
    expect(code).toBe(1);
    expectOneLineError(err, new RegExp(`No cluster daemon answers for cluster '${unused}'.*start one with 'hypernode-cluster --cluster ${unused}'`));
  });

  it('names the host and how to start the server when RabbitMQ or Redis cannot be reached, never the password', async () => {
    const amqp = await cli('status', '--amqp', 'amqp://guest:s3cret@127.0.0.1:1');
    expect(amqp.code).toBe(1);
    expectOneLineError(amqp.err, /RabbitMQ at 'amqp:\/\/guest:\*\*\*@127\.0\.0\.1:1'.*nothing listens on 127\.0\.0\.1:1; start RabbitMQ with/);
    expect(amqp.err[0]).not.toContain('s3cret');
    const redis = await cli('status', '--redis', 'redis://:s3cret@127.0.0.1:1');
    expect(redis.code).toBe(1);
    expectOneLineError(redis.err, new RegExp(`Redis at 'redis://:\\*\\*\\*@127\\.0\\.0\\.1:1' for cluster '${cluster}': .*start it with 'redis-server`));
    expect(redis.err[0]).not.toContain('s3cret');
  });

  it('nodes remove drains the last node: with no other worker to move to, its processes end cleanly, progress is reported, the node daemon exits', async () => {
    const inbox = client.inbox();
    const guards = [(await ok('spawn', 'Guard', JSON.stringify({ notify: inbox.name })))[0]!, (await ok('spawn', 'Guard', JSON.stringify({ notify: inbox.name })))[0]!];
    const processes = (await json<ProcessInfo[]>('ps')).filter((p) => p.name !== 'root:1').length;

    const drain = await cli('nodes', 'remove', 'n1', '--progress');
    expect(drain.code).toBe(0);
    expect(drain.out).toEqual([`removed node 'n1': 2 workers stopped, no other worker to move them to, ${processes} processes ended`]);
    expect(drain.err.slice(0, 2)).toEqual([
      `draining node 'n1': moving the ${processes} processes of its 2 workers to the other nodes first`,
      `node 'n1': no other worker to move them to, ${processes} processes ended; its workers stop now`,
    ]);
    expect(drain.err.slice(-2)).toEqual(["node 'n1' has left the cluster", `hypernode-cli: cluster '${cluster}' (from HYPERNODE_CLUSTER)`]);

    const exits = [(await inbox.receive(10_000)).message, (await inbox.receive(10_000)).message] as { name: string; err: unknown }[];
    expect(exits.map((e) => e.name).sort()).toEqual([...guards].sort());
    expect(exits.map((e) => e.err)).toEqual(['shutdown', 'shutdown']);
    inbox.close();
    expect(await nodeDaemon.exited).toEqual({ code: 0, signal: null });

    expect(await ok('nodes')).toEqual(["no node daemon is running; start one on each machine with 'hypernode-node'"]);
    expect(await json<ProcessInfo[]>('ps')).toEqual([expect.objectContaining({ name: 'root:1' })]);
  }, 60_000);
});
