import { HypernodeError, type HypernodeErrorJSON } from '@hypernode/core';
import { decode, encode, type Subscription, type Transport } from '@hypernode/core/runtime';
import { shown, type RpcGuard, type RpcSigner } from './rpc-auth';

export { RpcGuard, RpcSigner } from './rpc-auth';

/** A handler of one RPC operation: gets the request's arguments, returns data (or a promise of it). */
export type RpcHandler = (args: any) => unknown;

/** Told of each answered request: the operation (`unknown` when the service has none by that name) and `ok` or the error code. */
export type RpcObserver = (method: string, result: string) => void;

type Reply = [true, unknown] | [false, HypernodeErrorJSON];

/**
 * Serves the operations of one service over the transport's request/reply. Requests and replies are
 * encoded with core's codec: a request is `[op, args]`, or `[op, argsBytes, auth]` when signed (rpc-auth.ts), a
 * reply `[true, value]` or `[false, error]` where error is `HypernodeError.toJSON()` (any other thrown error
 * becomes `REMOTE_ERROR` with its message), so error codes survive the wire.
 *
 * With a `guard`, each request is checked before its handler runs: a daemon with a secret refuses an unsigned
 * one, a wrong MAC, a stale timestamp, a replayed nonce and a role too low for the operation (`UNAUTHENTICATED`
 * or `FORBIDDEN` to the caller, a warning naming the caller's connection in the daemon's log).
 */
export function serveRpc(transport: Transport, service: string, handlers: Record<string, RpcHandler>, guard?: RpcGuard | null, observe?: RpcObserver): Promise<Subscription> {
  return transport.serve(service, async (body, meta) => {
    let reply: Reply;
    let method = 'unknown';
    try {
      const request = decode(body);
      if (!Array.isArray(request) || typeof request[0] !== 'string' || request.length < 2 || request.length > 3) {
        throw new HypernodeError('INVALID_ARGUMENT', `A request to service '${service}' is not a hypernode request; are the client and the daemon of the same version?`);
      }
      const op = request[0];
      const signed = request.length === 3;
      const argsBytes = signed && request[1] instanceof Uint8Array ? request[1] : null;
      guard?.check(service, op, argsBytes, signed ? request[2] : undefined, meta?.from ?? 'an unknown caller');
      const args = signed ? (argsBytes === null ? null : decode(argsBytes)) : request[1];
      const handler = Object.hasOwn(handlers, op) ? handlers[op] : undefined;
      if (handler) method = op;
      if (!handler) {
        throw new HypernodeError('INVALID_ARGUMENT', `Service '${service}' has no operation '${shown(op)}'; it knows ${Object.keys(handlers).join(', ')}. Are the client and the daemon of the same version?`);
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

/**
 * Sends `[op, args]` to `service` (signed by `signer` when given) and resolves with the value, or rejects with
 * the rebuilt HypernodeError.
 */
export async function callRpc<T>(transport: Transport, service: string, op: string, args: unknown, timeoutMs: number, signer?: RpcSigner | null): Promise<T> {
  let request: Uint8Array;
  if (signer) {
    const argsBytes = encode(args ?? null, 'request');
    request = encode([op, argsBytes, signer.sign(service, op, argsBytes)]);
  } else {
    request = encode([op, args ?? null], 'request');
  }
  const body = await transport.request(service, request, timeoutMs);
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
