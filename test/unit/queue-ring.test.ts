import { describe, expect, it } from 'vitest';
import { PushResult, RingQueue } from '../../src/queue/ring-queue.js';

/** mulberry32: tiny seeded PRNG, uniform in [0, 1). */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const SEED = Number(process.env.QUEUE_TEST_SEED ?? (Math.random() * 2 ** 32) >>> 0);

/** Runs `fn`, adding the seed to any failure so the run can be replayed. */
function withSeed(fn: (rand: () => number) => void): void {
  try {
    fn(prng(SEED));
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    throw new Error(`${message}\n(replay with QUEUE_TEST_SEED=${SEED})`, { cause: err });
  }
}

/** A record whose bytes are derived from its serial number, so any mix-up shows. */
function makeRecord(serial: number, len: number): Uint8Array {
  const r = new Uint8Array(len);
  for (let i = 0; i < len; i++) r[i] = (serial * 131 + i * 7 + 1) & 0xff;
  return r;
}

const sameBytes = (a: Uint8Array, b: Uint8Array): boolean => a.length === b.length && a.every((x, i) => x === b[i]);
const bytes = (...values: number[]): Uint8Array => Uint8Array.from(values);
const dataArea = (q: RingQueue): Uint8Array => new Uint8Array(q.buffer, q.buffer.byteLength - q.capacity);
const popAll = (q: RingQueue): Uint8Array[] => {
  const out: Uint8Array[] = [];
  q.drain((v) => out.push(v.slice()));
  return out;
};

describe('RingQueue sizing and options', () => {
  it('sizes the buffer and refuses bad capacities and options', () => {
    expect(RingQueue.bytesFor(1024)).toBe(1024 + 512);
    expect(() => RingQueue.bytesFor(1000)).toThrow(RangeError);
    expect(() => RingQueue.bytesFor(32)).toThrow(/capacity/);
    expect(() => RingQueue.create(256, { maxRecordBytes: 121 })).toThrow(/options.maxRecordBytes/);
    expect(RingQueue.create(256, { maxRecordBytes: 120 }).maxRecordBytes).toBe(120);
    expect(RingQueue.create(256).maxRecordBytes).toBe(120);
    expect(RingQueue.create().maxRecordBytes).toBe(64 * 1024);
    expect(() => new RingQueue(new ArrayBuffer(1536) as unknown as SharedArrayBuffer)).toThrow(TypeError);
    expect(() => RingQueue.create(256, { spinTurns: -1 })).toThrow(/options.spinTurns/);
  });
});

