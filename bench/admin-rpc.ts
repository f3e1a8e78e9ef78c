/**
 * The admin round trip without and with a cluster secret (design 024): a client's `callRpc` to a server's
 * `serveRpc` over RabbitMQ on 127.0.0.1:5672 (the broker's direct reply-to, as the CLI uses), one request after
 * another, with a cheap operation (`status` answering a small object) so that what is measured is the request
 * path. Unsigned: no guard, no signer. Signed: the client signs (HMAC-SHA256 over the request, 16 random bytes),
 * the server checks the MAC, the clock and the nonce. Both in the same process and run, interleaved.
 *
 * Run alone: `npx tsx bench/admin-rpc.ts [trips]` prints both p50s and the ratio.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { AmqpTransport } from '../packages/transport-amqp/src/index';
import { silentLogger, systemClock } from '../packages/core/src/index';
import { credentialOf, RpcGuard, RpcSigner } from '../packages/daemon/src/rpc-auth';
import { callRpc, serveRpc } from '../packages/daemon/src/rpc';

const URL_ = process.env.HYPERNODE_AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672';

/** `trips` admin round trips one after another, with a secret or without; each one's time in ms. */
export async function adminRoundTrips(trips: number, secret: string | null): Promise<number[]> {
  const cluster = `bench-admin-${randomUUID().slice(0, 8)}`;
  const server = await AmqpTransport.connect({ url: URL_, cluster, logger: silentLogger });
  const client = await AmqpTransport.connect({ url: URL_, cluster, logger: silentLogger });
  const guard = secret === null ? null : new RpcGuard(cluster, secret, systemClock, silentLogger);
  const signer = secret === null ? null : new RpcSigner(cluster, credentialOf(secret, cluster), systemClock, 'bench');
  const status = { cluster, workers: 2, nodes: 1, ok: true };
  const sub = await serveRpc(server, 'admin', { status: () => status }, guard);
  const times: number[] = [];
  try {
    for (let i = 0; i < 50; i++) await callRpc(client, 'admin', 'status', null, 5000, signer); // warm-up
    for (let i = 0; i < trips; i++) {
      const t0 = performance.now();
      await callRpc(client, 'admin', 'status', null, 5000, signer);
      times.push(performance.now() - t0);
    }
  } finally {
    await sub.close();
    await client.close();
    await server.close();
    await server.deleteClusterTopology();
  }
  return times;
}

/** The median of round trips in ms, as µs. */
export function medianUs(ms: number[]): number {
  const sorted = [...ms].sort((a, b) => a - b);
  return sorted.length === 0 ? NaN : sorted[Math.floor(sorted.length / 2)]! * 1000;
}

/** Both sides, interleaved over `rounds` rounds of `trips` each: all round trips of each side. */
export async function adminRoundTripBoth(trips: number, rounds: number): Promise<{ signed: number[]; unsigned: number[] }> {
  const secret = randomBytes(32).toString('hex');
  const out = { signed: [] as number[], unsigned: [] as number[] };
  for (let i = 0; i < rounds; i++) {
    out.unsigned.push(...(await adminRoundTrips(trips, null)));
    out.signed.push(...(await adminRoundTrips(trips, secret)));
  }
  return out;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const trips = Number(process.argv[2] ?? 2000);
  const { signed, unsigned } = await adminRoundTripBoth(trips, 3);
  const [s, u] = [medianUs(signed), medianUs(unsigned)];
  console.log(`admin round trip p50 over ${signed.length} trips each: unsigned ${u.toFixed(0)} µs, signed ${s.toFixed(0)} µs, ratio ${(s / u).toFixed(2)}×`);
}
