/**
 * Test support (not exported, not built): a private RabbitMQ node and a private Redis server for the tests that
 * stop, restart, flush or cut a server, so that `npm test` never touches the machine's own RabbitMQ and Redis.
 *
 * Each server runs on free ports chosen by the OS, with its data in a fresh temporary directory (and, for
 * RabbitMQ, a node name and Erlang cookie of its own), in its own process group. It is torn down by `stop()`
 * (call it in `afterAll`), on the test process's exit, and, should the test process be killed outright, by a
 * small watchdog that ends the server's process group once the test process is gone.
 *
 * Where `rabbitmq-server` or `redis-server` is not installed, {@link ownServersMissing} says what to install and
 * {@link describeWithOwnServers} skips the tests with that message.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { accessSync, constants, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, connect } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { afterAll, beforeAll, describe } from 'vitest';

type Kind = 'rabbitmq' | 'redis';

const INSTALL: Record<Kind, string> = {
  rabbitmq: "rabbitmq-server is not installed (install it: 'apt-get install rabbitmq-server', 'brew install rabbitmq', or see https://www.rabbitmq.com/download.html)",
  redis: "redis-server is not installed (install it: 'apt-get install redis-server', 'brew install redis', or see https://redis.io/download)",
};

/** The path of an executable: the first of `candidates` (absolute paths, or names looked up in PATH) that exists. */
function which(...candidates: string[]): string | undefined {
  const dirs = (process.env.PATH ?? '').split(delimiter).filter(Boolean);
  // Debian's packages install RabbitMQ and Redis in sbin, which a non-root PATH may lack.
  for (const extra of ['/usr/local/sbin', '/usr/sbin', '/sbin']) if (!dirs.includes(extra)) dirs.push(extra);
  for (const c of candidates) {
    for (const path of c.includes('/') ? [c] : dirs.map((d) => join(d, c))) {
      try {
        accessSync(path, constants.X_OK);
        return path;
      } catch {
        // next
      }
    }
  }
  return undefined;
}

// Debian's /usr/sbin/rabbitmq-server and rabbitmqctl are wrappers that switch to the `rabbitmq` user (and to its
// HOME, hence its Erlang cookie, not this node's): use the real scripts behind them where they exist.
const rabbitmqServer = () => which('/usr/lib/rabbitmq/bin/rabbitmq-server', 'rabbitmq-server');
const rabbitmqctl = () => which('/usr/lib/rabbitmq/bin/rabbitmqctl', 'rabbitmqctl');
const redisServer = () => which('redis-server');

/** Why the tests that need private servers of these kinds cannot run here, or undefined when they can. */
export function ownServersMissing(kinds: Kind[]): string | undefined {
  const missing = kinds.filter((k) => (k === 'rabbitmq' ? !rabbitmqServer() || !rabbitmqctl() : !redisServer()));
  return missing.length ? `${missing.map((k) => INSTALL[k]).join('; ')}: these tests start their own servers, so they are skipped` : undefined;
}

/**
 * `describe`, or, when a server of one of `kinds` is not installed, a skipped `describe` whose title says what to
 * install (and the same message on stderr).
 */
export function describeWithOwnServers(kinds: Kind[], name: string, options: { timeout?: number }, body: () => void): void {
  const missing = ownServersMissing(kinds);
  if (missing) {
    process.stderr.write(`hypernode tests: '${name}' skipped: ${missing}\n`);
    describe.skip(`${name} [skipped: ${missing}]`, options, body);
  } else {
    describe(name, options, body);
  }
}

/**
 * Starts a RabbitMQ node of the enclosing `describe`'s own before its tests and stops it after them (see
 * {@link startOwnRabbit}); returns the node, for the tests to call once it is started.
 */
export function useOwnRabbit(): () => OwnRabbit {
  let rabbit: OwnRabbit | undefined;
  beforeAll(async () => {
    rabbit = await startOwnRabbit();
  }, 180_000);
  afterAll(async () => {
    await rabbit?.stop();
  }, 60_000);
  return () => rabbit ?? fail('the own RabbitMQ node is not started: call this inside a test of the describe that called useOwnRabbit');
}

