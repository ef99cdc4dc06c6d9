/**
 * Receivers that share one data directory (the course's setting: every peer
 * runs in the same working directory) never share a temporary file (issue
 * 10, item 4). Two peers that requested the same 20 MiB file at once once
 * wrote into the same `received_NNNN.pdf.part`: the first renamed it away,
 * the second's rename failed with ERR_TRANSFER (ENOENT).
 *
 * First in process, with no peers: two receives of one file into one
 * directory, both under way before either ends; then live peers, two of
 * which `Request` the same file at once.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { MessageChannel } from 'node:worker_threads';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeRequest, encodeRequest } from '../../src/protocol/codec.js';
import type { Request } from '../../src/protocol/types.js';
import { RingQueue } from '../../src/queue/ring-queue.js';
import { receiveFile } from '../../src/transfer/receive.js';
import type { ReceiveOutcome } from '../../src/transfer/tasks.js';
import { connectRaw } from '../fixtures/hostile.js';
import {
  DEADLINE_MS,
  errorLines,
  eventOf,
  linesAfter,
  startNetwork,
  startRing,
  stopNetworks,
  tempDir,
  within,
  type TestNetwork,
} from '../fixtures/network.js';
import { createPrng, testSeed } from '../fixtures/prng.js';

// This file's ports: 27000..27299.
const PORT_BASE = 27000;
const SEED = testSeed(0x5eed_0a04);

/** `size` pseudo-random bytes from `seed`. */
function randomBytes(size: number, seed: number): Buffer {
  const prng = createPrng(seed);
  const out = Buffer.alloc(size);
  let i = 0;
  for (; i + 4 <= size; i += 4) out.writeUInt32LE(prng.nextU32(), i);
  for (; i < size; i++) out[i] = prng.nextU32() & 0xff;
  return out;
}

/** Names in `dir` that are not finished files: anything a receive writes before its rename. */
async function leftovers(dir: string): Promise<string[]> {
  return (await fs.readdir(dir)).filter((n) => n.startsWith('.') || n.endsWith('.part'));
}

afterAll(stopNetworks);

