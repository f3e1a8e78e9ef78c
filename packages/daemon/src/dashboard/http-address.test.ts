/** `hypernode-cluster --http`: parsing the address and refusing a dashboard beyond loopback without a secret. */
import { describe, expect, it } from 'vitest';
import { HypernodeError } from '@hypernode/core';
import { parseClusterArgs } from '../config';
import { checkHttpExposure, isLoopback, parseHttpAddress } from './http-address';

const SECRET = 'a-cluster-secret-long-enough-1234';

function config(argv: string[], env: Record<string, string> = {}) {
  const parsed = parseClusterArgs(argv, env);
  if (parsed.help) throw new Error('unexpected help');
  return parsed.config;
}

function failure(fn: () => unknown): HypernodeError {
  try {
    fn();
  } catch (err) {
    if (HypernodeError.is(err)) return err;
    throw err;
  }
  throw new Error('expected an error');
}

describe('the --http address', () => {
  it('reads a bare port as 127.0.0.1, and host:port, [ipv6]:port and port 0', () => {
    expect(parseHttpAddress('8080')).toEqual({ host: '127.0.0.1', port: 8080 });
    expect(parseHttpAddress('localhost:9000')).toEqual({ host: 'localhost', port: 9000 });
    expect(parseHttpAddress('0.0.0.0:80')).toEqual({ host: '0.0.0.0', port: 80 });
    expect(parseHttpAddress('[::1]:8080')).toEqual({ host: '::1', port: 8080 });
    expect(parseHttpAddress('127.0.0.1:0')).toEqual({ host: '127.0.0.1', port: 0 });
  });

  it('refuses a bad address with a sentence naming the flag, the value and an example', () => {
    for (const [bad, why] of [
      ['', 'is empty'],
      ['80800', "the port '80800'"],
      ['host:', "the port ''"],
      [':8080', 'has no host'],
      ['::1:8080', 'without brackets'],
      ['[nope]:80', 'not an IPv6 address'],
      ['bad host:80', 'not a host name'],
    ] as const) {
      const err = failure(() => parseHttpAddress(bad));
      expect(err.code).toBe('INVALID_OPTIONS');
      expect(err.message).toContain(`--http '${bad}'`);
      expect(err.message).toContain(why);
      expect(err.message).toContain('127.0.0.1:8080');
    }
  });

  it('knows loopback hosts', () => {
    expect(['127.0.0.1', '127.1.2.3', 'localhost', '::1', '[::1]'].every(isLoopback)).toBe(true);
    expect(['0.0.0.0', '10.0.0.1', '::', 'example.com'].some(isLoopback)).toBe(false);
  });

  it('allows a non-loopback host only with a cluster secret or --insecure', () => {
    expect(() => checkHttpExposure({ host: '127.0.0.1', port: 1 }, false)).not.toThrow();
    expect(() => checkHttpExposure({ host: '0.0.0.0', port: 1 }, true)).not.toThrow();
    expect(() => checkHttpExposure({ host: '0.0.0.0', port: 1, insecure: true }, false)).not.toThrow();
    const err = failure(() => checkHttpExposure({ host: '0.0.0.0', port: 8080 }, false));
    expect(err.message).toContain('HYPERNODE_SECRET or --secret-file');
    expect(err.message).toContain('--insecure');
  });
});

describe('hypernode-cluster flags for the dashboard', () => {
  it('has no dashboard and no secret unless asked', () => {
    const c = config([]);
    expect(c.http).toBeUndefined();
    expect(c.secret).toBeNull();
  });

  it('takes --http with the secret from HYPERNODE_SECRET, and refuses 0.0.0.0 without one', () => {
    expect(config(['--http', '8080']).http).toEqual({ host: '127.0.0.1', port: 8080 });
    const err = failure(() => config(['--http', '0.0.0.0:8080']));
    expect(err.message).toMatch(/^hypernode-cluster: --http '0\.0\.0\.0:8080' would serve the dashboard beyond this machine/);
    const withSecret = config(['--http', '0.0.0.0:8080'], { HYPERNODE_SECRET: SECRET });
    expect(withSecret).toMatchObject({ http: { host: '0.0.0.0', port: 8080 }, secret: SECRET });
    expect(config(['--http', '0.0.0.0:8080', '--insecure']).http).toEqual({ host: '0.0.0.0', port: 8080, insecure: true });
  });

  it('refuses a short secret without showing it', () => {
    const err = failure(() => config(['--http', '8080'], { HYPERNODE_SECRET: 'short-secret' }));
    expect(err.code).toBe('BAD_SECRET');
    expect(err.message).not.toContain('short-secret');
  });

  it('documents --http, --insecure and --secret-file in --help without the secret', () => {
    const parsed = parseClusterArgs(['--help'], { HYPERNODE_SECRET: SECRET });
    expect(parsed.help).toBe(true);
    const text = (parsed as { text: string }).text;
    expect(text).toContain('--http <[host:]port>');
    expect(text).toContain('--insecure');
    expect(text).toContain('--secret-file <path>');
    expect(text).not.toContain(SECRET);
  });
});
