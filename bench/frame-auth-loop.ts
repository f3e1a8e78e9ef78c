/**
 * CPU per frame of frame authentication alone: two authenticateTransport instances over a synchronous loopback
 * fake transport (no network, no event loop), 1M frames of 100 bytes, sign on one side and check on the other.
 * Best of several runs, µs of this process's CPU per frame. `npx tsx bench/frame-auth-loop.ts [frames] [runs]`.
 */
import { authenticateTransport } from '../packages/core/src/authenticated-transport';
import { silentLogger } from '../packages/core/src/index';
import type { FrameHandler, Transport } from '../packages/core/src/transport';

const frames = Number(process.argv[2] ?? 1_000_000);
const runs = Number(process.argv[3] ?? 7);
const secret = 'bench-cluster-secret-0123456789abcdef';
const inbox = 'hn.bench.w.0123456789abcdef';

/** Hands each sent frame straight to the listener of its inbox, synchronously. */
function loopback(): Transport {
  const handlers = new Map<string, FrameHandler>();
  const ok = Promise.resolve({ close: async () => {} });
  return {
    send: (to, frame) => void handlers.get(to)?.(frame),
    listen: async (to, handler) => (handlers.set(to, handler), ok),
    publish: () => {},
    subscribe: () => ok,
    serve: () => ok,
    request: async () => new Uint8Array(0),
    on: () => {},
    off: () => {},
    stats: () => ({ framesSent: 0, framesReceived: 0, bytesSent: 0, bytesReceived: 0, dropped: 0 }),
    close: async () => {},
  };
}

const cpu = () => {
  const u = process.cpuUsage();
  return u.user + u.system;
};

async function run(signed: boolean): Promise<number> {
  const net = loopback();
  const t = signed ? authenticateTransport(net, { secret, cluster: 'bench', logger: silentLogger }) : net;
  let got = 0;
  await t.listen(inbox, (f) => {
    got += f.byteLength;
  });
  const frame = Buffer.alloc(100, 7);
  const start = cpu();
  for (let i = 0; i < frames; i++) t.send(inbox, frame);
  const us = (cpu() - start) / frames;
  if (got !== frames * 100) throw new Error(`lost frames: ${got / 100} of ${frames}`);
  if (signed && t.stats().forgedFrames !== 0) throw new Error('frames refused');
  return us;
}

let plain = Infinity;
let signed = Infinity;
for (let r = 0; r < runs; r++) {
  plain = Math.min(plain, await run(false));
  signed = Math.min(signed, await run(true));
}
console.log(`100 B frame, ${frames} frames, best of ${runs}: ${plain.toFixed(3)} µs loopback, ${signed.toFixed(3)} µs signed and checked (+${(signed - plain).toFixed(3)} µs)`);
