import type { MemberInfo, WorkerLoad } from '@hypernode/core/runtime';

/**
 * Turns Registry members into scheduler input: every `worker` member that has a load report, with its
 * `node`, and `draining: true` when its `meta.draining` is `true` (the convention a worker uses to
 * announce it is draining). Members without a report are left out: the scheduler cannot judge them.
 * Does not check staleness; the decision functions do.
 */
export function workerLoadsFromMembers(members: readonly MemberInfo[]): WorkerLoad[] {
  const out: WorkerLoad[] = [];
  for (const m of members) {
    if (m.role !== 'worker' || !m.load) continue;
    const w: WorkerLoad = { id: m.id, load: m.load };
    if (m.node !== undefined) w.node = m.node;
    if (m.meta?.draining === true) w.draining = true;
    out.push(w);
  }
  return out;
}
