/**
 * The socket producer: accepts TCP connections on the peer's port, reads
 * length-framed requests and pushes each one into the ring queue. A
 * connection that sends a bad frame is logged with the error's name and
 * closed; the peer keeps running.
 */
import type net from 'node:net';
import { TCP_IDLE_TIMEOUT_MS } from '../constants.js';
import { isP2PError, P2PError } from '../errors.js';
import { encodeRequest } from '../protocol/codec.js';
import { FrameReader } from '../protocol/frame-reader.js';
import type { RingQueue } from '../queue/ring-queue.js';
import { listenTcp } from '../net/tcp.js';
import type { Emit } from '../runtime/events.js';
import type { PeerState } from '../runtime/peer-state.js';

/** Most connections served at once; more are refused until some close. */
export const MAX_TCP_CONNECTIONS = 512;

/** What the socket producer needs. */
export interface SocketProducerOptions {
  readonly host: string;
  readonly port: number;
  readonly queue: RingQueue;
  readonly state: PeerState;
  readonly emit: Emit;
}

/** A running socket producer. */
export interface SocketProducer {
  close(): Promise<void>;
}

/** Binds the TCP port (rejects with ERR_PORT_IN_USE) and starts accepting. */
export async function startSocketProducer(opts: SocketProducerOptions): Promise<SocketProducer> {
  const sockets = new Set<net.Socket>();
  const server = await listenTcp(opts.host, opts.port, (socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    serveConnection(socket, opts);
  });
  server.maxConnections = MAX_TCP_CONNECTIONS;
  return {
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

function serveConnection(socket: net.Socket, opts: SocketProducerOptions): void {
  const reader = new FrameReader();
  const from = `${socket.remoteAddress ?? '?'}:${socket.remotePort ?? '?'}`;
  // Frames are drained by one promise chain, so that a burst of segments and
  // the final 'end' never interleave two drains of the same reader.
  let drained: Promise<void> = Promise.resolve();
  socket.setTimeout(TCP_IDLE_TIMEOUT_MS, () => socket.destroy());
  socket.on('error', () => socket.destroy());

  const reject = (err: unknown): void => {
    opts.state.count('socket-producer', 'errors');
    const code = isP2PError(err) ? err.code : 'ERR_UNKNOWN';
    const message = err instanceof Error ? err.message : String(err);
    opts.emit('frame-error', `Closed the connection from ${from}: ${code}: ${message}`, {
      stream: 'stderr',
      fields: { code, from, message },
    });
    socket.destroy();
  };

  // Decodes and queues every whole frame buffered so far. When the queue is
  // full the socket is paused until the consumer makes room (backpressure
  // reaches the sender through TCP flow control; nothing is dropped).
  const drain = async (): Promise<void> => {
    if (socket.destroyed) return;
    try {
      for (;;) {
        const req = reader.next();
        if (req === undefined) break;
        const record = encodeRequest(req);
        if (opts.queue.tryPush(record) !== 1) {
          socket.pause();
          const result = await opts.queue.pushAsync(record);
          socket.resume();
          if (result !== 1) return; // queue closed: the peer is stopping
        }
        opts.state.count('socket-producer');
      }
    } catch (err) {
      reject(err);
    }
  };
  const pump = (): Promise<void> => (drained = drained.then(drain));

  socket.on('data', (chunk: Buffer) => {
    try {
      reader.push(chunk);
    } catch (err) {
      reject(err);
      return;
    }
    void pump();
  });
  // One request per connection is the usual pattern: the sender ends, we close.
  socket.on('end', () => {
    void pump().then(() => {
      if (reader.buffered > 0 && !socket.destroyed) {
        reject(new P2PError('ERR_FRAME_TRUNCATED', `connection ended inside a frame (${reader.buffered} bytes buffered)`));
        return;
      }
      socket.end();
    });
  });
}
