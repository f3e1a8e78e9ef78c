// Uses the Redis at HYPERNODE_REDIS_URL (default redis://127.0.0.1:6379), each test under a cluster name of its
// own, removed after. The restart test starts its own throwaway redis-server on a free port (skipped when the
// binary is not on PATH) and never touches that Redis.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { HypernodeError } from '@hypernode/core';
import type { MemberInfo } from '@hypernode/core/runtime';
import { registryContract } from '@hypernode/core/testing';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RedisRegistry } from './redis-registry';

const url = process.env.HYPERNODE_REDIS_URL ?? 'redis://127.0.0.1:6379';
const clusterName = () => `t-${randomUUID().slice(0, 8)}`;
const worker = (id: string): MemberInfo => ({ id, role: 'worker', startedAt: 1 });

let raw: Redis;
beforeAll(() => {
  raw = new Redis(url);
});
afterAll(async () => {
  await raw.quit();
});

async function keysOf(cluster: string): Promise<string[]> {
  const found: string[] = [];
  let cursor = '0';
  do {
    const [next, keys] = await raw.scan(cursor, 'MATCH', `hypernode:${cluster}:*`, 'COUNT', 1000);
    found.push(...keys);
    cursor = next;
  } while (cursor !== '0');
  return found.sort();
}

async function removeCluster(cluster: string): Promise<void> {
  const admin = await RedisRegistry.connect({ url, cluster });
  await admin.deleteCluster();
  await admin.close();
  expect(await keysOf(cluster)).toEqual([]);
}

async function fill(registry: RedisRegistry): Promise<void> {
  await registry.addModuleVersion('Echo', { code: 'e()', hash: 'h-echo' });
  await registry.addModuleVersion('Ping', { code: 'p()', hash: 'h-ping' });
  await registry.putMember(worker('w-1'), 60_000);
  await registry.registerName('svc', 'pid-1');
  await registry.setValue('root', Uint8Array.from([1, 2, 3]));
}

registryContract('RedisRegistry', async () => {
  const cluster = clusterName();
  const registry = await RedisRegistry.connect({ url, cluster });
  return {
    registry,
    cleanup: async () => {
      await registry.close();
      await removeCluster(cluster);
    },
  };
});

