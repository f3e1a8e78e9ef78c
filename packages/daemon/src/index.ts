export { connectCluster } from './connect-cluster';
export type { ClusterClient, ConnectClusterOptions, SpawnOptions } from './connect-cluster';
export { FENCED_EXIT_CODE, startWorker, STOP_TIMEOUT_MS } from './worker-daemon';
export type { WorkerDaemon, WorkerDaemonOptions, WorkerStallInfo } from './worker-daemon';
export { startNode, NODE_EVACUATE_TIMEOUT_MS, RESTART_BACKOFF, STALL_LIMIT_MS } from './node-daemon';
export type { ForkWorker, NodeDaemon, NodeDaemonOptions, NodeStatus, NodeStopOptions, NodeWorkerInfo } from './node-daemon';
export { startCluster } from './cluster-daemon';
export { ROOT_NAME, ROOT_WORKER } from './root-process';
export { Heartbeat, HEARTBEAT_MS, MEMBER_TTL_MS } from './heartbeat';
export type { HeartbeatOptions } from './heartbeat';
export { connectAdapters } from './adapters';
export type { Adapters } from './adapters';
export type { ClusterDaemon, ClusterDaemonOptions, ClusterStatus, ModuleUpload, NodeSummary, ProcessTree, WorkerStatus } from './cluster-daemon';
export type { ValidatorOptions } from './module-validator';
export {
  DEFAULT_AMQP_URL,
  DEFAULT_CLUSTER,
  DEFAULT_CONNECT_TIMEOUT_MS,
  DEFAULT_REDIS_URL,
  clusterHelp,
  maskUrl,
  nodeHelp,
  parseClusterArgs,
  parseNodeArgs,
  parseWorkerArgs,
  workerHelp,
} from './config';
export type { ClusterConfig, Connection, NodeConfig, Observability, Parsed, WorkerConfig } from './config';
export { describeCluster, FLAG_LABELS, resolveConnection } from './settings';
export type { GivenConnection, ResolvedConnection, SettingLabels, SettingSource } from './settings';
export { plural, processes } from './plural';
export { daemonLogger, LOG_LEVELS, logFormatFromEnv, logLevelFromEnv, parseLogLevel, programLogger, REDACTED_FIELDS, secretsOf, tagOf } from './logger';
export type { DaemonLogger, DaemonLogOptions, LogBindings, LogFormat, LogLevel } from './logger';
// The metrics classes are not exported as values: importing prom-client costs every program that imports this
// package (the CLI), so only startMetrics loads it, when a daemon serves metrics.
export type { DaemonMetrics, MetricLabels, MetricsSources, NodeWorkersView, ObservedStats, WorkerExitKind } from './metrics';
export { formatAddress, parseMetricsAddress, workerMetricsAddress } from './metrics-address';
export type { MetricsAddress } from './metrics-address';
export { serveMetrics, startMetrics, stopMetrics } from './metrics-server';
export type { DaemonObservability, MetricsServer } from './metrics-server';
export { configOrExit, exitIfStuck, failStartup, HARD_STOP_MS, stopOnSignals } from './signals';
export { runWorkerProgram } from './worker-program';
export { isLoopbackHost, refuseUnsafeStart, safetyVerdict } from './safe-default';
export type { SafetyInput, SafetyVerdict } from './safe-default';
export { credentialOf, MAX_CLOCK_SKEW_MS, requiredRole, roleSecretText, RpcGuard, RpcSigner } from './rpc-auth';
export type { Credential, RequestAuth } from './rpc-auth';
export type { DeadLetterRecord, ExitRecord, ExitKind, RecentOptions, TopProcess, TopSnapshot, TopWorker } from '@hypernode/core';
export { LIVE_TIMEOUT_MS } from './live-admin';
export { destroyCluster } from './destroy-cluster';
export type { DestroyClusterOptions, DestroyPlan, DestroyReport } from './destroy-cluster';
export { Rebalancer, REBALANCE_DEFAULTS, rebalanceOptions } from './rebalancer';
export type { RebalanceOptions, RebalancerPorts, RebalanceRound, RebalancerStatus } from './rebalancer';
export type { Evacuation } from './evacuation';
export type { NodeRemoval, WorkerRemoval } from './relocation-admin';
export type { MoveOutcome } from './move-outcome';
