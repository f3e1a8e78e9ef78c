/**
 * The web dashboard over the in-memory transport and registry: a cluster daemon with `http` on a free loopback
 * port, one worker daemon, a websocket client reading the snapshots, and plain HTTP requests for the login.
 */
import { request } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { Logger } from '@hypernode/core';
import { hashCode, MemoryNetwork, MemoryRegistry, roleSecret, type Transport } from '@hypernode/core/runtime';
import { startCluster, type ClusterDaemon } from '../cluster-daemon';
import { callRpc } from '../rpc';
import { startWorker, type WorkerDaemon } from '../worker-daemon';
import { startDashboard } from './server';
import type { Snapshot } from './snapshot';

const quiet: Logger = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };

const MODULES: Record<string, string> = {
  Idle: `const { Process } = require('hypernode');
class Idle extends Process {}
module.exports = { Idle };`,
  // Throws the text it is sent, as an error.
  Crasher: `const { Process } = require('hypernode');
class Crasher extends Process {
  processDidReceiveMessage(state, msg) { throw new Error(msg.crash); }
}
module.exports = { Crasher };`,
  // Registers a name, links to and monitors the process it is given.
  Tied: `const { Process } = require('hypernode');
class Tied extends Process {
  async processWillRun(state, ctx) { await ctx.register(state.as); ctx.link(state.to); ctx.monitor(state.to); return state; }
}
module.exports = { Tied };`,
};

interface Setup {
  cluster: ClusterDaemon;
  worker: WorkerDaemon;
  client: Transport;
  admin<T>(op: string, args: unknown): Promise<T>;
}

let running: Setup | undefined;
const sockets: WebSocket[] = [];
afterEach(async () => {
  for (const s of sockets.splice(0)) s.terminate();
  if (running) {
    await running.worker.stop('the test ends');
    await running.cluster.stop();
    await running.client.close();
    running = undefined;
  }
});

async function start(cluster: string, secret: string | null = null): Promise<Setup> {
  const network = new MemoryNetwork();
  const registry = new MemoryRegistry();
  for (const [name, code] of Object.entries(MODULES)) await registry.addModuleVersion(name, { code, hash: hashCode(code) });
  const c = await startCluster({ cluster, adapters: { transport: network.connect(), registry }, logger: quiet, http: { host: '127.0.0.1', port: 0 }, secret });
  const worker = await startWorker({ id: 'w1', cluster, adapters: { transport: network.connect(), registry }, logger: quiet });
  const client = network.connect();
  running = { cluster: c, worker, client, admin: (op, args) => callRpc(client, 'admin', op, args, 10_000) };
  return running;
}

/** A websocket to the dashboard, with a way to wait for a snapshot or a reply that satisfies a test. */
function open(url: string, headers: Record<string, string> = {}) {
  const ws = new WebSocket(`${url.replace(/^http/, 'ws')}ws`, { headers });
  sockets.push(ws);
  const messages: { type: string; snapshot?: Snapshot; [k: string]: unknown }[] = [];
  const waiters = new Set<() => void>();
  ws.on('message', (data) => {
    messages.push(JSON.parse(data.toString()));
    for (const w of [...waiters]) w();
  });
  const until = <T>(pick: (m: (typeof messages)[number]) => T | undefined): Promise<T> =>
    new Promise((resolve, reject) => {
      const check = () => {
        for (const m of messages) {
          const v = pick(m);
          if (v !== undefined) {
            waiters.delete(check);
            return resolve(v);
          }
        }
      };
      ws.once('error', reject);
      waiters.add(check);
      check();
    });
  return { ws, until, snapshot: (pred: (s: Snapshot) => boolean) => until((m) => (m.type === 'snapshot' && pred(m.snapshot!) ? m.snapshot! : undefined)) };
}

/** Resolves with the HTTP status of a websocket upgrade the server refused, or 101 when it accepted. */
function upgradeStatus(url: string, headers: Record<string, string> = {}): Promise<number> {
  return new Promise((resolve) => {
    const ws = new WebSocket(`${url.replace(/^http/, 'ws')}ws`, { headers });
    sockets.push(ws);
    ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
    ws.on('open', () => resolve(101));
    ws.on('error', () => undefined);
  });
}

