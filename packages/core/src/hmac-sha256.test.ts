import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { FrameMac, MAC128_BYTES } from './hmac-sha256';
import { macOf } from './secret';

describe('FrameMac', () => {
  it('gives the same MAC as macOf (createHmac) for every length around the block and limit boundaries', () => {
    const key = randomBytes(32);
    const mac = new FrameMac(key);
    const sizes = [0, 1, 3, 47, 48, 50, 51, 52, 55, 56, 57, 63, 64, 65, 119, 120, 127, 128, 129, 428, 429, 430, 438, 439, 440, 441, 1000, 4000, 4088, 4089, 4090, 4096, 5000, 70_000];
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

  it('writes and checks the first 16 bytes of that MAC in place, for a part longer than the bytes it covers and past the limit', () => {
    const key = randomBytes(32);
    const mac = new FrameMac(key);
    const dest = Buffer.from('n1-w2-abcdef');
    for (const n of [0, 20, 43, 44, 100, 119, 120, 300, 428, 429, 1000]) {
      for (const tail of [0, 37, 5000]) {
        const body = Buffer.concat([randomBytes(n), Buffer.alloc(tail + MAC128_BYTES)]);
        const want = macOf(key, 'n1-w2-abcdef', body.subarray(0, n)).subarray(0, MAC128_BYTES);
        const at = n + tail;
        mac.put(dest, body, n, body, at);
        expect(body.subarray(at, at + MAC128_BYTES).toString('hex'), `${n} bytes, ${tail} after`).toBe(want.toString('hex'));
        expect(mac.matches(dest, body, n, body, at)).toBe(true);
        for (const i of [0, 7, 15]) {
          body[at + i]! ^= 1;
          expect(mac.matches(dest, body, n, body, at), `byte ${i} changed`).toBe(false);
          body[at + i]! ^= 1;
        }
      }
    }
  });
});