describe('RingQueue single thread', () => {
  it('round-trips records, the empty one included, in order', () => {
    const q = RingQueue.create(1024);
    expect(q.tryPop()).toBeUndefined();
    expect(q.tryPush(bytes(1, 2, 3))).toBe(PushResult.OK);
    expect(q.tryPush(new Uint8Array(0))).toBe(PushResult.OK);
    expect(q.tryPush(bytes(9, 8, 7, 6, 5))).toBe(PushResult.OK);
    expect(q.depthBytes).toBe(8 + 4 + 12);
    expect(q.tryPop()).toEqual(bytes(1, 2, 3));
    expect(q.tryPop()).toEqual(new Uint8Array(0));
    expect(q.tryPop()).toEqual(bytes(9, 8, 7, 6, 5));
    expect(q.tryPop()).toBeUndefined();
    expect(q.depthBytes).toBe(0);
    expect(q.recordsPopped).toBe(3);
  });

  it('a second handle on the same buffer sees the same queue', () => {
    const producer = RingQueue.create(256);
    const consumer = new RingQueue(producer.buffer);
    producer.tryPush(bytes(42));
    expect(consumer.tryPop()).toEqual(bytes(42));
    expect(producer.depthBytes).toBe(0);
  });

  it('survives thousands of wrap-arounds with random sizes, padding and batches', () => {
    withSeed((rand) => {
      const capacity = 512;
      const q = RingQueue.create(capacity);
      const expected: Uint8Array[] = [];
      let serial = 0;
      let pushedBytes = 0;
      let paddings = 0;
      let modelPos = 0; // where the next record starts, to count forced paddings
      const randomLen = (): number => (rand() < 0.1 ? Math.floor(rand() * (q.maxRecordBytes + 1)) : Math.floor(rand() * 40));
      const account = (len: number): void => {
        const need = (4 + len + 3) & ~3;
        if (modelPos + need > capacity) {
          paddings++;
          pushedBytes += capacity - modelPos;
          modelPos = 0;
        }
        modelPos = (modelPos + need) % capacity;
        pushedBytes += need;
      };
      for (let round = 0; round < 5000; round++) {
        // Fill until FULL, sometimes one by one, sometimes in batches.
        for (;;) {
          if (rand() < 0.3) {
            const batch = Array.from({ length: 1 + Math.floor(rand() * 8) }, (_, i) => makeRecord(serial + i, randomLen()));
            const depth = q.depthBytes;
            const n = q.tryPushBatch(batch);
            if (n < 0) expect(n).toBeGreaterThanOrEqual(0);
            for (let i = 0; i < n; i++) {
              expected.push(batch[i]!);
              account(batch[i]!.length);
            }
            serial += n;
            if (n < batch.length) {
              if (n === 0) expect(q.depthBytes).toBe(depth);
              break;
            }
          } else {
            const r = makeRecord(serial, randomLen());
            const depth = q.depthBytes;
            const result = q.tryPush(r);
            if (result === PushResult.FULL) {
              expect(q.depthBytes).toBe(depth); // a refused push reserves nothing
              break;
            }
            if (result !== PushResult.OK) expect(result).toBe(PushResult.OK);
            expected.push(r);
            account(r.length);
            serial++;
          }
        }
        // Pop a random share, checking every byte.
        const pops = Math.floor(rand() * (expected.length + 1));
        const got: Uint8Array[] = [];
        expect(q.drain((v) => got.push(v.slice()), pops)).toBe(pops);
        const want = expected.splice(0, pops);
        for (let i = 0; i < pops; i++) {
          if (!sameBytes(got[i]!, want[i]!)) expect(got[i]).toEqual(want[i]); // expect only to report
        }
      }
      expect(popAll(q)).toEqual(expected);
      expect(q.depthBytes).toBe(0);
      expect(pushedBytes / capacity).toBeGreaterThan(1000); // thousands of wrap-arounds
      expect(paddings).toBeGreaterThan(100);
      expect(dataArea(q).every((b) => b === 0)).toBe(true); // free space is all zeros
    });
  });

  it('returns FULL when full and overwrites nothing', () => {
    const q = RingQueue.create(256);
    const pushed: Uint8Array[] = [];
    for (let i = 0; ; i++) {
      const r = makeRecord(i, 10);
      if (q.tryPush(r) !== PushResult.OK) break;
      pushed.push(r);
    }
    expect(pushed.length).toBe(256 / 16);
    expect(q.tryPush(bytes(1))).toBe(PushResult.FULL);
    expect(q.tryPushBatch([bytes(1)])).toBe(0);
    expect(q.pushBlocking(bytes(1), 1)).toBe(PushResult.FULL);
    expect(popAll(q)).toEqual(pushed);
  });

  it('refuses records over maxRecordBytes and always fits one of maxRecordBytes', () => {
    const q = RingQueue.create(256);
    const max = q.maxRecordBytes;
    expect(q.tryPush(new Uint8Array(max + 1))).toBe(PushResult.TOO_LARGE);
    expect(q.pushBlocking(new Uint8Array(max + 1))).toBe(PushResult.TOO_LARGE);
    expect(q.tryPushBatch([new Uint8Array(max + 1)])).toBe(PushResult.TOO_LARGE);
    // At every possible offset of an empty queue, padding + a maximal record fit.
    for (let shift = 0; shift < 256; shift += 4) {
      const big = makeRecord(shift, max);
      expect(q.tryPush(big)).toBe(PushResult.OK);
      expect(q.tryPop()).toEqual(big);
      expect(q.tryPush(new Uint8Array(0))).toBe(PushResult.OK); // moves the offset by 4
      expect(q.tryPop()).toEqual(new Uint8Array(0));
    }
  });

  it('pushes batches with one reservation, partially when short of space', () => {
    const q = RingQueue.create(256);
    const records = Array.from({ length: 20 }, (_, i) => makeRecord(i, 12)); // 16 bytes each
    expect(q.tryPushBatch(records, 18)).toBe(2);
    expect(q.tryPushBatch(records)).toBe(14); // 256 / 16 = 16 slots in all
    expect(q.tryPushBatch(records, 14)).toBe(0);
    expect(q.tryPushBatch(records, 20)).toBe(0);
    expect(popAll(q)).toEqual([...records.slice(18), ...records.slice(0, 14)]);
    // A too-large record ends a batch.
    const mixed = [bytes(1), bytes(2), new Uint8Array(q.maxRecordBytes + 1), bytes(3)];
    expect(q.tryPushBatch(mixed)).toBe(2);
    expect(q.tryPushBatch(mixed, 2)).toBe(PushResult.TOO_LARGE);
    expect(q.pushBatchBlocking(mixed)).toBe(2);
    expect(q.pushBatchBlocking(records.slice(0, 10))).toBe(10);
    expect(popAll(q)).toEqual([bytes(1), bytes(2), bytes(1), bytes(2), ...records.slice(0, 10)]);
  });

  it('drains at most max records, and a throwing handler still consumes its record', () => {
    const q = RingQueue.create(256);
    for (let i = 0; i < 5; i++) q.tryPush(bytes(i));
    const seen: number[] = [];
    expect(q.drain((v) => seen.push(v[0]!), 2)).toBe(2);
    expect(() =>
      q.drain((v) => {
        if (v[0] === 3) throw new Error('poison');
        seen.push(v[0]!);
      }),
    ).toThrow('poison');
    expect(q.drain((v) => seen.push(v[0]!))).toBe(1);
    expect(seen).toEqual([0, 1, 2, 4]);
    expect(q.depthBytes).toBe(0);
  });

  it('tracks the high-water mark seen by the consumer', () => {
    const q = RingQueue.create(256);
    expect(q.highWaterBytes).toBe(0);
    for (let i = 0; i < 3; i++) q.tryPush(new Uint8Array(8)); // 12 bytes each
    popAll(q);
    expect(q.highWaterBytes).toBe(36);
    q.tryPush(new Uint8Array(8));
    popAll(q);
    expect(q.highWaterBytes).toBe(36);
  });
});

