/**
 * The CPU cost of signing and checking one frame (core's authenticateTransport), in µs of this process's CPU time
 * (so other load on the machine does not count), by frame size: what an authenticated frame adds to a hop (sign
 * on one side, check on the other). In-memory network, no broker. `npx tsx bench/frame-auth-cost.ts`.
 */
import { authenticateTransport, MemoryNetwork } from '../packages/core/src/runtime';
import { silentLogger } from '../packages/core/src/index';

const secret = 'bench-cluster-secret-0123456789abcdef';

async function perFrame(size: number, signed: boolean, n: number): Promise<number> {
  const net = new MemoryNetwork({ cluster: 'cost' });
  const wrap = (t: ReturnType<MemoryNetwork['connect']>) => (signed ? authenticateTransport(t, { secret, cluster: 'cost', logger: silentLogger }) : t);
  const a = wrap(net.connect());
  const b = wrap(net.connect());
  let left = n;
  let done!: () => void;
  const finished = new Promise<void>((r) => (done = r));
  await b.listen('B', () => {
    if (--left === 0) done();
  }, { prefetch: Infinity });
  const frame = new Uint8Array(size).fill(7);
  const cpu = () => {
    const u = process.cpuUsage();
    return u.user + u.system;
  };
  const t = cpu();
  for (let i = 0; i < n; i++) a.send('B', frame);
  await finished;
  const us = (cpu() - t) / n;
  await a.close();
  await b.close();
  return us;
}

for (const size of [100, 1024, 16 * 1024, 256 * 1024]) {
  const n = size >= 256 * 1024 ? 2_000 : size >= 16 * 1024 ? 20_000 : 100_000;
  let plain = Infinity;
  let signed = Infinity;
  for (let round = 0; round < 5; round++) {
    plain = Math.min(plain, await perFrame(size, false, n));
    signed = Math.min(signed, await perFrame(size, true, n));
  }
  console.log(`${String(size).padStart(7)} B frame: ${plain.toFixed(2)} µs unsigned, ${signed.toFixed(2)} µs signed and checked (+${(signed - plain).toFixed(2)} µs)`);
}
