/**
 * A cluster whose daemons have a secret (hypernode-cluster and hypernode-node with one worker, as OS processes, on
 * this machine's RabbitMQ and Redis): the CLI and connectCluster with the secret (or a role secret) work, without
 * one or with a wrong one they are refused with the cause, the daemons log the refusal with the caller's connection,
 * and no log holds a secret. Then the safe default at start: without a secret a daemon refuses a broker that is not
 * on a loopback address, unless --insecure.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { networkInterfaces, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HypernodeError } from '@hypernode/core';
import { connectCluster } from '@hypernode/daemon';
import { amqpUrl, clusterName, DaemonProcess, redisUrl, startTestCluster, type TestCluster } from '../../../packages/daemon/src/test-support';
import { expectOneLineError, startCli, type CliResult } from './test-cli';

const secret = randomBytes(32).toString('hex');
const wrong = randomBytes(32).toString('hex');
let t: TestCluster;
let dir: string;
const roleSecrets: string[] = [];

const idle = `/** @hypernode-module Idle **/
import { Process } from 'hypernode';
export default class Idle extends Process<{ n: number }> {}
`;

/** Runs one CLI command against the test cluster with HYPERNODE_SECRET = `key` (unset when null). */
function cli(key: string | null, ...args: string[]): Promise<CliResult> {
  const env: Record<string, string> = { HYPERNODE_CLUSTER: t.cluster };
  if (key !== null) env.HYPERNODE_SECRET = key;
  return startCli(args, env, key === null ? ['HYPERNODE_SECRET'] : []).finished();
}

async function ok(key: string | null, ...args: string[]): Promise<string[]> {
  const r = await cli(key, ...args);
  if (r.code !== 0) throw new Error(`hypernode-cli ${args.join(' ')} exited with ${r.code}; stderr:\n${r.err.join('\n')}`);
  return r.out;
}

async function refused(p: Promise<unknown>): Promise<HypernodeError> {
  const err = await p.then(
    () => new Error('accepted'),
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(HypernodeError);
  return err as HypernodeError;
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'hypernode-secret-'));
  await writeFile(join(dir, 'idle.ts'), idle);
  t = await startTestCluster([{ id: 'n1', workers: 1 }], { secret });
}, 120_000);

afterAll(async () => {
  await t?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
  // Every line the daemons printed in this file's tests: no secret in any of them.
  const lines = [...(t?.clusterDaemon.lines ?? []), ...[...(t?.nodes.values() ?? [])].flatMap((n) => n.lines)].join('\n');
  for (const s of [secret, wrong, ...roleSecrets, ...roleSecrets.map((r) => r.split(':')[2]!)]) expect(lines.includes(s)).toBe(false);
}, 60_000);

describe('a cluster with a secret', () => {
  it('the CLI with the secret loads, spawns and lists; the daemons sign their own requests to each other', async () => {
    await ok(secret, 'load', join(dir, 'idle.ts'));
    const [name] = await ok(secret, 'spawn', 'Idle', '{"n":1}');
    expect(name).toMatch(/:/);
    const ps = JSON.parse((await ok(secret, 'ps', '--json')).join('\n')) as { name: string }[];
    expect(ps.map((p) => p.name)).toContain(name);
    // status asks each worker for its stats (cluster daemon -> worker, signed): the worker answered.
    const status = JSON.parse((await ok(secret, 'status', '--json')).join('\n')) as { workers: { stats: unknown }[] };
    expect(status.workers).toHaveLength(1);
    expect(status.workers[0]!.stats).not.toBe(null);
  }, 60_000);

  it('the CLI without a secret, or with a wrong one, is refused with the cause, and the daemon logs the caller', async () => {
    const none = await cli(null, 'status');
    expect(none.code).toBe(1);
    expectOneLineError(none.err, /UNAUTHENTICATED|carries no MAC/);
    expect(none.err[0]).toContain("The request 'status' carries no MAC");
    const bad = await cli(wrong, 'load', join(dir, 'idle.ts'));
    expect(bad.code).toBe(1);
    expectOneLineError(bad.err, /has a wrong MAC: it was signed with another secret/);
    expect(bad.err[0]).not.toContain(wrong);
    await t.clusterDaemon.waitFor(/refused request 'status' to 'admin' from connection '[^']+' \(as it names itself\), reply-to '[^']+'.*carries no MAC/);
    // (load asks for the module list first: that is the request refused)
    await t.clusterDaemon.waitFor(/refused request '[a-z-]+' to 'admin' from connection .*\(signed by 'client pid \d+ on [^']+'\).*wrong MAC/);
  }, 60_000);

  it('role secrets: read may list but not kill; operate may spawn but not load', async () => {
    const [read] = await ok(secret, 'secret', 'role', 'read', '--cluster', t.cluster);
    const [operate] = await ok(secret, 'secret', 'role', 'operate', '--cluster', t.cluster);
    roleSecrets.push(read!, operate!);
    expect(read).toMatch(/^role:read:[0-9a-f]{64}$/);
    const modules = await ok(read!, 'modules');
    expect(modules.join('\n')).toContain('Idle');
    const kill = await cli(read!, 'kill', 'nobody:1');
    expectOneLineError(kill.err, /The request 'kill' needs the role 'operate'; it is signed as 'read'/);
    const client = await connectCluster({ cluster: t.cluster, amqp: amqpUrl, redis: redisUrl, secret: operate! });
    try {
      const name = await client.spawn('Idle', { n: 2 });
      expect(await client.kill(name)).toBe(true);
      const load = await refused(client.load(join(dir, 'idle.ts')));
      expect(load.code).toBe('FORBIDDEN');
      expect(load.message).toContain("needs the role 'admin'");
    } finally {
      await client.stop();
    }
  }, 60_000);

  it('connectCluster without the secret, or with a wrong one, is refused', async () => {
    for (const [key, cause] of [
      [undefined, 'carries no MAC'],
      [wrong, 'wrong MAC'],
    ] as const) {
      const client = await connectCluster({ cluster: t.cluster, amqp: amqpUrl, redis: redisUrl, ...(key ? { secret: key } : {}) });
      try {
        const err = await refused(client.status());
        expect(err.code).toBe('UNAUTHENTICATED');
        expect(err.message).toContain(cause);
      } finally {
        await client.stop();
      }
    }
  }, 60_000);
});

/** This machine's first non-loopback IPv4 address (RabbitMQ here listens on loopback only, so nothing answers there). */
function ownAddress(): string {
  for (const list of Object.values(networkInterfaces())) for (const a of list ?? []) if (a.family === 'IPv4' && !a.internal) return a.address;
  return '192.0.2.1';
}

describe('the safe default at start', () => {
  const remote = `amqp://guest:guest@${ownAddress()}:5672`;
  const env = (cluster: string) => ({ HYPERNODE_CLUSTER: cluster, HYPERNODE_AMQP_URL: remote, HYPERNODE_REDIS_URL: redisUrl, HYPERNODE_CONNECT_TIMEOUT_MS: '3000' });

  it('a daemon without a secret refuses a broker that is not on a loopback address, naming the fix', async () => {
    const p = new DaemonProcess('cluster', [], env(clusterName()));
    const exit = await p.exited;
    expect(exit.code).toBe(2);
    const out = p.lines.join('\n');
    expect(out).toContain(`hypernode-cluster refuses to start without a cluster secret against the broker at amqp://guest:***@${ownAddress()}:5672, which is not a loopback address`);
    expect(out).toContain("Make a secret with 'hypernode-cli secret new'");
  }, 30_000);

  it('with --insecure it goes on (and here fails to connect, since nothing listens there)', async () => {
    const p = new DaemonProcess('node', ['--insecure', '--workers', '0'], env(clusterName()));
    const exit = await p.exited;
    expect(exit.code).toBe(1);
    const out = p.lines.join('\n');
    expect(out).not.toContain('refuses to start without a cluster secret');
    expect(out).toMatch(/RabbitMQ/);
  }, 30_000);
});
