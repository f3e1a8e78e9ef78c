/** The safe default's decision (no secret: loopback broker only, unless --insecure) and how the daemons' flags feed it. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { HypernodeError, ManualClock, type Logger } from '@hypernode/core';
import { MemoryNetwork, MemoryRegistry } from '@hypernode/core/runtime';
import { parseClusterArgs, parseNodeArgs, parseWorkerArgs } from './config';
import { startCluster } from './cluster-daemon';
import { isLoopbackHost, safetyVerdict } from './safe-default';

const SECRET = 'f00dfeedf00dfeedf00dfeedf00dfeed';

describe('the safe default', () => {
  it('knows loopback hosts', () => {
    for (const h of ['127.0.0.1', '127.1.2.3', 'localhost', 'LOCALHOST', 'db.localhost', '[::1]', '::1', '::ffff:127.0.0.1']) expect(isLoopbackHost(h), h).toBe(true);
    for (const h of ['10.0.0.5', '192.168.1.2', 'rabbit.example.com', '0.0.0.0', '[::]', '128.0.0.1', 'localhost.example.com']) expect(isLoopbackHost(h), h).toBe(false);
  });

  it('runs secured with a secret, warns without one on loopback, refuses elsewhere unless --insecure', () => {
    expect(safetyVerdict('hypernode-node', { amqpUrl: 'amqp://u:p@rabbit.example.com', secret: SECRET, insecure: false })).toEqual({ kind: 'secured' });
    const loop = safetyVerdict('hypernode-node', { amqpUrl: 'amqp://guest:guest@127.0.0.1:5672', secret: null, insecure: false });
    expect(loop.kind).toBe('warn');
    expect(loop.kind === 'warn' && loop.message).toContain('admin requests (load, spawn, kill, ...) are open to anyone on this machine');
    const remote = safetyVerdict('hypernode-node', { amqpUrl: 'amqp://ops:pw1234@10.1.2.3:5672', secret: null, insecure: false });
    expect(remote.kind).toBe('refuse');
    const text = remote.kind === 'refuse' ? remote.message : '';
    expect(text).toContain("hypernode-node refuses to start without a cluster secret against the broker at amqp://ops:***@10.1.2.3:5672, which is not a loopback address");
    expect(text).toContain("'hypernode-cli secret new'");
    expect(text).toContain('--insecure (HYPERNODE_INSECURE=1)');
    expect(text).not.toContain('pw1234');
    const insecure = safetyVerdict('hypernode-node', { amqpUrl: 'amqp://10.1.2.3', secret: null, insecure: true });
    expect(insecure.kind === 'warn' && insecure.message).toContain('not on this machine (--insecure)');
  });

  it('reads --secret-file, HYPERNODE_SECRET and --insecure / HYPERNODE_INSECURE on every daemon', () => {
    const dir = mkdtempSync(join(tmpdir(), 'hn-secret-'));
    const file = join(dir, 'cluster.secret');
    writeFileSync(file, `${SECRET}\n`);
    const fromFile = parseClusterArgs(['--secret-file', file], {});
    expect(!fromFile.help && fromFile.config.secret).toBe(SECRET);
    const fromEnv = parseNodeArgs([], { HYPERNODE_SECRET: SECRET });
    expect(!fromEnv.help && fromEnv.config.secret).toBe(SECRET);
    const none = parseWorkerArgs(['--id', 'w1'], {});
    expect(!none.help && none.config.secret).toBe(null);
    expect(!none.help && none.config.insecure).toBe(false);
    const flag = parseClusterArgs(['--insecure'], {});
    expect(!flag.help && flag.config.insecure).toBe(true);
    const env = parseWorkerArgs(['--id', 'w1'], { HYPERNODE_INSECURE: '1' });
    expect(!env.help && env.config.insecure).toBe(true);
    expect(() => parseClusterArgs([], { HYPERNODE_INSECURE: 'maybe' })).toThrow(/HYPERNODE_INSECURE is 'maybe'; set it to 1/);
  });

  it('never shows the secret in --help, only whether it is set', () => {
    for (const help of [parseClusterArgs(['--help'], { HYPERNODE_SECRET: SECRET }), parseNodeArgs(['--help'], { HYPERNODE_SECRET: SECRET }), parseWorkerArgs(['--help'], { HYPERNODE_SECRET: SECRET })]) {
      const text = help.help ? help.text : '';
      expect(text).toContain('--secret-file <path>');
      expect(text).toContain('env HYPERNODE_SECRET (now: set)');
      expect(text).toContain('--insecure');
      expect(text).not.toContain(SECRET);
    }
  });

  it('refuses a short secret, an unreadable file and a role secret, never showing the secret', () => {
    const codeOf = (f: () => unknown) => {
      try {
        f();
      } catch (e) {
        return e as HypernodeError;
      }
      throw new Error('accepted');
    };
    const short = codeOf(() => parseClusterArgs([], { HYPERNODE_SECRET: 'hunter2' }));
    expect(short.code).toBe('BAD_SECRET');
    expect(short.message).toMatch(/^hypernode-cluster: The cluster secret in HYPERNODE_SECRET is 7 bytes long/);
    expect(short.message).not.toContain('hunter2');
    const missing = codeOf(() => parseNodeArgs(['--secret-file', '/nonexistent/hn.secret'], {}));
    expect(missing.message).toContain('Cannot read the secret file /nonexistent/hn.secret (ENOENT)');
    const role = codeOf(() => parseWorkerArgs(['--id', 'w1'], { HYPERNODE_SECRET: `role:read:${'ab'.repeat(32)}` }));
    expect(role.code).toBe('BAD_SECRET');
    expect(role.message).toContain('is a role secret, which only signs a client');
    expect(role.message).not.toContain('abab');
  });

  it('a daemon refuses to start against a remote broker without a secret, and warns on loopback', async () => {
    const lines: string[] = [];
    const logger: Logger = { debug: () => {}, info: () => {}, warn: (m) => void lines.push(m), error: (m) => void lines.push(m) };
    const refused = await startCluster({ cluster: 'safe-remote', amqpUrl: 'amqp://10.20.30.40:5672', logger }).catch((e: unknown) => e);
    expect(HypernodeError.is(refused, 'INVALID_OPTIONS')).toBe(true);
    expect((refused as Error).message).toContain('hypernode-cluster refuses to start without a cluster secret');
    const clock = new ManualClock(1_000_000);
    const cluster = 'safe-local';
    const daemon = await startCluster({ cluster, logger, clock, adapters: { transport: new MemoryNetwork({ cluster, clock }).connect(), registry: new MemoryRegistry({ clock }) } });
    try {
      expect(lines.join('\n')).toContain('hypernode-cluster runs without a cluster secret: admin requests (load, spawn, kill, ...) are open to anyone on this machine');
    } finally {
      await daemon.stop();
    }
  });
});
