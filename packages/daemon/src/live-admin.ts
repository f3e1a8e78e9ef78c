/**
 * The cluster daemon's admin requests for live data (design 020): `top`, `dead-letters` and `exits`. Each asks
 * every live worker (`worker.<id>`) and the daemon's own runtime, in parallel, and merges the answers; a worker
 * that does not answer within {@link LIVE_TIMEOUT_MS} is shown from its member record (`top`) or left out.
 */
import type { DeadLetterRecord, ExitRecord, Logger, TopProcess, TopSnapshot, TopWorker } from '@hypernode/core';
import { byBusiest, newestRecords as newest, recentArgs, type MemberInfo, type WorkerRuntime, type WorkerTop } from '@hypernode/core/runtime';
import type { ClusterMembership } from './cluster-membership';
import type { Adapters } from './adapters';
import { callRpc } from './rpc';

/** How long `top`, `dead-letters` and `exits` wait for each worker: short, since `top` asks every second. */
export const LIVE_TIMEOUT_MS = 1500;

/** What {@link LiveAdmin} works with: the cluster daemon's parts. */
export interface LiveAdminSetup {
  runtime: WorkerRuntime;
  adapters: Adapters;
  membership: ClusterMembership;
  logger: Logger;
  /** The workers node daemons report silent, with how long (see `stalledWorkers` in admin-service.ts). */
  stalled(members: MemberInfo[]): Map<string, number>;
}

/** A worker's answer to `top`. */
type WorkerTopAnswer = WorkerTop & { node: string | null; pid: number };

/** The `top`, `dead-letters` and `exits` admin requests. */
export class LiveAdmin {
  constructor(private readonly setup: LiveAdminSetup) {}

  /** Every worker with its load and rates, the cluster daemon's own first; then the busiest processes of all. */
  async top(): Promise<TopSnapshot> {
    const { runtime } = this.setup;
    const members = await this.setup.adapters.registry.listMembers();
    const stalled = this.setup.stalled(members);
    const workers = members.filter((m) => m.role === 'worker' && !this.setup.membership.isLost(m.id));
    // A worker its node reports silent cannot answer now: it is shown from its member record without being asked.
    const answers = await Promise.all(workers.map((w) => (stalled.has(w.id) ? undefined : this.ask<WorkerTopAnswer>(w.id, 'top', {}))));
    const own = runtime.top();
    const out: TopWorker[] = [topWorker({ ...own, node: null, pid: process.pid }, false, false)];
    const processes: TopProcess[] = [...own.top];
    workers.forEach((m, i) => {
      const a = answers[i];
      if (a) {
        out.push(topWorker(a, m.meta?.draining === true, false));
        processes.push(...a.top);
      } else {
        out.push(fromMember(m));
      }
    });
    return { at: Date.now(), workers: out, processes: processes.sort(byBusiest) };
  }

  /** The last dead letters of every worker, oldest first. */
  async deadLetters(args: unknown): Promise<{ letters: DeadLetterRecord[] }> {
    const { since, limit } = recentArgs(args, 'dead-letters');
    const lists = await this.askAll<{ letters: DeadLetterRecord[] }>('dead-letters', { since, limit });
    const all = [...this.setup.runtime.recentDeadLetters(since, limit), ...lists.flatMap((l) => l.letters)];
    return { letters: newest(all, limit) };
  }

  /** The last processes that ended on every worker, oldest first. */
  async exits(args: unknown): Promise<{ exits: ExitRecord[] }> {
    const { since, limit } = recentArgs(args, 'exits');
    const lists = await this.askAll<{ exits: ExitRecord[] }>('exits', { since, limit });
    const all = [...this.setup.runtime.recentExits(since, limit), ...lists.flatMap((l) => l.exits)];
    return { exits: newest(all, limit) };
  }

  private async ask<T>(worker: string, op: string, args: unknown): Promise<T | undefined> {
    try {
      return await callRpc<T>(this.setup.adapters.transport, `worker.${worker}`, op, args, LIVE_TIMEOUT_MS);
    } catch (err) {
      this.setup.logger.debug(`worker '${worker}' did not answer '${op}': ${(err as Error).message}`);
      return undefined;
    }
  }

  private async askAll<T>(op: string, args: unknown): Promise<T[]> {
    const members = await this.setup.adapters.registry.listMembers();
    const stalled = this.setup.stalled(members);
    const workers = members.filter((m) => m.role === 'worker' && !this.setup.membership.isLost(m.id) && !stalled.has(m.id));
    const answers = await Promise.all(workers.map((w) => this.ask<T>(w.id, op, args)));
    return answers.filter((a): a is Awaited<T> => a !== undefined) as T[];
  }
}

function topWorker(a: WorkerTopAnswer, draining: boolean, stalled: boolean): TopWorker {
  return {
    id: a.id,
    node: a.node,
    pid: a.pid,
    cpuPercent: a.cpuPercent,
    rssBytes: a.rssBytes,
    heapUsedBytes: a.heapUsedBytes,
    eventLoopDelayMs: a.eventLoopDelayMs,
    processes: a.processes,
    backlog: a.backlog,
    msgsInPerSec: a.msgsInPerSec,
    msgsOutPerSec: a.msgsOutPerSec,
    deadLettersPerSec: a.deadLettersPerSec,
    draining,
    stalled,
  };
}

/** A worker that did not answer (or is reported silent): what its last heartbeat said, with no rates. */
function fromMember(m: MemberInfo): TopWorker {
  return {
    id: m.id,
    node: m.node ?? null,
    pid: m.pid ?? null,
    cpuPercent: 0,
    rssBytes: m.load?.rssBytes ?? 0,
    heapUsedBytes: 0,
    eventLoopDelayMs: m.load?.eventLoopDelayMs ?? 0,
    processes: m.load?.processes ?? 0,
    backlog: m.load?.backlog ?? 0,
    msgsInPerSec: 0,
    msgsOutPerSec: 0,
    deadLettersPerSec: 0,
    draining: m.meta?.draining === true,
    stalled: true,
  };
}
