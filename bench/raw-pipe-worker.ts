/**
 * Worker side of the raw loopback pipe in bench/transfer.bench.ts (compiled
 * to dist/bench/raw-pipe-worker.js): the machine's own limit for "a file
 * over TCP into a file", with nothing of the peer around it. A receiver
 * thread listens once and pipes the socket into fs.createWriteStream; a
 * sender thread pipes fs.createReadStream into a socket. Two threads, like
 * the peer's two pool threads (one in the owner, one in the requester), and
 * the same buffer sizes: 1 MiB reads, a 1 MiB write buffer.
 */
import { createReadStream, createWriteStream } from 'node:fs';
import net from 'node:net';
import { pipeline } from 'node:stream/promises';
import { parentPort, workerData } from 'node:worker_threads';
import { TRANSFER_CHUNK_BYTES } from '../src/constants.js';

/** Which half this thread plays. */
export type RawPipeRole = 'sender' | 'receiver';

/** What the main thread asks. */
export type RawPipeCommand = { type: 'listen'; path: string } | { type: 'send'; port: number; path: string };

/** What a raw-pipe thread reports. */
export type RawPipeReport =
  | { type: 'ready' }
  | { type: 'listening'; port: number }
  | { type: 'first-byte' }
  | { type: 'done'; bytes: number }
  | { type: 'sent' }
  | { type: 'error'; message: string };

const post = (m: RawPipeReport): void => parentPort?.postMessage(m);
const fail = (err: unknown): void => post({ type: 'error', message: err instanceof Error ? err.message : String(err) });

function listen(file: string): void {
  const server = net.createServer();
  server.maxConnections = 1;
  server.once('connection', (socket) => {
    server.close();
    socket.once('data', () => post({ type: 'first-byte' }));
    // The buffer sizes of the peer's transfer code (src/transfer), so the
    // comparison is of everything else. 'done' once the write stream has
    // closed its file: every byte is in the OS.
    const out = createWriteStream(file, { highWaterMark: TRANSFER_CHUNK_BYTES });
    pipeline(socket, out).then(() => post({ type: 'done', bytes: out.bytesWritten }), fail);
  });
  server.listen({ host: '127.0.0.1', port: 0 }, () => {
    const address = server.address();
    post({ type: 'listening', port: typeof address === 'object' && address !== null ? address.port : 0 });
  });
}

function send(port: number, file: string): void {
  const socket = net.connect({ host: '127.0.0.1', port });
  socket.setNoDelay(true);
  socket.once('connect', () => {
    pipeline(createReadStream(file, { highWaterMark: TRANSFER_CHUNK_BYTES }), socket).then(() => post({ type: 'sent' }), fail);
  });
  socket.once('error', fail);
}

if (parentPort !== null && (workerData === 'sender' || workerData === 'receiver')) {
  parentPort.on('message', (m: RawPipeCommand) => {
    try {
      if (m.type === 'listen') listen(m.path);
      else send(m.port, m.path);
    } catch (err) {
      fail(err);
    }
  });
  post({ type: 'ready' });
}
