/**
 * The result of moving one process (core's `WorkerRuntime.moveProcess`, `Cluster.move`): moved, with where from and to
 * and how long the process was paused, or not, with why and a sentence for people.
 */
export type MoveOutcome =
  | { name: string; moved: true; from: string; to: string; pauseMs: number }
  | { name: string; moved: false; reason: 'not-found' | 'refused' | 'not-movable' | 'target-unavailable' | 'busy'; message: string };
