/**
 * `pnpm bench`: hypernode's throughput and memory beside raw baselines measured in the same run.
 * Each figure is the best of several interleaved runs (these machines are noisy); ratios compare bests.
 * Run with `--quick` for a short smoke run.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { arrayMailbox, mapInsert, microtaskPingPong } from './baseline';
import { bytesPerProcess, oneWay, pingPong, spawnRate } from './local';

if (typeof (globalThis as { gc?: unknown }).gc !== 'function') {
  const self = fileURLToPath(import.meta.url);
  const r = spawnSync(process.execPath, ['--expose-gc', '--import', 'tsx', self, ...process.argv.slice(2)], { stdio: 'inherit' });
  process.exit(r.status ?? 1);
}

const quick = process.argv.includes('--quick');
const rounds = quick ? 1 : 5;
const scale = quick ? 0.1 : 1;

interface Row {
  name: string;
  unit: string;
  ours: number;
  base: number;
  baseName: string;
  target: string;
  ok: (ours: number, base: number) => boolean;
  higherIsBetter: boolean;
}

const fmt = (n: number) => (n >= 1e6 ? `${(n / 1e6).toFixed(2)}M` : n >= 1e3 ? `${(n / 1e3).toFixed(1)}k` : n.toFixed(0));

async function best(f: () => Promise<number> | number, higher = true): Promise<number> {
  let b = higher ? -Infinity : Infinity;
  for (let i = 0; i < rounds; i++) {
    const v = await f();
    b = higher ? Math.max(b, v) : Math.min(b, v);
  }
  return b;
}

async function interleaved(ours: () => Promise<number> | number, base: () => Promise<number> | number): Promise<[number, number]> {
  let o = -Infinity;
  let b = -Infinity;
  for (let i = 0; i < rounds; i++) {
    b = Math.max(b, await base());
    o = Math.max(o, await ours());
  }
  return [o, b];
}

const rows: Row[] = [];

{
  const n = Math.round(1_000_000 * scale);
  const [ours, base] = await interleaved(() => pingPong(n), () => microtaskPingPong(n));
  rows.push({ name: 'local ping-pong', unit: 'round trips/s', ours, base, baseName: 'two functions via microtasks', target: '≥ 0.30×', ok: (o, b) => o >= 0.3 * b, higherIsBetter: true });
}
{
  const n = Math.round(2_000_000 * scale);
  const [ours, base] = await interleaved(() => oneWay(n), () => arrayMailbox(n));
  rows.push({ name: 'local one-way', unit: 'msgs/s', ours, base, baseName: 'plain array mailbox', target: '≥ 0.50×', ok: (o, b) => o >= 0.5 * b, higherIsBetter: true });
}
{
  const n = Math.round(300_000 * scale);
  const [ours, base] = await interleaved(() => spawnRate(n), () => mapInsert(n));
  rows.push({ name: 'spawn', unit: 'spawns/s', ours, base, baseName: 'record + Map insert', target: '≥ 280k/s', ok: (o) => o >= 280_000, higherIsBetter: true });
}
{
  const n = Math.round(1_000_000 * scale);
  const ours = await best(() => bytesPerProcess(n), false);
  rows.push({ name: `idle process (${fmt(n)})`, unit: 'heap bytes', ours, base: 0, baseName: '', target: '≤ 1024 B', ok: (o) => o <= 1024, higherIsBetter: false });
}

console.log(`\nhypernode benchmarks (node ${process.version}, best of ${rounds})\n`);
const table = rows.map((r) => ({
  benchmark: r.name,
  hypernode: `${fmt(r.ours)} ${r.unit}`,
  baseline: r.base ? `${fmt(r.base)} (${r.baseName})` : '-',
  ratio: r.base ? `${(r.ours / r.base).toFixed(2)}×` : '-',
  target: r.target,
  met: r.ok(r.ours, r.base) ? 'yes' : 'NO',
}));
console.table(table);
