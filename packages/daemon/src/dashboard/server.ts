/**
 * The web dashboard of the cluster daemon (`hypernode-cluster --http <[host:]port>`): a page, its script and
 * stylesheet, and a websocket (`/ws`) that pushes a {@link Snapshot} every second to each open page and answers
 * the page's requests for one process's detail. Built on node:http and `ws`; no framework, no build step.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import { HypernodeError, type Logger } from '@hypernode/core';
import { DashboardAuth, foreignRequest } from './auth';
import { checkHttpExposure, hostPort, isLoopback, type HttpAddress } from './http-address';
import { APP_CSS, loginPage, mainPage } from './page';
import { APP_JS } from './page-script';
import { SnapshotBuilder, type SnapshotSource } from './snapshot';

/** How often a snapshot is pushed. */
export const SNAPSHOT_MS = 1000;
/** The largest message the page may send (a detail request is a few dozen bytes). */
const MAX_CLIENT_MESSAGE = 4096;
/** A page that has not read this much of what was sent is skipped until it catches up. */
const MAX_BUFFERED = 16 * 1024 * 1024;

/** Options of {@link startDashboard}. */
export interface DashboardOptions extends SnapshotSource {
  address: HttpAddress;
  /** The cluster secret; when set, the page asks for it (or a role secret) before showing anything. */
  secret: string | null;
  logger: Logger;
  /** Default {@link SNAPSHOT_MS}. */
  intervalMs?: number;
}

/** A running dashboard. */
export interface Dashboard {
  /** `http://host:port/`, with the port it got. */
  readonly url: string;
  close(): Promise<void>;
}

const HEADERS = {
  'Content-Security-Policy': "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
  'X-Content-Type-Options': 'nosniff',
  // 'same-origin', not 'no-referrer': with no referrer, Chromium sends a form's POST with `Origin: null`.
  'Referrer-Policy': 'same-origin',
  'Cache-Control': 'no-store',
} as const;

function send(res: ServerResponse, status: number, type: string, body: string, extra: Record<string, string> = {}): void {
  res.writeHead(status, { ...HEADERS, 'Content-Type': type, 'Content-Length': Buffer.byteLength(body), ...extra });
  res.end(body);
}

