/**
 * `hypernode`: the package applications import. It re-exports the public surface of `@hypernode/core` by name
 * (Process and the context types, typed names, createCluster and the Cluster, Inbox, Supervisor, errors, the
 * data helpers, clocks and loggers), so `import { Process } from 'hypernode'` and
 * `import { Process } from '@hypernode/core'` give the same class, plus {@link connectCluster}, the client of a
 * distributed cluster.
 *
 * It does not re-export `@hypernode/core/runtime` (the worker runtime, the codec's byte forms, the adapter
 * contracts and their in-memory implementations): those are for hypernode's own packages and adapter authors,
 * who depend on `@hypernode/core` directly. Declaring a module in `ModuleMap` works from either package:
 * `declare module 'hypernode' { interface ModuleMap { Counter: typeof Counter } }` merges into core's map.
 */
import type { ClusterClient, ConnectClusterOptions } from '@hypernode/daemon';

// Processes and what they can do.
export { Process, isProcessClass } from '@hypernode/core';
export type { ProcessClass, ExitReason, ErrorData, SystemMessage, Context, Lifecycle } from '@hypernode/core';
// Typed names.
export type {
  ProcessName,
  ModuleMap,
  ModuleRef,
  StateOf,
  InitialStateOf,
  MessageOf,
  ReplyOf,
  SpawnArgs,
  SpawnedName,
  MessageTo,
  ReplyFrom,
} from '@hypernode/core';
// Built-in modules.
export { Root, Supervisor } from '@hypernode/core';
export type { SupervisorSpec, ChildSpec, ChildInfo, SupervisorRequest, SupervisorReply, RestartStrategy, RestartType } from '@hypernode/core';
// Embedded clusters and the outside view of any cluster.
export { createCluster, EmbeddedCluster, Inbox } from '@hypernode/core';
export type { Cluster, ClusterOptions, LoadedModule, ProcessInfo, WorkerStats, Received } from '@hypernode/core';
export type { DeadLetterRecord, ExitRecord, ExitKind, RecentOptions, TopSnapshot, TopWorker, TopProcess } from '@hypernode/core';
// Errors, data, time, logging.
export { HypernodeError, copyData, checkData, systemClock, ManualClock, consoleLogger, silentLogger } from '@hypernode/core';
export type { HypernodeErrorCode, HypernodeErrorJSON, Data, Clock, TimerHandle, Logger, LogFields } from '@hypernode/core';

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