describe(`two receives of one file into one directory at once (in process; seed ${SEED}, replay with TEST_SEED=${SEED})`, () => {
  const SIZE = 4 * 1024 * 1024;
  const bytes = randomBytes(SIZE, SEED);

  /** One receive task's handle: its listening port, its queue and its outcome. */
  async function startReceive(
    dir: string,
    mode: 'request' | 'store',
  ): Promise<{ port: number; queue: RingQueue; done: Promise<ReceiveOutcome> }> {
    const queue = RingQueue.create(1 << 16);
    const { port1, port2 } = new MessageChannel();
    const listening = new Promise<number>((resolve) => port2.once('message', (m: { port: number }) => resolve(m.port)));
    const done = receiveFile({
      kind: 'receive',
      host: '127.0.0.1',
      filename: '0006',
      mode,
      dataDir: dir,
      self: 2,
      queueBuffer: queue.buffer,
      timeoutMs: DEADLINE_MS,
      control: port1,
    });
    const port = await within(listening, DEADLINE_MS, 'the receiver to listen');
    port2.close();
    return { port, queue, done };
  }

  /** The next record the receive pushed into its queue. */
  async function nextRecord(queue: RingQueue): Promise<Request> {
    for (;;) {
      const r = queue.tryPop();
      if (r !== undefined) return decodeRequest(r);
      await within(queue.waitForData(), DEADLINE_MS, 'a record from the receiver');
    }
  }

  for (const [mode, saved] of [
    ['request', 'received_0006.bin'],
    ['store', '0006.bin'],
  ] as const) {
    it(`${mode} mode: both end with ${saved} complete and identical, no temporary file left`, async () => {
      const dir = await tempDir();
      const a = await startReceive(dir, mode);
      const b = await startReceive(dir, mode);
      const header = encodeRequest({
        type: 'transfer',
        source: 7,
        destination: 2,
        stamp: '7-1',
        content: { filename: '0006', status: 'found', _nodeID: '7', _ext: '.bin', _size: String(SIZE) },
      });
      const half = SIZE / 2;
      const [ca, cb] = await Promise.all([connectRaw(a.port), connectRaw(b.port)]);
      ca.socket.write(header);
      ca.socket.write(bytes.subarray(0, half));
      cb.socket.write(header);
      cb.socket.write(bytes.subarray(0, half));
      // Both receives have read their header, so both are writing when the
      // first one ends: the second is still under way at the first's rename.
      expect((await nextRecord(a.queue)).content._phase).toBe('header');
      expect((await nextRecord(b.queue)).content._phase).toBe('header');
      ca.socket.end(bytes.subarray(half));
      const first = await within(a.done, DEADLINE_MS, 'the first receive to end');
      cb.socket.end(bytes.subarray(half));
      const second = await within(b.done, DEADLINE_MS, 'the second receive to end');
      const failures = [await nextRecord(a.queue), await nextRecord(b.queue)].map((r) => r.content._error).filter((e) => e !== undefined);
      expect(failures).toEqual([]);
      expect(first).toEqual({ status: 'received', bytes: SIZE, path: path.join(dir, saved) });
      expect(second).toEqual({ status: 'received', bytes: SIZE, path: path.join(dir, saved) });
      const copy = await fs.readFile(path.join(dir, saved));
      expect(copy.equals(bytes), `${saved} differs from what was sent (seed ${SEED})`).toBe(true);
      expect(await fs.readdir(dir)).toEqual([saved]);
    });
  }

  it('a rename that fails (a directory holds the name) fails the receive and leaves no temporary file', async () => {
    const dir = await tempDir();
    await fs.mkdir(path.join(dir, 'received_0006.bin'));
    const r = await startReceive(dir, 'request');
    const c = await connectRaw(r.port);
    c.socket.write(
      encodeRequest({
        type: 'transfer',
        source: 7,
        destination: 2,
        stamp: '7-2',
        content: { filename: '0006', status: 'found', _nodeID: '7', _ext: '.bin', _size: '1000' },
      }),
    );
    c.socket.end(bytes.subarray(0, 1000));
    const outcome = await within(r.done, DEADLINE_MS, 'the receive to end');
    expect(outcome.status).toBe('failed');
    expect((await nextRecord(r.queue)).content._phase).toBe('header');
    expect((await nextRecord(r.queue)).content._error ?? '').toMatch(/^ERR_TRANSFER: .*rename/);
    expect(await fs.readdir(dir)).toEqual(['received_0006.bin']);
  });
});

