import { spawnSync } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createCluster, type EmbeddedCluster } from './cluster';
import type { Context } from './context';
import type { Inbox } from './inbox';
import type { Logger } from './logger';
import { Process } from './process';

// Design 016: an error thrown by a callback a process started, or a promise of it that rejects unhandled, ends
// that process (its parent is told), never the host program or the other processes.

// Vitest listens for unhandled rejections itself (and would count a process's rejection as a failure of the
// test, since Node calls every listener). These tests play a program that has no listener of its own, as the
// seed's embedded program and the worker daemon are: vitest's listeners are set aside during each test.
let vitestListeners: NodeJS.UnhandledRejectionListener[] = [];
beforeEach(() => {
  vitestListeners = process.listeners('unhandledRejection');
  process.removeAllListeners('unhandledRejection');
});
let cluster: EmbeddedCluster | undefined;
afterEach(async () => {
  await cluster?.stop();
  cluster = undefined;
  for (const l of vitestListeners) process.on('unhandledRejection', l);
});

function capturingLogger() {
  const lines: string[] = [];
  const logger: Logger = { debug() {}, info() {}, warn: (m) => lines.push(m), error: (m) => lines.push(m) };
  return { lines, logger };
}

/** Spawns the child it is told to and forwards its CHILD_PROCESS_EXIT to the inbox in its state. */
class Parent extends Process {
  static override moduleName = 'Parent';
  override processDidReceiveMessage(state: any, message: any, from: string, { send, spawn }: Context) {
    if (message?.type === 'CHILD_PROCESS_EXIT') send(state.inbox, { childExit: from, err: message.payload.err });
    else if (message?.spawn) send(state.inbox, { spawned: spawn(message.spawn, { inbox: state.inbox }) });
  }
}

/** Starts, on 'arm', a callback that fails in the way its state's `how` says; answers 'ping' calls. */
class Faulty extends Process {
  static override moduleName = 'Faulty';
  override processDidReceiveMessage(_state: unknown, message: any, _from: string, { reply }: Context) {
    if (message === 'ping') return void reply('pong');
    if (message?.arm === 'timer') {
      setTimeout(() => {
        throw new Error('thrown in a timer');
      }, 1);
    } else if (message?.arm === 'rejection') {
      void Promise.reject(new Error('rejected, nobody awaits'));
    } else if (message?.arm === 'async-fn') {
      // An async function whose promise nobody handles, failing after a real wait.
      void (async () => {
        await new Promise((resolve) => setTimeout(resolve, 1));
        throw new RangeError('async function failed later');
      })();
    } else if (message?.arm === 'emitter') {
      const emitter = new EventEmitter();
      emitter.on('data', (chunk: string) => {
        throw new Error(`listener failed on ${chunk}`);
      });
      setImmediate(() => emitter.emit('data', 'chunk-1'));
    } else if (message?.arm === 'after-end') {
      // The timer outlives the process: its error belongs to a process that has ended.
      setTimeout(() => {
        throw new Error('thrown after the end');
      }, 20);
      throw new Error('handler crashed first');
    }
  }
}

/**
 * The seed's HTTP example, as written there: the request callback spawns a handler with `{ req }`, which is not
 * data, so `spawn` throws a TypeError inside Node's http callback.
 */
class SeedHttpServer extends Process {
  static override moduleName = 'SeedHttpServer';
  override processWillRun(state: any, { send, spawn, getProcessName }: Context) {
    const server = http.createServer((req) => {
      spawn('Faulty', { req });
    });
    server.listen(0, '127.0.0.1', () => send(state.inbox, { port: (server.address() as AddressInfo).port, server: getProcessName() }));
    return { ...state, server };
  }
  override processWillExit(state: any) {
    state.server.close();
    state.server.closeAllConnections();
  }
}

/** Resolves once a line containing `text` is logged (checked each turn of the event loop, up to 10 s). */
function logged(lines: string[], text: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  return new Promise((resolve, reject) => {
    const check = () => {
      if (lines.some((l) => l.includes(text))) resolve();
      else if (Date.now() > deadline) reject(new Error(`no log line with '${text}' in 10 s; got: ${lines.join(' | ')}`));
      else setImmediate(check);
    };
    check();
  });
}

