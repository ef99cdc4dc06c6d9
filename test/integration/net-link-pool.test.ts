/**
 * Kept connections (src/net/link-pool.ts) on real sockets: many requests on
 * one connection, each settled by its own answer byte; a frame that fails
 * fails alone; a link that breaks or goes quiet is replaced; idle links are
 * closed. Against the real socket producer, and against small servers that
 * answer as a test needs.
 */
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { isP2PError } from '../../src/errors.js';
import { FRAME_ACK, FRAME_NAK, LinkPool } from '../../src/net/link-pool.js';
import { decodeQueueRecord } from '../../src/protocol/codec.js';
import { FrameReader } from '../../src/protocol/frame-reader.js';
import type { Request } from '../../src/protocol/types.js';
import { RingQueue } from '../../src/queue/ring-queue.js';
import { startSocketProducer, type SocketProducer } from '../../src/roles/socket-producer.js';
import { PeerState } from '../../src/runtime/peer-state.js';

// This file's ports: 28900..28999.
const PORT_BASE = 28900;
const HOST = '127.0.0.1';
/** Generous: these wait for events on loopback, on a machine that may be loaded. */
const DEADLINE_MS = 10_000;

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

const store = (stamp: string): Request => ({ type: 'store', source: 4, destination: 9, stamp, content: { key: '1234' } });

/** What a test server saw: each connection and the stamps of the frames read on it. */
interface Served {
  readonly connections: { readonly socket: net.Socket; readonly stamps: string[]; closed: boolean }[];
  /** Resolves when `n` frames in all have been read. */
  frames(n: number): Promise<void>;
  /** Resolves when `n` connections have closed. */
  closes(n: number): Promise<void>;
}

/**
 * A server that reads frames and lets `answer` decide what to do with each
 * (write an answer byte, nothing, or close the connection).
 */
async function testServer(port: number, answer: (socket: net.Socket, stamp: string, index: number) => void): Promise<Served> {
  const connections: Served['connections'][number][] = [];
  const waiters: (() => void)[] = [];
  const check = (): void => {
    for (const w of waiters.splice(0)) w();
  };
  const until = (done: () => boolean): Promise<void> =>
    new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('test server: deadline passed')), DEADLINE_MS);
      const test = (): void => {
        if (done()) {
          clearTimeout(timer);
          resolve();
        } else waiters.push(test);
      };
      test();
    });
  let total = 0;
  const server = net.createServer((socket) => {
    const conn = { socket, stamps: [] as string[], closed: false };
    connections.push(conn);
    const reader = new FrameReader();
    socket.on('error', () => socket.destroy());
    socket.on('close', () => {
      conn.closed = true;
      check();
    });
    socket.on('data', (chunk: Buffer) => {
      reader.push(chunk);
      for (let req = reader.next(); req !== undefined; req = reader.next()) {
        conn.stamps.push(req.stamp);
        answer(socket, req.stamp, total++);
        check();
      }
    });
  });
  await new Promise<void>((resolve) => server.listen({ host: HOST, port, exclusive: true }, resolve));
  cleanups.push(
    () =>
      new Promise<void>((resolve) => {
        for (const c of connections) c.socket.destroy();
        server.close(() => resolve());
      }),
  );
  return {
    connections,
    frames: (n) => until(() => total >= n),
    closes: (n) => until(() => connections.filter((c) => c.closed).length >= n),
  };
}

function pool(maxKept?: number, idleMs?: number): LinkPool {
  const p = new LinkPool(maxKept, idleMs);
  cleanups.push(() => p.close());
  return p;
}

