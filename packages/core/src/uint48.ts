/**
 * 6-byte big-endian unsigned numbers, read and written in place: the sequence numbers and times in the trailers of
 * frame authentication (design 025) and exactly-once delivery (design 028). Hand-written rather than through
 * `Buffer.readUIntBE`/`writeUIntBE`, which need a Buffer and cost more per call on these hot paths.
 */

/** The 6-byte big-endian number at `at` of `b`. */
export const readUint48 = (b: Uint8Array, at: number): number =>
  (b[at]! * 0x10000 + ((b[at + 1]! << 8) | b[at + 2]!)) * 0x1000000 + ((b[at + 3]! << 16) | (b[at + 4]! << 8) | b[at + 5]!);

/** Writes `v` (an integer from 0 to 2^48 - 1) as 6 bytes big-endian at `at` of `b`. */
export function writeUint48(b: Uint8Array, at: number, v: number): void {
  const hi = (v / 0x100000000) >>> 0;
  b[at] = hi >>> 8;
  b[at + 1] = hi;
  b[at + 2] = v >>> 24;
  b[at + 3] = v >>> 16;
  b[at + 4] = v >>> 8;
  b[at + 5] = v;
}