describe(`two peers Request the same 20 MiB file at once, one shared data directory (seed ${SEED})`, () => {
  // Ring 2 -> 4 -> 5 -> 2. File 0260 has key 4 (260 mod 256): Peer 4 owns it.
  // Peer 2 asks its successor, the owner; Peer 5's request passes Peer 2.
  const FILE = '0260';
  /** Rounds at most until the two transfers overlap in one. */
  const ROUNDS = 3;
  /** A small file (key 4, Peer 4's too) to start the transfer pools with. */
  const WARM = '0004';
  const SIZE = 20 * 1024 * 1024;
  const bytes = randomBytes(SIZE, SEED + 1);
  let tn: TestNetwork;

  beforeAll(async () => {
    tn = await startNetwork({ portBase: PORT_BASE });
    await fs.writeFile(path.join(tn.dir, `${FILE}.bin`), bytes);
    await fs.writeFile(path.join(tn.dir, `${WARM}.bin`), 'warm');
    await startRing(tn.net, [
      [2, 4, 5],
      [4, 5, 2],
      [5, 2, 4],
    ]);
    // Transfer pools start their threads with their first transfer. A small
    // request from each requester first, so that the two large transfers
    // start together and overlap, instead of one waiting for a thread.
    // The owner's `The file has been sent` may come after the requester's
    // `received`: wait for both, or it would count among the test's lines.
    const owner = tn.net.get(4);
    for (const id of [2, 5]) {
      const since = tn.net.get(id).mark();
      const ownerSince = owner.mark();
      tn.net.get(id).type(`Request ${WARM}`);
      await eventOf(tn.net, tn.net.get(id), 'file-received', since, { filename: WARM });
      await eventOf(tn.net, owner, 'file-sent', ownerSince, { filename: WARM, to: id });
    }
  });

  it('both print the course lines and save one identical copy; no temporary file is left', { timeout: 180_000 }, async () => {
    const own = [
      `File request for ${FILE} has been sent to my successor`,
      `Peer 4 had File ${FILE}`,
      `Receiving File ${FILE} from Peer 4`,
      `File ${FILE} received`,
    ];
    const passing = `Request for File ${FILE} has been received, but the file is not stored here`;
    const sending = (to: number): string[] => [`File ${FILE} is stored here`, `Sending file ${FILE} to Peer ${to}`, 'The file has been sent'];
    // The two requests interleave: each peer's lines are compared as a
    // multiset, and a requester's own lines must come in their order.
    const expected: Record<number, string[]> = {
      2: [...own, passing],
      4: [...sending(2), ...sending(5)],
      5: own,
    };
    /** One round: both request at once; every check; whether the two transfers overlapped. */
    const round = async (): Promise<{ overlapped: boolean; times: string }> => {
      await fs.rm(path.join(tn.dir, `received_${FILE}.bin`), { force: true });
      const marks = tn.net.marks();
      tn.net.get(2).type(`Request ${FILE}`);
      tn.net.get(5).type(`Request ${FILE}`);
      for (const [key, lines] of Object.entries(expected)) {
        const id = Number(key);
        const printed = await linesAfter(tn.net.get(id), marks.get(id) ?? 0, lines.length, 2 * DEADLINE_MS);
        const why = `Peer ${id} printed ${JSON.stringify(printed)}, on stderr ${JSON.stringify(errorLines(tn.net.get(id), marks.get(id)))}`;
        expect([...printed].sort(), why).toEqual([...lines].sort());
        if (id !== 4)
          expect(
            printed.filter((l) => own.includes(l)),
            `Peer ${id}'s own lines in order`,
          ).toEqual(own);
        expect(errorLines(tn.net.get(id), marks.get(id))).toEqual([]);
      }
      const copy = await fs.readFile(path.join(tn.dir, `received_${FILE}.bin`));
      expect(copy.length).toBe(SIZE);
      expect(copy.equals(bytes), `received_${FILE}.bin differs (seed ${SEED})`).toBe(true);
      expect(await leftovers(tn.dir)).toEqual([]);
      const at = (id: number, kind: string): string =>
        tn.net
          .get(id)
          .events.slice(marks.get(id))
          .find((e) => e.kind === kind && e.fields?.['filename'] === FILE)?.time ?? '';
      const [from2, to2, from5, to5] = [at(2, 'file-receiving'), at(2, 'file-received'), at(5, 'file-receiving'), at(5, 'file-received')];
      return { overlapped: from2 < to5 && from5 < to2, times: `Peer 2 ${from2}..${to2}, Peer 5 ${from5}..${to5}` };
    };
    // A round proves something only when the two transfers overlapped (each
    // file began to arrive before the other was complete). They almost
    // always do; on a loaded machine one may start late: then another round.
    const rounds: string[] = [];
    let overlapped = false;
    while (!overlapped && rounds.length < ROUNDS) {
      const r = await round();
      rounds.push(r.times);
      overlapped = r.overlapped;
    }
    expect(overlapped, `no round's transfers overlapped: ${rounds.join('; ')}`).toBe(true);
  });
});
