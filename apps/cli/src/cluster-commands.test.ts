import { createServer, type Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import { psLines, stalledWorkerLines } from './commands/ps';
import { statusLines } from './commands/status';
import { treeLines } from './commands/tree';
import { parseJsonArgument, toJson } from './json';
import { table } from './table';
import { expectOneLineError, startCli } from './test-cli';

const commands = [
  ['status'],
  ['nodes'],
  ['nodes', 'remove'],
  ['workers', 'add'],
  ['workers', 'remove'],
  ['modules'],
  ['load'],
  ['reload'],
  ['spawn'],
  ['send'],
  ['call'],
  ['ps'],
  ['tree'],
  ['kill'],
  ['move'],
];

/** Connecting here fails at once: a command that got this far did not check its arguments first. */
const closedBroker = ['--amqp', 'amqp://guest:guest@127.0.0.1:1'];

describe('hypernode-cli cluster commands, without a cluster', () => {
  it('lists every cluster command in --help', async () => {
    const { out, code } = await startCli(['--help']).finished();
    expect(code).toBe(0);
    const text = out.join('\n');
    for (const c of ['status', 'nodes', 'workers', 'modules', 'load <files...>', 'reload <files...>', 'spawn <module> [state-json]', 'send <name> <message>', 'call <name> <message>', 'ps', 'tree', 'kill <name> [reason]', 'move <name>']) {
      expect(text).toContain(`hypernode-cli ${c}`);
    }
  });

  it('gives every command a --help with the cluster options and examples, showing URLs from the environment with their passwords masked', async () => {
    const env = {
      HYPERNODE_CLUSTER: 'prod',
      HYPERNODE_AMQP_URL: 'amqp://admin:hunter2-amqp@mq.example:5672',
      HYPERNODE_REDIS_URL: 'redis://:hunter2-redis@cache.example:6379',
    };
    // Fifteen CLIs start at once: allow for a busy machine.
    const results = await Promise.all(commands.map((c) => startCli([...c, '--help'], env).finished()));
    for (const [i, { out, err, code }] of results.entries()) {
      const text = out.join('\n');
      expect(code, commands[i]!.join(' ')).toBe(0);
      expect(err).toEqual([]);
      for (const flag of ['--cluster', '--amqp-url', '--redis-url', '--connect-timeout', '--timeout', '--json', '--progress', '--verbose']) expect(text).toContain(flag);
      expect(text).toMatch(/--amqp-url, --amqp/);
      expect(text).toMatch(/--redis-url, --redis/);
      expect(text).toContain('Examples:');
      expect(text).toContain('(now: prod)');
      expect(text).toContain('amqp://admin:***@mq.example:5672');
      expect(text).toContain('redis://:***@cache.example:6379');
      expect(text).not.toContain('hunter2');
    }
  }, 300_000);

  it('masks the default RabbitMQ password in --help too', async () => {
    const { out } = await startCli(['status', '--help'], { HYPERNODE_AMQP_URL: '', HYPERNODE_REDIS_URL: '' }).finished();
    expect(out.join('\n')).not.toContain('guest:guest');
  });

  it('rejects a message that is not JSON before connecting, naming the argument and the parse error', async () => {
    const send = await startCli(['send', 'w1:1', '{type:INC}', ...closedBroker]).finished();
    expect(send.code).toBe(1);
    expectOneLineError(send.err, /The <message> argument is not valid JSON \(.*position.*\); pass a JSON value/);
    const call = await startCli(['call', 'w1:1', "{'type':'GET'}", ...closedBroker]).finished();
    expect(call.code).toBe(1);
    expectOneLineError(call.err, /The <message> argument is not valid JSON \(/);
    const spawn = await startCli(['spawn', 'Counter', '{count:0}', ...closedBroker]).finished();
    expect(spawn.code).toBe(1);
    expectOneLineError(spawn.err, /The \[state-json\] argument is not valid JSON \(/);
  });

  it('rejects a bad worker count and a bad --timeout with one line each', async () => {
    const add = await startCli(['workers', 'add', 'n1', '0', ...closedBroker]).finished();
    expect(add.code).toBe(1);
    expectOneLineError(add.err, /The worker count must be a whole number from 1 to 256; got 0\./);
    const timeout = await startCli(['ps', '--timeout', '-5', ...closedBroker]).finished();
    expect(timeout.code).toBe(1);
    expectOneLineError(timeout.err, /--timeout must be a positive number of milliseconds; got -5\./);
  });

  it('rejects a bad move before connecting: no process name, an empty or non-worker --to, --to twice', async () => {
    const cases: [string[], RegExp][] = [
      [['move'], /Not enough non-option arguments: got 0, need at least 1; run with --help for usage\./],
      [['move', '', ...closedBroker], /The <name> argument is empty; give a process's name or a name it registered/],
      [['move', 'w1:1', '--to', '', ...closedBroker], /--to '' is not a worker id; give one from 'hypernode-cli status'/],
      [['move', 'w1:1', '--to', 'w2:3', ...closedBroker], /--to 'w2:3' is not a worker id; .*\(a worker id has no ':'\)/],
      [['move', 'w1:1', '--to', 'w2', '--to', 'w3', ...closedBroker], /--to was given 2 times \(w2, w3\); give it once\./],
    ];
    const results = await Promise.all(cases.map(([args]) => startCli(args).finished()));
    for (const [i, r] of results.entries()) {
      expect(r.code, cases[i]![0].join(' ')).toBe(1);
      expectOneLineError(r.err, cases[i]![1]);
    }
  }, 120_000);

  it('gives up connecting after --connect-timeout when the RabbitMQ URL points at a server that never speaks AMQP, naming the URL (password masked) and the cluster', async () => {
    const sockets: Socket[] = [];
    const silent = createServer((s) => void sockets.push(s.resume()));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const { port } = silent.address() as { port: number };
    try {
      // An empty HYPERNODE_CLUSTER is refused before connecting.
      const empty = await startCli(['status', '--amqp-url', `amqp://ops:s3cret@127.0.0.1:${port}`, '--connect-timeout', '500'], { HYPERNODE_CLUSTER: '' }).finished();
      expect(empty.code).toBe(1);
      expectOneLineError(empty.err, /HYPERNODE_CLUSTER is set but empty; unset it to use the default \(default\)/);
      // Without it, the default cluster is used, and the error says so.
      const noCluster = await startCli(['status', '--amqp', `amqp://ops:s3cret@127.0.0.1:${port}`, '--connect-timeout', '500'], {}, ['HYPERNODE_CLUSTER']).finished();
      expect(noCluster.code).toBe(1);
      expectOneLineError(
        noCluster.err,
        new RegExp(
          `RabbitMQ at 'amqp://ops:\\*\\*\\*@127\\.0\\.0\\.1:${port}' for cluster 'default': no AMQP handshake within 500 ms: is this a RabbitMQ port .* \\[cluster 'default' \\(the default: no --cluster or HYPERNODE_CLUSTER given; others on this broker may use it too\\)\\]$`,
        ),
      );
      expect(noCluster.err[0]).not.toContain('s3cret');
    } finally {
      for (const s of sockets) s.destroy();
      silent.close();
    }
  });

  it('refuses empty or invalid settings before connecting, naming the flag or variable and the fix', async () => {
    const cases: [string[], Record<string, string>, RegExp][] = [
      [['ps'], { HYPERNODE_AMQP_URL: '' }, /HYPERNODE_AMQP_URL is set but empty; unset it to use the default \(amqp:\/\/guest:\*\*\*@127\.0\.0\.1:5672\)/],
      [['ps'], { HYPERNODE_REDIS_URL: 'redis://127.0.0.1:6379/abc' }, /HYPERNODE_REDIS_URL: 'redis:\/\/127\.0\.0\.1:6379\/abc' selects the database 'abc', which is not a database index/],
      [['ps', '--redis', 'redis://:s3cret@127.0.0.1:6379/99x'], {}, /--redis-url: 'redis:\/\/:\*\*\*@127\.0\.0\.1:6379\/99x' selects the database '99x'/],
      [['ps', '--cluster', 'rel1.inbox'], {}, /--cluster 'rel1\.inbox' is not valid \('\.' and ':' separate/],
      [['ps', '--connect-timeout', '0'], {}, /--connect-timeout '0' is not a valid connect timeout/],
      [['ps', '--amqp-url', 'a', '--amqp', 'b'], {}, /--amqp-url was given 2 times \(a, b\); give it once/],
    ];
    const results = await Promise.all(cases.map(([args, env]) => startCli(args, env).finished()));
    for (const [i, r] of results.entries()) {
      expect(r.code, cases[i]![0].join(' ')).toBe(1);
      expectOneLineError(r.err, cases[i]![2]);
      expect(r.err[0]).not.toContain('s3cret');
    }
  }, 60_000);

  it('asks for a subcommand of workers', async () => {
    const { code, err } = await startCli(['workers']).finished();
    expect(code).toBe(1);
    expectOneLineError(err, /Give a workers command: add <node> \[n\], or remove <worker>; run with --help for usage\./);
  });
});

describe('output formats', () => {
  it('ps names on stderr each worker its node reports stalled, whose processes it cannot list', () => {
    const workers = [
      { id: 'w1', stalledForMs: null },
      { id: 'w2', stalledForMs: 12_000 },
    ] as unknown as Parameters<typeof stalledWorkerLines>[0]['workers'];
    expect(stalledWorkerLines({ workers })).toEqual([
      "worker 'w2' is stalled (silent for 12s, its event loop blocked): its processes are not listed; see 'hypernode-cli status'",
    ]);
  });

  it('aligns table columns on the widest cell, shows a missing value as -, and leaves no trailing blanks', () => {
    expect(table(['NAME', 'N', 'NOTE'], [['a', 1, null], ['longer', 22, 'x']])).toEqual(['NAME    N   NOTE', 'a       1   -', 'longer  22  x']);
  });

  it('prints ps with the documented columns and registered names after the name', () => {
    const lines = psLines([
      { name: 'root:1', module: 'Root', version: 1, parent: null, worker: 'root', mailboxSize: 0, status: 'waiting', children: 1, names: [] },
      { name: 'w1:7', module: 'Counter', version: 2, parent: 'root:1', worker: 'w1', mailboxSize: 3, status: 'running', children: 0, names: ['counter'] },
    ]);
    expect(lines).toEqual([
      'NAME            MODULE   VERSION  WORKER  PARENT  MAILBOX  STATUS',
      'root:1          Root     1        root    -       0        waiting',
      'w1:7 [counter]  Counter  2        w1      root:1  3        running',
    ]);
  });

  it('shows a worker its node reports silent as stalled, and the processes of the last blocked run of each worker', () => {
    const now = 1_000_000_000;
    const stats = { processes: 2, spawned: 2, exited: 0, crashed: 0, delivered: 5, sent: 5, deadLetters: 0, deadLettersByReason: {}, exitsByKind: { normal: 0, shutdown: 0, killed: 0, crash: 0 }, badFrames: 0, forgedFrames: 0, backlog: 0 };
    const worker = { node: 'n1', pid: 10, startedAt: now - 60_000, draining: false, load: null, placesOn: null };
    const lines = statusLines(
      {
        cluster: 'c',
        root: 'root:1',
        daemon: { pid: 1, host: 'h', startedAt: now - 60_000 },
        workers: [
          { ...worker, id: 'w1', stats: null, stalledForMs: 12_000, stall: null },
          {
            ...worker,
            id: 'w2',
            stats,
            stalledForMs: null,
            stall: { lastStall: { ms: 9012, at: now - 120_000, processes: [{ name: 'w2:5', module: 'Busy' }], turns: 1 }, lastBlock: null },
          },
        ],
        nodes: [{ id: 'n1', host: 'h', pid: 2, startedAt: now - 60_000, workers: ['w1', 'w2'], meta: { stalled: 'w1=12000', stallLimitMs: 30_000 } }],
        members: [],
      },
      now,
    );
    expect(lines.find((l) => l.startsWith('w1 '))).toContain('stalled 12s');
    expect(lines.find((l) => l.startsWith('w2 '))).toContain(' up ');
    expect(lines.slice(-2)).toEqual([
      "worker 'w1' is stalled: silent for 12s (its event loop is blocked); its node kills and replaces it at 30s",
      "worker 'w2' last blocked its event loop for 9012 ms, 2m 0s ago, in the turn of 'w2:5' (Busy)",
    ]);
  });

  it('says which workers dropped frames that failed the cluster secret\'s check', () => {
    const now = 1_000_000_000;
    const stats = { processes: 1, spawned: 1, exited: 0, crashed: 0, delivered: 0, sent: 0, deadLetters: 0, deadLettersByReason: {}, exitsByKind: { normal: 0, shutdown: 0, killed: 0, crash: 0 }, badFrames: 0, backlog: 0 };
    const worker = { node: 'n1', pid: 10, startedAt: now - 60_000, draining: false, load: null, placesOn: null, stalledForMs: null, stall: null };
    const lines = statusLines(
      {
        cluster: 'c',
        root: 'root:1',
        daemon: { pid: 1, host: 'h', startedAt: now - 60_000 },
        workers: [
          { ...worker, id: 'w1', stats: { ...stats, forgedFrames: 3 } },
          { ...worker, id: 'w2', stats: { ...stats, forgedFrames: 0, framesResent: 12, framesUnacked: 2 } },
        ],
        nodes: [],
        members: [],
      },
      now,
    );
    expect(lines.filter((l) => l.includes('forged'))).toEqual([
      "worker 'w1' dropped 3 forged frames (they failed the cluster secret's check: forged, replayed, or sent by a member without the secret; see docs/security.md)",
    ]);
    expect(lines.filter((l) => l.includes('again'))).toEqual([
      "worker 'w2' sent 12 frames to other workers again since it started (not acknowledged in time: lost with a connection or a broker restart, then delivered once); 2 await an acknowledgement now",
    ]);
  });

  it('draws the process tree with branches, and names the worker of a relocated process', () => {
    const lines = treeLines({
      name: 'root:1',
      module: 'Root',
      worker: 'root',
      children: [
        { name: 'w2:9', module: 'Idle', worker: 'w1', children: [] },
        { name: 'w1:3', module: 'Watcher', worker: 'w1', children: [{ name: 'w1:4', module: 'Idle', worker: 'w1', children: [] }] },
      ],
    });
    expect(lines).toEqual(['root:1  Root', '├─ w1:3  Watcher', '│  └─ w1:4  Idle', '└─ w2:9  Idle  (on w1)']);
  });

  it('prints message data that JSON cannot carry: bigint, Map, Set, typed arrays', () => {
    const text = toJson({ n: 10n, m: new Map([['a', 1]]), pairs: new Map([[1, 'x']]), s: new Set([1, 2]), bytes: new Uint8Array([1, 2]) });
    expect(JSON.parse(text)).toEqual({ n: '10', m: { a: 1 }, pairs: [[1, 'x']], s: [1, 2], bytes: [1, 2] });
  });

  it('names the argument and the parser error for bad JSON', () => {
    expect(() => parseJsonArgument('The <message> argument', '{a}', '{"type":"PING"}')).toThrow(/^The <message> argument is not valid JSON \(.+\); pass a JSON value, for example '\{"type":"PING"\}'/);
  });
});
