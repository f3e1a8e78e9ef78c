/**
 * Issue 12: no user code in the cluster daemon, and verified module code. A real cluster (hypernode-cluster and one
 * hypernode-node with one worker, as OS processes) with a cluster secret, on this machine's RabbitMQ and Redis under
 * the test's own cluster name; module records are tampered directly in Redis (only this cluster's keys).
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HypernodeError } from '@hypernode/core';
import { hashCode } from '@hypernode/core/runtime';
import { startCli } from '../../../apps/cli/src/test-cli';
import { redisUrl, repoPath, startTestCluster, type TestCluster } from './test-support';

const SECRET = 'module-integrity-test-secret-6f1c2a9e';
const dir = mkdtempSync(join(tmpdir(), 'hn-integrity-'));
let t: TestCluster;
let redis: Redis;

beforeAll(async () => {
  t = await startTestCluster([{ id: 'n1', workers: 1 }], { secret: SECRET });
  redis = new Redis(redisUrl, { lazyConnect: true });
  await redis.connect();
}, 120_000);

afterAll(async () => {
  redis?.disconnect();
  await t?.stop();
  rmSync(dir, { recursive: true, force: true });
}, 60_000);

/** Writes a module file whose top-level code appends its process's pid to `pids`. */
function pidWriter(name: string, pids: string): string {
  const file = join(dir, `${name}.ts`);
  writeFileSync(
    file,
    [
      `/** @hypernode-module ${name} **/`,
      "import { appendFileSync } from 'node:fs';",
      "import { Process } from 'hypernode';",
      `appendFileSync(${JSON.stringify(pids)}, \`\${process.pid}\\n\`);`,
      `(globalThis as { __${name}?: boolean }).__${name} = true;`,
      `export default class ${name} extends Process {}`,
      '',
    ].join('\n'),
  );
  return file;
}

const pidsIn = (file: string): number[] => readFileSync(file, 'utf8').split('\n').filter(Boolean).map(Number);
const moduleKey = (name: string) => `hypernode:${t.cluster}:module:${name}`;

async function rejection(p: Promise<unknown>): Promise<HypernodeError> {
  const err = await p.then(() => undefined, (e: unknown) => e);
  expect(err).toBeInstanceOf(Error);
  return err as HypernodeError;
}

describe('no user code in the cluster daemon', () => {
  it("runs a loaded module's top-level code in the validator and on the worker, never with the cluster daemon's pid", async () => {
    const pids = join(dir, 'pids.txt');
    writeFileSync(pids, '');
    const file = pidWriter('PidWriter', pids);
    const status = await t.client.status();
    const daemonPid = status.daemon.pid;
    const workerPid = status.workers[0]!.pid!;

    const [loaded] = await t.client.load(file);
    expect(loaded).toMatchObject({ name: 'PidWriter', version: 1 });
    const afterLoad = pidsIn(pids);
    // The client's bundling ran it here, and the validator in a process of its own; the cluster daemon never did.
    expect(afterLoad).toContain(process.pid);
    expect(afterLoad.filter((p) => p !== process.pid)).toHaveLength(1);
    expect(afterLoad).not.toContain(daemonPid);
    expect(afterLoad).not.toContain(workerPid);

    const name = await t.client.spawn('PidWriter');
    expect(name.startsWith(`${status.workers[0]!.id}:`)).toBe(true);
    const afterSpawn = pidsIn(pids);
    expect(afterSpawn).toContain(workerPid);
    expect(afterSpawn).not.toContain(daemonPid);
    expect((globalThis as { __PidWriter?: boolean }).__PidWriter).toBe(true); // the client's own bundling
  }, 120_000);
});

describe('verified module code', () => {
  it('refuses a module whose code was changed in Redis (hash left alone): spawn fails with MODULE_TAMPERED, the cluster daemon logs an integrity alert, and a reload repairs it', async () => {
    const pids = join(dir, 'tampered-pids.txt');
    writeFileSync(pids, '');
    const file = pidWriter('Tampered', pids);
    await t.client.load(file);
    const stored = await redis.hget(moduleKey('Tampered'), 'code:1');
    expect(stored).toContain('appendFileSync');
    await redis.hset(moduleKey('Tampered'), 'code:1', `${stored}\nglobalThis.__evil = true;\n`);

    const err = await rejection(t.client.spawn('Tampered'));
    expect(HypernodeError.is(err, 'MODULE_TAMPERED')).toBe(true);
    expect(err.message).toContain("Module 'Tampered' version 1 was refused by the cluster daemon");
    expect(err.message).toContain('its code does not match the hash stored with it');
    expect(err.message).toContain("Reload the module from its source ('hypernode-cli reload <file>')");
    expect(err.message).not.toContain(SECRET);
    await t.clusterDaemon.waitFor(/error.*integrity alert: module 'Tampered' version 1 failed its hash check/);

    // The CLI shows the same refusal.
    const cli = startCli(['spawn', 'Tampered', '--cluster', t.cluster], { HYPERNODE_SECRET: SECRET });
    const result = await cli.finished();
    expect(result.code).not.toBe(0);
    expect(result.err.join('\n')).toMatch(/MODULE_TAMPERED|was refused by the cluster daemon/);
    expect(result.err.join('\n')).toContain("Reload the module from its source");

    // Loading the same file again stores a new, sealed version (the stored code differs), which runs.
    const [reloaded] = await t.client.load(file);
    expect(reloaded).toMatchObject({ name: 'Tampered', version: 2 });
    expect(await t.client.spawn('Tampered')).toMatch(/:/);
    expect(t.clusterDaemon.lines.join('\n')).not.toContain(SECRET);
  }, 120_000);

  it("refuses, on the worker, a module whose code and hash were both changed (the seal no longer matches), and the spawning process hears MODULE_TAMPERED", async () => {
    await t.client.load(repoPath('packages/daemon/test-fixtures/watcher.ts'));
    await t.client.load(repoPath('packages/daemon/test-fixtures/idle.ts'));
    const key = moduleKey('Idle');
    const version = Number(await redis.hget(`hypernode:${t.cluster}:modules`, 'Idle'));
    const code = `${await redis.hget(key, `code:${version}`)}\nglobalThis.__evil = true;\n`;
    await redis.hset(key, `code:${version}`, code, `hash:${version}`, hashCode(code));

    const node = t.nodes.get('n1')!;
    const from = node.lines.length;
    const inbox = t.client.inbox();
    // The cluster daemon checks Watcher's record (intact); Watcher's own spawn of Idle is checked by the worker.
    await t.client.spawn('Watcher', { children: 1, notify: inbox.name });
    const children = (await inbox.receive(30_000)).message as { names: string[] };
    expect(children.names).toHaveLength(1);
    const exit = (await inbox.receive(30_000)).message as { type: string; err: { code?: string; message?: string } };
    expect(exit.type).toBe('CHILD_EXIT');
    expect(exit.err.code).toBe('MODULE_TAMPERED');
    expect(exit.err.message).toContain(`Module 'Idle' version ${version} was refused by worker`);
    expect(exit.err.message).toContain('does not match its seal');
    await node.waitFor(new RegExp(`integrity alert: module 'Idle' version ${version} failed its seal check at worker`), 20_000, from);
    expect(node.lines.join('\n')).not.toContain(SECRET);

    // Through the cluster daemon the same record is refused before any worker is asked.
    const err = await rejection(t.client.spawn('Idle'));
    expect(HypernodeError.is(err, 'MODULE_TAMPERED')).toBe(true);
    expect(err.message).toContain('does not match its seal');
  }, 120_000);
});
