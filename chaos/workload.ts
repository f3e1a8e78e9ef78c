/**
 * The chaos suite's workload and its judge: keepers (one per worker) spawn ChaosPeer children, the suite wires the
 * peers into pairs and rings (links), lets numbered messages flow, and at the end reads every peer's counts to judge
 * each link: lost, duplicated, reordered, and whether every ended peer's parent was told of it once.
 */
import type { ClusterClient } from '../packages/daemon/src/connect-cluster';
import type { Track } from './modules/chaos-peer';
import type { ChaosSettings } from './schedule';

/** One peer of the workload. */
export interface Peer {
  id: string;
  name: string;
  /** Its parent: a ChaosKeeper, or the root process. */
  keeper: string;
  /** The worker its name says it was spawned on. */
  worker: string;
  /** A pipeline stage that forwards what it receives (see ChaosPeer's `relay`). */
  relay?: boolean;
}

/** One direction of traffic: `from` sends numbered messages to `to`. */
export interface Link {
  from: Peer;
  to: Peer;
  kind: 'pair' | 'ring' | 'pipeline';
}

export interface Workload {
  keepers: { name: string; worker: string }[];
  peers: Peer[];
  links: Link[];
}

export interface PeerReport {
  id: string;
  name: string;
  running: boolean;
  sent: Record<string, number>;
  recv: Record<string, Track>;
  unknown: number;
}

/** The worker part of a process name. */
export function workerOf(name: string): string {
  return name.slice(0, name.indexOf(':'));
}

/** Retries `probe` (a read, never an assertion) until it gives a value or `timeoutMs` passes; then throws `what`. */
export async function until<T>(what: string, timeoutMs: number, probe: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await probe();
      if (v !== undefined) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`${what} did not happen within ${timeoutMs} ms${last ? ` (last error: ${(last as Error).message})` : ''}`);
    await new Promise((r) => setTimeout(r, 150));
  }
}

/**
 * Spawns one keeper on each of `workers`, whose peers (spread by the scheduler) make a pipeline, and, as children of
 * the root (`root`), a pair of peers for every two workers and a ring over all workers. The keepers' pipelines are
 * what the parent checks watch; the placed pairs are what keeps traffic between survivors under any fault.
 */
export async function startWorkload(client: ClusterClient, workers: string[], settings: ChaosSettings, round: number): Promise<Workload> {
  const root = client.root;
  const keepers: Workload['keepers'] = [];
  const peers: Peer[] = [];
  const links: Link[] = [];
  let k = 0;
  for (const worker of workers) {
    const name = await until(`spawning a ChaosKeeper on worker '${worker}'`, settings.waitMs, () =>
      client.spawn('ChaosKeeper', { peers: settings.peersPerKeeper, children: [], told: [] }, { worker }),
    );
    keepers.push({ name, worker });
    const children = await until(`the children of keeper '${name}'`, settings.waitMs, () => client.call<string[]>(name, { type: 'CHILDREN' }, 5000));
    const group = children.map((child): Peer => ({ id: `p${round}.${k++}`, name: child, keeper: name, worker: workerOf(child) }));
    peers.push(...group);
    // A pipeline: the first child sends, the middle ones relay what they receive, the last one only counts.
    for (let j = 1; j < group.length - 1; j++) group[j]!.relay = true;
    for (let j = 0; j + 1 < group.length; j++) links.push({ from: group[j]!, to: group[j + 1]!, kind: 'pipeline' });
  }
  // Peers spawned on chosen workers (children of the root): a pair for every two workers, and a ring over all of
  // them, so that whichever workers a fault takes down, pairs across the surviving workers keep carrying traffic.
  const placed = async (worker: string, keeper: string): Promise<Peer> => {
    const name = await until(`spawning a ChaosPeer on worker '${worker}'`, settings.waitMs, () => client.spawn('ChaosPeer', {}, { worker }));
    const peer = { id: `p${round}.${k++}`, name, keeper, worker };
    peers.push(peer);
    return peer;
  };
  for (let i = 0; i < workers.length; i++) {
    for (let j = i + 1; j < workers.length; j++) {
      const a = await placed(workers[i]!, root);
      const b = await placed(workers[j]!, root);
      links.push({ from: a, to: b, kind: 'pair' }, { from: b, to: a, kind: 'pair' });
    }
  }
  if (workers.length >= 3) {
    const ring = [];
    for (const w of workers) ring.push(await placed(w, root));
    for (let j = 0; j < ring.length; j++) links.push({ from: ring[j]!, to: ring[(j + 1) % ring.length]!, kind: 'ring' });
  }
  for (const p of peers) {
    const targets = links.filter((l) => l.from === p).map((l) => l.to.name);
    await until(`starting peer '${p.name}'`, settings.waitMs, () =>
      client.call(p.name, { type: 'START', id: p.id, targets, batch: settings.batch, tickMs: settings.tickMs, relay: p.relay === true }, 5000),
    );
  }
  return { keepers, peers, links };
}

/** REPORT from every peer of `peers` (a peer that does not answer within 5 s is missing from the map). */
export async function reports(client: ClusterClient, peers: Peer[]): Promise<Map<string, PeerReport>> {
  const out = new Map<string, PeerReport>();
  await Promise.all(
    peers.map(async (p) => {
      try {
        out.set(p.id, await client.call<PeerReport>(p.name, { type: 'REPORT' }, 5000));
      } catch {
        // not answering: ended, or unreachable for now
      }
    }),
  );
  return out;
}

/** Distinct numbers `track` holds (every number up to `max`, minus the gaps). */
export function distinct(track: Track | undefined): number {
  if (!track) return 0;
  return track.max - track.gaps.reduce((n, [a, b]) => n + (b - a + 1), 0);
}

/** Resolves once every link in `links` delivered at least `goal(link)` distinct messages. */
export async function awaitTraffic(client: ClusterClient, links: Link[], goal: (l: Link) => number, timeoutMs: number, what: string): Promise<Map<string, PeerReport>> {
  const receivers = [...new Set(links.map((l) => l.to))];
  return until(what, timeoutMs, async () => {
    const r = await reports(client, receivers);
    return links.every((l) => distinct(r.get(l.to.id)?.recv[l.from.id]) >= goal(l)) ? r : undefined;
  });
}
