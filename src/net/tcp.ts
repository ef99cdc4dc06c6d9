/**
 * TCP helpers: requests framed by their length (the report's `fulfill()`,
 * without its `sleep(3)`), each answered by one byte (net/link-pool.ts).
 */
import net from 'node:net';
import { TCP_CONNECT_TIMEOUT_MS } from '../constants.js';
import { P2PError } from '../errors.js';
import { LinkPool } from './link-pool.js';
import type { Request } from '../protocol/types.js';

/** Where to connect. */
export interface Endpoint {
  readonly host: string;
  readonly port: number;
}

/**
 * Sends one request on a connection of its own, and resolves once the
 * receiver has queued it (its answer byte, net/link-pool.ts). Rejects with
 * ERR_UNREACHABLE when nobody listens, the connection fails or no answer
 * comes in time. Peers keep their connections in a LinkPool instead; this
 * is for tools and tests that send one request.
 */
export async function sendRequest(to: Endpoint, req: Request, timeoutMs = TCP_CONNECT_TIMEOUT_MS): Promise<void> {
  const pool = new LinkPool(1);
  try {
    await pool.send(to, req, timeoutMs);
  } finally {
    pool.close();
  }
}

/** Starts a TCP server; rejects with ERR_PORT_IN_USE or ERR_BAD_ARGUMENT when it cannot bind. */
export function listenTcp(host: string, port: number, onConnection: (socket: net.Socket) => void): Promise<net.Server> {
  return new Promise((resolve, reject) => {
    // Half-open allowed: a sender that ends after its frames still gets
    // their answers; the receiver ends its side once they are written.
    const server = net.createServer({ allowHalfOpen: true }, onConnection);
    server.once('error', (err: NodeJS.ErrnoException) => reject(bindError('TCP', host, port, err)));
    server.listen({ host, port, exclusive: true }, () => resolve(server));
  });
}

/** The named error for a socket that cannot bind. */
export function bindError(proto: string, host: string, port: number, err: NodeJS.ErrnoException): P2PError {
  if (err.code === 'EADDRINUSE') {
    return new P2PError('ERR_PORT_IN_USE', `${proto} port ${port} on ${host} is already in use`, { cause: err });
  }
  return new P2PError('ERR_BAD_ARGUMENT', `cannot bind ${proto} ${host}:${port}: ${err.message}`, { cause: err });
}
