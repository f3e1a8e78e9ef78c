/**
 * The cluster daemon's relocation requests (design 032): `move` (one process, to a named worker or the least-loaded
 * other one) and the evacuation that `workers-remove` and `nodes-remove` run before a worker stops. The moves
 * themselves are the workers' (`worker.<id>` methods `move` and `evacuate`, core's relocation); this file picks the
 * workers and reports.
 */
import { HypernodeError, type Logger, type ProcessInfo } from '@hypernode/core';
import type { MemberInfo } from '@hypernode/core/runtime';
import { Placer, workerLoadsFromMembers } from '@hypernode/scheduler';
import type { Adapters } from './adapters';
import type { ClusterMembership } from './cluster-membership';
import { askWorker, EVACUATE_TIMEOUT_MS, evacuateWorkers, evacuationTargets, isDraining, type Evacuation, type EvacuationSetup } from './evacuation';
import type { MoveOutcome } from './move-outcome';
import { ROOT_NAME } from './root-process';
import { callRpc } from './rpc';
import type { RpcSigner } from './rpc-auth';

/** How long the cluster daemon waits for a worker to move one process (it waits for the process's turn to end). */
export const MOVE_TIMEOUT_MS = 30_000;

/** What `workers-remove` answers. */
export interface WorkerRemoval extends Evacuation {
  worker: string;
  node: string | null;
  /** False when its node daemon no longer knew it (it exited meanwhile). */
  removed: boolean;
}

/** What `nodes-remove` answers: the node's workers' evacuations summed; the node then drains. */
export interface NodeRemoval extends Evacuation {
  node: string;
  workers: string[];
}

/** What {@link RelocationAdmin} works with: the cluster daemon's parts. */
export interface RelocationAdminSetup {
  cluster: string;
  adapters: Adapters;
  membership: ClusterMembership;
  logger: Logger;
  signer: RpcSigner | null;
}

/** `move`, and the evacuation of workers that are leaving. */
export class RelocationAdmin {
  /** How it asks workers: its transport, signer and log. */
  private readonly asking: EvacuationSetup;

  constructor(private readonly setup: RelocationAdminSetup) {
    this.asking = { transport: setup.adapters.transport, signer: setup.signer, logger: setup.logger };
  }

  /**
   * Moves process `name` (its name or a registered name) to worker `to`, or to the least-loaded other live worker.
   * Resolves with the worker's outcome; `{ moved: false, reason: 'not-found' }` when no live worker hosts it.
   *
   * `{ moved: false, reason: 'target-unavailable' }` when no other worker can take it.
   *
   * @throws HypernodeError `INVALID_ARGUMENT` for a bad name, an unknown, draining or lost target, or the process's own
   *   worker as target.
   */
  async move(name: unknown, to: unknown): Promise<MoveOutcome> {
    const { cluster } = this.setup;
    if (typeof name !== 'string' || name === '') throw new HypernodeError('INVALID_ARGUMENT', `move needs a process name; got ${typeof name}.`);
    if (to !== undefined && to !== null && (typeof to !== 'string' || to === '')) {
      throw new HypernodeError('INVALID_ARGUMENT', `move's 'to' must be a worker id; got ${JSON.stringify(to)}.`);
    }
    if (name === ROOT_NAME) {
      return { name, moved: false, reason: 'not-movable', message: `The root process '${ROOT_NAME}' lives in the cluster daemon and cannot move; move its children instead.` };
    }
    const members = await this.members();
    const found = await this.host(name, members);
    if (!found) {
      return { name, moved: false, reason: 'not-found', message: `No process '${name}' in cluster '${cluster}' (it ended, or the name is misspelt); list the running ones with 'hypernode-cli ps'.` };
    }
    const { worker: from, info } = found;
    const target = typeof to === 'string' ? this.checkTarget(to, from, info.name, members) : this.leastLoaded(from, members);
    if (target === undefined) {
      return {
        name: info.name,
        moved: false,
        reason: 'target-unavailable',
        message: `Process '${info.name}' has nowhere to move: no other worker of cluster '${cluster}' that is not draining has a fresh load report; add one with 'hypernode-cli workers add <node>'.`,
      };
    }
    const outcome = await callRpc<MoveOutcome>(this.setup.adapters.transport, `worker.${from}`, 'move', { process: info.name, to: target }, MOVE_TIMEOUT_MS, this.setup.signer);
    if (outcome.moved) this.setup.logger.info(`moved process '${info.name}' from worker '${from}' to '${outcome.to}' (paused ${outcome.pauseMs} ms)`);
    else this.setup.logger.info(`process '${info.name}' did not move from worker '${from}' to '${target}': ${outcome.message}`);
    return outcome;
  }

