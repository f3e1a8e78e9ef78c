/**
 * Design 032's experiment: how many moves the rebalancer makes, and how even the load ends, when load reports lag
 * the moves (a worker's load score is its event-loop delay over the last period, and the registry holds the last
 * report: what a round reads shows the cluster as it was up to two seconds before). Compares planning on every
 * report (naive) with the Rebalancer's settling rule, with and without its cooldowns.
 *
 * Run: npx tsx scripts/rebalance-sim.ts
 */
import { ManualClock, silentLogger, type ProcessInfo } from '@hypernode/core';
import type { WorkerLoad } from '@hypernode/core/runtime';
import { planRelocations } from '@hypernode/scheduler';
import { Rebalancer, type RebalanceOptions } from '../packages/daemon/src/rebalancer';

const WORKERS = ['w1', 'w2', 'w3', 'w4'];
const TICKS = 120;
const LAG = 2;

interface World {
  clock: ManualClock;
  hosts: Map<string, string[]>;
  cost: Map<string, number>;
  history: Map<string, number>[];
  moves: number;
  /** Moves of a process back to a worker it had left. */
  returns: number;
  left: Map<string, Set<string>>;
}

/** The two loads tried: processes of uneven cost, and a few hot ones among idle ones. */
const SCENARIOS = {
  uneven: { text: '40 processes on w1: 10 at 3 points, 30 at 0.5 (total 45)', cost: (i: number) => (i < 10 ? 3 : 0.5) },
  'few hot': { text: '40 processes on w1: 5 at 8 points, 35 idle (total 40)', cost: (i: number) => (i < 5 ? 8 : 0) },
};
let scenario: keyof typeof SCENARIOS = 'uneven';

function world(): World {
  const hosts = new Map(WORKERS.map((w) => [w, [] as string[]]));
  const cost = new Map<string, number>();
  for (let i = 0; i < 40; i++) {
    hosts.get('w1')!.push(`p${i}`);
    cost.set(`p${i}`, SCENARIOS[scenario].cost(i));
  }
  return { clock: new ManualClock(1_000_000), hosts, cost, history: [], moves: 0, returns: 0, left: new Map() };
}

const scoreOf = (w: World, id: string) => w.hosts.get(id)!.reduce((s, p) => s + w.cost.get(p)!, 0);

/** The reports the registry holds at this tick: each worker's score as it was LAG ticks ago, with today's `at`. */
function reports(w: World): WorkerLoad[] {
  const seen = w.history[Math.max(0, w.history.length - 1 - LAG)]!;
  return WORKERS.map((id) => ({ id, load: { processes: w.hosts.get(id)!.length, backlog: 0, eventLoopDelayMs: seen.get(id)!, rssBytes: 0, at: w.clock.now() } }));
}

function move(w: World, name: string, from: string, to: string): void {
  const list = w.hosts.get(from)!;
  list.splice(list.indexOf(name), 1);
  w.hosts.get(to)!.push(name);
  w.moves++;
  if (w.left.get(name)?.has(to)) w.returns++;
  (w.left.get(name) ?? w.left.set(name, new Set()).get(name)!).add(from);
}

const info = (w: World, id: string): ProcessInfo[] =>
  w.hosts.get(id)!.map((name) => ({ name, module: 'M', version: 1, parent: null, worker: id, mailboxSize: w.cost.get(name)! * 10, status: 'waiting', children: 0, names: [] }));

async function run(kind: 'naive' | 'rebalancer', options: RebalanceOptions = {}) {
  const w = world();
  const r = new Rebalancer(
    {
      clock: w.clock,
      logger: silentLogger,
      loads: async () => reports(w),
      processesOf: async (id) => info(w, id),
      move: async (name, from, to) => (move(w, name, from, to), { name, moved: true, from, to, pauseMs: 1 }),
    },
    { imbalanceThreshold: 2, maxMovesPerMinute: 10_000, ...options },
  );
  for (let t = 0; t < TICKS; t++) {
    w.history.push(new Map(WORKERS.map((id) => [id, scoreOf(w, id)])));
    if (kind === 'naive') {
      for (const step of planRelocations(reports(w), { now: w.clock.now(), imbalanceThreshold: 2 })) {
        const picks = info(w, step.from).sort((a, b) => b.mailboxSize - a.mailboxSize).slice(0, step.count);
        for (const p of picks) move(w, p.name, step.from, step.to);
      }
    } else {
      await r.round();
    }
    w.clock.advance(1000);
  }
  const scores = WORKERS.map((id) => scoreOf(w, id));
  return { moves: w.moves, returns: w.returns, spread: Math.max(...scores) - Math.min(...scores), scores };
}

for (const name of Object.keys(SCENARIOS) as (keyof typeof SCENARIOS)[]) {
  scenario = name;
  const rows = [
    ['plan on every report (naive)', await run('naive')],
    ['Rebalancer, settling only (no cooldowns)', await run('rebalancer', { cooldownMs: 0, processCooldownMs: 0 })],
    ['Rebalancer, defaults (5 s, 5 min cooldowns)', await run('rebalancer')],
  ] as const;
  console.log(`4 workers, ${SCENARIOS[name].text}; reports lag ${LAG} s; ${TICKS} s`);
  for (const [label, r] of rows) console.log(`  ${label.padEnd(46)} moves ${String(r.moves).padStart(4)}  moved back ${String(r.returns).padStart(4)}  final spread ${r.spread.toFixed(1).padStart(5)}  scores ${r.scores.map((x) => x.toFixed(1)).join(' ')}`);
}
