/**
 * Garbage on a live peer's ports: a TCP connection that sends bytes that
 * are not a frame is logged (a `frame-error` event, on stderr, with the
 * codec's error code) and closed by the peer; a bad datagram is logged and
 * dropped; a well-framed request a service cannot handle is reported. The
 * peer keeps running: it still forwards a Store and answers pings.
 * Ring 2 -> 4 -> 5 -> 2, under ring and under Chord routing; the garbage
 * goes to Peer 2.
 */
import dgram from 'node:dgram';
import net from 'node:net';
import { describe, expect, it } from 'vitest';
import { encodeRequest } from '../../src/protocol/codec.js';
import { createPrng, testSeed } from '../fixtures/prng.js';
import {
  DEADLINE_MS,
  errorLines,
  eventOf,
  networkForTests,
  placeFile,
  runStep,
  ROUTINGS,
  startRing,
  THREE_PEERS,
  within,
} from '../fixtures/network.js';
import { fwdStore } from '../fixtures/lines.js';

// This file's ports: 17300..17599 (ring) and 28300..28599 (Chord).
const PORT_BASES = { ring: 17300, chord: 28300 } as const;
const TARGET = 2;
const SEED = testSeed(0x9a7b_a6e5);

/** Connects to `port`, writes `bytes` (then ends, if asked); resolves once connected, with the close to wait for. */
async function sendRaw(port: number, bytes: Uint8Array, end: boolean): Promise<{ localPort: number; closed: Promise<void> }> {
  const socket = net.connect({ host: '127.0.0.1', port });
  socket.on('error', () => undefined); // the peer may reset the connection: that is a close too
  socket.resume();
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  if (end) socket.end(bytes);
  else socket.write(bytes);
  return { localPort: socket.localPort ?? 0, closed };
}

/** A frame with a good length prefix and whatever body bytes follow it. */
function framed(body: readonly number[]): Uint8Array {
  const out = Buffer.alloc(4 + body.length);
  out.writeUInt32BE(body.length, 0);
  Buffer.from(body).copy(out, 4);
  return out;
}

for (const routing of ROUTINGS) {
  describe(`garbage sent to a live peer, ${routing} routing (seed ${SEED})`, () => {
    const targetPort = PORT_BASES[routing] + TARGET;
    const tn = networkForTests({ portBase: PORT_BASES[routing], routing }, async ({ net }) => {
      await startRing(net, THREE_PEERS);
    });

    const prng = createPrng(SEED);
    const randomGarbage = Array.from({ length: 200 }, () => prng.nextU32() & 0xff);
    const cases: readonly (readonly [string, Uint8Array, boolean, RegExp])[] = [
      ['sixteen 0xff bytes (a huge declared length), left open', new Uint8Array(16).fill(0xff), false, /^ERR_FRAME_OVERSIZED$/],
      ['an HTTP request, left open', Buffer.from('GET / HTTP/1.1\r\nHost: peer\r\n\r\n'), false, /^ERR_FRAME_OVERSIZED$/],
      ['a short frame with protocol version 99', framed([99, 1, 0, 0, 0, 2, 0, 0, 0, 2, 1, 0x41, 0, 0]), false, /^ERR_FRAME_VERSION$/],
      ['a short frame with request type 42', framed([1, 42, 0, 0, 0, 2, 0, 0, 0, 2, 1, 0x41, 0, 0]), false, /^ERR_FRAME_TYPE$/],
      ['a frame cut short by the end of the connection', Buffer.from([0, 0, 0, 100, 1, 1, 0, 0, 0, 0]), true, /^ERR_FRAME_TRUNCATED$/],
      ['200 seeded pseudo-random bytes', Buffer.from(randomGarbage), true, /^ERR_FRAME_[A-Z]+$/],
    ];

    for (const [what, bytes, end, code] of cases) {
      it(`${what}: logged with its code on stderr, and the connection is closed`, async () => {
        const peer = tn.net.get(TARGET);
        const since = peer.mark();
        const conn = await sendRaw(targetPort, bytes, end);
        const e = await eventOf(tn.net, peer, 'frame-error', since, { from: `127.0.0.1:${conn.localPort}` });
        expect(e.stream).toBe('stderr');
        expect(String(e.fields?.['code'])).toMatch(code);
        expect(e.line).toContain(String(e.fields?.['code']));
        await within(conn.closed, DEADLINE_MS, 'close of the garbage connection by the peer');
        expect(peer.running).toBe(true);
      });
    }

    it('a bad datagram on the UDP port is logged with its code and dropped', async () => {
      const peer = tn.net.get(TARGET);
      const since = peer.mark();
      const socket = dgram.createSocket('udp4');
      try {
        await new Promise<void>((resolve, reject) => {
          socket.once('error', reject);
          socket.send(Buffer.from('hello, peer'), targetPort, '127.0.0.1', (err) => (err ? reject(err) : resolve()));
        });
        const e = await eventOf(tn.net, peer, 'datagram-error', since);
        expect(e.stream).toBe('stderr');
        expect(String(e.fields?.['code'])).toMatch(/^ERR_FRAME_[A-Z]+$/);
      } finally {
        await new Promise<void>((resolve) => socket.close(() => resolve()));
      }
    });

    it('a well-framed store without a valid file name is reported on stderr, not obeyed', async () => {
      const peer = tn.net.get(TARGET);
      const since = peer.mark();
      const frame = encodeRequest({ type: 'store', source: 5, destination: TARGET, stamp: 'garbage-1', content: { filename: 'abcd' } });
      const conn = await sendRaw(targetPort, frame, true);
      await within(conn.closed, DEADLINE_MS, 'close of the connection');
      const e = await eventOf(tn.net, peer, 'request-failed', since);
      expect(e.stream).toBe('stderr');
      expect(e.fields?.['code']).toBe('ERR_BAD_FILENAME');
      expect(peer.events.slice(since).filter((x) => x.kind.startsWith('store-'))).toEqual([]);
    });

    it('afterwards the peer still forwards a Store and answers pings', async () => {
      const peer = tn.net.get(TARGET);
      await placeFile(tn.dir, '0004');
      const { expected, printed, marks } = await runStep(
        tn,
        { kind: 'store', at: 5, file: '0004' },
        {
          5: [fwdStore('0004')],
          2: [fwdStore('0004')],
          4: ['Store 0004 request accepted'],
        },
      );
      expect(printed).toEqual(expected);
      // Peer 5 (its first predecessor) still gets Peer 2's ping responses; Peer 2 still pings Peer 4.
      await eventOf(tn.net, tn.net.get(5), 'ping-response', marks.get(5), { from: TARGET });
      await eventOf(tn.net, tn.net.get(4), 'ping-request', marks.get(4), { from: TARGET });
      expect(errorLines(peer, marks.get(TARGET))).toEqual([]);
      expect(tn.net.ring()).toEqual([2, 4, 5]);
    });
  });
}