  /**
   * Moves every process of each of `leaving` onto the live workers that are not leaving or draining, then asks each
   * leaving worker how many processes it still holds (they end with `'shutdown'` when it stops). With no worker to move
   * to, it moves nothing and says so in the log. A leaving worker that does not answer counts its processes as failed.
   */
  async evacuate(leaving: readonly string[], why: string): Promise<Evacuation> {
    const members = await this.members();
    const out = new Set(leaving);
    const targets = evacuationTargets(members, (m) => out.has(m.id), (id) => this.setup.membership.isLost(id));
    return evacuateWorkers(this.asking, leaving, targets, why, EVACUATE_TIMEOUT_MS);
  }

  private async members(): Promise<MemberInfo[]> {
    // Read afresh (not the membership's last look): a worker added a moment ago is a valid target.
    await this.setup.membership.check();
    return this.setup.adapters.registry.listMembers();
  }

  /** The live worker hosting process `name` (by name or registered name), as its own `ps` says. */
  private async host(name: string, members: MemberInfo[]): Promise<{ worker: string; info: ProcessInfo } | undefined> {
    const workers = members.filter((m) => m.role === 'worker' && !this.setup.membership.isLost(m.id));
    const lists = await Promise.all(workers.map((w) => this.ask<ProcessInfo[]>(w.id, 'ps')));
    for (const by of [(p: ProcessInfo) => p.name === name, (p: ProcessInfo) => p.names.includes(name)]) {
      for (const [i, list] of lists.entries()) {
        const info = list?.find(by);
        if (info) return { worker: workers[i]!.id, info };
      }
    }
    return undefined;
  }

  private checkTarget(to: string, from: string, name: string, members: MemberInfo[]): string {
    const { cluster } = this.setup;
    const live = members.filter((m) => m.role === 'worker' && !this.setup.membership.isLost(m.id));
    const member = live.find((m) => m.id === to);
    if (!member) {
      throw new HypernodeError('INVALID_ARGUMENT', `Worker '${to}' is not a live worker of cluster '${cluster}'; live workers: ${live.map((m) => m.id).join(', ') || '(none)'}. See 'hypernode-cli status'.`);
    }
    if (to === from) throw new HypernodeError('INVALID_ARGUMENT', `Process '${name}' already runs on worker '${to}'; give another worker with --to, or leave it out for the least-loaded one.`);
    if (isDraining(member, members)) {
      throw new HypernodeError('INVALID_ARGUMENT', `Worker '${to}' is draining and takes no processes; give another worker with --to, or leave it out for the least-loaded one.`);
    }
    return to;
  }

  /** The least-loaded other worker by the scheduler's placement policy; undefined when there is none to take it. */
  private leastLoaded(from: string, members: MemberInfo[]): string | undefined {
    const placer = new Placer();
    placer.sync(workerLoadsFromMembers(members).filter((w) => w.id !== from && !this.setup.membership.isLost(w.id) && !isDraining(members.find((m) => m.id === w.id)!, members)));
    try {
      return placer.place(undefined);
    } catch {
      return undefined;
    }
  }

  private ask<T>(worker: string, op: string): Promise<T | undefined> {
    return askWorker<T>(this.asking, worker, op);
  }
}
