import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { deriveKey, macEquals, macOf, readSecret, roleSecret } from './secret';

const SECRET = 'a-cluster-secret-of-enough-length';

describe('cluster secret', () => {
  it('derives a different key per cluster and per purpose', () => {
    const a = deriveKey(SECRET, 'c1', 'frames');
    expect(a).toHaveLength(32);
    expect(a.equals(deriveKey(SECRET, 'c1', 'frames'))).toBe(true);
    expect(a.equals(deriveKey(SECRET, 'c2', 'frames'))).toBe(false);
    expect(a.equals(deriveKey(SECRET, 'c1', 'events'))).toBe(false);
    expect(roleSecret(SECRET, 'c1', 'read')).not.toBe(roleSecret(SECRET, 'c1', 'admin'));
  });

  it('prefixes each part by its length, so moving a boundary changes the MAC', () => {
    const key = deriveKey(SECRET, 'c1', 'control');
    expect(macEquals(macOf(key, 'ab', 'c'), macOf(key, 'a', 'bc'))).toBe(false);
    expect(macEquals(macOf(key, 'ab', 'c'), macOf(key, 'ab', 'c'))).toBe(true);
    expect(macEquals(macOf(key, 'x'), macOf(key, 'x').subarray(0, 16))).toBe(false);
  });

  it('reads the secret from a file before the environment, and refuses a short one without showing it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'hn-secret-'));
    const file = join(dir, 'secret');
    writeFileSync(file, `  ${SECRET}\n`);
    expect(readSecret({ file, env: 'another-secret-of-enough-length' })).toBe(SECRET);
    expect(readSecret({ env: SECRET })).toBe(SECRET);
    expect(readSecret({})).toBeNull();
    expect(() => readSecret({ env: 'short-one' })).toThrow(/HYPERNODE_SECRET is 9 bytes long; it needs at least 16\. Make one with `openssl rand -hex 32`/);
    expect(() => readSecret({ env: 'short-one' })).not.toThrow(/short-one/);
    expect(() => readSecret({ file: join(dir, 'missing') })).toThrow(/Cannot read the secret file .*missing \(ENOENT\)/);
  });
});
