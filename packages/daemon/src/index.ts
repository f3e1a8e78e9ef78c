export { connectCluster } from './connect-cluster';
export type { ClusterClient, ConnectClusterOptions, SpawnOptions } from './connect-cluster';
export { startWorker, ROOT_WORKER, HEARTBEAT_MS, MEMBER_TTL_MS, STOP_TIMEOUT_MS } from './worker-daemon';
export type { WorkerDaemon, WorkerDaemonOptions } from './worker-daemon';
export { startNode, RESTART_BACKOFF } from './node-daemon';
export type { NodeDaemon, NodeDaemonOptions, NodeStatus, NodeWorkerInfo } from './node-daemon';
export { startCluster, ROOT_NAME } from './cluster-daemon';
export type { ClusterDaemon, ClusterDaemonOptions, ClusterStatus, ModuleUpload, NodeSummary, ProcessTree, WorkerStatus } from './cluster-daemon';
export {
  DEFAULT_AMQP_URL,
  DEFAULT_CLUSTER,
  DEFAULT_REDIS_URL,
  clusterHelp,
  maskUrl,
  nodeHelp,
  parseClusterArgs,
  parseNodeArgs,
  parseWorkerArgs,
  workerHelp,
} from './config';
export type { ClusterConfig, Connection, NodeConfig, Parsed, WorkerConfig } from './config';
export { daemonLogger } from './logger';
export { exitIfStuck, failStartup, HARD_STOP_MS, stopOnSignals } from './signals';
export { runWorkerProgram } from './worker-program';
