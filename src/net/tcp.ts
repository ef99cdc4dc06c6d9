/**
 * TCP helpers: one request per connection, framed by its length (the
 * report's `fulfill()`, without its `sleep(3)`).
 */
import net from 'node:net';
import { TCP_CONNECT_TIMEOUT_MS } from '../constants.js';
import { P2PError } from '../errors.js';
import { encodeRequest } from '../protocol/codec.js';
import { stampHop } from './hop-deadline.js';
import type { Request } from '../protocol/types.js';

/** Where to connect. */
export interface Endpoint {
  readonly host: string;
  readonly port: number;
}

/**
 * Sends one request and resolves once the receiver has read it and closed
 * its side (so "they have been told" holds when this resolves). Rejects with
 * ERR_UNREACHABLE when nobody listens or the connection fails.
 */
export function sendRequest(to: Endpoint, req: Request, timeoutMs = TCP_CONNECT_TIMEOUT_MS): Promise<void> {
  // Stamped with when it is sent and how long we wait: a receiver that
  // reads it after we gave up drops it (hop-deadline.ts).
  const frame = encodeRequest(stampHop(req, timeoutMs));
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: to.host, port: to.port });
    let settled = false;
    const fail = (err: unknown): void => {
      if (settled) return;
      settled = true;
      socket.destroy();
      const reason = err instanceof Error ? err.message : String(err);
      reject(new P2PError('ERR_UNREACHABLE', `cannot deliver ${req.type} to ${to.host}:${to.port}: ${reason}`, { cause: err }));
    };
    socket.setTimeout(timeoutMs, () => fail(new Error(`no answer within ${timeoutMs} ms`)));
    socket.on('error', fail); // `on`: a second 'error' with no listener would be an uncaught exception
    socket.once('connect', () => socket.end(frame));
    // The receiver closes after reading the frame; our 'close' follows its FIN.
    socket.resume();
    socket.once('close', (hadError) => {
      if (hadError) return; // 'error' already rejected
      if (settled) return;
      settled = true;
      resolve();
    });
  });
}

/** Starts a TCP server; rejects with ERR_PORT_IN_USE or ERR_BAD_ARGUMENT when it cannot bind. */
export function listenTcp(host: string, port: number, onConnection: (socket: net.Socket) => void): Promise<net.Server> {
  return new Promise((resolve, reject) => {
    const server = net.createServer(onConnection);
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
