/**
 * TLS to RabbitMQ (`amqps://`) and Redis (`rediss://`), against TLS listeners of this file's own servers
 * (own-servers.ts) with certificates made here by openssl (own-tls.ts): the machine's servers are never touched.
 * The Redis listener requires a client certificate; the RabbitMQ one checks one when given.
 */
import { readFileSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HypernodeError } from '@hypernode/core';
import { RedisRegistry } from '@hypernode/registry-redis';
import { AmqpTransport } from '@hypernode/transport-amqp';
import { connectCluster } from './connect-cluster';
import { describeWithOwnServers, startOwnRabbit, startOwnRedis, type OwnRabbit, type OwnRedis } from './own-servers';
import { makeTestCertificates, opensslMissing, type TestCertificates } from './own-tls';
import { parseClusterArgs } from './config';
import { repoPath, testClusterPerTest } from './test-support';

const { start } = testClusterPerTest();
const quiet = { info() {}, warn() {} };
const cluster = () => `tls-${randomUUID().slice(0, 8)}`;

/** The error `promise` rejects with. */
async function failure(promise: Promise<unknown>): Promise<HypernodeError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err, 'expected a rejection').toBeInstanceOf(Error);
  return err as HypernodeError;
}

const skip = opensslMissing();
if (skip) process.stderr.write(`hypernode tests: TLS tests skipped: ${skip}\n`);

const title = 'TLS to RabbitMQ and Redis';
function suite(body: () => void): void {
  if (skip) describe.skip(`${title} [skipped: ${skip}]`, body);
  else describeWithOwnServers(['rabbitmq', 'redis'], title, { timeout: 180_000 }, body);
}