/** Reads a small form body; rejects a larger one. */
function readBody(req: IncomingMessage, limit: number): Promise<string> {
  return new Promise((resolve, reject) => {
    let size = 0;
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > limit) {
        reject(new Error('too large'));
        req.destroy();
      } else chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

/**
 * Starts the dashboard on `address` (port 0: a free one). Refuses (`INVALID_OPTIONS`) a non-loopback host
 * without a secret unless the address says `insecure`; rejects with the listen error (a port in use) otherwise.
 */
export async function startDashboard(options: DashboardOptions): Promise<Dashboard> {
  const { address, logger, cluster } = options;
  checkHttpExposure(address, options.secret !== null);
  const auth = new DashboardAuth(options.secret, cluster, options.now);
  const loopbackOnly = !auth.required && isLoopback(address.host);
  const builder = new SnapshotBuilder(options);
  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_CLIENT_MESSAGE });
  const clients = new Set<WebSocket>();
  let last: string | null = null;
  let building = false;

  const refuse = (res: ServerResponse, req: IncomingMessage): boolean => {
    const foreign = foreignRequest(req, loopbackOnly);
    if (foreign === null) return false;
    send(res, 403, 'text/plain; charset=utf-8', `Refused: ${foreign}. Open the dashboard at its own address.\n`);
    return true;
  };

  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method === 'GET' && path === '/app.css') return send(res, 200, 'text/css; charset=utf-8', APP_CSS);
    if (req.method === 'GET' && path === '/app.js') return send(res, 200, 'text/javascript; charset=utf-8', APP_JS);
    if (refuse(res, req)) return;
    if (req.method === 'GET' && path === '/') {
      if (!auth.allows(req)) return send(res, 401, 'text/html; charset=utf-8', loginPage(cluster, null));
      return send(res, 200, 'text/html; charset=utf-8', mainPage(cluster, auth.required));
    }
    if (req.method === 'POST' && path === '/login') {
      readBody(req, 4096).then(
        (body) => {
          const given = new URLSearchParams(body).get('secret') ?? '';
          if (!auth.required) return send(res, 303, 'text/plain', '', { Location: '/' });
          if (!auth.accepts(given)) {
            logger.warn(`web dashboard: a login with a wrong secret from ${req.socket.remoteAddress ?? 'unknown'}`);
            return send(res, 401, 'text/html; charset=utf-8', loginPage(cluster, 'That is not the secret of this cluster.'));
          }
          send(res, 303, 'text/plain', '', { Location: '/', 'Set-Cookie': auth.open() });
        },
        () => send(res, 413, 'text/plain; charset=utf-8', 'Refused: the login form is larger than 4096 bytes.\n'),
      );
      return;
    }
    if (req.method === 'POST' && path === '/logout') {
      auth.close(req);
      return send(res, 303, 'text/plain', '', { Location: '/', 'Set-Cookie': 'hypernode_dashboard=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0' });
    }
    send(res, 404, 'text/plain; charset=utf-8', `Not found: ${req.method} ${path}. The dashboard is at /.\n`);
  });

  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const path = (req.url ?? '/').split('?')[0];
    const foreign = foreignRequest(req, loopbackOnly);
    const status = path !== '/ws' ? '404 Not Found' : foreign !== null ? '403 Forbidden' : !auth.allows(req) ? '401 Unauthorized' : null;
    if (status !== null) {
      socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      clients.add(ws);
      ws.on('close', () => clients.delete(ws));
      ws.on('error', () => clients.delete(ws));
      ws.on('message', (data) => void answer(ws, data.toString()));
      if (last !== null) ws.send(last);
      void tick();
    });
  });

  /** The page asked for one process's detail. */
  const answer = async (ws: WebSocket, text: string): Promise<void> => {
    let req: { type?: unknown; id?: unknown; name?: unknown };
    try {
      req = JSON.parse(text) as typeof req;
    } catch {
      return;
    }
    if (req?.type !== 'inspect' || typeof req.name !== 'string') return;
    const reply: Record<string, unknown> = { type: 'detail', id: typeof req.id === 'number' ? req.id : null, name: req.name };
    const inspect = options.handlers.inspect;
    try {
      reply.detail = inspect ? await inspect({ name: req.name }) : null;
      if (!inspect) reply.error = 'This cluster daemon cannot inspect processes.';
    } catch (err) {
      reply.detail = null;
      reply.error = (err as Error).message;
    }
    if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(reply));
  };

  const tick = async (): Promise<void> => {
    if (building || clients.size === 0) return;
    building = true;
    try {
      const snapshot = await builder.build();
      last = JSON.stringify({ type: 'snapshot', snapshot });
      for (const ws of clients) if (ws.readyState === ws.OPEN && ws.bufferedAmount < MAX_BUFFERED) ws.send(last);
    } catch (err) {
      logger.warn(`web dashboard: could not build a snapshot: ${(err as Error).message}`);
    } finally {
      building = false;
    }
  };
  const timer = setInterval(() => void tick(), options.intervalMs ?? SNAPSHOT_MS);
  timer.unref();

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(address.port, address.host, () => {
      server.off('error', reject);
      resolve();
    });
  }).catch((err: NodeJS.ErrnoException) => {
    clearInterval(timer);
    builder.close();
    const why = err.code === 'EADDRINUSE' ? 'the port is in use' : err.code === 'EADDRNOTAVAIL' ? 'this machine has no such address' : err.code === 'EACCES' ? 'the port needs privileges' : err.message;
    throw new HypernodeError('INVALID_OPTIONS', `The web dashboard cannot listen on ${hostPort(address.host, address.port)}: ${why} (${err.code ?? 'error'}); give --http another [host:]port.`, { cause: err });
  });
  const port = (server.address() as AddressInfo).port;
  const url = `http://${hostPort(address.host, port)}/`;
  return {
    url,
    async close() {
      clearInterval(timer);
      builder.close();
      for (const ws of clients) ws.terminate();
      wss.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
