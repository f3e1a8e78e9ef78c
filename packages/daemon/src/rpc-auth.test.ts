/**
 * Authenticated RPC over the in-memory transport: each refusal (no MAC, wrong secret, replay, stale timestamp,
 * wrong role, a signed request to a daemon without a secret) reaches the caller as an error naming the cause and
 * never the secret, and is logged on the server with the caller's connection. Time is a ManualClock.
 */
import { describe, expect, it } from 'vitest';
import { HypernodeError, ManualClock, type Logger } from '@hypernode/core';
import { decode, encode, MemoryNetwork } from '@hypernode/core/runtime';
import { callRpc, serveRpc } from './rpc';
import { credentialOf, MAX_CLOCK_SKEW_MS, requiredRole, roleSecretText, RpcGuard, RpcSigner } from './rpc-auth';

const SECRET = 'a7f0c1e2d3b4a5968778695a4b3c2d1e0f';
const OTHER = '0000111122223333444455556666777788889999';

function recorder(): Logger & { lines: string[] } {
  const lines: string[] = [];
  const log = (level: string) => (msg: string) => void lines.push(`${level} ${msg}`);
  return { lines, debug: log('debug'), info: log('info'), warn: log('warn'), error: log('error') };
}

/** A server of `admin` (status, spawn, load) guarded with `secret`, and a client transport on the same network. */
async function setup(secret: string | null, cluster = 'rpcauth') {
  const clock = new ManualClock(1_700_000_000_000);
  const net = new MemoryNetwork({ cluster, clock });
  const server = net.connect();
  const client = net.connect();
  const logger = recorder();
  const guard = new RpcGuard(cluster, secret, clock, logger);
  const calls: string[] = [];
  await serveRpc(
    server,
    'admin',
    {
      status: () => (calls.push('status'), { ok: true }),
      spawn: (args: { module: string }) => (calls.push(`spawn ${args.module}`), 'p:1'),
      load: () => (calls.push('load'), []),
    },
    guard,
  );
  const signer = (s: string = SECRET, c = cluster) => new RpcSigner(c, credentialOf(s, c), clock, 'test client');
  return { clock, net, server, client, logger, guard, calls, signer, cluster };
}