describe('the web dashboard of a cluster daemon', () => {
  it('pushes the process tree, modules and a crash with its reason, and answers a process detail', async () => {
    const t = await start('dash-unit');
    const url = t.cluster.dashboardUrl!;
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    const page = await fetch(url);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('id="tree"');
    const live = open(url);

    const idle = await t.admin<string>('spawn', { module: 'Idle', state: {} });
    const seen = await live.snapshot((s) => s.processes.some((p) => p.name === idle));
    const row = seen.processes.find((p) => p.name === idle)!;
    expect(row).toMatchObject({ module: 'Idle', version: 1, worker: 'w1', parent: 'root:1', mailbox: 0, restarts: 0, ageFrom: 'spawn', msgsInPerSec: 0 });
    expect(seen.workers.map((w) => w.id)).toEqual(['w1']);
    expect(seen.available).toEqual({ top: true, exits: true, deadLetters: true });
    const idleModule = await live.snapshot((s) => s.modules.some((m) => m.name === 'Idle' && m.versions[0]!.processes === 1));
    const version = idleModule.modules.find((m) => m.name === 'Idle')!.versions[0]!;
    expect(version).toMatchObject({ version: 1, hash: hashCode(MODULES.Idle!) });
    expect(typeof version.loadedAt).toBe('number');

    const crasher = await t.admin<string>('spawn', { module: 'Crasher', state: {} });
    await live.snapshot((s) => s.processes.some((p) => p.name === crasher));
    await t.admin('send', { to: crasher, message: { crash: 'disk <b>full</b> & "gone"' } });
    const crashed = await live.snapshot((s) => s.exits.some((e) => e.name === crasher));
    expect(crashed.exits.find((e) => e.name === crasher)).toMatchObject({ module: 'Crasher', worker: 'w1', parent: 'root:1', kind: 'crash', reason: 'Error: disk <b>full</b> & "gone"' });
    expect(crashed.processes.some((p) => p.name === crasher)).toBe(false);

    const tied = await t.admin<string>('spawn', { module: 'Tied', state: { as: 'tied-one', to: idle } });
    live.ws.send(JSON.stringify({ type: 'inspect', id: 7, name: tied }));
    const detail = await live.until((m) => (m.type === 'detail' && m.id === 7 ? (m.detail as Record<string, unknown>) : undefined));
    expect(detail).toMatchObject({ name: tied, module: 'Tied', worker: 'w1', links: [idle], monitors: [idle], names: ['tied-one'], parent: 'root:1' });
    expect(detail.stateBytes).toBeGreaterThan(0);
    live.ws.send(JSON.stringify({ type: 'inspect', id: 8, name: 'w1:nobody' }));
    expect(await live.until((m) => (m.type === 'detail' && m.id === 8 ? m : undefined))).toMatchObject({ detail: null });
  });

  it('fails to start on a port in use with a sentence naming the address and the fix', async () => {
    const t = await start('dash-unit-port');
    const port = Number(new URL(t.cluster.dashboardUrl!).port);
    const err = await startDashboard({ address: { host: '127.0.0.1', port }, secret: null, cluster: 'x', handlers: {}, now: Date.now, logger: quiet }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'INVALID_OPTIONS' });
    expect((err as Error).message).toBe(`The web dashboard cannot listen on 127.0.0.1:${port}: the port is in use (EADDRINUSE); give --http another [host:]port.`);
  });

  it('refuses a websocket from another site and a request naming a host that is not loopback', async () => {
    const t = await start('dash-unit-origin');
    const url = t.cluster.dashboardUrl!;
    expect(await upgradeStatus(url, { Origin: 'http://evil.example' })).toBe(403);
    expect(await upgradeStatus(url, { Host: 'evil.example' })).toBe(403);
    expect(await upgradeStatus(url, { Origin: url.replace(/\/$/, '') })).toBe(101);
    // fetch() will not send another Host: node:http will, as a DNS-rebinding page's requests would carry.
    const rebound = await new Promise<number>((resolve, reject) => {
      request(url, { headers: { Host: 'attacker.example:80' } }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      })
        .on('error', reject)
        .end();
    });
    expect(rebound).toBe(403);
  });

  it('with a cluster secret, asks for it: a wrong one is refused, the read-role secret and the secret itself open a session', async () => {
    const secret = 'a-cluster-secret-long-enough-1234';
    const t = await start('dash-unit-secret', secret);
    const url = t.cluster.dashboardUrl!;
    const first = await fetch(url);
    expect(first.status).toBe(401);
    expect(await first.text()).toContain('name="secret"');
    expect(await upgradeStatus(url)).toBe(401);

    const login = (given: string) =>
      fetch(`${url}login`, { method: 'POST', redirect: 'manual', headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ secret: given }).toString() });
    const wrong = await login('not-the-secret-at-all-000000000');
    expect(wrong.status).toBe(401);
    expect(wrong.headers.get('set-cookie')).toBeNull();
    expect(await wrong.text()).toContain('That is not the secret of this cluster.');

    for (const good of [roleSecret(secret, 'dash-unit-secret', 'read'), secret]) {
      const ok = await login(good);
      expect(ok.status).toBe(303);
      const cookie = ok.headers.get('set-cookie')!;
      expect(cookie).toMatch(/HttpOnly/);
      expect(cookie).toMatch(/SameSite=Strict/);
      const session = cookie.split(';')[0]!;
      expect((await fetch(url, { headers: { Cookie: session } })).status).toBe(200);
      const live = open(url, { Cookie: session });
      expect((await live.snapshot(() => true)).cluster).toBe('dash-unit-secret');
    }
    // Another cluster's read-role secret is not this one's.
    expect((await login(roleSecret(secret, 'another-cluster', 'read'))).status).toBe(401);
    expect(await upgradeStatus(url, { Cookie: 'hypernode_dashboard=0123' })).toBe(401);
  });
});
