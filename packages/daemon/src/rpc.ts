import { HypernodeError, type HypernodeErrorJSON } from '@hypernode/core';
import { decode, encode, type Subscription, type Transport } from '@hypernode/core/runtime';

/** A handler of one RPC operation: gets the request's arguments, returns data (or a promise of it). */
export type RpcHandler = (args: any) => unknown;

/** Told of each answered request: the operation (`unknown` when the service has none by that name) and `ok` or the error code. */
export type RpcObserver = (method: string, result: string) => void;

type Reply = [true, unknown] | [false, HypernodeErrorJSON];

/**
 * Serves the operations of one service over the transport's request/reply. Requests and replies are
 * encoded with core's codec: a request is `[op, args]`, a reply `[true, value]` or `[false, error]` where
 * error is `HypernodeError.toJSON()` (any other thrown error becomes `REMOTE_ERROR` with its message), so
 * error codes survive the wire.
 */
export function serveRpc(transport: Transport, service: string, handlers: Record<string, RpcHandler>, observe?: RpcObserver): Promise<Subscription> {
  return transport.serve(service, async (body) => {
    let reply: Reply;
    let method = 'unknown';
    try {
      const [op, args] = decode(body) as [string, unknown];
      const handler = Object.hasOwn(handlers, op) ? handlers[op] : undefined;
      if (handler) method = op;
      if (!handler) {
        throw new HypernodeError('INVALID_ARGUMENT', `Service '${service}' has no operation '${String(op)}'; it knows ${Object.keys(handlers).join(', ')}. Are the client and the daemon of the same version?`);
      }
      reply = [true, await handler(args)];
    } catch (err) {
      reply = [false, toErrorJSON(err)];
    }
    observe?.(method, reply[0] ? 'ok' : (reply[1] as HypernodeErrorJSON).code);
    try {
      return encode(reply, 'reply');
    } catch (err) {
      return encode([false, toErrorJSON(err)]);
    }
  });
}

/** Sends `[op, args]` to `service` and resolves with the value, or rejects with the rebuilt HypernodeError. */
export async function callRpc<T>(transport: Transport, service: string, op: string, args: unknown, timeoutMs: number): Promise<T> {
  const body = await transport.request(service, encode([op, args ?? null], 'request'), timeoutMs);
  let reply: Reply;
  try {
    reply = decode(body) as Reply;
  } catch (err) {
    throw new HypernodeError('DECODE_FAILED', `The reply of service '${service}' to '${op}' could not be decoded (${(err as Error).message}); is another program serving '${service}'?`, { cause: err });
  }
  if (!Array.isArray(reply)) {
    throw new HypernodeError('DECODE_FAILED', `The reply of service '${service}' to '${op}' is not a hypernode reply; is another program serving '${service}'?`);
  }
  if (reply[0] === true) return reply[1] as T;
  throw new RemoteError(HypernodeError.fromJSON(reply[1]));
}

/** An error the serving side answered with (as opposed to one met on the way, such as no server answering). */
export class RemoteError extends HypernodeError {
  constructor(original: HypernodeError) {
    super(original.code, original.message, original.details ? { details: original.details } : undefined);
  }
}

function toErrorJSON(err: unknown): HypernodeErrorJSON {
  if (err instanceof HypernodeError) return err.toJSON();
  const message = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
  return { name: 'HypernodeError', code: 'REMOTE_ERROR', message };
}
