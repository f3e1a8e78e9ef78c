/**
 * What the registry's lost-worker record costs (design 029): its size, a read (what each worker does every 15 s and
 * after an outage) and recording one more loss (read, merge, write, read back), with 10 and with 2000 (the cap)
 * entries, on the machine's Redis under a cluster name of its own (deleted after). `npx tsx bench/lost-record-cost.ts`
 */
import { RedisRegistry } from '../packages/registry-redis/src/index';
import { readLostWorkers, recordLostWorkers, encode } from '../packages/core/src/runtime';
/** A cluster of its own, deleted after. */
const cluster = `measure-lost-${process.pid}`;
const r = await RedisRegistry.connect({ url: 'redis://127.0.0.1:6379', cluster });
for (const n of [10, 2000]) {
  const entries = Array.from({ length: n }, (_, i) => ({ id: `node-${i}-w1-mx7te78h`, why: 'killed by SIGKILL', at: Date.now() }));
  await recordLostWorkers(r, entries, Date.now());
  const bytes = (await r.getValue('lost-workers'))!.length;
  const ts: number[] = [];
  for (let i = 0; i < 200; i++) { const t = performance.now(); await readLostWorkers(r); ts.push(performance.now() - t); }
  ts.sort((a, b) => a - b);
  const w: number[] = [];
  for (let i = 0; i < 50; i++) { const t = performance.now(); await recordLostWorkers(r, [{ id: `x${i}`, why: 'y', at: Date.now() }], Date.now()); w.push(performance.now() - t); }
  w.sort((a, b) => a - b);
  console.log(`${n} entries: ${bytes} bytes; read p50 ${ts[100].toFixed(2)} ms p99 ${ts[198].toFixed(2)} ms; record one more p50 ${w[25].toFixed(2)} ms`);
  await r.deleteValue('lost-workers');
}
await r.deleteCluster();
await r.close();
