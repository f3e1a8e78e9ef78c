/**
 * HMAC-SHA256 for one key, many short messages, without a native hash object per message.
 *
 * On Node 20 (OpenSSL 3) `createHmac` costs several µs per call before it hashes a byte (it looks the digest up and
 * allocates native objects each time), which is most of the cost of signing a small frame. This keeps the key's
 * inner and outer states, computed once, and hashes short inputs in JavaScript: a 100-byte frame costs three
 * compressions for the inner hash and one for the outer.
 * Longer inputs go to `createHmac`, whose per-byte speed then wins. Both give the same MAC (RFC 2104; checked
 * against `createHmac` by the tests), and `secret.ts`'s `macOf` framing: each part prefixed by its length.
 *
 * Per MAC (design 025): the parts are copied once into one padded message buffer (no byte-by-byte streaming), the
 * outer hash takes the inner digest as words (it never becomes bytes), the rounds are unrolled by eight, and the
 * frame path writes or compares only the 16 bytes it uses, with no allocation.
 */
import { createHmac } from 'node:crypto';

const K = new Int32Array([
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3,
  0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
  0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13,
  0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
  0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208,
  0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
]);
const IV = new Int32Array([0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19]);

/**
 * Inputs longer than this (bytes) are hashed natively. Measured in CPU time per MAC (design 025): JavaScript
 * 1.1 µs at 100 bytes, 1.4 µs at 200, 2.1 µs at 400, 3.2-3.5 µs at 600, 4.7-5.0 µs at 1000; `createHmac` (`macOf`)
 * 2.4-3.3 µs up to 600 bytes, 3.0-3.5 µs at 1000.
 */
const JS_LIMIT = 448;
/** Bytes of the MAC that {@link FrameMac.put} writes and {@link FrameMac.matches} compares (HMAC-SHA256 cut to 128 bits). */
export const MAC128_BYTES = 16;

/** The message schedule: words 0-15 are the block being compressed. */
const W = new Int32Array(64);

/** Loads the 64 bytes at `off` into `W[0..16)`, big-endian (a DataView read is one load; measured faster than four bytes). */
function load(view: DataView, off: number): void {
  for (let i = 0; i < 16; i++, off += 4) W[i] = view.getInt32(off);
}