suite(() => {
  let certs: TestCertificates;
  let rabbit: OwnRabbit;
  let redis: OwnRedis;
  let pem: { ca: Buffer; cert: Buffer; key: Buffer };
  beforeAll(async () => {
    certs = makeTestCertificates();
    pem = { ca: readFileSync(certs.ca), cert: readFileSync(certs.clientCert), key: readFileSync(certs.clientKey) };
    const server = { ca: certs.ca, cert: certs.serverCert, key: certs.serverKey };
    [rabbit, redis] = await Promise.all([startOwnRabbit({ tls: server }), startOwnRedis({ tls: { ...server, requireClientCert: true } })]);
  }, 120_000);
  afterAll(async () => {
    await Promise.all([rabbit?.stop(), redis?.stop()]);
    certs?.remove();
  }, 30_000);

  it('the transport carries a request over amqps:// and the registry stores over rediss:// when given the CA (and, for Redis, a client certificate)', async () => {
    const name = cluster();
    const transport = await AmqpTransport.connect({ url: rabbit.tlsUrl!, cluster: name, logger: quiet, tls: { ca: pem.ca } });
    try {
      await transport.serve('echo', async (body) => new Uint8Array([...body, 42]));
      expect([...(await transport.request('echo', new Uint8Array([1]), 10_000))]).toEqual([1, 42]);
    } finally {
      await transport.close();
      await transport.deleteClusterTopology();
    }
    const registry = await RedisRegistry.connect({ url: redis.tlsUrl!, cluster: name, tls: pem });
    try {
      await registry.setValue('k', new Uint8Array([7]));
      expect([...((await registry.getValue('k')) ?? [])]).toEqual([7]);
    } finally {
      await registry.deleteCluster();
      await registry.close();
    }
  });

  it('a whole cluster runs over TLS: the daemons, the workers their node daemon forks, and connectCluster load, spawn and call', async () => {
    const tls = { ca: certs.ca, cert: certs.clientCert, key: certs.clientKey };
    const t = await start([{ id: 'n1', workers: 1 }], { amqpUrl: rabbit.tlsUrl!, redisUrl: redis.tlsUrl!, tls, rabbitmqctl: rabbit.rabbitmqctl });
    await t.client.load(repoPath('packages/daemon/test-fixtures/counter-v1.ts'));
    const counter = await t.client.spawn('Counter', { count: 0 });
    t.client.send(counter, { type: 'INC' });
    expect(await t.client.call(counter, { type: 'GET' })).toMatchObject({ count: 1 });
    // Every connection of the cluster is a TLS one: the plain listener has none of them.
    const conns = await rabbit.rabbitmqctl(['list_connections', 'ssl', 'client_properties', '-q']);
    const ours = conns.split('\n').filter((l) => l.includes(`hypernode.${t.cluster}.`));
    expect(ours.length).toBeGreaterThanOrEqual(3); // cluster daemon, node daemon's worker, client
    expect(ours.every((l) => l.startsWith('true'))).toBe(true);
    expect(t.clusterDaemon.lines.join('\n')).not.toContain('guest:guest');
  });

  it('refuses a broker whose certificate no given CA signed: no CA (system CAs only) or another CA, naming the host and the fix, never the password', async () => {
    const port = new URL(rabbit.tlsUrl!).port;
    for (const tls of [undefined, { ca: readFileSync(certs.otherCa) }]) {
      const err = await failure(AmqpTransport.connect({ url: rabbit.tlsUrl!, cluster: cluster(), logger: quiet, ...(tls ? { tls } : {}) }));
      expect(err.code).toBe('TRANSPORT_DOWN');
      expect(err.message).toMatch(/TLS handshake with 127\.0\.0\.1:\d+ failed: its certificate is not trusted/);
      expect(err.message).toContain(`127.0.0.1:${port}`);
      expect(err.message).toContain('--tls-ca');
      expect(err.message).not.toContain('guest:guest');
    }
    const err = await failure(RedisRegistry.connect({ url: redis.tlsUrl!, cluster: cluster(), tls: { ...pem, ca: readFileSync(certs.otherCa) }, connectTimeoutMs: 5000 }));
    expect(err.code).toBe('REGISTRY_DOWN');
    expect(err.message).toMatch(/TLS handshake with 127\.0\.0\.1:\d+ failed: its certificate is not trusted/);
  });

  it('connectCluster and the daemons refuse an untrusted server the same way, and a missing CA file by its name and option', async () => {
    const other = await failure(connectCluster({ cluster: cluster(), amqp: rabbit.tlsUrl!, redis: redis.url, tlsCa: certs.otherCa, connectTimeoutMs: 5000 }));
    expect(other.message).toMatch(/Cannot connect to RabbitMQ at 'amqps:\/\/guest:\*\*\*@127\.0\.0\.1:\d+'.*certificate is not trusted/);
    const missing = `${certs.dir}/no-such-ca.pem`;
    const err = await failure(connectCluster({ cluster: cluster(), amqp: rabbit.tlsUrl!, redis: redis.url, tlsCa: missing }));
    expect(err.code).toBe('INVALID_OPTIONS');
    expect(err.message).toContain(`connectCluster's option tlsCa: cannot read '${missing}' (no such file)`);
    expect(() => parseClusterArgs(['--amqp-url', rabbit.tlsUrl!, '--tls-ca', missing], {})).toThrow(`--tls-ca: cannot read '${missing}' (no such file)`);
  });

  it('says a plain port was given to amqps:// and rediss://, and that a server wants a client certificate', async () => {
    const plainAmqp = `amqps://guest:guest@127.0.0.1:${rabbit.port}`;
    const amqp = await failure(AmqpTransport.connect({ url: plainAmqp, cluster: cluster(), logger: quiet, tls: { ca: pem.ca }, connectTimeoutMs: 5000 }));
    expect(amqp.message).toMatch(/no TLS handshake with 127\.0\.0\.1:\d+.*plain, non-TLS port/);
    const plainRedis = `rediss://127.0.0.1:${redis.port}`;
    const rds = await failure(RedisRegistry.connect({ url: plainRedis, cluster: cluster(), tls: pem, connectTimeoutMs: 5000 }));
    // Redis waits for the rest of a command that never comes: the connect deadline ends it.
    expect(rds.message).toMatch(/rediss:\/\/127\.0\.0\.1:\d+.*no TLS handshake within 5000 ms: is this Redis's TLS port \(its tls-port, not a plain, non-TLS port/);
    const noCert = await failure(RedisRegistry.connect({ url: redis.tlsUrl!, cluster: cluster(), tls: { ca: pem.ca }, connectTimeoutMs: 5000 }));
    expect(noCert.message).toMatch(/wants a client certificate; give one with --tls-cert/);
  });
});