async function family(logger?: Logger): Promise<{ c: EmbeddedCluster; inbox: Inbox; parent: string; bystander: string }> {
  const c = (cluster = await createCluster({ workers: 1, logger: logger ?? capturingLogger().logger, modules: [Parent, Faulty, SeedHttpServer] }));
  const inbox = c.inbox();
  const parent = await c.spawn('Parent', { inbox: inbox.name });
  const bystander = await c.spawn('Faulty', { inbox: inbox.name });
  return { c, inbox, parent, bystander };
}

async function spawnVia(c: EmbeddedCluster, inbox: Inbox, parent: string, module: string): Promise<string> {
  c.send(parent, { spawn: module });
  return ((await inbox.receiveMatching((m) => (m.message as any)?.spawned !== undefined, 10_000)).message as any).spawned;
}

async function childExit(inbox: Inbox, child: string): Promise<any> {
  return ((await inbox.receiveMatching((m) => (m.message as any)?.childExit === child, 10_000)).message as any).err;
}

describe("a process's own callbacks crash the process, not the program", () => {
  const cases = [
    { arm: 'timer', reason: { name: 'Error', message: 'thrown in a timer' } },
    { arm: 'rejection', reason: { name: 'Error', message: 'rejected, nobody awaits' } },
    { arm: 'async-fn', reason: { name: 'RangeError', message: 'async function failed later' } },
    { arm: 'emitter', reason: { name: 'Error', message: 'listener failed on chunk-1' } },
  ];
  for (const { arm, reason } of cases) {
    it(`ends only the process when its ${arm} fails: the parent gets the error, a bystander still answers a call`, async () => {
      const { lines, logger } = capturingLogger();
      const { c, inbox, parent, bystander } = await family(logger);
      const victim = await spawnVia(c, inbox, parent, 'Faulty');
      c.send(victim, { arm });
      expect(await childExit(inbox, victim)).toMatchObject(reason);
      expect((await c.ps()).map((p) => p.name)).not.toContain(victim);
      expect(await c.call(bystander, 'ping', 10_000)).toBe('pong');
      const about = lines.filter((l) => l.includes(victim));
      expect(about).toHaveLength(1);
      expect(about[0]).toContain(`process '${victim}' (Faulty) crashed in a callback or promise it started`);
      expect(about[0]).toContain(reason.message);
    });
  }

  it("survives the seed's HTTP example: the TypeError in the request callback ends the server process and its parent is told", async () => {
    const { lines, logger } = capturingLogger();
    const { c, inbox, parent, bystander } = await family(logger);
    const server = await spawnVia(c, inbox, parent, 'SeedHttpServer');
    const { port } = (await inbox.receiveMatching((m) => (m.message as any)?.port !== undefined, 10_000)).message as { port: number };
    const request = http.get({ host: '127.0.0.1', port, path: '/' });
    const requestEnded = new Promise<string>((resolve) => {
      request.on('error', (err) => resolve(err.message));
      request.on('response', (res) => resolve(`status ${res.statusCode}`));
    });
    const err = await childExit(inbox, server);
    expect(err).toMatchObject({ name: 'TypeError' });
    expect(err.message).toMatch(/initialState/);
    // The server process closed its server in processWillExit, so the client's request ends too.
    expect(await requestEnded).toMatch(/socket hang up|ECONNRESET/);
    expect(await c.call(bystander, 'ping', 10_000)).toBe('pong');
    expect(lines.filter((l) => l.includes(`'${server}' (SeedHttpServer) crashed in a callback`))).toHaveLength(1);
  });

  it('logs and drops an error of a callback whose process has already ended', async () => {
    const { lines, logger } = capturingLogger();
    const { c, inbox, parent, bystander } = await family(logger);
    const victim = await spawnVia(c, inbox, parent, 'Faulty');
    c.send(victim, { arm: 'after-end' });
    expect(await childExit(inbox, victim)).toMatchObject({ message: 'handler crashed first' });
    await logged(lines, 'thrown after the end');
    const dropped = lines.filter((l) => l.includes('thrown after the end'));
    expect(dropped).toHaveLength(1);
    expect(dropped[0]).toContain(`process '${victim}' (Faulty) had already ended when a callback it started failed (dropped)`);
    expect(await c.call(bystander, 'ping', 10_000)).toBe('pong');
  });

  it('holds one handler while clusters run and leaves no listener behind after the last stop()', async () => {
    const before = { rejections: process.listenerCount('unhandledRejection'), exceptions: process.listenerCount('uncaughtException') };
    expect(process.hasUncaughtExceptionCaptureCallback()).toBe(false);
    const silent = capturingLogger().logger;
    const a = await createCluster({ workers: 1, logger: silent });
    const b = await createCluster({ workers: 1, logger: silent });
    expect(process.hasUncaughtExceptionCaptureCallback()).toBe(true);
    expect(process.listenerCount('unhandledRejection')).toBe(before.rejections + 1);
    await a.stop();
    expect(process.hasUncaughtExceptionCaptureCallback()).toBe(true);
    await a.stop();
    expect(process.listenerCount('unhandledRejection')).toBe(before.rejections + 1);
    await b.stop();
    expect(process.hasUncaughtExceptionCaptureCallback()).toBe(false);
    expect(process.listenerCount('unhandledRejection')).toBe(before.rejections);
    expect(process.listenerCount('uncaughtException')).toBe(before.exceptions);
  });
});