/** One SHA-256 compression of the block in `W[0..16)` into `h` (overwrites the rest of `W`). */
function compress(h: Int32Array): void {
  const w = W;
  for (let i = 16; i < 64; i++) {
    const x = w[i - 15]!;
    const y = w[i - 2]!;
    const s0 = ((x >>> 7) | (x << 25)) ^ ((x >>> 18) | (x << 14)) ^ (x >>> 3);
    const s1 = ((y >>> 17) | (y << 15)) ^ ((y >>> 19) | (y << 13)) ^ (y >>> 10);
    w[i] = (w[i - 16]! + s0 + w[i - 7]! + s1) | 0;
  }
  let a = h[0]!, b = h[1]!, c = h[2]!, d = h[3]!, e = h[4]!, f = h[5]!, g = h[6]!, k = h[7]!;
  // Eight rounds per pass, the working variables renamed instead of shifted. Each round:
  // t1 = h + Σ1(e) + Ch(e,f,g) + K[i] + W[i]; d += t1; h = t1 + Σ0(a) + Maj(a,b,c).
  for (let i = 0; i < 64; i += 8) {
    let t = (k + (((e >>> 6) | (e << 26)) ^ ((e >>> 11) | (e << 21)) ^ ((e >>> 25) | (e << 7))) + (g ^ (e & (f ^ g))) + K[i]! + w[i]!) | 0;
    d = (d + t) | 0;
    k = (t + (((a >>> 2) | (a << 30)) ^ ((a >>> 13) | (a << 19)) ^ ((a >>> 22) | (a << 10))) + ((a & b) | (c & (a | b)))) | 0;
    t = (g + (((d >>> 6) | (d << 26)) ^ ((d >>> 11) | (d << 21)) ^ ((d >>> 25) | (d << 7))) + (f ^ (d & (e ^ f))) + K[i + 1]! + w[i + 1]!) | 0;
    c = (c + t) | 0;
    g = (t + (((k >>> 2) | (k << 30)) ^ ((k >>> 13) | (k << 19)) ^ ((k >>> 22) | (k << 10))) + ((k & a) | (b & (k | a)))) | 0;
    t = (f + (((c >>> 6) | (c << 26)) ^ ((c >>> 11) | (c << 21)) ^ ((c >>> 25) | (c << 7))) + (e ^ (c & (d ^ e))) + K[i + 2]! + w[i + 2]!) | 0;
    b = (b + t) | 0;
    f = (t + (((g >>> 2) | (g << 30)) ^ ((g >>> 13) | (g << 19)) ^ ((g >>> 22) | (g << 10))) + ((g & k) | (a & (g | k)))) | 0;
    t = (e + (((b >>> 6) | (b << 26)) ^ ((b >>> 11) | (b << 21)) ^ ((b >>> 25) | (b << 7))) + (d ^ (b & (c ^ d))) + K[i + 3]! + w[i + 3]!) | 0;
    a = (a + t) | 0;
    e = (t + (((f >>> 2) | (f << 30)) ^ ((f >>> 13) | (f << 19)) ^ ((f >>> 22) | (f << 10))) + ((f & g) | (k & (f | g)))) | 0;
    t = (d + (((a >>> 6) | (a << 26)) ^ ((a >>> 11) | (a << 21)) ^ ((a >>> 25) | (a << 7))) + (c ^ (a & (b ^ c))) + K[i + 4]! + w[i + 4]!) | 0;
    k = (k + t) | 0;
    d = (t + (((e >>> 2) | (e << 30)) ^ ((e >>> 13) | (e << 19)) ^ ((e >>> 22) | (e << 10))) + ((e & f) | (g & (e | f)))) | 0;
    t = (c + (((k >>> 6) | (k << 26)) ^ ((k >>> 11) | (k << 21)) ^ ((k >>> 25) | (k << 7))) + (b ^ (k & (a ^ b))) + K[i + 5]! + w[i + 5]!) | 0;
    g = (g + t) | 0;
    c = (t + (((d >>> 2) | (d << 30)) ^ ((d >>> 13) | (d << 19)) ^ ((d >>> 22) | (d << 10))) + ((d & e) | (f & (d | e)))) | 0;
    t = (b + (((g >>> 6) | (g << 26)) ^ ((g >>> 11) | (g << 21)) ^ ((g >>> 25) | (g << 7))) + (a ^ (g & (k ^ a))) + K[i + 6]! + w[i + 6]!) | 0;
    f = (f + t) | 0;
    b = (t + (((c >>> 2) | (c << 30)) ^ ((c >>> 13) | (c << 19)) ^ ((c >>> 22) | (c << 10))) + ((c & d) | (e & (c | d)))) | 0;
    t = (a + (((f >>> 6) | (f << 26)) ^ ((f >>> 11) | (f << 21)) ^ ((f >>> 25) | (f << 7))) + (k ^ (f & (g ^ k))) + K[i + 7]! + w[i + 7]!) | 0;
    e = (e + t) | 0;
    a = (t + (((b >>> 2) | (b << 30)) ^ ((b >>> 13) | (b << 19)) ^ ((b >>> 22) | (b << 10))) + ((b & c) | (d & (b | c)))) | 0;
  }
  h[0] = (h[0]! + a) | 0;
  h[1] = (h[1]! + b) | 0;
  h[2] = (h[2]! + c) | 0;
  h[3] = (h[3]! + d) | 0;
  h[4] = (h[4]! + e) | 0;
  h[5] = (h[5]! + f) | 0;
  h[6] = (h[6]! + g) | 0;
  h[7] = (h[7]! + k) | 0;
}

/**
 * HMAC-SHA256 with one key, over two parts framed as `macOf` frames them (each part prefixed by its length, 4
 * bytes big-endian). Not safe to use from two places at once within one synchronous call (it reuses its buffers);
 * JavaScript never does.
 */
export class FrameMac {
  private readonly inner = new Int32Array(8);
  private readonly outer = new Int32Array(8);
  /** The state being hashed; after {@link FrameMac.run}, the MAC as eight words. */
  private readonly h = new Int32Array(8);
  /**
   * The padded inner message. Room for the longest input hashed here, its padding, and the bytes of the second
   * part past its length (a signed frame's trailer), so that part is copied whole in one call.
   */
  private readonly message = new Uint8Array(JS_LIMIT + 64 + 64);
  private readonly view = new DataView(this.message.buffer);
  private readonly digest = Buffer.alloc(32);

  constructor(private readonly key: Buffer) {
    if (key.length > 64) throw new RangeError('FrameMac takes a key of at most 64 bytes.');
    const pad = new Uint8Array(64);
    for (const [state, byte] of [[this.inner, 0x36], [this.outer, 0x5c]] as const) {
      pad.fill(byte);
      for (let i = 0; i < key.length; i++) pad[i]! ^= key[i]!;
      state.set(IV);
      load(new DataView(pad.buffer), 0);
      compress(state);
    }
  }

