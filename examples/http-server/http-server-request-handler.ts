/** @hypernode-module HttpServerRequestHandler **/

import { Process, type Context, type ExitReason } from 'hypernode';
import type { RequestData } from './http-server';

export interface RequestHandlerState {
  request: RequestData;
}

type Incoming = { type: 'PROCESS_EXIT'; payload: { err: ExitReason } };

/**
 * Handles one HTTP request: replies `{ type: 'HTTP_RESPONSE', payload: { response } }` to its parent (the
 * server) and exits when the server says the response was sent. A request for `/crash` makes it throw, to
 * show what the server does with a handler that crashes.
 */
export default class HttpServerRequestHandler extends Process<RequestHandlerState, Incoming> {
  override *processWillRun(state: RequestHandlerState, { send, getParentProcessName }: Context<RequestHandlerState>) {
    const { request } = state;
    const path = new URL(request.url, 'http://localhost').pathname;
    if (path === '/crash') throw new Error(`crash requested by ${request.method} ${request.url}`);
    send(getParentProcessName()!, {
      type: 'HTTP_RESPONSE',
      payload: { response: `hello ${request.remoteAddress}, you asked for ${request.url}\n` },
    });
    return state;
  }

  override *processDidReceiveMessage(state: RequestHandlerState, message: Incoming, _sender: string, { exit }: Context<RequestHandlerState>) {
    if (message.type === 'PROCESS_EXIT') exit(message.payload.err);
    return state;
  }
}
