/**
 * Passwords and the cluster secret never appear in any output: real daemons (cluster, node, its worker) at log
 * level debug, over this machine's RabbitMQ and a Redis server of the test's own that requires a password,
 * with HYPERNODE_SECRET set; the CLI with --verbose; every daemon's --help; a daemon given a wrong password.
 * Their whole output is searched for the password and the secret.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { daemonEnv, DaemonProcess, clusterName, deleteTestCluster } from '../../../packages/daemon/src/test-support';
import { describeWithOwnServers, startOwnRedis, type OwnRedis } from '../../../packages/daemon/src/own-servers';
import { startCli } from './test-cli';

const password = `pw-${randomBytes(12).toString('hex')}`;
const wrongPassword = `wrong-${randomBytes(12).toString('hex')}`;
const secret = `secret-${randomBytes(24).toString('hex')}`;
const cluster = clusterName();
const outputs: { who: string; lines: string[] }[] = [];
let redis: OwnRedis;
const daemons: DaemonProcess[] = [];

describeWithOwnServers(['redis'], 'secrets in logs', { timeout: 180_000 }, () => {
  beforeAll(async () => {
    redis = await startOwnRedis({ password });
    expect(redis.url).toContain(password);
  }, 60_000);

  afterAll(async () => {
    for (const d of daemons.reverse()) await d.stop();
    await deleteTestCluster(cluster, { redisUrl: redis.url }).catch(() => undefined);
    await redis?.stop();
  }, 60_000);

  it('never writes the Redis password or HYPERNODE_SECRET, in daemons at debug level, the verbose CLI, --help and failures', async () => {
    const env = { ...daemonEnv(cluster, { redisUrl: redis.url }), HYPERNODE_SECRET: secret, HYPERNODE_LOG_LEVEL: 'debug' };
    const clusterDaemon = new DaemonProcess('cluster', [], env);
    daemons.push(clusterDaemon);
    await clusterDaemon.waitFor(/cluster daemon of cluster .* is up/);
    const node = new DaemonProcess('node', ['--id', 'n1', '--workers', '1'], env);
    daemons.push(node);
    await node.waitFor(/node daemon .* is up with/, 40_000);

    const cli = startCli(['status', '--verbose', '--cluster', cluster], env);
    const status = await cli.finished();
    expect(status.code).toBe(0);
    outputs.push({ who: 'hypernode-cli status --verbose', lines: [...status.out, ...status.err] });
    // The verbose CLI logged its connection, naming the Redis server with the password masked.
    expect(status.err.some((l) => l.includes(`redis://:***@127.0.0.1:${redis.port}`))).toBe(true);

    const wrong = { ...env, HYPERNODE_REDIS_URL: `redis://:${wrongPassword}@127.0.0.1:${redis.port}`, HYPERNODE_CONNECT_TIMEOUT_MS: '3000' };
    const failing = startCli(['status', '--verbose', '--cluster', cluster], wrong);
    const failed = await failing.finished();
    expect(failed.code).not.toBe(0);
    outputs.push({ who: 'hypernode-cli with a wrong password', lines: [...failed.out, ...failed.err] });

    const wrongNode = new DaemonProcess('node', ['--id', 'n2', '--workers', '1'], wrong);
    daemons.push(wrongNode);
    await wrongNode.exited;
    outputs.push({ who: 'hypernode-node with a wrong password', lines: wrongNode.raw });

    for (const kind of ['cluster', 'node', 'worker'] as const) {
      const help = new DaemonProcess(kind, ['--help'], env);
      await help.exited;
      expect(help.raw.join('\n')).toContain('--log-level');
      outputs.push({ who: `hypernode-${kind} --help`, lines: help.raw });
    }

    for (const d of daemons) await d.stop();
    outputs.push({ who: 'hypernode-cluster', lines: clusterDaemon.raw }, { who: 'hypernode-node and its worker', lines: node.raw });
    // The daemons did log, at debug level, as JSON, with the worker's lines among the node's.
    expect(node.raw.some((l) => l.startsWith('{') && l.includes('"role":"worker"'))).toBe(true);
    expect(clusterDaemon.raw.some((l) => l.includes(`redis://:***@127.0.0.1:${redis.port}`))).toBe(true);
    for (const { who, lines } of outputs) {
      expect(lines.length, who).toBeGreaterThan(0);
      for (const s of [password, wrongPassword, secret]) {
        const leaked = lines.filter((l) => l.includes(s));
        expect(leaked, `${who} wrote a secret`).toEqual([]);
      }
    }
  });
});
