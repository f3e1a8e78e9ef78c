/**
 * Evacuation (design 032): before workers leave, each is asked (its `worker.<id>` RPC `evacuate`) to move its
 * processes onto the live workers that stay. Shared by the cluster daemon (`workers remove`, `nodes remove`,
 * relocation-admin.ts) and the node daemon (its own shutdown, node-daemon.ts): they differ only in which workers
 * leave and how long they may wait.
 */
import type { Logger } from '@hypernode/core';
import type { MemberInfo, Transport } from '@hypernode/core/runtime';
import type { MoveOutcome } from './move-outcome';
import { processes } from './plural';
import { callRpc } from './rpc';
import type { RpcSigner } from './rpc-auth';

/** How long the cluster daemon waits for a worker to evacuate all its processes. */
export const EVACUATE_TIMEOUT_MS = 120_000;
/** How long it waits for a worker's `stats` or `ps`. */
const ASK_TIMEOUT_MS = 3000;

/** What an evacuation did: `workers remove`, `nodes remove` and a node daemon's shutdown report it. */
export interface Evacuation {
  /** Processes now running on another worker. */
  moved: number;
  /** Processes whose `processWillMove` refused: they ended with `'shutdown'` with their worker. */
  refused: number;
  /** Processes that could not move (state the codec cannot carry, no target answered...): they ended with `'shutdown'`. */
  failed: number;
  /** Processes ended with `'shutdown'` when their worker stopped (the refused and failed ones, and any that arrived during the evacuation). */
  ended: number;
  /** The workers the processes could move to (empty: there was none, and every process ended as before). */
  targets: string[];
}

/** What an evacuation works with: the caller's transport, request signer and log. */
export interface EvacuationSetup {
  transport: Transport;
  signer: RpcSigner | null;
  logger: Logger;
}

/** The worker's answer to `evacuate`. */
interface EvacuateAnswer {
  moved: number;
  refused: number;
  failed: number;
  outcomes: MoveOutcome[];
}

/** Worker `worker`'s answer to `op` (no arguments) within a few seconds; undefined (logged at debug) when none came. */
export async function askWorker<T>(setup: EvacuationSetup, worker: string, op: string): Promise<T | undefined> {
  try {
    return await callRpc<T>(setup.transport, `worker.${worker}`, op, null, ASK_TIMEOUT_MS, setup.signer);
  } catch (err) {
    setup.logger.debug(`worker '${worker}' did not answer '${op}': ${(err as Error).message}`);
    return undefined;
  }
}

/** A worker that says it is draining (it is stopping or evacuating), or whose node daemon is draining. */
export function isDraining(worker: MemberInfo, members: readonly MemberInfo[]): boolean {
  if (worker.meta?.draining === true) return true;
  return worker.node !== undefined && members.some((m) => m.role === 'node' && m.id === worker.node && m.meta?.draining === true);
}

/**
 * The workers that can take the processes of `leaving`: the `worker` members that are not leaving, not known lost
 * (`isLost`) and not draining (themselves or their node).
 */
export function evacuationTargets(members: readonly MemberInfo[], leaving: (worker: MemberInfo) => boolean, isLost: (id: string) => boolean = () => false): string[] {
  return members.filter((m) => m.role === 'worker' && !leaving(m) && !isLost(m.id) && !isDraining(m, members)).map((m) => m.id);
}

/**
 * Asks each worker of `leaving` to move every process onto `targets` (the worker spreads them by count), then how
 * many processes it still holds (they end with `'shutdown'` when it stops); logs one info line with the counts, and
 * with no target one line saying the processes end as before (then nothing is asked but the counts). A worker that
 * does not answer `evacuate` within `timeoutMs` counts its processes as failed. Never rejects.
 */
export async function evacuateWorkers(setup: EvacuationSetup, leaving: readonly string[], targets: string[], why: string, timeoutMs = EVACUATE_TIMEOUT_MS): Promise<Evacuation> {
  const ask = <T>(worker: string, op: string): Promise<T | undefined> => askWorker<T>(setup, worker, op);
  const total: Evacuation = { moved: 0, refused: 0, failed: 0, ended: 0, targets };
  const answers = await Promise.all(
    leaving.map(async (id) => {
      const before = (await ask<{ processes: number }>(id, 'stats'))?.processes ?? 0;
      if (targets.length === 0 || before === 0) return { moved: 0, refused: 0, failed: 0, left: before };
      try {
        const a = await callRpc<EvacuateAnswer>(setup.transport, `worker.${id}`, 'evacuate', { targets }, timeoutMs, setup.signer);
        const left = (await ask<{ processes: number }>(id, 'stats'))?.processes ?? a.refused + a.failed;
        return { moved: a.moved, refused: a.refused, failed: a.failed, left };
      } catch (err) {
        setup.logger.warn(`worker '${id}' did not evacuate (${(err as Error).message}); its ${processes(before)} end with it`);
        return { moved: 0, refused: 0, failed: before, left: before };
      }
    }),
  );
  for (const a of answers) {
    total.moved += a.moved;
    total.refused += a.refused;
    total.failed += a.failed;
    total.ended += a.left;
  }
  const where = leaving.map((id) => `'${id}'`).join(', ');
  if (targets.length === 0) {
    setup.logger.info(`evacuation of ${where} (${why}): no other worker is left to move to; its ${processes(total.ended)} end with 'shutdown' as before`);
  } else {
    setup.logger.info(
      `evacuation of ${where} (${why}): moved ${processes(total.moved)} to ${targets.length === 1 ? `'${targets[0]}'` : `${targets.length} workers`}; ${total.ended} to end with 'shutdown' (${total.refused} refused, ${total.failed} could not move)`,
    );
  }
  return total;
}