/** As {@link useOwnRabbit}, for a Redis server of the `describe`'s own ({@link startOwnRedis}). */
export function useOwnRedis(): () => OwnRedis {
  let redis: OwnRedis | undefined;
  beforeAll(async () => {
    redis = await startOwnRedis();
  }, 60_000);
  afterAll(async () => {
    await redis?.stop();
  }, 30_000);
  return () => redis ?? fail('the own Redis server is not started: call this inside a test of the describe that called useOwnRedis');
}

function fail(message: string): never {
  throw new Error(message);
}

/** A TCP port nobody listens on right now (the OS picks it). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** Whether 127.0.0.1:`port` can be listened on now. */
function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.unref();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/** `n` consecutive free ports on 127.0.0.1 (the first of them): for a node daemon's --metrics and its workers' ports after it. */
export async function freePortRun(n: number): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const first = await freePort();
    if (first + n - 1 > 65535) continue;
    let ok = true;
    for (let i = 1; i < n && ok; i++) ok = await portFree(first + i);
    if (ok) return first;
  }
  throw new Error(`found no ${n} consecutive free ports on 127.0.0.1 in 50 tries`);
}

/**
 * Connects to 127.0.0.1:`port`, writes `hello` and resolves with what comes back first (or undefined when the
 * connection is refused, closed without answer or silent for a second).
 */
function probe(port: number, hello: Buffer): Promise<Buffer | undefined> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    const done = (value: Buffer | undefined) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(value);
    };
    const timer = setTimeout(() => done(undefined), 1000);
    socket.once('connect', () => socket.write(hello));
    socket.once('data', (data: Buffer) => done(data));
    socket.once('error', () => done(undefined));
    socket.once('close', () => done(undefined));
  });
}

/** True when something accepts a TCP connection on 127.0.0.1:`port`. */
function tcpOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

const AMQP_HEADER = Buffer.from('AMQP\x00\x00\x09\x01', 'latin1');

/** True when an AMQP 0-9-1 server answers on the port (its first frame, Connection.Start, is a method frame). */
async function amqpAnswers(port: number): Promise<boolean> {
  const reply = await probe(port, AMQP_HEADER);
  return reply !== undefined && reply[0] === 1;
}

/** Sends one Redis command (RESP) and resolves with the reply's first line, or undefined. */
async function redisCommand(port: number, ...args: string[]): Promise<string | undefined> {
  const request = `*${args.length}\r\n${args.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`).join('')}`;
  const reply = await probe(port, Buffer.from(request));
  return reply?.toString('utf8').split('\r\n')[0];
}

async function until(what: string, timeoutMs: number, check: () => Promise<boolean>, output: () => string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`${what} within ${timeoutMs} ms; its output:\n${output()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

function exec(file: string, args: string[], env: NodeJS.ProcessEnv, cwd: string, timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(file, args, { env, cwd, timeout: timeoutMs }, (err, stdout, stderr) => {
      if (err) reject(new Error(`${file} ${args.join(' ')} failed: ${err.message}\n${stdout}${stderr}`));
      else resolve(stdout);
    });
  });
}

/** A server process in its own process group, with its output kept, killed with its group on stop or exit. */
class ServerProcess {
  output = '';
  private child: ChildProcess;
  private watchdog: ChildProcess;
  readonly exited: Promise<void>;

