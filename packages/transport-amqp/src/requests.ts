import type { Clock } from '@hypernode/core';
import type { ConsumeMessage, Message } from 'amqplib';
import type { AmqpErrors } from './amqp-errors';

/** The header a server's reply carries instead of a body when its handler failed. */
export const ERROR_HEADER = 'x-hypernode-error';

interface Pending {
  service: string;
  timeoutMs: number;
  timer: unknown;
  resolve(reply: Uint8Array): void;
  reject(err: Error): void;
}

/**
 * Requests waiting for their reply, by correlation id: each settles once, with the reply, the server's
 * error (`REMOTE_ERROR`), `REQUEST_TIMEOUT` (no answer in time, or returned unroutable: no server), or the
 * error it is ended with.
 */
export class PendingRequests {
  private readonly pending = new Map<string, Pending>();
  private seq = 0;

  constructor(
    private readonly clock: Clock,
    private readonly errors: AmqpErrors,
  ) {}

  /** Starts waiting for the reply to a request to `service`; `publish` sends it with the correlation id given. */
  start(service: string, timeoutMs: number, publish: (correlationId: string) => void): Promise<Uint8Array> {
    const id = String(++this.seq);
    return new Promise<Uint8Array>((resolve, reject) => {
      const timer = this.clock.setTimeout(() => this.finish(id, this.errors.timeout(service, timeoutMs, 'no answer')), timeoutMs);
      this.pending.set(id, { service, timeoutMs, timer, resolve, reject });
      publish(id);
    });
  }

  /** A message the broker returned unroutable: a request's means no server; false when it was not a request. */
  returned(msg: Message): boolean {
    const id = msg.properties.correlationId as string | undefined;
    const p = id === undefined ? undefined : this.pending.get(id);
    if (!p) return false;
    this.finish(id!, this.errors.timeout(p.service, p.timeoutMs, 'no server'));
    return true;
  }

  /** A reply arrived on the direct reply-to queue. */
  readonly replied = (msg: ConsumeMessage | null): void => {
    if (!msg) return;
    const error = msg.properties.headers?.[ERROR_HEADER];
    const id = msg.properties.correlationId as string;
    const p = this.pending.get(id);
    if (!p) return;
    if (error === undefined) this.finish(id, null, msg.content);
    else this.finish(id, this.errors.remote(p.service, error));
  };

  /** Rejects every waiting request with `err`. */
  failAll(err: Error): void {
    for (const id of [...this.pending.keys()]) this.finish(id, err);
  }

  private finish(id: string, err: Error | null, reply?: Uint8Array): void {
    const p = this.pending.get(id);
    if (!p) return;
    this.pending.delete(id);
    this.clock.clearTimeout(p.timer as never);
    if (err) p.reject(err);
    else p.resolve(reply!);
  }
}

/**
 * How a server names a request's caller in its logs: the connection name the requester puts in `app-id` (its
 * connection's `connection_name`, which `rabbitmqctl list_connections name client_properties` and the management UI
 * show with the peer's address) and the direct reply-to address RabbitMQ gave its channel. The app id is the
 * caller's own claim; the reply-to address is RabbitMQ's.
 */
export function callerOf(appId: unknown, replyTo: unknown): string {
  const name = typeof appId === 'string' && appId ? `connection '${appId.slice(0, 120)}' (as it names itself)` : 'a connection that does not name itself';
  const reply = typeof replyTo === 'string' && replyTo ? `, reply-to '${replyTo.slice(0, 120)}'` : ', no reply-to';
  return name + reply;
}
