/** @hypernode-module HttpServer **/

import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Process, type Context, type ExitReason } from 'hypernode';

/** The server's state: plain data only (the server and pending responses live on the instance). */
export interface HttpServerState {
  /** Port to listen on; 0 picks a free one (the state then holds the actual port). */
  port: number;
  /** Address to listen on. Default `'127.0.0.1'`. */
  host?: string;
  /** A process or inbox name told `{ type: 'LISTENING', port }` once the server listens. */
  notify?: string;
  /** Do not print the "listening on" line. */
  quiet?: boolean;
}

/** What the server hands each request handler: the request as data, since `req` itself cannot be sent. */
export interface RequestData {
  method: string;
  url: string;
  headers: Record<string, string | string[] | undefined>;
  remoteAddress: string;
}

type Incoming =
  | { type: 'HTTP_RESPONSE'; payload: { response: string; status?: number } }
  | { type: 'CHILD_PROCESS_EXIT'; payload: { err: ExitReason } };

/**
 * An HTTP server that spawns one `HttpServerRequestHandler` process per request and answers with what the
 * handler replies. Each handler ends after replying; one that ends without replying (a crash) gets the request a
 * 500 naming the reason.
 */
export default class HttpServer extends Process<HttpServerState, Incoming> {
  // Non-data stays on the instance, which is private to this process; the state stays plain data.
  private server: http.Server | null = null;
  private readonly pending = new Map<string, http.ServerResponse>();
  private closing = false;

  override *processWillRun(state: HttpServerState, { spawn, send }: Context<HttpServerState>) {
    // Node's listen() takes a string port as a pipe (Unix socket) path: check it before it makes a file named 'abc'.
    const wanted: unknown = state?.port;
    if (typeof wanted !== 'number' || !Number.isInteger(wanted) || wanted < 0 || wanted > 65535) {
      throw new TypeError(`HttpServer's state.port must be a whole number from 0 to 65535 (0 picks a free port); got ${JSON.stringify(wanted) ?? String(wanted)}. Spawn it with e.g. {"port":3000}.`);
    }
    const host = state.host ?? '127.0.0.1';
    const server = http.createServer((req, res) => {
      if (this.closing) {
        res.writeHead(503, { 'content-type': 'text/plain; charset=utf-8', connection: 'close' });
        res.end('server shutting down\n');
        return;
      }
      // spawn copies the initial state (the handler gets its own), so req.headers need not be copied here.
      const request: RequestData = {
        method: req.method ?? 'GET',
        url: req.url ?? '/',
        headers: req.headers,
        remoteAddress: req.socket.remoteAddress ?? '',
      };
      const handler = spawn('HttpServerRequestHandler', { request });
      this.pending.set(handler, res);
    });
    this.server = server;
    yield new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(state.port, host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    const { port } = server.address() as AddressInfo;
    if (!state.quiet) {
      console.log(`hypernode HTTP example listening on http://${host.includes(':') ? `[${host}]` : host}:${port}/`);
    }
    if (state.notify) send(state.notify, { type: 'LISTENING', port });
    return { ...state, port };
  }

  override *processDidReceiveMessage(state: HttpServerState, message: Incoming, sender: string) {
    if (message.type === 'HTTP_RESPONSE') {
      const { response, status = 200 } = message.payload;
      this.respond(sender, status, response);
    } else if (message.type === 'CHILD_PROCESS_EXIT' && this.pending.has(sender)) {
      // A handler's exit comes after its reply (messages between two processes keep their order), so only a
      // handler that ended before replying (a crash) still has a pending request.
      this.respond(sender, 500, `request handler failed: ${describe(message.payload.err)}\n`);
    }
    return state;
  }

  override *processWillExit() {
    this.closing = true;
    for (const res of this.pending.values()) {
      res.writeHead(503, { 'content-type': 'text/plain; charset=utf-8', connection: 'close' });
      res.end('server shutting down\n');
    }
    this.pending.clear();
    const server = this.server;
    if (!server) return;
    yield new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  }

  private respond(handler: string, status: number, body: string): void {
    const res = this.pending.get(handler);
    if (!res) return;
    this.pending.delete(handler);
    res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8' });
    res.end(body);
  }
}

/** One line for an exit reason: `Error: message` for an error, the string itself, or JSON. */
function describe(err: ExitReason): string {
  if (typeof err === 'string') return err;
  if (err !== null && typeof err === 'object' && typeof (err as { message?: unknown }).message === 'string') return String(err);
  return JSON.stringify(err);
}
