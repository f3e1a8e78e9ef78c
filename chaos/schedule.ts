/**
 * The chaos suite's settings (from the environment) and its fault schedule: a list of faults derived from a seed
 * alone, so the same seed replays the same faults in the same order with the same choices.
 */

/** Every kind of fault the suite injects. */
export const FAULT_KINDS = [
  'worker-kill',
  'node-kill',
  'cluster-daemon-kill',
  'rabbit-stop-app',
  'rabbit-full-restart',
  'redis-restart',
  'redis-flushall',
  'amqp-close-connections',
  'garbage-frames',
  'relocate',
] as const;

export type FaultKind = (typeof FAULT_KINDS)[number];

/** One scheduled fault: its kind and the choices it makes (which node or worker, by index into the sorted lists). */
export interface Fault {
  index: number;
  kind: FaultKind;
  /** Picks a node, a worker or a process: an index taken modulo the list it picks from. */
  pick: number;
  /** Milliseconds the outage lasts before the server comes back (for stop/start kinds). */
  outageMs: number;
}

/** The suite's settings. */
export interface ChaosSettings {
  seed: number;
  /** Times each fault kind is injected. */
  repeat: number;
  /** Only these kinds (all when the variable is unset). */
  kinds: FaultKind[];
  nodes: number;
  workersPerNode: number;
  /** ChaosPeer children per keeper (one keeper per worker). */
  peersPerKeeper: number;
  /** Messages per link per tick and the tick period (ms). */
  batch: number;
  tickMs: number;
  /** Messages each link must carry before the fault, and again after recovery, before the round ends. */
  linkMessages: number;
  /** How long the suite waits for one thing (recovery, traffic, the END markers) before it calls it a failure. */
  waitMs: number;
}

function intFrom(name: string, fallback: number, min: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min) throw new Error(`${name} is '${raw}': it must be an integer of at least ${min}; unset it for the default ${fallback}.`);
  return n;
}

/** Reads the settings from `HYPERNODE_CHAOS_*` (see docs/design/033-chaos-suite.md); throws a clear error for a bad value. */
export function readSettings(): ChaosSettings {
  const seedRaw = process.env.HYPERNODE_CHAOS_SEED;
  const seed = seedRaw ? intFrom('HYPERNODE_CHAOS_SEED', 0, 0) : Math.floor(Math.random() * 2 ** 31);
  const kindsRaw = process.env.HYPERNODE_CHAOS_FAULTS;
  let kinds: FaultKind[] = [...FAULT_KINDS];
  if (kindsRaw) {
    kinds = kindsRaw.split(',').map((k) => k.trim()).filter(Boolean) as FaultKind[];
    const bad = kinds.filter((k) => !(FAULT_KINDS as readonly string[]).includes(k));
    if (bad.length) throw new Error(`HYPERNODE_CHAOS_FAULTS names unknown fault kinds '${bad.join("', '")}'; the kinds are ${FAULT_KINDS.join(', ')}.`);
  }
  return {
    seed,
    repeat: intFrom('HYPERNODE_CHAOS_REPEAT', 2, 1),
    kinds,
    nodes: intFrom('HYPERNODE_CHAOS_NODES', 2, 2),
    workersPerNode: intFrom('HYPERNODE_CHAOS_WORKERS_PER_NODE', 2, 1),
    peersPerKeeper: intFrom('HYPERNODE_CHAOS_PEERS', 3, 2),
    batch: intFrom('HYPERNODE_CHAOS_BATCH', 2, 1),
    tickMs: intFrom('HYPERNODE_CHAOS_TICK_MS', 20, 1),
    linkMessages: intFrom('HYPERNODE_CHAOS_LINK_MESSAGES', 100, 1),
    waitMs: intFrom('HYPERNODE_CHAOS_WAIT_MS', 90_000, 1000),
  };
}

/** mulberry32: a small seeded PRNG, values in [0, 1). */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The schedule for `settings`: each kind `repeat` times, shuffled, with its choices, all from the seed. */
export function schedule(settings: ChaosSettings): Fault[] {
  const random = prng(settings.seed);
  const kinds: FaultKind[] = [];
  for (const k of settings.kinds) for (let i = 0; i < settings.repeat; i++) kinds.push(k);
  for (let i = kinds.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [kinds[i], kinds[j]] = [kinds[j]!, kinds[i]!];
  }
  return kinds.map((kind, index) => ({ index, kind, pick: Math.floor(random() * 1_000_000), outageMs: 200 + Math.floor(random() * 1800) }));
}

/** The schedule as printed lines (and how to replay it). */
export function describeSchedule(settings: ChaosSettings, faults: Fault[]): string {
  const lines = [
    `chaos seed ${settings.seed} (replay: HYPERNODE_CHAOS_SEED=${settings.seed}${process.env.HYPERNODE_CHAOS_REPEAT ? ` HYPERNODE_CHAOS_REPEAT=${settings.repeat}` : ''}${process.env.HYPERNODE_CHAOS_FAULTS ? ` HYPERNODE_CHAOS_FAULTS=${settings.kinds.join(',')}` : ''} pnpm test:chaos)`,
    `cluster: ${settings.nodes} node daemons x ${settings.workersPerNode} workers; ${settings.peersPerKeeper} peers per keeper, ${settings.batch} messages per link every ${settings.tickMs} ms, ${settings.linkMessages} per link before and after each fault`,
    ...faults.map((f) => `  #${f.index + 1} ${f.kind} pick=${f.pick} outage=${f.outageMs}ms`),
  ];
  return lines.join('\n');
}
