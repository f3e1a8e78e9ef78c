import type { Clock } from './clock';
import type { Logger } from './logger';
import type { MemoryGuardOptions } from './memory-guard';
import type { ModuleTable } from './modules';
import type { Registry } from './registry';
import type { Transport } from './transport';

/** How to make a `WorkerRuntime`. */
export interface WorkerOptions {
  /** Unique in the cluster; must not contain ':'. */
  id: string;
  transport: Transport;
  registry?: Registry;
  modules: ModuleTable;
  clock?: Clock;
  logger: Logger;
  /** Chooses the worker of a new process (its parent lives on `parentWorker`). Default: this worker. */
  place?: (parentWorker: string) => string;
  /** Cluster name, for messages. */
  cluster: string;
  /**
   * First sequence number for names this worker makes. A worker whose id survives restarts (the cluster
   * daemon's) starts from a number that only grows, such as the start time, so names are never reused.
   */
  seqStart?: number;
  /** How to load a module, for `MODULE_NOT_FOUND` messages (default: the distributed CLI's way). */
  loadHint?: string;
  /**
   * Frames of the worker queue (this worker's queue on the broker) handed over before the first is acknowledged
   * (default 256). The transport acknowledges in batches, at the latest once half of this window is
   * outstanding: a wider window means fewer acks, each of which costs the broker work on the round trip's path
   * (design 012).
   */
  prefetch?: number;
  /**
   * The largest frame this worker sends to another, in bytes (default 64 MiB, `DEFAULT_MAX_MESSAGE_BYTES`): a
   * message, initial state or reply too large for one throws `MESSAGE_TOO_LARGE` at the sender. Keep it below
   * the broker's `max_message_size`. Messages between two processes of one worker have no limit.
   */
  maxMessageBytes?: number;
  /** Workers whose loss does not end the children of their processes (the cluster daemon's: its root comes back). */
  resilientWorkers?: string[];
  /**
   * Called with this worker's id each time one of its processes has ended (after its parent was told). The
   * embedded cluster's placer uses it to count the process off its worker's estimate.
   */
  processEnded?: (worker: string) => void;
  /** Called when the transport reports that a worker is lost, after the local consequences ran. */
  onWorkerLost?: (worker: string) => void;
  /**
   * Called when the cluster announces this very worker lost (its heartbeat stopped while its loop was
   * blocked, or its node daemon saw it die): the cluster has told its processes' parents they ended, so the
   * worker must not run them further (fencing, design 017). Without it, such an event is ignored.
   */
  onLostSelf?: (why: string) => void;
  /**
   * Reads the registry's lost-worker record this often and applies losses no event brought (design 029); it is
   * read as well whenever the transport comes back and when the registry is restored. Default: only then.
   */
  reconcileEveryMs?: number;
  /**
   * Whether worker `id` is a live member of the cluster, asked before a process is moved to it. Default: the
   * registry's members (a member of role 'worker' with that id); without a registry, no worker is.
   */
  workerExists?: (id: string) => boolean | Promise<boolean>;
  /** A run of the loop that takes at least this long is logged as a stall naming its processes (default 1000 ms). */
  stallWarnMs?: number;
  /**
   * Exactly-once, in-order delivery to other workers (design 028): on by default, with a window per destination
   * worker of 2048 frames and 32 MiB unacknowledged; when one fills, the worker starts no new turn until the
   * receiver acknowledges. `false` turns it off (at-most-once, as a plain transport gives: for measurements only).
   */
  delivery?: false | { windowFrames?: number; windowBytes?: number };
  /**
   * A process whose mailbox holds at least this many messages is marked in `ps`, counted in `stats().mailboxes` and
   * logged once (at most one such line per 10 s) (default 10 000, `DEFAULT_MAILBOX_WARN`).
   */
  mailboxWarn?: number;
  /**
   * Checks the worker's heap against its limit on a timer (memory-guard.ts): warns at 70%, and at 90% makes the
   * largest mailboxes refuse new messages. Off unless given (`{}` for the defaults; the worker daemons turn it
   * on); `stats().memory` reads the heap either way.
   */
  memoryGuard?: MemoryGuardOptions | false;
}
