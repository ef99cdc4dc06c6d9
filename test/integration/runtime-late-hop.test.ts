/**
 * A frame read after its sender gave up on it is dropped at the edge and
 * answered NAK, so that a slow sender sees a failure, not a delivery
 * (src/net/hop-deadline.ts); frames on time are answered ACK. This is what keeps a peer that was
 * frozen (SIGSTOP) from handling, when it resumes, requests that their
 * senders have already routed around it. The socket producer alone, on a
 * real socket, with a ring queue.
 */
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { FRAME_ACK, FRAME_NAK } from '../../src/net/link-pool.js';
import { sendRequest } from '../../src/net/tcp.js';
import { decodeQueueRecord, encodeRequest } from '../../src/protocol/codec.js';
import type { Request } from '../../src/protocol/types.js';
import { RingQueue } from '../../src/queue/ring-queue.js';
import { startSocketProducer, type SocketProducer } from '../../src/roles/socket-producer.js';
import { PeerState } from '../../src/runtime/peer-state.js';

// This file's ports: 31300..31399.
const PORT_BASE = 31300;
const PORT = PORT_BASE + 1;

let producer: SocketProducer | undefined;
afterEach(async () => {
  await producer?.close();
  producer = undefined;
});

const store = (stamp: string, content: Record<string, string>): Request => ({
  type: 'store',
  source: 4,
  destination: 9,
  stamp,
  content: { key: '1234', ...content },
});

/** Writes one frame as is (no stamping), ends, and resolves with the answer bytes received before the close. */
function writeRaw(req: Request): Promise<number[]> {
  return new Promise((resolve, reject) => {
    const answers: number[] = [];
    const socket = net.connect({ host: '127.0.0.1', port: PORT }, () => socket.end(encodeRequest(req)));
    socket.on('error', reject);
    socket.on('data', (chunk: Buffer) => answers.push(...chunk));
    socket.once('close', () => resolve(answers));
  });
}

describe('a frame read after its sender gave up', () => {
  it('is dropped and answered NAK; frames on time are queued and answered ACK', { timeout: 30_000 }, async () => {
    const queue = RingQueue.create(1 << 16);
    const events: { kind: string; fields: Readonly<Record<string, unknown>> | undefined }[] = [];
    producer = await startSocketProducer({
      self: 9, // the destination of every frame below
      host: '127.0.0.1',
      port: PORT,
      queue,
      state: PeerState.create(),
      emit: (kind, _line, details) => events.push({ kind, fields: details?.fields }),
      fault: (err) => {
        throw err;
      },
    });
    // A fresh frame, stamped by sendRequest itself, sets the sender's baseline.
    await sendRequest({ host: '127.0.0.1', port: PORT }, store('4-1', {}));
    // One that its sender stopped waiting for 10 s ago (4 s wait, sent 14 s ago).
    const now = Date.now();
    expect(await writeRaw(store('4-2', { _sent: String(now - 14_000), _wait: '4000' }))).toEqual([FRAME_NAK]);
    // And one on time again.
    expect(await writeRaw(store('4-3', { _sent: String(Date.now()), _wait: '4000' }))).toEqual([FRAME_ACK]);

    const queued: string[] = [];
    for (let rec = queue.tryPop(); rec !== undefined; rec = queue.tryPop()) {
      const r = decodeQueueRecord(rec);
      if (r.kind === 'request') queued.push(r.request.stamp);
    }
    expect(queued).toEqual(['4-1', '4-3']);
    const dropped = events.filter((e) => e.kind === 'late-hop-dropped');
    expect(dropped).toHaveLength(1);
    expect(dropped[0]?.fields).toMatchObject({ stamp: '4-2', from: 4, type: 'store' });
    expect(Number(dropped[0]?.fields?.['lateMs'])).toBeGreaterThan(9_000);
  });
});