async function failureOf(p: Promise<void>): Promise<Error> {
  try {
    await p;
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected the send to fail');
}

describe('a link pool', () => {
  it('sends many requests on one connection to the socket producer, each settled once queued, in order', async () => {
    const port = PORT_BASE + 1;
    const queue = RingQueue.create(1 << 16);
    const producer: SocketProducer = await startSocketProducer({
      self: 9, // the destination of every request below
      host: HOST,
      port,
      queue,
      state: PeerState.create(),
      emit: () => undefined,
      fault: (err) => {
        throw err;
      },
    });
    cleanups.push(() => producer.close());
    const links = pool();
    const to = { host: HOST, port };
    await links.send(to, store('4-0'));
    await Promise.all(Array.from({ length: 20 }, (_, i) => links.send(to, store(`4-${i + 1}`))));
    expect(links.size).toBe(1);
    const queued: string[] = [];
    for (let rec = queue.tryPop(); rec !== undefined; rec = queue.tryPop()) {
      const r = decodeQueueRecord(rec);
      if (r.kind === 'request') queued.push(r.request.stamp);
    }
    expect(queued).toEqual(Array.from({ length: 21 }, (_, i) => `4-${i}`));
    // A transfer request (asking for a file's bytes) is one frame like any
    // other: the frames after it on the same connection are read and answered.
    const transfer: Request = { type: 'transfer', source: 4, destination: 9, stamp: '4-t', content: { filename: '1234' } };
    await links.send(to, transfer);
    await links.send(to, store('4-after'));
    const after: string[] = [];
    for (let rec = queue.tryPop(); rec !== undefined; rec = queue.tryPop()) {
      const r = decodeQueueRecord(rec);
      if (r.kind === 'request') after.push(r.request.stamp);
    }
    expect(after).toEqual(['4-t', '4-after']);
    expect(links.size).toBe(1);
  });

  it('keeps one connection per destination, however many requests', async () => {
    const served = await testServer(PORT_BASE + 2, (socket) => socket.write(Buffer.from([FRAME_ACK])));
    const links = pool();
    const to = { host: HOST, port: PORT_BASE + 2 };
    for (let i = 0; i < 5; i++) await links.send(to, store(`4-${i}`));
    await Promise.all(Array.from({ length: 10 }, (_, i) => links.send(to, store(`4-${i + 5}`))));
    expect(served.connections).toHaveLength(1);
    expect(served.connections[0]?.stamps).toHaveLength(15);
  });

  it('fails a frame answered NAK, and the next frame on the same link still goes through', async () => {
    const served = await testServer(PORT_BASE + 3, (socket, _stamp, i) => socket.write(Buffer.from([i === 0 ? FRAME_NAK : FRAME_ACK])));
    const links = pool();
    const to = { host: HOST, port: PORT_BASE + 3 };
    const err = await failureOf(links.send(to, store('4-1')));
    expect(isP2PError(err) && err.code).toBe('ERR_UNREACHABLE');
    expect(err.message).toMatch(/dropped it/);
    await links.send(to, store('4-2'));
    expect(served.connections).toHaveLength(1);
  });

  it('fails a frame with no answer in time alone: the one behind it keeps its deadline; new requests use a new connection', async () => {
    const quiet: net.Socket[] = [];
    const served = await testServer(PORT_BASE + 4, (socket, _stamp, i) => {
      if (i < 2) quiet.push(socket);
      else socket.write(Buffer.from([FRAME_ACK]));
    });
    const links = pool();
    const to = { host: HOST, port: PORT_BASE + 4 };
    const first = links.send(to, store('4-1'), 300);
    const second = links.send(to, store('4-2'), DEADLINE_MS);
    const err = await failureOf(first);
    expect(err.message).toMatch(/no answer within 300 ms/);
    // A new request does not queue behind the silent link.
    await links.send(to, store('4-3'));
    expect(served.connections).toHaveLength(2);
    expect(served.connections[1]?.stamps).toEqual(['4-3']);
    // The silent link answers at last: both answers, in order; the second
    // frame had not timed out and is delivered; the first stays failed.
    quiet[0]?.write(Buffer.from([FRAME_ACK, FRAME_ACK]));
    await second;
    // Every frame on the retired link is settled: it is closed.
    await served.closes(1);
    expect(served.connections[0]?.closed).toBe(true);
  });

  it('sends again, once, a frame written on an idle link that the receiver closed without answering', async () => {
    const served = await testServer(PORT_BASE + 5, (socket, _stamp, i) => {
      // The first connection answers its first frame, then is closed as the
      // second arrives (a receiver closing an idle link just as it is used).
      if (i === 1) socket.destroy();
      else socket.write(Buffer.from([FRAME_ACK]));
    });
    const links = pool();
    const to = { host: HOST, port: PORT_BASE + 5 };
    await links.send(to, store('4-1'));
    await links.send(to, store('4-2'));
    expect(served.connections.map((c) => c.stamps)).toEqual([['4-1', '4-2'], ['4-2']]);
  });

  it('does not send again a frame on a link that was not idle', async () => {
    const served = await testServer(PORT_BASE + 6, (socket) => socket.destroy());
    const links = pool();
    const err = await failureOf(links.send({ host: HOST, port: PORT_BASE + 6 }, store('4-1')));
    expect(isP2PError(err) && err.code).toBe('ERR_UNREACHABLE');
    expect(served.connections).toHaveLength(1);
  });

  it('fails at once with ERR_UNREACHABLE when nobody listens', async () => {
    const links = pool();
    const err = await failureOf(links.send({ host: HOST, port: PORT_BASE + 7 }, store('4-1')));
    expect(isP2PError(err) && err.code).toBe('ERR_UNREACHABLE');
    expect(err.message).toMatch(/ECONNREFUSED/);
    expect(links.size).toBe(0);
  });

  it('closes a link idle for its idle time, and the least recently used idle link past the cap', async () => {
    const ack = (socket: net.Socket): void => void socket.write(Buffer.from([FRAME_ACK]));
    const a = await testServer(PORT_BASE + 8, ack);
    const b = await testServer(PORT_BASE + 9, ack);
    const c = await testServer(PORT_BASE + 10, ack);
    const links = pool(2, 200);
    await links.send({ host: HOST, port: PORT_BASE + 8 }, store('4-1'));
    await links.send({ host: HOST, port: PORT_BASE + 9 }, store('4-2'));
    await links.send({ host: HOST, port: PORT_BASE + 10 }, store('4-3'));
    // Three destinations, two kept: the least recently used (a) was closed.
    await a.closes(1);
    expect(b.connections[0]?.closed).toBe(false);
    // The other two close when idle for 200 ms.
    await Promise.all([b.closes(1), c.closes(1)]);
    expect(links.size).toBe(0);
  });
});
