/**
 * `@hypernode/core`: what a module author and a program that embeds a cluster use. Processes and their context,
 * supervision, the embedded cluster and its outside `Inbox`, errors, the data rules, clocks and loggers.
 *
 * The pieces hypernode's own packages are built from (the worker runtime, the module table, the placement
 * policy, the codec's byte forms, the transport and registry contracts and their in-memory implementations) are
 * in `@hypernode/core/runtime`; the adapter contract suites are in `@hypernode/core/testing`.
 */
export { HypernodeError } from './errors';
export type { HypernodeErrorCode, HypernodeErrorJSON } from './errors';
export { copyData, checkData } from './codec';
export type { Data } from './codec';
export { systemClock, ManualClock } from './clock';
export type { Clock, TimerHandle } from './clock';
export { Process, isProcessClass } from './process';
export type { ProcessClass, ExitReason, ErrorData, SystemMessage } from './process';
export type { Context } from './context';
export type { ProcessName, ModuleMap, ModuleRef, StateOf, InitialStateOf, MessageOf, ReplyOf, SpawnArgs, SpawnedName, MessageTo, ReplyFrom } from './typed-names';
export type { Lifecycle } from './coroutine';
export { Root } from './root';
export { Inbox } from './inbox';
export type { Received } from './inbox';
export { createCluster, EmbeddedCluster } from './cluster';
export type { Cluster, ClusterOptions, LoadedModule } from './cluster';
export type { RecentOptions } from './cluster-base';
export type { MoveOutcome, MoveRefusal, EvacuateOutcome } from './relocation';
export type { LoadOptions } from './loaded-modules';
export type { ProcessDetail, ProcessInfo, WorkerStats } from './worker';
export type { DeadLetterRecord, ExitRecord, ExitKind, DeadLetterReason } from './live-stats';
export type { ProcessSpawnOptions } from './mailbox-bound';
export type { HeapReading, LargeMailbox, MemoryGuardOptions, MemoryLevel, MemoryStatus } from './memory-guard';
export type { TopSnapshot, TopWorker, TopProcess } from './top-sampler';
export { consoleLogger, silentLogger } from './logger';
export type { Logger, LogFields } from './logger';
export { Supervisor } from './supervisor';
export type { SupervisorSpec, ChildSpec, ChildInfo, SupervisorRequest, SupervisorReply, RestartStrategy, RestartType } from './supervisor';
