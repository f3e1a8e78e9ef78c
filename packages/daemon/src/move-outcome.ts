// The outcome of a move is core's (`WorkerRuntime.moveProcess`, `Cluster.move`); the daemon passes it on as it is.
export type { MoveOutcome } from '@hypernode/core';
