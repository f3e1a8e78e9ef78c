import { HypernodeError } from '@hypernode/core';
import { describe, expect, it } from 'vitest';
import { DEFAULT_MAX_FRAME_BYTES, FrameLimit } from './frame-limit';

const quiet = { info() {}, warn() {} };
const counters = () => ({ framesSent: 0, framesReceived: 0, bytesSent: 0, bytesReceived: 0, dropped: 0 });

describe('FrameLimit', () => {
  it("defaults to RabbitMQ's default max_message_size, 128 MiB", () => {
    expect(new FrameLimit(undefined, quiet, counters()).maxBytes).toBe(DEFAULT_MAX_FRAME_BYTES);
    expect(DEFAULT_MAX_FRAME_BYTES).toBe(128 * 1024 * 1024);
  });

  it('refuses a limit that is not a whole number of bytes from 1024 to 512 MiB with INVALID_OPTIONS', () => {
    for (const bad of [0, 100, 1.5, 2 ** 30, Number.NaN]) {
      let err: unknown;
      try {
        new FrameLimit(bad, quiet, counters());
      } catch (e) {
        err = e;
      }
      expect(HypernodeError.is(err, 'INVALID_OPTIONS')).toBe(true);
      expect((err as Error).message).toContain(`maxFrameBytes ${bad} is not valid`);
    }
  });

  it('counts and names a frame over the limit, and lets one at the limit pass', () => {
    const lines: string[] = [];
    const c = counters();
    const limit = new FrameLimit(2048, { info() {}, warn: (m) => void lines.push(m) }, c);
    expect(limit.drops(new Uint8Array(2048), 'w1')).toBe(false);
    expect(limit.drops(new Uint8Array(2049), 'w1')).toBe(true);
    expect(c.dropped).toBe(1);
    expect(lines).toEqual([expect.stringContaining("dropped a frame of 2.0 KiB (2049 bytes) for 'w1': over the limit of 2.0 KiB (2048 bytes)")]);
  });
});
