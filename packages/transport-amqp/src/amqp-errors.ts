import { HypernodeError } from '@hypernode/core';
import { tlsProblem, tlsResetProblem } from '@hypernode/core/runtime';
import { maskUrl } from './amqp-url';

/** The `code` of an error from amqplib or the socket (an AMQP reply code such as 403, or an errno string). */
export const codeOf = (err: unknown): unknown => (err as { code?: unknown } | null)?.code;

/**
 * The errors an {@link AmqpTransport} gives its callers, each naming the cluster, the broker (never its
 * password) and what to do.
 */
export class AmqpErrors {
  constructor(
    private readonly cluster: string,
    private readonly url: string,
    private readonly host: string,
    private readonly connectTimeoutMs: number,
    /** For an `amqps://` URL: whether a client certificate was given. */
    private readonly tls?: { clientCert: boolean },
  ) {}

  taken(what: string, name: string, role: string): HypernodeError {
    return new HypernodeError('INVALID_ARGUMENT', `${what} '${name}' of cluster '${this.cluster}' already has a ${role}; close that subscription first, or use another name.`);
  }

  /** Why a consumer could not start: `queue` is undefined for the events subscription. */
  establish(kind: 'listen' | 'serve' | 'subscribe', name: string | undefined, queue: string | undefined, err: unknown): HypernodeError {
    const target = kind === 'subscribe' ? `the events of cluster '${this.cluster}'` : `'${queue}'`;
    if (codeOf(err) === 403 && kind !== 'subscribe') {
      return this.taken(kind === 'listen' ? 'Inbox' : 'Service', name!, kind === 'listen' ? 'listener' : 'server');
    }
    if (codeOf(err) === 406) {
      return new HypernodeError('INVALID_OPTIONS', `Queue ${target} exists on RabbitMQ at ${this.host} with other properties (another 'queueExpiresMs'?); delete it or use the same options everywhere.`, { cause: err });
    }
    return new HypernodeError('TRANSPORT_DOWN', `Could not consume from ${target} on RabbitMQ at ${this.host}: ${(err as Error).message}; check the broker's log.`, { cause: err });
  }

  /** Connecting took longer than the deadline: the port accepts TCP but does not speak AMQP, or nothing answers at all. */
  noHandshake(): HypernodeError {
    return new HypernodeError(
      'TRANSPORT_DOWN',
      `Cannot connect to RabbitMQ at '${maskUrl(this.url)}' for cluster '${this.cluster}': no AMQP handshake within ${this.connectTimeoutMs} ms: is this a RabbitMQ port (5672 by default, not Redis's or another service's; a TLS port, 5671, needs amqps://), and is the host reachable? Fix the url, or raise the connect timeout (--connect-timeout, HYPERNODE_CONNECT_TIMEOUT_MS) for a slow link.`,
    );
  }

  down(err: unknown): HypernodeError {
    if (HypernodeError.is(err)) return err;
    const code = codeOf(err);
    const msg = (err as Error)?.message ?? String(err);
    // amqplib's own socket timeout (the same deadline) when it fires first.
    if (msg === 'connect ETIMEDOUT' && code === undefined) return this.noHandshake();
    const tls = tlsProblem(err, this.host) ?? (this.tls && !this.tls.clientCert ? tlsResetProblem(err, this.host) : undefined);
    if (tls !== undefined) return new HypernodeError('TRANSPORT_DOWN', `Cannot connect to RabbitMQ at '${maskUrl(this.url)}' for cluster '${this.cluster}': ${tls}.`, { cause: err });
    const where = `RabbitMQ at '${maskUrl(this.url)}'`;
    const fix =
      code === 'ECONNREFUSED'
        ? `nothing listens on ${this.host}; start RabbitMQ with 'rabbitmq-server -detached' (or 'docker run -d -p 5672:5672 rabbitmq:3'), or pass the right url`
        : /ACCESS.REFUSED|403/.test(msg)
          ? 'the broker refused the login; check the user and password in the url'
          : `${msg.replaceAll(this.url, maskUrl(this.url))}; check that the broker runs and the url is right`;
    return new HypernodeError('TRANSPORT_DOWN', `Cannot connect to ${where} for cluster '${this.cluster}': ${fix}.`, { cause: err });
  }

  lost(cause: Error | undefined): HypernodeError {
    return new HypernodeError(
      'TRANSPORT_DOWN',
      `Lost the connection to RabbitMQ at ${this.host} (cluster '${this.cluster}'): ${cause?.message ?? 'closed'}; reconnecting on its own, sends are buffered meanwhile.`,
      { cause },
    );
  }

  /** Why the broker closed the publisher channel; a refused publish names the permission to check. */
  publisherClosed(err: Error | undefined): Error {
    if (!err) return new Error('the publisher channel was closed by the broker');
    const refused = /ACCESS.REFUSED|\b403\b/.test(err.message);
    const why = `the broker closed the publisher channel: ${err.message.replaceAll(this.url, maskUrl(this.url))}`;
    return new Error(refused ? `${why}; this broker user may not publish there (write permission; see 'Broker permissions' in docs/operations.md), and the frame was lost` : why);
  }

  timeout(service: string, timeoutMs: number, why: string): HypernodeError {
    return new HypernodeError('REQUEST_TIMEOUT', `Request to service '${service}' of cluster '${this.cluster}' got no reply within ${timeoutMs} ms (${why}); check that a server for '${service}' runs, or raise the timeout.`);
  }

  remote(service: string, error: unknown): HypernodeError {
    return new HypernodeError('REMOTE_ERROR', `Service '${service}' of cluster '${this.cluster}' failed: ${String(error)}`);
  }

  closed(what: string): HypernodeError {
    return new HypernodeError('TRANSPORT_DOWN', `Cannot ${what}: this RabbitMQ transport of cluster '${this.cluster}' is closed; connect a new one.`);
  }
}
