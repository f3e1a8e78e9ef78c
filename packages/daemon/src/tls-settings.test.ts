import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HypernodeError } from '@hypernode/core';
import { nodeHelp, parseClusterArgs, parseNodeArgs } from './config';
import { clientPermissions } from './broker-permissions';
import { makeTestCertificates, opensslMissing, type TestCertificates } from './own-tls';
import { resolveConnection } from './settings';
import { tlsEnv } from './tls-settings';

const tlsUrls = { HYPERNODE_AMQP_URL: 'amqps://u:s3cret@mq.example:5671', HYPERNODE_REDIS_URL: 'rediss://:hunter2@redis.example:6380' };

function rejects(fn: () => unknown): HypernodeError {
  try {
    fn();
  } catch (err) {
    if (err instanceof HypernodeError) return err;
    throw err;
  }
  throw new Error('expected a HypernodeError');
}

describe.skipIf(opensslMissing() !== undefined)('TLS settings (--tls-ca, --tls-cert, --tls-key)', () => {
  let certs: TestCertificates;
  let dir: string;
  beforeAll(() => {
    certs = makeTestCertificates();
    dir = mkdtempSync(join(tmpdir(), 'hn-tls-settings-'));
    writeFileSync(join(dir, 'not-pem.txt'), 'hello');
  });
  afterAll(() => {
    certs?.remove();
    rmSync(dir, { recursive: true, force: true });
  });

  it('takes the files from the flags, else from HYPERNODE_TLS_*, as absolute paths, and passes only the paths to workers', () => {
    const parsed = parseClusterArgs(['--tls-ca', certs.ca], { ...tlsUrls, HYPERNODE_TLS_CERT: certs.clientCert, HYPERNODE_TLS_KEY: certs.clientKey });
    if (parsed.help) throw new Error('help');
    expect(parsed.config.tls).toEqual({ ca: certs.ca, cert: certs.clientCert, key: certs.clientKey });
    expect(tlsEnv(parsed.config.tls)).toEqual({ HYPERNODE_TLS_CA: certs.ca, HYPERNODE_TLS_CERT: certs.clientCert, HYPERNODE_TLS_KEY: certs.clientKey });
    expect(JSON.stringify(parsed.config)).not.toContain('PRIVATE KEY');
  });

  it('refuses a missing file, naming the flag or variable and the file', () => {
    const missing = join(dir, 'nope.pem');
    expect(rejects(() => parseClusterArgs(['--tls-ca', missing], tlsUrls)).message).toBe(
      `hypernode-cluster: --tls-ca: cannot read '${missing}' (no such file); give the path of a PEM CA certificate this user can read.`,
    );
    expect(rejects(() => parseNodeArgs([], { ...tlsUrls, HYPERNODE_TLS_CA: missing })).message).toContain(`HYPERNODE_TLS_CA: cannot read '${missing}' (no such file)`);
  });

  it('refuses a file that is not PEM of its kind, without showing its contents', () => {
    const notPem = join(dir, 'not-pem.txt');
    const err = rejects(() => resolveConnection({ tlsCa: notPem }, tlsUrls));
    expect(err.message).toBe(`--tls-ca: '${notPem}' is not a PEM CA certificate; give the path of one (it starts with '-----BEGIN').`);
    // A certificate given as the key: named, and the certificate's text is not echoed.
    const wrong = rejects(() => resolveConnection({ tlsCert: certs.clientCert, tlsKey: certs.clientCert }, tlsUrls));
    expect(wrong.message).toBe(`--tls-key: '${certs.clientCert}' is not a PEM private key (unencrypted); give the path of one (it starts with '-----BEGIN').`);
  });

  it('refuses a certificate without its key (and the reverse), and TLS files when neither URL uses TLS', () => {
    expect(rejects(() => resolveConnection({ tlsCert: certs.clientCert }, tlsUrls)).message).toBe(
      '--tls-cert was given without --tls-key (HYPERNODE_TLS_KEY); a client certificate needs its key (give both, or neither).',
    );
    expect(rejects(() => resolveConnection({}, { ...tlsUrls, HYPERNODE_TLS_KEY: certs.clientKey })).message).toContain('HYPERNODE_TLS_KEY was given without --tls-cert');
    const plain = rejects(() => resolveConnection({ tlsCa: certs.ca }, { HYPERNODE_AMQP_URL: 'amqp://u:s3cret@mq.example', HYPERNODE_REDIS_URL: 'redis://r.example' }));
    expect(plain.message).toBe('--tls-ca given, but neither URL uses TLS; use amqps:// for RabbitMQ (port 5671 by default) and/or rediss:// for Redis, or leave the TLS settings out.');
    expect(plain.message).not.toContain('s3cret');
    expect(rejects(() => resolveConnection({}, { ...tlsUrls, HYPERNODE_TLS_CA: ' ' })).message).toBe('HYPERNODE_TLS_CA is set but empty; give the path of a PEM CA certificate, or leave it out.');
  });

  it("documents the flags in every daemon's --help, with the paths in force", () => {
    const help = nodeHelp({ HYPERNODE_TLS_CA: '/etc/hypernode/ca.pem' });
    expect(help).toContain('--tls-ca <file>');
    expect(help).toContain('env HYPERNODE_TLS_CA (now: /etc/hypernode/ca.pem)');
    expect(help).toContain('--tls-cert <file>');
    expect(help).toContain('--tls-key <file>');
  });
});

describe("the clients' broker permissions", () => {
  const p = clientPermissions('prod');
  const matches = (re: string, name: string) => new RegExp(re).test(name);

  it('let a client declare and read its own inbox and events queue, and publish to the rpc exchange', () => {
    expect(matches(p.configure, 'hypernode.prod.inbox.client-1a2b3c4d')).toBe(true);
    expect(matches(p.read, 'hypernode.prod.inbox.client-1a2b3c4d')).toBe(true);
    expect(matches(p.configure, 'hypernode.prod.events.0b7e1a2c-1111-4222-8333-944445555666')).toBe(true);
    expect(matches(p.write, 'hypernode.prod.rpc')).toBe(true);
    expect(matches(p.topic.write, 'admin')).toBe(true);
  });

  it("grant nothing on workers' queues, the default exchange, events publishing, other services or other clusters", () => {
    for (const re of [p.configure, p.write, p.read]) {
      expect(matches(re, 'hypernode.prod.inbox.w1')).toBe(false);
      expect(matches(re, 'hypernode.prod.inbox.n1-w1')).toBe(false);
      expect(matches(re, 'amq.default')).toBe(false);
      expect(matches(re, 'hypernode.prod.rpc.admin')).toBe(false);
      expect(matches(re, 'hypernode.other.inbox.client-1a2b3c4d')).toBe(false);
    }
    expect(matches(p.write, 'hypernode.prod.events')).toBe(false);
    expect(matches(p.topic.write, 'worker.w1')).toBe(false);
    expect(matches(p.topic.write, 'node.n1')).toBe(false);
  });
});