describe('an error that belongs to no process', () => {
  // These run a small program in a Node process of its own: the program is meant to exit.
  const core = fileURLToPath(new URL('./index.ts', import.meta.url));
  const tsx = fileURLToPath(new URL('../../../node_modules/tsx/dist/cli.mjs', import.meta.url));
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'hypernode-isolation-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  function run(body: string) {
    const file = join(dir, 'program.mts');
    writeFileSync(
      file,
      `import { createCluster, Process } from ${JSON.stringify(core)};\n` +
        `class Idle extends Process { static moduleName = 'Idle'; }\n` +
        `const cluster = await createCluster({ workers: 1, modules: [Idle] });\n` +
        `await cluster.spawn('Idle');\n${body}\n`,
    );
    return spawnSync(process.execPath, [tsx, file], { encoding: 'utf8', timeout: 60_000 });
  }

  it('exits the program with code 1, as Node does, and the log says the error belongs to no process', () => {
    const r = run(`setTimeout(() => { throw new Error('the program itself failed'); }, 1);`);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('uncaught exception that belongs to no hypernode process');
    expect(r.stderr).toContain('the program itself failed');
  });

  it("turns the program's own unhandled rejection into an exit with code 1, as Node's default does", () => {
    const r = run(`void Promise.reject(new Error('the program rejected'));`);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('uncaught exception that belongs to no hypernode process');
    expect(r.stderr).toContain('the program rejected');
  });

  it("leaves it to the program's own uncaughtException listener, which keeps the program and its processes running", () => {
    const r = run(
      `process.on('uncaughtException', async (err) => {\n` +
        `  console.log('program handled: ' + err.message);\n` +
        `  console.log('processes: ' + (await cluster.ps()).length);\n` +
        `  await cluster.stop();\n` +
        `});\n` +
        `setTimeout(() => { throw new Error('mine'); }, 1);`,
    );
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('program handled: mine');
    expect(r.stdout).toContain('processes: 2');
  });

  it("keeps a process's error from the program's own uncaughtException listener: the process ends, the program hears nothing", () => {
    const r = run(
      `process.on('uncaughtException', (err) => console.log('program saw: ' + err.message));\n` +
        `class Bomb extends Process { static moduleName = 'Bomb'; processWillRun() { setTimeout(() => { throw new Error('process timer'); }, 1); } }\n` +
        `await cluster.load(Bomb);\n` +
        `const bomb = await cluster.spawn('Bomb');\n` +
        `for (let i = 0; i < 10_000 && (await cluster.ps()).some((p) => p.name === bomb); i++) await new Promise((r) => setImmediate(r));\n` +
        `console.log('processes left: ' + (await cluster.ps()).map((p) => p.module).join(','));\n` +
        `await cluster.stop();`,
    );
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('processes left: Root,Idle');
    expect(r.stdout).not.toContain('program saw');
    expect(r.stderr).toContain("(Bomb) crashed in a callback or promise it started, outside its handlers: Error: process timer");
  });
});
