import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { createCluster, silentLogger } from 'hypernode';

const ring = fileURLToPath(new URL('./ring.ts', import.meta.url));
const ringNode = fileURLToPath(new URL('./ring-node.ts', import.meta.url));

async function runRing(state: { size: number; laps: number; tokens: number }) {
  const cluster = await createCluster({ workers: 3, logger: silentLogger });
  try {
    await cluster.load(ring);
    await cluster.load(ringNode);
    const inbox = cluster.inbox();
    await cluster.spawn('Ring', { ...state, notify: inbox.name, quiet: true });
    const { message } = await inbox.receive(20_000);
    return { message, crashed: (await cluster.stats()).reduce((n, s) => n + s.crashed, 0) };
  } finally {
    await cluster.stop();
  }
}

describe('the ring example', () => {
  it('passes numbered tokens around a ring spread over workers, in order, and reports the total hops', async () => {
    const { message, crashed } = await runRing({ size: 25, laps: 8, tokens: 5 });
    expect(message).toEqual({ type: 'RING_DONE', hops: 25 * 8 * 5, size: 25, laps: 8, tokens: 5 });
    expect(crashed).toBe(0);
  });

  it('works with a ring of one process, which sends the token to itself', async () => {
    const { message } = await runRing({ size: 1, laps: 4, tokens: 2 });
    expect(message).toEqual({ type: 'RING_DONE', hops: 8, size: 1, laps: 4, tokens: 2 });
  });
});