  /** The MAC of `a` then `b[0..bLength)` (each length-prefixed): 32 bytes, valid until the next call. */
  mac(a: Uint8Array, b: Uint8Array, bLength = b.length): Buffer {
    if (!this.run(a, b, bLength)) return this.native(a, b, bLength);
    const d = this.digest;
    const h = this.h;
    for (let i = 0, at = 0; i < 8; i++, at += 4) {
      const v = h[i]!;
      d[at] = v >>> 24;
      d[at + 1] = v >>> 16;
      d[at + 2] = v >>> 8;
      d[at + 3] = v;
    }
    return d;
  }

  /** Writes the first {@link MAC128_BYTES} bytes of the MAC of `a` then `b[0..bLength)` into `out` at `at`. */
  put(a: Uint8Array, b: Uint8Array, bLength: number, out: Uint8Array, at: number): void {
    if (!this.run(a, b, bLength)) {
      out.set(this.native(a, b, bLength).subarray(0, MAC128_BYTES), at);
      return;
    }
    const h = this.h;
    for (let i = 0; i < 4; i++, at += 4) {
      const v = h[i]!;
      out[at] = v >>> 24;
      out[at + 1] = v >>> 16;
      out[at + 2] = v >>> 8;
      out[at + 3] = v;
    }
  }

  /**
   * Whether `expected[at..at + MAC128_BYTES)` is the first {@link MAC128_BYTES} bytes of the MAC of `a` then
   * `b[0..bLength)`. Constant time: every byte is compared, whatever the first difference.
   */
  matches(a: Uint8Array, b: Uint8Array, bLength: number, expected: Uint8Array, at: number): boolean {
    let diff = 0;
    if (!this.run(a, b, bLength)) {
      const d = this.native(a, b, bLength);
      for (let i = 0; i < MAC128_BYTES; i++) diff |= d[i]! ^ expected[at + i]!;
      return diff === 0;
    }
    const h = this.h;
    for (let i = 0; i < 4; i++, at += 4) {
      diff |= h[i]! ^ ((expected[at]! << 24) | (expected[at + 1]! << 16) | (expected[at + 2]! << 8) | expected[at + 3]!);
    }
    return diff === 0;
  }

  /** Leaves the MAC in `h` as words, or returns false when the input is too long for JavaScript to win. */
  private run(a: Uint8Array, b: Uint8Array, bLength: number): boolean {
    const aLength = a.length;
    const total = 8 + aLength + bLength;
    if (total > JS_LIMIT) return false;
    const m = this.message;
    m[0] = aLength >>> 24;
    m[1] = aLength >>> 16;
    m[2] = aLength >>> 8;
    m[3] = aLength;
    m.set(a, 4);
    let at = 4 + aLength;
    m[at] = bLength >>> 24;
    m[at + 1] = bLength >>> 16;
    m[at + 2] = bLength >>> 8;
    m[at + 3] = bLength;
    at += 4;
    if (at + b.length <= m.length) m.set(b, at);
    else for (let i = 0; i < bLength; i++) m[at + i] = b[i]!;
    // Padding: 0x80, zeros, then the bit length of everything hashed (the key's block included), 64-bit big-endian.
    const end = (total + 9 + 63) & ~63;
    m[total] = 0x80;
    m.fill(0, total + 1, end - 4);
    const bits = (64 + total) * 8;
    m[end - 4] = bits >>> 24;
    m[end - 3] = bits >>> 16;
    m[end - 2] = bits >>> 8;
    m[end - 1] = bits;
    const h = this.h;
    h.set(this.inner);
    for (let off = 0; off < end; off += 64) {
      load(this.view, off);
      compress(h);
    }
    // The outer hash: the key's outer block is in `outer`; what follows is the 32-byte inner digest and its
    // padding, one block, built as words.
    const w = W;
    for (let i = 0; i < 8; i++) w[i] = h[i]!;
    w[8] = 0x80000000 | 0;
    for (let i = 9; i < 15; i++) w[i] = 0;
    w[15] = (64 + 32) * 8;
    h.set(this.outer);
    compress(h);
    return true;
  }

  private native(a: Uint8Array, b: Uint8Array, bLength: number): Buffer {
    const h = createHmac('sha256', this.key);
    const len = Buffer.allocUnsafe(4);
    len.writeUInt32BE(a.length, 0);
    h.update(len);
    h.update(a);
    len.writeUInt32BE(bLength, 0);
    h.update(len);
    h.update(bLength === b.length ? b : b.subarray(0, bLength));
    return h.digest();
  }
}
