import type { Clock, TimerHandle } from './clock';
import { HypernodeError } from './errors';

/** What an {@link Inbox} needs of the worker it lives on (a `WorkerRuntime` is one). */
export interface InboxHost {
  /** Opens an inbox whose messages go to `handler`; returns its name, which no process shares. */
  openInbox(handler: (from: string, message: unknown, token: string | null) => void): string;
  /** Closes the inbox `name`: later messages to it are dead letters. */
  closeInbox(name: string): void;
}

/** A message as an {@link Inbox} receives it. */
export interface Received<M = unknown> {
  message: M;
  /** The sender's name. */
  from: string;
}

/**
 * A name outside any process that processes can send to, for tests, scripts and tools: processes send to
 * `inbox.name` as to any process. Messages wait in order until `receive()` takes them. Its name never equals a
 * process's name. (A process's own queue is its mailbox; a worker's queue on the broker is its worker queue.)
 */
export class Inbox<M = unknown> {
  readonly name: string;
  private readonly queue: Received<M>[] = [];
  private readonly waiters: { resolve(r: Received<M>): void; reject(e: unknown): void; timer: TimerHandle }[] = [];
  private closed = false;

  constructor(
    private readonly worker: InboxHost,
    private readonly clock: Clock,
    private readonly onClose: () => void,
  ) {
    this.name = worker.openInbox((from, message) => {
      const item = { message: message as M, from };
      const waiter = this.waiters.shift();
      if (waiter) {
        this.clock.clearTimeout(waiter.timer);
        waiter.resolve(item);
      } else {
        this.queue.push(item);
      }
    });
  }

  /** Messages waiting. */
  get size(): number {
    return this.queue.length;
  }

  /**
   * The next message, waiting up to `timeoutMs` (default 5000) for one; rejects with `RECEIVE_TIMEOUT`
   * when none comes.
   */
  receive(timeoutMs = 5000): Promise<Received<M>> {
    const next = this.queue.shift();
    if (next) return Promise.resolve(next);
    if (this.closed) {
      return Promise.reject(new HypernodeError('CLUSTER_STOPPED', `Inbox '${this.name}' is closed; create a new one with cluster.inbox().`));
    }
    return new Promise((resolve, reject) => {
      const waiter = {
        resolve,
        reject,
        timer: this.clock.setTimeout(() => {
          const i = this.waiters.indexOf(waiter);
          if (i >= 0) this.waiters.splice(i, 1);
          reject(
            new HypernodeError(
              'RECEIVE_TIMEOUT',
              `Inbox '${this.name}' received no message within ${timeoutMs} ms; check that a process sends to this inbox's name, or wait longer.`,
            ),
          );
        }, timeoutMs),
      };
      this.waiters.push(waiter);
    });
  }

  /**
   * Receives until `match` accepts a message (others are kept, in order, for later `receive` calls), waiting
   * up to `timeoutMs` in all.
   */
  async receiveMatching(match: (r: Received<M>) => boolean, timeoutMs = 5000): Promise<Received<M>> {
    const i = this.queue.findIndex(match);
    if (i >= 0) return this.queue.splice(i, 1)[0]!;
    const deadline = this.clock.now() + timeoutMs;
    const skipped: Received<M>[] = [];
    try {
      for (;;) {
        const left = deadline - this.clock.now();
        const r = await this.receive(Math.max(1, left));
        if (match(r)) return r;
        skipped.push(r);
      }
    } finally {
      this.queue.unshift(...skipped);
    }
  }

  /** Stops receiving; waiting `receive` calls reject. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.worker.closeInbox(this.name);
    for (const w of this.waiters.splice(0)) {
      this.clock.clearTimeout(w.timer);
      w.reject(new HypernodeError('CLUSTER_STOPPED', `Inbox '${this.name}' was closed while waiting; nothing more will arrive.`));
    }
    this.onClose();
  }
}