async function refusal(p: Promise<unknown>): Promise<HypernodeError> {
  const err = await p.then(
    () => {
      throw new Error('the request was accepted');
    },
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(HypernodeError);
  return err as HypernodeError;
}

function noSecretIn(text: string): void {
  expect(text).not.toContain(SECRET);
  expect(text).not.toContain(OTHER);
}

describe('signed admin requests', () => {
  it('accepts a request signed with the cluster secret, and an unsigned one when no secret is configured', async () => {
    const t = await setup(SECRET);
    await expect(callRpc(t.client, 'admin', 'spawn', { module: 'Echo' }, 1000, t.signer())).resolves.toBe('p:1');
    expect(t.calls).toEqual(['spawn Echo']);
    const open = await setup(null);
    await expect(callRpc(open.client, 'admin', 'status', null, 1000)).resolves.toEqual({ ok: true });
  });

  it('refuses an unsigned request when the daemon has a secret', async () => {
    const t = await setup(SECRET);
    const err = await refusal(callRpc(t.client, 'admin', 'load', { modules: [] }, 1000));
    expect(err.code).toBe('UNAUTHENTICATED');
    expect(err.message).toContain("The request 'load' carries no MAC");
    expect(err.message).toContain('HYPERNODE_SECRET');
    expect(t.calls).toEqual([]);
    expect(t.logger.lines.join('\n')).toMatch(/warn refused request 'load' to 'admin' from in-memory transport #\d+: The request 'load' carries no MAC/);
  });

  it('refuses a request signed with another secret, naming neither secret', async () => {
    const t = await setup(SECRET);
    const err = await refusal(callRpc(t.client, 'admin', 'status', null, 1000, t.signer(OTHER)));
    expect(err.code).toBe('UNAUTHENTICATED');
    expect(err.message).toContain('wrong MAC');
    noSecretIn(err.message);
    noSecretIn(t.logger.lines.join('\n'));
    expect(t.logger.lines.join('\n')).toContain("(signed by 'test client')");
    expect(t.calls).toEqual([]);
  });

  it('refuses a request signed for another cluster with the same secret', async () => {
    const t = await setup(SECRET);
    const err = await refusal(callRpc(t.client, 'admin', 'status', null, 1000, t.signer(SECRET, 'elsewhere')));
    expect(err.code).toBe('UNAUTHENTICATED');
    expect(err.message).toContain('wrong MAC');
  });

  it('refuses a replayed request (same bytes again), and accepts a fresh one', async () => {
    const t = await setup(SECRET);
    const argsBytes = encode({ module: 'Echo' });
    const body = encode(['spawn', argsBytes, t.signer().sign('admin', 'spawn', argsBytes)]);
    const first = decode(await t.client.request('admin', body, 1000)) as [boolean, unknown];
    expect(first).toEqual([true, 'p:1']);
    const again = decode(await t.client.request('admin', body, 1000)) as [boolean, { code: string; message: string }];
    expect(again[0]).toBe(false);
    expect(again[1].code).toBe('UNAUTHENTICATED');
    expect(again[1].message).toContain('is a replay');
    expect(t.calls).toEqual(['spawn Echo']);
    await expect(callRpc(t.client, 'admin', 'spawn', { module: 'Echo' }, 1000, t.signer())).resolves.toBe('p:1');
  });

  it('refuses a request whose arguments were changed after signing', async () => {
    const t = await setup(SECRET);
    const signed = encode({ module: 'Echo' });
    const body = encode(['spawn', encode({ module: 'Evil' }), t.signer().sign('admin', 'spawn', signed)]);
    const reply = decode(await t.client.request('admin', body, 1000)) as [boolean, { code: string; message: string }];
    expect(reply[1].code).toBe('UNAUTHENTICATED');
    expect(t.calls).toEqual([]);
  });

  it('refuses a stale request, naming the clock skew, either way', async () => {
    const t = await setup(SECRET);
    const serverClock = t.clock;
    const behind = new RpcSigner(t.cluster, credentialOf(SECRET, t.cluster), new ManualClock(serverClock.now() - MAX_CLOCK_SKEW_MS - 15_000), 'slow clock');
    const err = await refusal(callRpc(t.client, 'admin', 'status', null, 1000, behind));
    expect(err.code).toBe('UNAUTHENTICATED');
    expect(err.message).toContain("is stale: its timestamp is 75 s behind this daemon's clock, over the 60 s allowed");
    const ahead = new RpcSigner(t.cluster, credentialOf(SECRET, t.cluster), new ManualClock(serverClock.now() + MAX_CLOCK_SKEW_MS + 1000), 'fast clock');
    expect((await refusal(callRpc(t.client, 'admin', 'status', null, 1000, ahead))).message).toContain('61 s ahead of');
    // Within the window: accepted.
    const close = new RpcSigner(t.cluster, credentialOf(SECRET, t.cluster), new ManualClock(serverClock.now() - MAX_CLOCK_SKEW_MS + 1000), 'ok clock');
    await expect(callRpc(t.client, 'admin', 'status', null, 1000, close)).resolves.toEqual({ ok: true });
  });

  it('keeps nonces only for the window: a replay after it is refused as stale, and old nonces are forgotten', async () => {
    const t = await setup(SECRET);
    const argsBytes = encode(null);
    const body = encode(['status', argsBytes, t.signer().sign('admin', 'status', argsBytes)]);
    await t.client.request('admin', body, 1000);
    expect(t.guard.noncesHeld).toBe(1);
    t.clock.advance(MAX_CLOCK_SKEW_MS + 1);
    const late = decode(await t.client.request('admin', body, 1000)) as [boolean, { message: string }];
    expect(late[1].message).toContain('is stale');
    await callRpc(t.client, 'admin', 'status', null, 1000, t.signer());
    expect(t.guard.noncesHeld).toBe(1);
  });

  it('refuses a method above the role of the secret (FORBIDDEN, naming the role needed)', async () => {
    const t = await setup(SECRET);
    const read = roleSecretText(SECRET, t.cluster, 'read');
    const operate = roleSecretText(SECRET, t.cluster, 'operate');
    await expect(callRpc(t.client, 'admin', 'status', null, 1000, t.signer(read))).resolves.toEqual({ ok: true });
    const spawn = await refusal(callRpc(t.client, 'admin', 'spawn', { module: 'Echo' }, 1000, t.signer(read)));
    expect(spawn.code).toBe('FORBIDDEN');
    expect(spawn.message).toBe("The request 'spawn' needs the role 'operate'; it is signed as 'read'. Use a secret of role 'operate' or higher (hypernode-cli secret role operate).");
    await expect(callRpc(t.client, 'admin', 'spawn', { module: 'Echo' }, 1000, t.signer(operate))).resolves.toBe('p:1');
    const load = await refusal(callRpc(t.client, 'admin', 'load', { modules: [] }, 1000, t.signer(operate)));
    expect(load.code).toBe('FORBIDDEN');
    expect(load.message).toContain("needs the role 'admin'");
    expect(t.calls).toEqual(['status', 'spawn Echo']);
    noSecretIn(t.logger.lines.join('\n'));
  });

  it('refuses a role secret that claims a higher role than its key', async () => {
    const t = await setup(SECRET);
    const readKey = roleSecretText(SECRET, t.cluster, 'read').split(':')[2]!;
    const forged = new RpcSigner(t.cluster, { role: 'admin', key: Buffer.from(readKey, 'hex') }, t.clock, 'forger');
    const err = await refusal(callRpc(t.client, 'admin', 'load', { modules: [] }, 1000, forged));
    expect(err.code).toBe('UNAUTHENTICATED');
    expect(err.message).toContain('wrong MAC');
  });

  it('tells a client with a secret that the daemon has none', async () => {
    const t = await setup(null);
    const err = await refusal(callRpc(t.client, 'admin', 'status', null, 1000, t.signer()));
    expect(err.code).toBe('UNAUTHENTICATED');
    expect(err.message).toContain("is signed with a cluster secret, but this daemon of cluster 'rpcauth' has none");
  });

  it('bounds the refusals it logs to 20 a minute and counts the rest', async () => {
    const t = await setup(SECRET);
    for (let i = 0; i < 25; i++) await refusal(callRpc(t.client, 'admin', 'status', null, 1000));
    expect(t.logger.lines.filter((l) => l.startsWith('warn refused'))).toHaveLength(20);
    t.clock.advance(60_000);
    await refusal(callRpc(t.client, 'admin', 'status', null, 1000));
    expect(t.logger.lines.at(-1)).toContain('(and 5 more refusals not logged before this one)');
  });
});

describe('roles and role secrets', () => {
  it('maps methods to roles; unknown methods need admin', () => {
    expect(['status', 'nodes', 'modules', 'ps', 'tree', 'stats', 'top', 'dead-letters', 'exits'].map(requiredRole)).toEqual(Array(9).fill('read'));
    expect(['spawn', 'send', 'call', 'kill'].map(requiredRole)).toEqual(Array(4).fill('operate'));
    expect(['load', 'reload', 'workers-add', 'workers-remove', 'nodes-remove', 'drain', 'toString', 'whatever'].map(requiredRole)).toEqual(Array(8).fill('admin'));
  });

  it('reads a role secret as that role, and refuses a malformed one without showing it', () => {
    const text = roleSecretText(SECRET, 'c1', 'operate');
    expect(text).toMatch(/^role:operate:[0-9a-f]{64}$/);
    expect(credentialOf(text, 'c1').role).toBe('operate');
    expect(credentialOf(SECRET, 'c1').role).toBe('admin');
    const bad = (() => {
      try {
        credentialOf('role:root:abcd', 'c1');
      } catch (e) {
        return e as HypernodeError;
      }
      return null;
    })();
    expect(bad?.code).toBe('BAD_SECRET');
    expect(bad?.message).not.toContain('abcd');
  });
});
