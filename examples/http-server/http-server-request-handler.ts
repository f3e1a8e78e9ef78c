/** @hypernode-module HttpServerRequestHandler **/

import { Process, type Context } from 'hypernode';
import type { RequestData } from './http-server';

export interface RequestHandlerState {
  request: RequestData;
}

/**
 * Handles one HTTP request: replies `{ type: 'HTTP_RESPONSE', payload: { response } }` to its parent (the
 * server), then ends; its parent is told (`CHILD_PROCESS_EXIT`), as every parent is. A request for `/crash`
 * makes it throw before replying, to show what the server does with a handler that crashes.
 */
export default class HttpServerRequestHandler extends Process<RequestHandlerState> {
  override *processWillRun(state: RequestHandlerState, { send, exit, getParentProcessName }: Context<RequestHandlerState>) {
    const { request } = state;
    if (pathOf(request.url) === '/crash') throw new Error(`crash requested by ${request.method} ${request.url}`);
    send(getParentProcessName()!, {
      type: 'HTTP_RESPONSE',
      payload: { response: `hello ${request.remoteAddress}, you asked for ${request.url}\n` },
    });
    // Its work is done: the process ends once this function returns.
    exit('normal');
    return state;
  }
}

/** The path of a request target such as `/a/b?q=1` (`/a/b`): cheaper than parsing a whole URL per request. */
function pathOf(url: string): string {
  const query = url.indexOf('?');
  return query < 0 ? url : url.slice(0, query);
}
