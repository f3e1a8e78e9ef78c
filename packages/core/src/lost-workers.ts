/**
 * The registry's record of lost workers (design 029): the evidence reconciliation reads after an outage. A node
 * daemon writes a worker it saw die, the cluster daemon a worker whose heartbeat stopped unannounced; every
 * worker reads the record after its transport comes back, after the registry is restored, and periodically, and
 * applies each loss it has not applied yet (`WorkerRuntime.workerLost`, idempotent per worker).
 *
 * It is one registry value (`lost-workers`) holding `[id, why, at]` entries. Entries expire by the writer's clock
 * {@link LOST_RECORD_TTL_MS} after the loss; a writer reads, merges, writes and reads back (retrying when another
 * writer overwrote it meanwhile), so concurrent writers converge. The record never marks a live worker lost by
 * itself: only a daemon that saw the worker die (or the cluster daemon, under the rules of cluster-membership.ts)
 * writes it.
 */
import { decode, encode } from './codec';
import type { Registry } from './registry';

/** The registry value holding the lost workers. */
export const LOST_WORKERS_KEY = 'lost-workers';
/** How long a loss stays in the record: longer than any registry outage reconciliation is meant to bridge. */
export const LOST_RECORD_TTL_MS = 10 * 60_000;
/** The most entries the record holds; the oldest go first. */
export const LOST_RECORD_MAX = 2000;

/** One lost worker as the record holds it. */
export interface LostWorker {
  /** The worker's id. */
  id: string;
  /** Why it was declared lost, for the `WORKER_LOST` reason its processes' parents get. */
  why: string;
  /** When it was declared lost (epoch ms, by the writer's clock). */
  at: number;
}

/**
 * Reads the record. A missing or unreadable value reads as empty (an unreadable one is overwritten by the next
 * writer); a failed registry read rejects.
 */
export async function readLostWorkers(registry: Pick<Registry, 'getValue'>): Promise<LostWorker[]> {
  const bytes = await registry.getValue(LOST_WORKERS_KEY);
  return bytes ? parseLostWorkers(bytes) : [];
}

/** The entries of a stored record; whatever is malformed is skipped. */
export function parseLostWorkers(bytes: Uint8Array): LostWorker[] {
  let raw: unknown;
  try {
    raw = decode(bytes);
  } catch {
    return [];
  }
  if (!Array.isArray(raw)) return [];
  const out: LostWorker[] = [];
  for (const e of raw) {
    if (Array.isArray(e) && typeof e[0] === 'string' && typeof e[1] === 'string' && typeof e[2] === 'number') out.push({ id: e[0], why: e[1], at: e[2] });
  }
  return out;
}

/**
 * Adds `entries` to the record (an id already there keeps its first entry), drops entries older than
 * {@link LOST_RECORD_TTL_MS} at `now`, and checks by reading back that they are all there, retrying up to
 * `attempts` times when another writer overwrote the value meanwhile. Resolves with whether every entry not
 * yet expired is in the record; rejects when the registry cannot be reached.
 */
export async function recordLostWorkers(registry: Pick<Registry, 'getValue' | 'setValue'>, entries: readonly LostWorker[], now: number, attempts = 3): Promise<boolean> {
  const wanted = entries.filter((e) => now - e.at < LOST_RECORD_TTL_MS);
  for (let i = 0; i < attempts; i++) {
    const current = await readLostWorkers(registry);
    if (wanted.every((w) => current.some((c) => c.id === w.id))) return true;
    const merged = new Map<string, LostWorker>();
    for (const e of [...current, ...wanted]) if (!merged.has(e.id) && now - e.at < LOST_RECORD_TTL_MS) merged.set(e.id, e);
    const kept = [...merged.values()].sort((a, b) => a.at - b.at).slice(-LOST_RECORD_MAX);
    await registry.setValue(LOST_WORKERS_KEY, encode(kept.map((e) => [e.id, e.why, e.at])));
  }
  const current = await readLostWorkers(registry);
  return wanted.every((w) => current.some((c) => c.id === w.id));
}