  constructor(file: string, args: string[], env: NodeJS.ProcessEnv, cwd: string, dir: string) {
    this.child = spawn(file, args, { env, cwd, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    for (const stream of [this.child.stdout!, this.child.stderr!]) {
      stream.setEncoding('utf8');
      stream.on('data', (chunk: string) => {
        this.output = (this.output + chunk).slice(-20_000);
      });
    }
    this.exited = new Promise((resolve) => this.child.once('exit', () => resolve()));
    running.add(this);
    // If this test process dies without running its exit handlers (SIGKILL, a killed vitest fork), the watchdog
    // ends the server's group and removes its directory within a second or two.
    const group = this.child.pid!;
    this.watchdog = spawn(
      '/bin/sh',
      ['-c', `while kill -0 ${process.pid} 2>/dev/null; do sleep 1; done; kill -KILL -${group} 2>/dev/null; rm -rf '${dir}'`],
      { detached: true, stdio: 'ignore' },
    );
    this.watchdog.unref();
  }

  get alive(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** SIGKILL to the whole process group (the server and what it started), synchronous. */
  killGroup(): void {
    try {
      process.kill(-this.child.pid!, 'SIGKILL');
    } catch {
      // already gone
    }
  }

  /** `signal` to the group, then waits for the server to exit (SIGKILL after `graceMs`). */
  async stop(signal: NodeJS.Signals = 'SIGKILL', graceMs = 10_000): Promise<void> {
    if (this.alive) {
      try {
        process.kill(-this.child.pid!, signal);
      } catch {
        // gone
      }
      const timer = setTimeout(() => this.killGroup(), graceMs);
      await this.exited;
      clearTimeout(timer);
    }
    // Whatever the server left in its group (beam's helpers) goes too.
    this.killGroup();
    running.delete(this);
  }

  dismissWatchdog(): void {
    try {
      this.watchdog.kill('SIGKILL');
    } catch {
      // gone
    }
  }
}

const running = new Set<ServerProcess>();
const dirs = new Set<string>();
process.on('exit', () => {
  for (const server of running) {
    server.killGroup();
    server.dismissWatchdog();
  }
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

function tempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  dirs.add(dir);
  return dir;
}

/** A TLS listener for a private server: PEM files (see own-tls.ts) and whether clients must show a certificate. */
export interface OwnTlsListener {
  ca: string;
  cert: string;
  key: string;
  /** Clients must present a certificate signed by `ca`; default false (one is checked when given). */
  requireClientCert?: boolean;
}

/** A private RabbitMQ node. */
export interface OwnRabbit {
  /** AMQP URL of the node, e.g. `amqp://guest:guest@127.0.0.1:40123`. */
  url: string;
  /** Its AMQP port. */
  port: number;
  /** With `tls`: `amqps://guest:guest@127.0.0.1:<tlsPort>`, its TLS listener (the plain one stays too). */
  tlsUrl?: string;
  /** Its Erlang node name, `hn-test-<random>@localhost`. */
  nodeName: string;
  /** With `{ management: true }`: the management API's URL, `http://127.0.0.1:<port>` (user guest, password guest). */
  managementUrl?: string;
  /** Runs `rabbitmqctl -n <node> ...args` against this node (never the machine's) and resolves with its stdout. */
  rabbitmqctl(args: string[]): Promise<string>;
  /** `rabbitmqctl stop_app`: every connection drops and the AMQP port closes; the Erlang node keeps running. */
  stopApp(): Promise<void>;
  /** `rabbitmqctl start_app`, resolving once the node answers AMQP again (non-durable queues are gone). */
  startApp(): Promise<void>;
  /** stopApp then startApp, as a broker restart. */
  restart(): Promise<void>;
  /**
   * A full restart: the node's process group is stopped (SIGTERM, SIGKILL after 30 s) and the node started again
   * on the same ports and data directory, resolving once it answers AMQP (non-durable queues are gone).
   */
  fullRestart(): Promise<void>;
  /** Closes, from the broker's side, every connection whose client properties contain `match`; resolves with how many. */
  closeConnections(match: string, reason?: string): Promise<number>;
  /** Kills the node and removes its directory. */
  stop(): Promise<void>;
}

/**
 * Starts a RabbitMQ node of its own: free AMQP and distribution ports, a temporary directory for its database,
 * logs, configuration and Erlang cookie (its CLI runs with the same HOME, hence the same cookie), no plugins (or only the management plugin, on a free port, with `{ management: true }`), and
 * none of the machine's configuration files (their listeners would take the machine's port). Resolves once it
 * answers AMQP. Takes several seconds: call it in `beforeAll` with a generous timeout.
 */
export async function startOwnRabbit(options: { startTimeoutMs?: number; tls?: OwnTlsListener; management?: boolean } = {}): Promise<OwnRabbit> {
  const server = rabbitmqServer();
  const ctl = rabbitmqctl();
  if (!server || !ctl) throw new Error(ownServersMissing(['rabbitmq']));
  const startTimeoutMs = options.startTimeoutMs ?? 90_000;
  const dir = tempDir('hn-test-rabbit-');
  const [port, distPort] = [await freePort(), await freePort()];
  const nodeName = `hn-test-${randomBytes(4).toString('hex')}@localhost`;
  for (const sub of ['mnesia', 'log']) mkdirSync(join(dir, sub));
  const managementPort = options.management ? await freePort() : undefined;
  writeFileSync(join(dir, 'enabled_plugins'), managementPort ? '[rabbitmq_management].\n' : '[].\n');
  writeFileSync(join(dir, 'rabbitmq-env.conf'), '');
  const tlsPort = options.tls ? await freePort() : undefined;
  const tlsConf = options.tls
    ? [
        `listeners.ssl.1 = 127.0.0.1:${tlsPort}`,
        `ssl_options.cacertfile = ${options.tls.ca}`,
        `ssl_options.certfile = ${options.tls.cert}`,
        `ssl_options.keyfile = ${options.tls.key}`,
        'ssl_options.verify = verify_peer',
        `ssl_options.fail_if_no_peer_cert = ${options.tls.requireClientCert === true}`,
        '',
      ].join('\n')
    : '';
  const management = managementPort ? `management.tcp.port = ${managementPort}\nmanagement.tcp.ip = 127.0.0.1\n` : '';
  writeFileSync(join(dir, 'rabbitmq.conf'), `listeners.tcp.1 = 127.0.0.1:${port}\n${tlsConf}${management}`);
  writeFileSync(join(dir, '.erlang.cookie'), randomBytes(16).toString('hex').toUpperCase(), { mode: 0o400 });
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    HOME: dir,
    RABBITMQ_NODENAME: nodeName,
    RABBITMQ_USE_LONGNAME: 'false',
    RABBITMQ_NODE_IP_ADDRESS: '127.0.0.1',
    RABBITMQ_NODE_PORT: String(port),
    RABBITMQ_DIST_PORT: String(distPort),
    RABBITMQ_MNESIA_BASE: join(dir, 'mnesia'),
    RABBITMQ_LOG_BASE: join(dir, 'log'),
    RABBITMQ_ENABLED_PLUGINS_FILE: join(dir, 'enabled_plugins'),
    RABBITMQ_CONFIG_FILE: join(dir, 'rabbitmq.conf'),
    RABBITMQ_ADVANCED_CONFIG_FILE: join(dir, 'advanced.config'),
    RABBITMQ_CONF_ENV_FILE: join(dir, 'rabbitmq-env.conf'),
    RABBITMQ_PID_FILE: join(dir, 'rabbitmq.pid'),
  };
  let proc = new ServerProcess(server, [], env, dir, dir);
  const output = () => proc.output;
  const waitForAmqp = (what: string) =>
    until(what, startTimeoutMs, async () => {
      if (!proc.alive) throw new Error(`the private RabbitMQ node ${nodeName} exited; its output:\n${proc.output}`);
      return amqpAnswers(port);
    }, output);
  const stop = async () => {
    await proc.stop('SIGKILL');
    proc.dismissWatchdog();
    rmSync(dir, { recursive: true, force: true });
    dirs.delete(dir);
  };
  try {
    await waitForAmqp(`the private RabbitMQ node ${nodeName} did not answer AMQP on 127.0.0.1:${port}`);
    if (managementPort) {
      await until(`the management API of the private RabbitMQ node ${nodeName} did not answer on 127.0.0.1:${managementPort}`, startTimeoutMs, async () => {
        const res = await fetch(`http://127.0.0.1:${managementPort}/api/overview`, { headers: { authorization: `Basic ${Buffer.from('guest:guest').toString('base64')}` } }).catch(() => undefined);
        return res?.ok === true;
      }, output);
    }
  } catch (err) {
    await stop();
    throw err;
  }
  const run = (args: string[]) => exec(ctl, ['-n', nodeName, ...args], env, dir, 60_000);
  if (tlsPort !== undefined) {
    await until(`the private RabbitMQ node ${nodeName} did not open its TLS port ${tlsPort}`, startTimeoutMs, () => tcpOpen(tlsPort), output).catch(async (err: unknown) => {
      await stop();
      throw err;
    });
  }
  const stopApp = async () => {
    await run(['-q', 'stop_app']);
  };
  const startApp = async () => {
    await run(['-q', 'start_app']);
    await waitForAmqp(`the private RabbitMQ node ${nodeName} did not answer AMQP again after start_app`);
  };
  return {
    url: `amqp://guest:guest@127.0.0.1:${port}`,
    port,
    ...(tlsPort !== undefined ? { tlsUrl: `amqps://guest:guest@127.0.0.1:${tlsPort}` } : {}),
    nodeName,
    ...(managementPort ? { managementUrl: `http://127.0.0.1:${managementPort}` } : {}),
    rabbitmqctl: run,
    stopApp,
    startApp,
    async restart() {
      await stopApp();
      await startApp();
    },
    async fullRestart() {
      const old = proc;
      await old.stop('SIGTERM', 30_000);
      old.dismissWatchdog();
      proc = new ServerProcess(server, [], env, dir, dir);
      await waitForAmqp(`the private RabbitMQ node ${nodeName} did not answer AMQP again after a full restart`);
    },
    async closeConnections(match, reason = 'hypernode test: simulated broker outage') {
      const stdout = await run(['list_connections', 'pid', 'client_properties', '-q']);
      const pids = stdout
        .split('\n')
        .filter((line) => line.includes(match))
        .map((line) => line.split('\t')[0]!);
      await Promise.all(pids.map((pid) => run(['close_connection', pid, reason])));
      return pids.length;
    },
    stop,
  };
}

/** A private Redis server. */
export interface OwnRedis {
  /** Redis URL of the server, e.g. `redis://127.0.0.1:40124`. */
  url: string;
  port: number;
  /** With `tls`: `rediss://127.0.0.1:<tlsPort>`, its TLS listener (the plain one stays too). */
  tlsUrl?: string;
  /** Shuts the server down without saving and starts it again on the same port: it comes back empty. */
  restart(): Promise<void>;
  /** FLUSHALL (of a server started without a password). */
  flushall(): Promise<void>;
  /** Kills the server and removes its directory. */
  stop(): Promise<void>;
}

/**
 * Starts a Redis server of its own on a free port (`--save '' --appendonly no`, a temporary directory), as a child
 * of this process. Resolves once it answers PING (with `password`: `--requirepass`, once it accepts AUTH; its
 * `url` then carries the password).
 */
export async function startOwnRedis(options: { startTimeoutMs?: number; tls?: OwnTlsListener; password?: string } = {}): Promise<OwnRedis> {
  const server = redisServer();
  if (!server) throw new Error(ownServersMissing(['redis']));
  const startTimeoutMs = options.startTimeoutMs ?? 30_000;
  const dir = tempDir('hn-test-redis-');
  const port = await freePort();
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir, '--daemonize', 'no', '--logfile', ''];
  const tlsPort = options.tls ? await freePort() : undefined;
  if (options.tls) {
    const { ca, cert, key, requireClientCert } = options.tls;
    args.push('--tls-port', String(tlsPort), '--tls-cert-file', cert, '--tls-key-file', key, '--tls-ca-cert-file', ca, '--tls-auth-clients', requireClientCert ? 'yes' : 'optional');
  }
  const { password } = options;
  if (password !== undefined) args.push('--requirepass', password);
  let proc: ServerProcess;
  const launch = async () => {
    proc = new ServerProcess(server, args, process.env, dir, dir);
    await until(`the private redis-server did not answer PING on 127.0.0.1:${port}`, startTimeoutMs, async () => {
      if (!proc.alive) throw new Error(`the private redis-server on port ${port} exited; its output:\n${proc.output}`);
      return password === undefined ? (await redisCommand(port, 'PING')) === '+PONG' : (await redisCommand(port, 'AUTH', password)) === '+OK';
    }, () => proc.output);
  };
  const stop = async () => {
    await proc?.stop('SIGKILL');
    proc?.dismissWatchdog();
    rmSync(dir, { recursive: true, force: true });
    dirs.delete(dir);
  };
  try {
    await launch();
  } catch (err) {
    await stop();
    throw err;
  }
  return {
    url: password === undefined ? `redis://127.0.0.1:${port}` : `redis://:${encodeURIComponent(password)}@127.0.0.1:${port}`,
    port,
    ...(tlsPort !== undefined ? { tlsUrl: `rediss://127.0.0.1:${tlsPort}` } : {}),
    async restart() {
      const old = proc;
      // SIGTERM: redis-server shuts down without saving (--save ''), as `shutdown nosave` would.
      await old.stop('SIGTERM');
      old.dismissWatchdog();
      // Nothing to load on the way back up, whatever the shutdown did: it comes back empty.
      rmSync(join(dir, 'dump.rdb'), { force: true });
      await launch();
    },
    async flushall() {
      const reply = await redisCommand(port, 'FLUSHALL');
      if (reply !== '+OK') throw new Error(`FLUSHALL on the private redis-server answered ${reply}`);
    },
    stop,
  };
}
