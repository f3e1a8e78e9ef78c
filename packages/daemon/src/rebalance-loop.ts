import type { Clock, Logger, ProcessInfo, TimerHandle } from '@hypernode/core';
import type { WorkerLoad } from '@hypernode/core/runtime';
import { workerLoadsFromMembers } from '@hypernode/scheduler';
import type { Adapters } from './adapters';
import type { ClusterMembership } from './cluster-membership';
import { HEARTBEAT_MS } from './heartbeat';
import type { MoveOutcome } from './move-outcome';
import { Rebalancer, type RebalanceOptions, type RebalancerStatus } from './rebalancer';
import { MOVE_TIMEOUT_MS } from './relocation-admin';
import { callRpc } from './rpc';
import type { RpcSigner } from './rpc-auth';

/** What {@link startRebalancing} works with: the cluster daemon's parts. */
export interface RebalanceLoopSetup {
  adapters: Adapters;
  membership: Pick<ClusterMembership, 'isLost'>;
  signer: RpcSigner | null;
  logger: Logger;
  clock: Clock;
  options: RebalanceOptions;
  /** Turns the loads read from the registry into the ones planned on (default: unchanged). */
  loads?: (reported: WorkerLoad[]) => WorkerLoad[];
  /** Time between rounds. Default {@link HEARTBEAT_MS}: workers report their load once a second. */
  intervalMs?: number;
}

/** A running rebalancer loop. */
export interface Rebalancing {
  status(): RebalancerStatus;
  /** Stops planning; a round already running finishes its current move. */
  stop(): void;
}

/**
 * Runs a {@link Rebalancer} in the cluster daemon: a round every `intervalMs` (by the injected clock) over the
 * workers' member records (workers known lost left out), listing processes with each worker's `ps` and moving them with
 * its `move` (both signed like the daemon's other requests). A round that fails (the registry unreachable) is logged
 * and the next one comes as usual.
 */
export function startRebalancing(setup: RebalanceLoopSetup): Rebalancing {
  const { adapters, signer, logger, clock } = setup;
  const ask = <T>(worker: string, op: string, args: unknown, timeoutMs: number) => callRpc<T>(adapters.transport, `worker.${worker}`, op, args, timeoutMs, signer);
  const rebalancer = new Rebalancer(
    {
      clock,
      logger,
      loads: async () => {
        const loads = workerLoadsFromMembers(await adapters.registry.listMembers()).filter((w) => !setup.membership.isLost(w.id));
        return setup.loads ? setup.loads(loads) : loads;
      },
      processesOf: (worker) => ask<ProcessInfo[]>(worker, 'ps', null, 3000).catch(() => undefined),
      move: (name, from, to) => ask<MoveOutcome>(from, 'move', { process: name, to }, MOVE_TIMEOUT_MS),
    },
    setup.options,
  );
  const every = setup.intervalMs ?? HEARTBEAT_MS;
  let timer: TimerHandle | null = null;
  let stopped = false;
  const tick = () => {
    timer = clock.setTimeout(tick, every);
    rebalancer.round().catch((err: Error) => logger.warn(`rebalancer: this round planned nothing: ${err.message}`));
  };
  timer = clock.setTimeout(tick, every);
  logger.info(`rebalancer on: at most ${rebalancer.status().maxMovesPerMinute} moves a minute`);
  return {
    status: () => rebalancer.status(),
    stop: () => {
      if (stopped) return;
      stopped = true;
      if (timer !== null) clock.clearTimeout(timer);
    },
  };
}
