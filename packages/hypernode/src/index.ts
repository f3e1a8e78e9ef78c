/**
 * `hypernode`: the package applications import. It re-exports the whole public API of `@hypernode/core`
 * (Process, createCluster, Inbox, HypernodeError, the codec, the in-memory transport and registry, ...),
 * so `import { Process } from 'hypernode'` and `import { Process } from '@hypernode/core'` give the same class,
 * plus {@link connectCluster}, the client of a distributed cluster.
 */
import type { ClusterClient, ConnectClusterOptions } from '@hypernode/daemon';

export * from '@hypernode/core';
export type { ClusterClient, ClusterStatus, ConnectClusterOptions, NodeSummary, ProcessTree, SpawnOptions, WorkerStatus } from '@hypernode/daemon';

/**
 * Connects to a distributed cluster (its daemons running over RabbitMQ and Redis) and returns a client with
 * the embedded cluster's surface plus operator commands; see `@hypernode/daemon`'s `connectCluster`.
 *
 * `@hypernode/daemon`, and with it the RabbitMQ and Redis drivers, is loaded on the first call only, so an
 * application that only embeds clusters never loads them.
 */
export async function connectCluster(options?: ConnectClusterOptions): Promise<ClusterClient> {
  const daemon = await import('@hypernode/daemon');
  return daemon.connectCluster(options);
}
