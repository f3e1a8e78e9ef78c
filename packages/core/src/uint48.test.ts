import { describe, expect, it } from 'vitest';
import { readUint48, writeUint48 } from './uint48';

describe('uint48', () => {
  it('writes and reads back 6-byte big-endian numbers up to 2^48 - 1, as Buffer does', () => {
    for (const v of [0, 1, 255, 256, 0xffffff, 0x1000000, 2 ** 31, 2 ** 32 - 1, 2 ** 32, 2 ** 40 + 12345, 1_764_800_000_000, 2 ** 48 - 1]) {
      const b = new Uint8Array(9);
      writeUint48(b, 2, v);
      const ref = Buffer.alloc(9);
      ref.writeUIntBE(v, 2, 6);
      expect([...b]).toEqual([...ref]);
      expect(readUint48(b, 2)).toBe(v);
    }
  });
});