describe('RingQueue waking', () => {
  it('waitForData resolves when a record is there, yet lets the event loop turn first', async () => {
    const q = RingQueue.create(256);
    q.tryPush(bytes(5));
    let turned = false;
    setImmediate(() => {
      turned = true;
    });
    await q.waitForData();
    expect(turned).toBe(true); // a busy consumer still serves its sockets and timers
    expect(q.tryPop()).toEqual(bytes(5));
  });

  it('waitForData resolves after a push made later, while polling', async () => {
    const q = RingQueue.create(256);
    const waiting = q.waitForData();
    setImmediate(() => q.tryPush(bytes(7)));
    await waiting;
    expect(q.tryPop()).toEqual(bytes(7));
  });

  it('waitForData parks in waitAsync and the next push wakes it', async () => {
    const q = RingQueue.create(256, { spinTurns: 0 }); // park at once: the notify path
    const waiting = q.waitForData();
    setImmediate(() => q.tryPush(bytes(8)));
    await waiting;
    expect(q.tryPop()).toEqual(bytes(8));
    // Producers on another handle wake it too.
    const producer = new RingQueue(q.buffer);
    const again = q.waitForData();
    setImmediate(() => producer.tryPushBatch([bytes(1), bytes(2)]));
    await again;
    expect(popAll(q)).toEqual([bytes(1), bytes(2)]);
  });

  it('waitForData resolves on close, and pushes then return CLOSED', async () => {
    const q = RingQueue.create(256, { spinTurns: 0 });
    q.tryPush(bytes(1));
    q.tryPop();
    const waiting = q.waitForData();
    setImmediate(() => q.close());
    await waiting;
    expect(q.closed).toBe(true);
    expect(q.tryPush(bytes(1))).toBe(PushResult.CLOSED);
    expect(q.pushBlocking(bytes(1))).toBe(PushResult.CLOSED);
    expect(q.tryPushBatch([bytes(1)])).toBe(PushResult.CLOSED);
    expect(await q.pushAsync(bytes(1))).toBe(PushResult.CLOSED);
  });

  it('pushAsync waits while full and lands once the consumer drains', async () => {
    const q = RingQueue.create(256);
    while (q.tryPush(new Uint8Array(60)) === PushResult.OK);
    const pushing = q.pushAsync(bytes(9));
    setImmediate(() => popAll(q));
    expect(await pushing).toBe(PushResult.OK);
    expect(q.fullWaits).toBe(1);
    expect(q.tryPop()).toEqual(bytes(9));
  });

  it('close wakes a producer waiting with pushAsync', async () => {
    const q = RingQueue.create(256);
    while (q.tryPush(new Uint8Array(60)) === PushResult.OK);
    const pushing = q.pushAsync(bytes(9));
    setImmediate(() => q.close());
    expect(await pushing).toBe(PushResult.CLOSED);
    expect(popAll(q)).toHaveLength(4); // committed records stay drainable
  });
});
