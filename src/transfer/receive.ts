/**
 * The receiving half of a transfer, run in a pool thread: listen once, read
 * the `transfer` header frame, then stream the bytes that follow it straight
 * into a `.part` file, renamed when complete. Progress reaches the consumer
 * as `transfer` records pushed into the ring queue (header, then done or
 * failed), so that the consumer prints the course's lines in order.
 */
import { createWriteStream, promises as fs } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { once } from 'node:events';
import { P2PError } from '../errors.js';
import { encodeRequest } from '../protocol/codec.js';
import { FrameReader } from '../protocol/frame-reader.js';
import type { Content, Request } from '../protocol/types.js';
import { RingQueue } from '../queue/ring-queue.js';
import { safeExtension } from '../services/files.js';
import type { ReceiveOutcome, ReceiveTask } from './tasks.js';

/** Runs one receive task. */
export async function receiveFile(task: ReceiveTask): Promise<ReceiveOutcome> {
  const queue = new RingQueue(task.queueBuffer);
  let from = task.self;
  let stamp = `${task.self}-rx`;
  const report = async (content: Content): Promise<void> => {
    const rec: Request = { type: 'transfer', source: from, destination: task.self, stamp, content };
    await queue.pushAsync(encodeRequest(rec));
  };
  const server = net.createServer();
  server.maxConnections = 1;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host: task.host, port: 0 }, () => resolve());
  });
  const address = server.address();
  task.control.postMessage({ port: typeof address === 'object' && address !== null ? address.port : 0 });
  task.control.close();
  let socket: net.Socket | undefined;
  try {
    socket = await acceptOne(server, task.timeoutMs);
    socket.setTimeout(task.timeoutMs, () => socket?.destroy(new Error(`sender stalled for ${task.timeoutMs} ms`)));
    const { header, rest } = await readHeader(socket);
    from = header.source;
    stamp = header.stamp;
    await report({ ...header.content, filename: task.filename, _mode: task.mode, _phase: 'header' });
    if (header.content.status !== 'found') {
      socket.destroy();
      return { status: 'missing', bytes: 0 };
    }
    const ext = safeExtension(header.content._ext);
    const name = task.mode === 'request' ? `received_${task.filename}${ext}` : `${task.filename}${ext}`;
    const target = path.join(task.dataDir, name);
    const bytes = await writeRest(socket, rest, `${target}.part`);
    const expected = Number(header.content._size ?? bytes);
    if (bytes !== expected) {
      await fs.rm(`${target}.part`, { force: true });
      throw new P2PError('ERR_TRANSFER', `connection ended after ${bytes} of ${expected} bytes`);
    }
    await fs.rename(`${target}.part`, target);
    await report({ filename: task.filename, _mode: task.mode, _phase: 'done', _bytes: String(bytes), _file: target });
    return { status: 'received', bytes, path: target };
  } catch (err) {
    socket?.destroy();
    const code = err instanceof P2PError ? err.code : 'ERR_TRANSFER';
    const message = err instanceof Error ? err.message : String(err);
    await report({ filename: task.filename, _mode: task.mode, _phase: 'failed', _error: `${code}: ${message}` });
    return { status: 'failed', bytes: 0 };
  } finally {
    server.close();
  }
}

function acceptOne(server: net.Server, timeoutMs: number): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new P2PError('ERR_TIMEOUT', `no sender connected within ${timeoutMs} ms`)),
      timeoutMs,
    );
    server.once('connection', (socket: net.Socket) => {
      clearTimeout(timer);
      resolve(socket);
    });
  });
}

/** Reads up to the end of the header frame; returns it and the file bytes that came with it. */
async function readHeader(socket: net.Socket): Promise<{ header: Request; rest: Uint8Array }> {
  const reader = new FrameReader();
  // destroyOnReturn: false, or leaving the loop would destroy the socket
  // that still carries the file.
  for await (const chunk of socket.iterator({ destroyOnReturn: false }) as AsyncIterable<Buffer>) {
    reader.push(chunk);
    const header = reader.next();
    if (header === undefined) continue;
    if (header.type !== 'transfer') {
      throw new P2PError('ERR_TRANSFER', `expected a transfer header, got ${header.type}`);
    }
    return { header, rest: reader.takeRaw() };
  }
  throw new P2PError('ERR_FRAME_TRUNCATED', 'connection closed before the transfer header was complete');
}

/** Writes `first` then every later chunk of `socket` to `file`, with backpressure; returns the byte count. */
async function writeRest(socket: net.Socket, first: Uint8Array, file: string): Promise<number> {
  const out = createWriteStream(file);
  let bytes = 0;
  const write = async (chunk: Uint8Array): Promise<void> => {
    bytes += chunk.length;
    if (!out.write(chunk)) await once(out, 'drain');
  };
  try {
    if (first.length > 0) await write(first);
    for await (const chunk of socket as AsyncIterable<Buffer>) await write(chunk);
    out.end();
    await once(out, 'close');
  } catch (err) {
    out.destroy();
    await fs.rm(file, { force: true });
    throw err;
  }
  return bytes;
}