describe('RedisRegistry', () => {
  it('keeps two clusters on one Redis apart', async () => {
    const [a, b] = [clusterName(), clusterName()];
    const ra = await RedisRegistry.connect({ url, cluster: a });
    const rb = await RedisRegistry.connect({ url, cluster: b });
    try {
      await fill(ra);
      expect(await rb.listModules()).toEqual([]);
      expect(await rb.listMembers()).toEqual([]);
      expect(await rb.listNames()).toEqual({});
      expect(await rb.getValue('root')).toBeUndefined();
      expect(await rb.registerName('svc', 'pid-b')).toBe(true);
      expect((await rb.addModuleVersion('Echo', { code: 'other()', hash: 'h-other' })).version).toBe(1);

      await ra.deleteCluster();
      expect(await keysOf(a)).toEqual([]);
      expect(await rb.lookupName('svc')).toBe('pid-b');
      expect((await rb.getModuleVersion('Echo'))!.code).toBe('other()');
    } finally {
      await ra.close();
      await rb.close();
      await removeCluster(a);
      await removeCluster(b);
    }
  });

  it('keeps every key of a cluster under hypernode:<cluster>: and deleteCluster removes them all', async () => {
    const cluster = clusterName();
    const registry = await RedisRegistry.connect({ url, cluster });
    try {
      await fill(registry);
      expect(await keysOf(cluster)).toEqual(
        ['member-info', 'members', 'module:Echo', 'module:Ping', 'modules', 'names', 'values'].map((k) => `hypernode:${cluster}:${k}`),
      );
      await registry.deleteCluster();
      expect(await keysOf(cluster)).toEqual([]);
      expect(await registry.listModules()).toEqual([]);
    } finally {
      await registry.close();
      await removeCluster(cluster);
    }
  });

  it('purgeCluster removes every key under the prefix, also keys outside the layout, and counts them; recordedMembers reads members without pruning', async () => {
    const [cluster, other] = [clusterName(), clusterName()];
    const registry = await RedisRegistry.connect({ url, cluster });
    const neighbour = await RedisRegistry.connect({ url, cluster: other });
    try {
      await fill(registry);
      await fill(neighbour);
      await registry.putMember({ id: 'n-1', role: 'node', startedAt: 1 }, 60_000);
      expect((await registry.recordedMembers()).sort((x, y) => x.id.localeCompare(y.id))).toEqual([
        { id: 'n-1', role: 'node' },
        { id: 'w-1', role: 'worker' },
      ]);
      await raw.set(`hypernode:${cluster}:stray`, 'x');
      await raw.set(`hypernode:${cluster}x:not-ours`, 'x');
      expect(await registry.purgeCluster()).toBe(8);
      expect(await keysOf(cluster)).toEqual([]);
      expect(await raw.get(`hypernode:${cluster}x:not-ours`)).toBe('x');
      expect(await keysOf(other)).toHaveLength(7);
    } finally {
      await raw.del(`hypernode:${cluster}x:not-ours`);
      await registry.close();
      await neighbour.close();
      await removeCluster(cluster);
      await removeCluster(other);
    }
  });

  it('stores values as raw bytes in Redis, not as text', async () => {
    const cluster = clusterName();
    const registry = await RedisRegistry.connect({ url, cluster });
    try {
      await registry.setValue('blob', Uint8Array.from([0xff, 0x00, 0xc3]));
      const stored = await raw.hgetBuffer(`hypernode:${cluster}:values`, 'blob');
      expect([...stored!]).toEqual([0xff, 0x00, 0xc3]);
    } finally {
      await registry.close();
      await removeCluster(cluster);
    }
  });

  it('reports a Redis error reply as REGISTRY_DOWN that quotes the reply and keeps it as the cause', async () => {
    const cluster = clusterName();
    const registry = await RedisRegistry.connect({ url, cluster });
    try {
      await raw.set(`hypernode:${cluster}:names`, 'not a hash');
      const err = await registry.lookupName('svc').catch((e: unknown) => e);
      expect(HypernodeError.is(err, 'REGISTRY_DOWN')).toBe(true);
      expect((err as Error).message).toContain('WRONGTYPE');
      expect((err as Error).cause).toBeInstanceOf(Error);
    } finally {
      await registry.close();
      await raw.del(`hypernode:${cluster}:names`);
      await removeCluster(cluster);
    }
  });

  it('reconnects by itself after its connection is killed, and the next calls succeed', async () => {
    const cluster = clusterName();
    const logs: string[] = [];
    const logger = { info: (m: string) => logs.push(`info ${m}`), warn: (m: string) => logs.push(`warn ${m}`) };
    const registry = await RedisRegistry.connect({ url, cluster, logger });
    try {
      await registry.registerName('svc', 'pid-1');
      const before = await registryConnectionId(cluster);
      expect(await raw.client('KILL', 'ID', before)).toBe(1);

      await registry.setValue('after', Uint8Array.from([7]));
      expect([...(await registry.getValue('after'))!]).toEqual([7]);
      expect(await registry.lookupName('svc')).toBe('pid-1');
      expect(await registryConnectionId(cluster)).not.toBe(before);
      expect(logs.some((l) => l.startsWith('warn Lost the connection to Redis at'))).toBe(true);
      expect(logs.some((l) => l.startsWith('info Reconnected to Redis at'))).toBe(true);
    } finally {
      await registry.close();
      await removeCluster(cluster);
    }
  });

  it('rejects connect with REGISTRY_DOWN naming the host and how to start Redis, never the password', async () => {
    const port = await freePort();
    const err = await RedisRegistry.connect({ url: `redis://:s3cret@127.0.0.1:${port}`, cluster: clusterName() }).catch((e: unknown) => e);
    expect(HypernodeError.is(err, 'REGISTRY_DOWN')).toBe(true);
    const message = (err as Error).message;
    expect(message).toContain(`Redis at 'redis://:***@127.0.0.1:${port}'`);
    expect(message).toContain(`redis-server --daemonize yes --port ${port}`);
    expect(message).not.toContain('s3cret');
    expect(JSON.stringify((err as HypernodeError).toJSON())).not.toContain('s3cret');
  });

  it('refuses a cluster name that could reach into another cluster with INVALID_OPTIONS', async () => {
    for (const cluster of ['', 'a:b', 'x*', 'has space']) {
      const err = await RedisRegistry.connect({ url, cluster }).catch((e: unknown) => e);
      expect(HypernodeError.is(err, 'INVALID_OPTIONS'), cluster).toBe(true);
    }
  });

  it('refuses a database index the server does not have with INVALID_OPTIONS, instead of writing to database 0', async () => {
    const u = new URL(url);
    u.pathname = '/99';
    const err = await RedisRegistry.connect({ url: u.toString(), cluster: clusterName() }).catch((e: unknown) => e);
    expect(HypernodeError.is(err, 'INVALID_OPTIONS')).toBe(true);
    expect((err as Error).message).toMatch(/: this Redis has no database 99 \(ERR DB index is out of range\); use a database index below its 'databases' setting/);
  });

  const hasRedisServer = spawnSync('redis-server', ['--version']).status === 0;
  it.skipIf(!hasRedisServer)('reports a wrong password, a wrong user and a missing password as such (with the fix), not as a Redis to start', async () => {
    const port = await freePort();
    const server = await startRedis(port, ['--requirepass', 'right-pw']);
    try {
      const cases: [string, RegExp][] = [
        [`redis://:wrong-pw@127.0.0.1:${port}`, /Redis refused the login \(WRONGPASS .*\); check the user and password in the URL/],
        [`redis://bob:wrong-pw@127.0.0.1:${port}`, /Redis refused the login \(WRONGPASS .*\); check the user and password in the URL/],
        [`redis://127.0.0.1:${port}`, /Redis requires a password \(NOAUTH .*\) and the URL gives none; put it in the URL: redis:\/\/:password@host:port/],
      ];
      for (const [bad, pattern] of cases) {
        const err = await RedisRegistry.connect({ url: bad, cluster: clusterName() }).catch((e: unknown) => e);
        expect(HypernodeError.is(err, 'INVALID_OPTIONS'), bad).toBe(true);
        expect((err as Error).message, bad).toMatch(pattern);
        expect((err as Error).message).toContain(`Cannot connect to Redis at '${bad.replace('wrong-pw', '***')}'`);
        expect((err as Error).message).not.toContain('wrong-pw');
        expect((err as Error).message).not.toContain('start it with');
      }
      const registry = await RedisRegistry.connect({ url: `redis://:right-pw@127.0.0.1:${port}`, cluster: clusterName() });
      expect(await registry.registerName('svc', 'pid-1')).toBe(true);
      await registry.close();
    } finally {
      await stopRedis(server);
    }
  });

  it.skipIf(!hasRedisServer)(
    'survives a Redis restart: calls while it is down reject with REGISTRY_DOWN after the bound, close still resolves, and a call waiting for it succeeds once it is back',
    async () => {
      const port = await freePort();
      let server = await startRedis(port);
      const registry = await RedisRegistry.connect({ url: `redis://127.0.0.1:${port}`, cluster: clusterName(), timeoutMs: 3_000 });
      try {
        const closedWhileDown = await RedisRegistry.connect({ url: `redis://127.0.0.1:${port}`, cluster: clusterName() });
        expect(await registry.registerName('svc', 'pid-1')).toBe(true);
        await stopRedis(server);
        await closedWhileDown.close();
        await expect(closedWhileDown.listNames()).rejects.toMatchObject({ code: 'REGISTRY_DOWN' });

        const err = await registry.lookupName('svc').catch((e: unknown) => e);
        expect(HypernodeError.is(err, 'REGISTRY_DOWN')).toBe(true);
        expect((err as Error).message).toContain(`redis-server --daemonize yes --port ${port}`);

        const waiting = registry.setValue('state', Uint8Array.from([4, 2]));
        server = await startRedis(port);
        await waiting;
        expect([...(await registry.getValue('state'))!]).toEqual([4, 2]);
        expect(await registry.registerName('svc', 'pid-2')).toBe(true);
      } finally {
        await registry.close();
        await stopRedis(server);
      }
    },
  );
});

async function registryConnectionId(cluster: string): Promise<string> {
  const list = String(await raw.call('CLIENT', 'LIST', 'TYPE', 'normal'));
  const line = list.split('\n').find((l) => l.includes(` name=hypernode:${cluster}:registry `));
  if (!line) throw new Error(`no connection named hypernode:${cluster}:registry in CLIENT LIST`);
  return /\bid=(\d+)/.exec(line)![1]!;
}

async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  server.close();
  await once(server, 'close');
  return port;
}

async function startRedis(port: number, extra: string[] = []): Promise<ChildProcess> {
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', tmpdir(), ...extra], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let seen = '';
  await new Promise<void>((resolve, reject) => {
    child.stdout!.on('data', (chunk: Buffer) => {
      seen += chunk.toString();
      if (seen.includes('Ready to accept connections')) resolve();
    });
    child.once('exit', (code) => reject(new Error(`redis-server on port ${port} exited with ${code} before it was ready: ${seen}`)));
  });
  return child;
}

async function stopRedis(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.kill('SIGKILL');
  await exited;
}
