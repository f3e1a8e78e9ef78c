import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { FrameMac } from './hmac-sha256';
import { macOf } from './secret';

describe('FrameMac', () => {
  it('gives the same MAC as macOf (createHmac) for every length around the block and limit boundaries', () => {
    const key = randomBytes(32);
    const mac = new FrameMac(key);
    const sizes = [0, 1, 3, 47, 48, 50, 51, 52, 55, 56, 57, 63, 64, 65, 119, 120, 127, 128, 129, 1000, 4000, 4088, 4089, 4090, 4096, 5000, 70_000];
    for (const n of sizes) {
      for (const destination of ['', 'w1', 'n1-w2-abcdef']) {
        const body = randomBytes(n);
        const dest = Buffer.from(destination);
        expect(mac.mac(dest, body).toString('hex'), `${n} bytes for '${destination}'`).toBe(macOf(key, destination, body).toString('hex'));
      }
    }
  });

  it('gives different MACs for different keys, and for bytes moved between the two parts', () => {
    const a = new FrameMac(Buffer.alloc(32, 1));
    const b = new FrameMac(Buffer.alloc(32, 2));
    const body = Buffer.from('hello');
    expect(a.mac(Buffer.from('w1'), body).toString('hex')).not.toBe(b.mac(Buffer.from('w1'), body).toString('hex'));
    expect(a.mac(Buffer.from('w1h'), Buffer.from('ello')).toString('hex')).not.toBe(a.mac(Buffer.from('w1'), body).toString('hex'));
  });
});
