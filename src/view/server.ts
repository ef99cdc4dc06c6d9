/**
 * The view's server: node:http on loopback, three routes.
 *   GET /          the page (dist/view/index.html, built by `npm run build`)
 *   GET /app.js    its script, bundled by esbuild from src/view/page
 *   GET /events    Server-Sent Events: `hello` (the ID width), then every
 *                  event so far and each new batch, as `data: [event,...]`
 * SSE, not WebSocket: the page only listens, EventSource reconnects by
 * itself, and it needs no library on either side.
 */
import { promises as fs } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { P2PError } from '../errors.js';
import { packageRoot } from '../runtime/worker-path.js';
import type { EventHub } from './feed.js';

/** Options of the view's server. */
export interface ViewServerOptions {
  readonly hub: EventHub;
  /** Default 127.0.0.1: the view is for this machine. */
  readonly host?: string;
  /** Default 0: any free port. */
  readonly port?: number;
  /** ID width of the network (the page learns it from snapshots too). */
  readonly idBits?: number;
  /** Shown in the page's title bar. */
  readonly title?: string;
}

/** A running view server. */
export interface ViewServer {
  /** `http://127.0.0.1:PORT/`. */
  readonly url: string;
  readonly close: () => Promise<void>;
}

/** Where `npm run build` puts the page. */
export function pageDir(): string {
  return path.join(packageRoot(), 'dist', 'view');
}

const STATIC: Readonly<Record<string, readonly [string, string]>> = {
  '/': ['index.html', 'text/html; charset=utf-8'],
  '/index.html': ['index.html', 'text/html; charset=utf-8'],
  '/app.js': ['app.js', 'text/javascript; charset=utf-8'],
};

/** Starts the server; resolves once it listens. */
export async function startViewServer(opts: ViewServerOptions): Promise<ViewServer> {
  const streams = new Set<http.ServerResponse>();
  const hello = JSON.stringify({ idBits: opts.idBits ?? null, title: opts.title ?? 'p2p view' });
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (req.method !== 'GET') {
      res.writeHead(405).end();
    } else if (url.pathname === '/favicon.ico') {
      res.writeHead(204).end();
    } else if (url.pathname === '/events') {
      res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store', connection: 'keep-alive' });
      res.write(`retry: 1000\nevent: hello\ndata: ${hello}\n\n`);
      streams.add(res);
      const stop = opts.hub.subscribe((lines) => res.write(`data: [${lines.join(',')}]\n\n`));
      req.on('close', () => {
        stop();
        streams.delete(res);
      });
    } else {
      const file = STATIC[url.pathname];
      if (file === undefined) {
        res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
        return;
      }
      fs.readFile(path.join(pageDir(), file[0])).then(
        (body) => res.writeHead(200, { 'content-type': file[1], 'cache-control': 'no-store' }).end(body),
        () => res.writeHead(500, { 'content-type': 'text/plain' }).end(`${file[0]} is not built: run npm run build\n`),
      );
    }
  });
  const host = opts.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) =>
      reject(
        err.code === 'EADDRINUSE' ? new P2PError('ERR_PORT_IN_USE', `the view's port ${opts.port ?? 0} on ${host} is already in use`) : err,
      ),
    );
    server.listen(opts.port ?? 0, host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${host}:${port}/`,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of streams) s.end();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
