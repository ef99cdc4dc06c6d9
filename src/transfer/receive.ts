/**
 * The receiving half of a transfer, run in a pool thread: listen once, read
 * the `transfer` header frame, then stream the bytes that follow it straight
 * into a temporary file of this receive's own, renamed when complete.
 * Progress reaches the consumer as `transfer` records pushed into the ring
 * queue (header, then done or failed), so that the consumer prints the
 * course's lines in order.
 *
 * Whoever connects first is taken as the sender, so nothing it says is
 * trusted: the header must be a well-formed transfer for the file asked
 * for, with a byte count; the bytes must not exceed that count (the disk is
 * not filled by a sender that never stops); a sender that falls silent for
 * TRANSFER_STALL_MS has stopped. Every failure leaves no file behind (the
 * temporary file is removed) and reaches the consumer as a `failed` record
 * with the error's code.
 *
 * Peers may share one data directory (the course's setting), so two
 * receives of one file may run at once, in two processes: each writes its
 * own temporary file (`tempNameFor`) beside the target and renames it over
 * the target, which is atomic on POSIX; the last rename wins, with the same
 * bytes. (They once shared `<target>.part`: the first rename took the second
 * receive's file away, and its rename failed with ENOENT.)
 */
import { createWriteStream, promises as fs } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { once } from 'node:events';
import { TRANSFER_CHUNK_BYTES, TRANSFER_STALL_MS } from '../constants.js';
import { badField, P2PError } from '../errors.js';
import { encodeRequest } from '../protocol/codec.js';
import { contentError } from '../protocol/content.js';
import { FrameReader } from '../protocol/frame-reader.js';
import type { Content, Request } from '../protocol/types.js';
import { RingQueue } from '../queue/ring-queue.js';
import { safeExtension, tempNameFor } from '../node/files.js';
import type { ReceiveOutcome, ReceiveTask } from './tasks.js';

/** Header fields that must not reach the consumer from a sender: they would make the record a command. */
const NOT_FROM_SENDER = new Set(['_pull', '_phase', '_mode', '_file', '_bytes', '_error']);

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
    const stallMs = Math.min(task.timeoutMs, TRANSFER_STALL_MS);
    const connected = socket;
    // Errors reach us through the reads below; this keeps one raised while no
    // read is pending (a stall timer firing between two reads) from being an
    // uncaught exception that would take the pool thread down.
    connected.on('error', () => undefined);
    connected.setTimeout(stallMs, () => connected.destroy(new P2PError('ERR_TIMEOUT', `the sender stopped: nothing for ${stallMs} ms`)));
    const { header, rest } = await readHeader(socket);
    checkHeader(header, task.filename);
    from = header.source;
    stamp = header.stamp;
    const told: Record<string, string> = {};
    for (const [k, v] of Object.entries(header.content)) if (!NOT_FROM_SENDER.has(k)) told[k] = v;
    await report({ ...told, filename: task.filename, _mode: task.mode, _phase: 'header' });
    if (header.content.status !== 'found') {
      socket.destroy();
      return { status: 'missing', bytes: 0 };
    }
    const ext = safeExtension(header.content._ext);
    const name = task.mode === 'request' ? `received_${task.filename}${ext}` : `${task.filename}${ext}`;
    const target = path.join(task.dataDir, name);
    const expected = Number(header.content._size);
    const temp = path.join(task.dataDir, tempNameFor(name));
    const bytes = await writeRest(socket, rest, temp, expected); // removes `temp` when it fails
    try {
      if (bytes !== expected) throw new P2PError('ERR_TRANSFER', `connection ended after ${bytes} of ${expected} bytes`);
      await fs.rename(temp, target);
    } catch (err) {
      await fs.rm(temp, { force: true });
      throw err;
    }
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

/**
 * The header must be a well-formed transfer (the shapes every frame from the
 * network must have) for the file asked for, and a `found` one must say how
 * many bytes follow.
 * @throws P2PError ERR_FRAME_FIELD, ERR_MISSING_FIELD or ERR_TRANSFER.
 */
function checkHeader(header: Request, filename: string): void {
  const bad = contentError(header, 'tcp');
  if (bad !== undefined) throw bad;
  if (header.content.filename !== undefined && header.content.filename !== filename) {
    throw new P2PError('ERR_TRANSFER', `the sender offered file ${JSON.stringify(header.content.filename.slice(0, 16))}, not ${filename}`);
  }
  if (header.content.status === 'found' && header.content._size === undefined) {
    throw badField('content _size', 'missing from a transfer that carries a file');
  }
}

function acceptOne(server: net.Server, timeoutMs: number): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new P2PError('ERR_TIMEOUT', `no sender connected within ${timeoutMs} ms`)), timeoutMs);
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

/**
 * Writes `first` then every later chunk of `socket` to the new file `file`,
 * with backpressure; returns the byte count. Fails with ERR_TRANSFER as soon
 * as the sender goes past the `limit` bytes it announced, and with the
 * file's own error when it cannot be created or written; removes `file` when
 * it fails, if this call created it.
 */
async function writeRest(socket: net.Socket, first: Uint8Array, file: string, limit: number): Promise<number> {
  // A write buffer of one transfer chunk, not the 16 KiB default: with the
  // default every 64 KiB socket chunk waits for 'drain', which halved
  // throughput on loopback (bench/transfer.bench.ts).
  // `wx`: should the name ever be taken, fail rather than write into (and
  // then remove) another receive's file.
  const out = createWriteStream(file, { flags: 'wx', highWaterMark: TRANSFER_CHUNK_BYTES });
  let opened = false;
  out.once('open', () => {
    opened = true;
  });
  // A failed open or write (the name taken, a full disk) is emitted on the
  // stream whether or not a write is waiting: without a listener it would be
  // an uncaught exception in the pool thread. Destroying the socket with it
  // ends the read loop below with that error.
  let failure: Error | undefined;
  out.on('error', (err) => {
    failure ??= err;
    socket.destroy(err);
  });
  let bytes = 0;
  const write = async (chunk: Uint8Array): Promise<void> => {
    bytes += chunk.length;
    if (bytes > limit) throw new P2PError('ERR_TRANSFER', `the sender went past the ${limit} bytes it announced`);
    if (!out.write(chunk)) await once(out, 'drain');
  };
  try {
    if (first.length > 0) await write(first);
    for await (const chunk of socket as AsyncIterable<Buffer>) await write(chunk);
    out.end();
    await once(out, 'close');
    if (failure !== undefined) throw failure;
  } catch (err) {
    out.destroy();
    // The file may still be opening (a sender that fails at once): wait for
    // the stream to close, or the file would be created after its removal.
    // Not `once`, which would reject on an error emitted meanwhile.
    if (!out.closed) await new Promise<void>((resolve) => out.once('close', () => resolve()));
    // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- set by the 'open' listener
    if (opened) await fs.rm(file, { force: true });
    throw err;
  }
  return bytes;
}
