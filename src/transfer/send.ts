/** The sending half of a transfer: header frame, then the file's bytes, on one connection. */
import { createReadStream } from 'node:fs';
import net from 'node:net';
import { pipeline } from 'node:stream/promises';
import { TRANSFER_CHUNK_BYTES } from '../constants.js';
import { P2PError } from '../errors.js';
import { encodeRequest } from '../protocol/codec.js';
import type { SendTask } from './tasks.js';

/** Sends the header and the file; resolves with the bytes of file sent once the receiver has closed. */
export async function sendFile(task: SendTask): Promise<{ bytes: number }> {
  const socket = net.connect({ host: task.to.host, port: task.to.port });
  socket.setNoDelay(true);
  const closed = new Promise<void>((resolve, reject) => {
    socket.once('close', (hadError) => (hadError ? undefined : resolve()));
    // `on`, not `once`: a second 'error' with no listener would be an uncaught exception.
    socket.on('error', (err) =>
      reject(new P2PError('ERR_TRANSFER', `sending to ${task.to.host}:${task.to.port}: ${err.message}`, { cause: err })),
    );
  });
  closed.catch(() => undefined); // observed below
  socket.setTimeout(task.timeoutMs, () => socket.destroy(new Error(`stalled for ${task.timeoutMs} ms`)));
  await Promise.race([new Promise<void>((resolve) => socket.once('connect', () => resolve())), closed]);
  socket.write(encodeRequest(task.header));
  let bytes = 0;
  if (task.path === undefined) {
    socket.end();
  } else {
    const file = createReadStream(task.path, { highWaterMark: TRANSFER_CHUNK_BYTES });
    file.on('data', (chunk) => {
      bytes += chunk.length;
    });
    try {
      await pipeline(file, socket);
    } catch (err) {
      socket.destroy();
      throw new P2PError('ERR_TRANSFER', `sending ${task.path}: ${err instanceof Error ? err.message : String(err)}`, {
        cause: err,
      });
    }
  }
  socket.resume(); // drain the receiver's (empty) side so 'close' can come
  await closed;
  return { bytes };
}
