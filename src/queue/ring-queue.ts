/**
 * The shared ring: a bounded multi-producer / single-consumer queue of
 * variable-length byte records in one SharedArrayBuffer.
 *
 * Layout (byte offsets). Every control word sits alone on its own 64-byte cache
 * line, so that producers CAS-ing TAIL do not keep stealing the line the consumer
 * writes HEAD on, and so on:
 *
 *   line  byte  Int32 index  word
 *   0       0     0          HEAD               consumer's released position (u32 counter, wraps mod 2^32)
 *   1      64    16          TAIL               reservation position; producers advance it with one CAS
 *   2     128    32          CONSUMER_SLEEPING  1 while the consumer sleeps; the consumer waits on this word
 *   3     192    48          PRODUCERS_WAITING  producers blocked for space
 *   4     256    64          SPACE_EPOCH        bumped to wake blocked producers; producers wait on this word
 *   5     320    80          CLOSED             1 once close() was called
 *   6     384    96, 97      HIGH_WATER, RECORDS_POPPED   consumer-owned statistics
 *   7     448   112          FULL_WAITS         producers' count of sleeps for space (slow path only)
 *   8     512   128          DATA               `capacity` bytes, capacity a power of two
 *
 * HEAD and TAIL are byte positions, stored in Int32 slots and compared as u32:
 * `(tail - head) >>> 0` is the depth, `pos & (capacity - 1)` the offset in DATA.
 * Because capacity divides 2^32, offsets stay right across the 2^32 wrap.
 *
 * A record is a 4-byte Int32 header at a 4-aligned offset, then the payload,
 * padded to 4 bytes. Header > 0: committed record of (header - 1) payload bytes.
 * Header < 0: padding of -header bytes up to the end of DATA (a record never
 * straddles the end). Header 0: free or reserved but not yet committed.
 * Invariant: free space is all zero bytes. The consumer zeroes what it consumed
 * before it moves HEAD past it, so a stale payload byte can never pass for a header.
 *
 * Sizing: a record takes at most maxRecordBytes + 7 bytes, and padding before it is
 * shorter than the record, so capacity >= 2 * (maxRecordBytes + 8) guarantees that
 * padding + record fit in an empty queue: a blocked producer always gets in.
 */
import { MAX_FRAME_BYTES, QUEUE_CAPACITY_BYTES } from '../constants.js';

/** Outcome of a push. Hot paths return these numbers and never throw. */
export const PushResult = {
  /** The record was committed. */
  OK: 1,
  /** Not enough free space right now (or the blocking push timed out). */
  FULL: 0,
  /** The record is longer than maxRecordBytes; it can never fit. */
  TOO_LARGE: -1,
  /** The queue was closed; nothing more is accepted. */
  CLOSED: -2,
} as const;
/** One of the PushResult codes. */
export type PushResult = (typeof PushResult)[keyof typeof PushResult];

/** Options of a RingQueue handle. */
export interface RingQueueOptions {
  /** Longest payload a producer may push; default MAX_FRAME_BYTES or what the capacity allows. */
  maxRecordBytes?: number;
  /** Consumer: event-loop turns waitForData polls before it parks; default 8, 0 parks at once. */
  spinTurns?: number;
}

const LINE_I32 = 16; // 64 bytes
const HEAD = 0 * LINE_I32;
const TAIL = 1 * LINE_I32;
const CONSUMER_SLEEPING = 2 * LINE_I32;
const PRODUCERS_WAITING = 3 * LINE_I32;
const SPACE_EPOCH = 4 * LINE_I32;
const CLOSED = 5 * LINE_I32;
const HIGH_WATER = 6 * LINE_I32;
const RECORDS_POPPED = 6 * LINE_I32 + 1;
const FULL_WAITS = 7 * LINE_I32;
const DATA_BYTE = 8 * 64;
const DATA_I32 = DATA_BYTE >> 2;
const HEADER_BYTES = 4;
const ZERO_CHUNK_BYTES = 64 * 1024;
const MIN_CAPACITY = 64;
const MAX_CAPACITY = 1 << 30;

/**
 * waitForData polls this many event-loop turns (setImmediate, so I/O and timers
 * run in between) before it parks in Atomics.waitAsync. Parking is dear on Node 20:
 * measured here, the notify that ends it costs the producer ~17 µs and the wake
 * reaches the consumer ~60 µs later, while a turn costs a few µs.
 */
const DEFAULT_SPIN_TURNS = 8;

/**
 * waitForData spins only when the consumer is busy: when its last wait for a
 * record lasted at most this long. An idle peer's records (a ping from each
 * predecessor per interval) come hundreds of ms apart, so spinning after each
 * would cost eight event-loop turns for nothing: it parks at once instead,
 * and a burst brings the spin back from its second record on.
 */
const SPIN_AFTER_WAIT_UNDER_MS = 2;

const RESOLVED: Promise<void> = Promise.resolve();
const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** Bytes a record of `len` payload bytes takes: header plus payload padded to 4. */
const recordBytes = (len: number): number => (HEADER_BYTES + len + 3) & ~3;

const isPowerOfTwo = (n: number): boolean => Number.isInteger(n) && n > 0 && (n & (n - 1)) === 0;

/*
 * Design notes (referred to by name in the code):
 *
 * WAKE_WORDS. The consumer sleeps on CONSUMER_SLEEPING and blocked producers on
 * SPACE_EPOCH, not on the header at HEAD or on HEAD itself: close() must wake them
 * from any thread, and it can change a dedicated word (which the value check inside
 * wait/waitAsync then sees) but not a header or HEAD without corrupting the queue.
 * It also lets exactly one producer pay for a notify per consumer sleep (the
 * exchange in wakeConsumer). Both handshakes are Dekker-style and rely on Atomics
 * being sequentially consistent: see wakeConsumer and announceWait.
 *
 * FREE_SPACE. Producers load HEAD before TAIL. HEAD never passes TAIL and both only
 * grow, so tail - head then over-estimates the depth, never under-estimates it;
 * a successful CAS proves TAIL was still `tail`, and HEAD can only have grown since.
 *
 * TAIL_GUESS. Atomics calls are builtins on Node 20 (~12-20 ns each, not inlined),
 * so the fast path saves one: a handle first tries the CAS with the tail its own
 * last reservation left. Right whenever no other producer pushed in between (a lone
 * producer, bursts); when wrong, the failed CAS returns the real TAIL at the price
 * the load would have cost. The guess is never trusted for a decision: FULL is only
 * returned from a freshly loaded TAIL, and a reservation only from a successful CAS,
 * which compares the current TAIL whatever happened before (no ABA issue).
 *
 * CLOSED_READ. CLOSED goes 0 -> 1 once. Producers read it with a plain (racy,
 * tear-free) Int32 read: the JS memory model gives some written value, so a push
 * sees the close a little late at worst, which the contract allows anyway. The
 * slow paths (announceWait, the consumer) use Atomics.load, where ordering matters.
 */

/**
 * Bounded MPSC queue of byte records in a SharedArrayBuffer (layout at the top of
 * this file). Every thread builds its own handle on the same buffer.
 *
 * Concurrency contract:
 * - Any number of producers, on any threads, may push at once. Records are
 *   consumed in reservation order (one CAS on TAIL orders them), hence FIFO per producer.
 * - Exactly one consumer thread calls tryPop/drain/waitForData, through one handle.
 * - When full, nothing is dropped or overwritten: tryPush returns FULL,
 *   pushBlocking sleeps the thread (Atomics.wait), pushAsync awaits (Atomics.waitAsync).
 *   A big record may wait while small ones keep the queue full: there is no fairness.
 * - A producer that dies between its reservation and its commit leaves a zero
 *   header: the consumer stalls at that record for good. That is accepted: the
 *   coordinator ends the whole peer when any worker dies.
 * - close() (from any thread) makes pushes return CLOSED and wakes every sleeper;
 *   records already committed can still be drained. A push racing with close() may
 *   still land.
 */
export class RingQueue {
  /** Bytes of the data area. */
  readonly capacity: number;
  /** Longest payload this handle accepts. */
  readonly maxRecordBytes: number;
  private readonly sab: SharedArrayBuffer;
  private readonly i32: Int32Array;
  private readonly u8: Uint8Array;
  private readonly mask: number;
  /** Consumer only: bytes consumed before HEAD is published mid-drain. */
  private readonly releaseBytes: number;
  /** Consumer only: position of the next record to read (runs ahead of HEAD in a drain). */
  private readPos: number;
  /** Consumer only: mirror of HEAD (the consumer is its only writer). */
  private headPos: number;
  /** Producer only: where this handle's last reservation ended (see TAIL_GUESS). */
  private tailGuess: number;
  /** Consumer only: setImmediate turns to poll before parking (see waitForData). */
  private readonly spinTurns: number;
  /** Consumer only: how long its last wait for a record lasted (ms; see SPIN_AFTER_WAIT_UNDER_MS). */
  private lastWaitMs = Infinity;
  /** Consumer only: source of zero bytes for zero(), made on first use. */
  private zeros: Uint8Array | undefined;
  private highWater: number;
  private popped: number;

  /** Data-area capacity must be a power of two ≥ 64; returns the SharedArrayBuffer size to allocate. */
  static bytesFor(capacity: number): number {
    if (!isPowerOfTwo(capacity) || capacity < MIN_CAPACITY || capacity > MAX_CAPACITY) {
      throw new RangeError(`capacity must be a power of two in [${MIN_CAPACITY}, 2^30], got ${capacity}`);
    }
    return DATA_BYTE + capacity;
  }

  /** Longest payload a queue of this capacity can guarantee to take. */
  static maxRecordBytesFor(capacity: number): number {
    return capacity / 2 - 8;
  }

  /** Allocates a zeroed buffer for `capacity` data bytes and attaches to it. */
  static create(capacity: number = QUEUE_CAPACITY_BYTES, options?: RingQueueOptions): RingQueue {
    return new RingQueue(new SharedArrayBuffer(RingQueue.bytesFor(capacity)), options);
  }

  /** Attaches to a buffer made by create()/bytesFor() (the same one in every thread). */
  constructor(sab: SharedArrayBuffer, options: RingQueueOptions = {}) {
    if (!(sab instanceof SharedArrayBuffer)) throw new TypeError('sab must be a SharedArrayBuffer');
    const capacity = sab.byteLength - DATA_BYTE;
    if (!isPowerOfTwo(capacity) || capacity < MIN_CAPACITY || capacity > MAX_CAPACITY) {
      throw new RangeError(`sab.byteLength ${sab.byteLength} is not RingQueue.bytesFor(capacity) of any capacity`);
    }
    const limit = RingQueue.maxRecordBytesFor(capacity);
    const max = options.maxRecordBytes ?? Math.min(MAX_FRAME_BYTES, limit);
    if (!Number.isInteger(max) || max < 0 || max > limit) {
      throw new RangeError(`options.maxRecordBytes must be an integer in [0, ${limit}] for capacity ${capacity}, got ${max}`);
    }
    const spinTurns = options.spinTurns ?? DEFAULT_SPIN_TURNS;
    if (!Number.isInteger(spinTurns) || spinTurns < 0) {
      throw new RangeError(`options.spinTurns must be a non-negative integer, got ${spinTurns}`);
    }
    this.spinTurns = spinTurns;
    this.sab = sab;
    this.capacity = capacity;
    this.maxRecordBytes = max;
    this.mask = capacity - 1;
    this.i32 = new Int32Array(sab);
    this.u8 = new Uint8Array(sab);
    // Publishing HEAD every quarter of the ring frees space in big steps (one
    // atomic store, one zeroing, one wake check per step) yet never lets a drain
    // hold back more than a quarter of the ring from the producers.
    this.releaseBytes = capacity >>> 2;
    this.readPos = this.headPos = Atomics.load(this.i32, HEAD);
    this.tailGuess = Atomics.load(this.i32, TAIL);
    this.highWater = Atomics.load(this.i32, HIGH_WATER);
    this.popped = Atomics.load(this.i32, RECORDS_POPPED);
  }

  /** The shared buffer, to hand to other threads (workerData). */
  get buffer(): SharedArrayBuffer {
    return this.sab;
  }

  /** True once close() was called by any thread. */
  get closed(): boolean {
    return Atomics.load(this.i32, CLOSED) !== 0;
  }

  /** Bytes reserved by producers and not yet released by the consumer. */
  get depthBytes(): number {
    const head = Atomics.load(this.i32, HEAD); // HEAD before TAIL, so tail >= head
    return (Atomics.load(this.i32, TAIL) - head) >>> 0;
  }

  /** Largest depth the consumer saw when it came to read (a lower bound of the true peak). */
  get highWaterBytes(): number {
    return Atomics.load(this.i32, HIGH_WATER) >>> 0;
  }

  /** Records consumed so far (u32, wraps). */
  get recordsPopped(): number {
    return Atomics.load(this.i32, RECORDS_POPPED) >>> 0;
  }

  /** How many times producers went to sleep on a full queue (u32, wraps). */
  get fullWaits(): number {
    return Atomics.load(this.i32, FULL_WAITS) >>> 0;
  }

  // ---------------------------------------------------------------- producers

  /** Pushes one record if it fits now. Never blocks, never throws. */
  tryPush(record: Uint8Array): PushResult {
    const len = record.length;
    if (len > this.maxRecordBytes) return PushResult.TOO_LARGE;
    const i32 = this.i32;
    if (i32[CLOSED] !== 0) return PushResult.CLOSED; // see CLOSED_READ
    const cap = this.capacity;
    const mask = this.mask;
    const need = recordBytes(len);
    let head = Atomics.load(i32, HEAD);
    let tail = this.tailGuess; // see TAIL_GUESS
    let exact = false;
    let off: number;
    let toEnd: number;
    let total: number;
    for (;;) {
      off = tail & mask;
      toEnd = cap - off;
      total = need <= toEnd ? need : toEnd + need;
      const used = (tail - head) >>> 0;
      if (used > cap || cap - used < total) {
        if (!exact) {
          tail = Atomics.load(i32, TAIL); // the guess may be stale: decide on the real TAIL
          exact = true;
          continue;
        }
        // Maybe only our HEAD is stale: reload HEAD, then TAIL (see FREE_SPACE).
        const fresh = Atomics.load(i32, HEAD);
        if (fresh === head) return PushResult.FULL;
        head = fresh;
        tail = Atomics.load(i32, TAIL);
        continue;
      }
      // The CAS is the reservation and fixes the record's place in the global order.
      const seen = Atomics.compareExchange(i32, TAIL, tail, (tail + total) | 0);
      if (seen === tail) break;
      tail = seen; // lost the race (or guessed wrong): head was loaded before `seen`
      exact = true;
    }
    this.tailGuess = (tail + total) | 0;
    if (need <= toEnd) {
      this.u8.set(record, DATA_BYTE + off + HEADER_BYTES);
      // Publish: the seq-cst store orders the payload bytes before the header.
      Atomics.store(i32, DATA_I32 + (off >> 2), len + 1);
    } else {
      // Record at offset 0, padding up to the end. The padding header is written
      // last: the consumer cannot reach offset 0 before it, so that one store
      // publishes both (the plain header write below happens-before it).
      this.u8.set(record, DATA_BYTE + HEADER_BYTES);
      i32[DATA_I32] = len + 1;
      Atomics.store(i32, DATA_I32 + (off >> 2), -toEnd);
    }
    this.wakeConsumer();
    return PushResult.OK;
  }

  /**
   * Pushes as many consecutive records from records[start] on as fit now, with one
   * reservation (one CAS). Returns how many were pushed (0 when full), or TOO_LARGE /
   * CLOSED when records[start] itself is refused. A too-large record ends the batch.
   */
  tryPushBatch(records: readonly Uint8Array[], start = 0): number {
    const end = records.length;
    if (start >= end) return 0;
    const max = this.maxRecordBytes;
    if (records[start]!.length > max) return PushResult.TOO_LARGE;
    const i32 = this.i32;
    if (i32[CLOSED] !== 0) return PushResult.CLOSED; // see CLOSED_READ
    const cap = this.capacity;
    const mask = this.mask;
    let head = Atomics.load(i32, HEAD); // HEAD before TAIL (see FREE_SPACE)
    let tail = Atomics.load(i32, TAIL);
    let n: number;
    let bytes: number;
    for (;;) {
      // Plan the layout from `tail`: how many records fit, padding included.
      const free = cap - ((tail - head) >>> 0);
      let pos = tail & mask;
      bytes = 0;
      n = 0;
      for (let i = start; i < end; i++) {
        const len = records[i]!.length;
        if (len > max) break;
        const need = recordBytes(len);
        const add = pos + need > cap ? cap - pos + need : need;
        if (bytes + add > free) break; // also rules out a second wrap
        bytes += add;
        pos = (pos + add) & mask;
        n++;
      }
      if (n === 0) {
        const fresh = Atomics.load(i32, HEAD);
        if (fresh === head) return 0;
        head = fresh;
        tail = Atomics.load(i32, TAIL);
        continue;
      }
      const seen = Atomics.compareExchange(i32, TAIL, tail, (tail + bytes) | 0);
      if (seen === tail) break;
      tail = seen;
    }
    this.tailGuess = (tail + bytes) | 0;
    // Write everything, keeping the first header for last: the consumer cannot
    // pass it, so its one seq-cst store publishes the whole batch, and it is the
    // only header the consumer can be waiting on.
    const u8 = this.u8;
    let pos = tail & mask;
    let firstIdx = -1;
    let firstVal = 0;
    for (let i = start; i < start + n; i++) {
      const record = records[i]!;
      const need = recordBytes(record.length);
      if (pos + need > cap) {
        if (firstIdx < 0) {
          firstIdx = DATA_I32 + (pos >> 2);
          firstVal = pos - cap;
        } else {
          i32[DATA_I32 + (pos >> 2)] = pos - cap;
        }
        pos = 0;
      }
      u8.set(record, DATA_BYTE + pos + HEADER_BYTES);
      if (firstIdx < 0) {
        firstIdx = DATA_I32 + (pos >> 2);
        firstVal = record.length + 1;
      } else {
        i32[DATA_I32 + (pos >> 2)] = record.length + 1;
      }
      pos = (pos + need) & mask;
    }
    Atomics.store(i32, firstIdx, firstVal);
    this.wakeConsumer();
    return n;
  }

  /**
   * Pushes one record, sleeping the whole thread (Atomics.wait) while the queue is
   * full. Only for threads that may block. Returns FULL only when `timeoutMs` ran out.
   */
  pushBlocking(record: Uint8Array, timeoutMs = Infinity): PushResult {
    let result = this.tryPush(record);
    if (result !== PushResult.FULL) return result;
    const deadline = performance.now() + timeoutMs;
    const need = recordBytes(record.length);
    for (;;) {
      const left = timeoutMs === Infinity ? Infinity : deadline - performance.now();
      if (left <= 0) return PushResult.FULL;
      const epoch = this.announceWait(need);
      if (epoch !== undefined) Atomics.wait(this.i32, SPACE_EPOCH, epoch, left);
      Atomics.sub(this.i32, PRODUCERS_WAITING, 1);
      result = this.tryPush(record);
      if (result !== PushResult.FULL) return result;
    }
  }

  /** Pushes one record, awaiting (Atomics.waitAsync) while full: for threads with an event loop. */
  async pushAsync(record: Uint8Array): Promise<PushResult> {
    let result = this.tryPush(record);
    const need = recordBytes(record.length);
    while (result === PushResult.FULL) {
      const epoch = this.announceWait(need);
      if (epoch !== undefined) {
        const w = Atomics.waitAsync(this.i32, SPACE_EPOCH, epoch);
        if (w.async) await w.value;
      }
      Atomics.sub(this.i32, PRODUCERS_WAITING, 1);
      result = this.tryPush(record);
    }
    return result;
  }

  /**
   * Pushes every record in order, sleeping the thread while full. Returns how many
   * were pushed: fewer than records.length only when the queue was closed or
   * records[returned] is too large.
   */
  pushBatchBlocking(records: readonly Uint8Array[]): number {
    let i = 0;
    while (i < records.length) {
      const n = this.tryPushBatch(records, i);
      if (n < 0) break;
      if (n > 0) {
        i += n;
        continue;
      }
      const epoch = this.announceWait(recordBytes(records[i]!.length));
      if (epoch !== undefined) Atomics.wait(this.i32, SPACE_EPOCH, epoch);
      Atomics.sub(this.i32, PRODUCERS_WAITING, 1);
    }
    return i;
  }

  /**
   * First half of a producer's sleep on a full queue (Dekker-style with release()).
   * The caller must decrement PRODUCERS_WAITING afterwards. Returns the epoch to
   * wait on, or undefined when space (or close) showed up meanwhile.
   *
   * Producer: (a) PRODUCERS_WAITING++  (b) epoch = SPACE_EPOCH  (c) read HEAD, CLOSED  (d) wait(SPACE_EPOCH == epoch)
   * Consumer: (x) store HEAD  (y) read PRODUCERS_WAITING  (z) if > 0: SPACE_EPOCH++, notify
   * All are seq-cst, so they fall in one total order. If (y) misses (a), then
   * (x) < (y) < (a) < (c): we see the new HEAD. Otherwise (z) follows (a): if (b)
   * read the old epoch, (d) either sees the bumped epoch and returns at once, or
   * was queued before the notify (wait checks and queues under the same lock
   * notify takes). close() stores CLOSED before its bump and is covered the same way.
   */
  private announceWait(need: number): number | undefined {
    const i32 = this.i32;
    Atomics.add(i32, PRODUCERS_WAITING, 1);
    const epoch = Atomics.load(i32, SPACE_EPOCH);
    if (Atomics.load(i32, CLOSED) !== 0) return undefined;
    const head = Atomics.load(i32, HEAD);
    const tail = Atomics.load(i32, TAIL);
    const toEnd = this.capacity - (tail & this.mask);
    const total = need <= toEnd ? need : toEnd + need;
    if (this.capacity - ((tail - head) >>> 0) >= total) return undefined;
    Atomics.add(i32, FULL_WAITS, 1);
    return epoch;
  }

  /**
   * After publishing a header: wake the consumer only if it said it sleeps, so a
   * busy consumer costs producers one load and no notify. The exchange lets only
   * the first of several producers pay for the notify.
   * Dekker-style with sleepUntilData(): producer (p1) store header, (p2) read
   * CONSUMER_SLEEPING; consumer (c1) store CONSUMER_SLEEPING = 1, (c2) read header,
   * (c3) waitAsync(CONSUMER_SLEEPING == 1). Seq-cst orders them all: if (p2) reads
   * 0 then (p2) < (c1), so (c2) sees our header; if it reads 1, our exchange to 0
   * either precedes (c3)'s check (which then returns at once) or follows the
   * consumer's queuing, and the notify finds it.
   */
  private wakeConsumer(): void {
    const i32 = this.i32;
    if (Atomics.load(i32, CONSUMER_SLEEPING) !== 0 && Atomics.exchange(i32, CONSUMER_SLEEPING, 0) !== 0) {
      Atomics.notify(i32, CONSUMER_SLEEPING);
    }
  }

  // ----------------------------------------------------------------- consumer

  /** Consumer only: removes the oldest record and returns a copy, or undefined if none is committed. */
  tryPop(): Uint8Array | undefined {
    let out: Uint8Array | undefined;
    this.drain((view) => {
      out = view.slice();
    }, 1);
    return out;
  }

  /**
   * Consumer only: calls `handler` on up to `max` committed records in order and
   * returns how many. The view aliases the shared buffer and is valid only during
   * the call (copy what you keep). A record whose handler throws counts as consumed,
   * and the error propagates. The handler must not call drain/tryPop itself.
   */
  drain(handler: (view: Uint8Array) => void, max = Infinity): number {
    const i32 = this.i32;
    const sab = this.sab;
    const mask = this.mask;
    let pos = this.readPos;
    // High-water sampling: one load of the contended TAIL line per drain, never per record.
    const depth = (Atomics.load(i32, TAIL) - pos) >>> 0;
    if (depth > this.highWater) {
      this.highWater = depth;
      Atomics.store(i32, HIGH_WATER, depth);
    }
    let count = 0;
    let counted = 0; // records already added to `popped`
    let pending = 0; // bytes consumed since HEAD was last published
    try {
      while (count < max) {
        const off = pos & mask;
        // Seq-cst load pairs with the producer's publishing store: the payload is visible.
        const header = Atomics.load(i32, DATA_I32 + (off >> 2));
        if (header === 0) break; // free, or reserved and not yet committed
        if (header < 0) {
          pos = (pos - header) | 0; // skip padding to the end of DATA
          pending -= header;
          continue;
        }
        const len = header - 1;
        const bytes = recordBytes(len);
        pos = (pos + bytes) | 0; // advanced first: a throwing handler still consumes its record
        count++;
        const at = DATA_BYTE + off + HEADER_BYTES;
        // The constructor is ~2x cheaper than u8.subarray() here (species lookup).
        handler(new Uint8Array(sab, at, len));
        pending += bytes;
        if (pending >= this.releaseBytes) {
          this.popped = (this.popped + count - counted) | 0;
          counted = count;
          this.release(pos);
          pending = 0;
        }
      }
    } finally {
      this.readPos = pos;
      this.popped = (this.popped + count - counted) | 0;
      this.release(pos);
    }
    return count;
  }

  /**
   * Zeroes `n` bytes at `at`. On a SharedArrayBuffer, V8 fills element by element
   * (relaxed atomic stores): Uint8Array.fill ran at ~0.33 ns/byte here, while set()
   * from a zero buffer copies word-wise at ~0.05 ns/byte.
   */
  private zero(at: number, n: number): void {
    const zeros = (this.zeros ??= new Uint8Array(Math.min(this.capacity, ZERO_CHUNK_BYTES)));
    for (; n > zeros.length; n -= zeros.length, at += zeros.length) this.u8.set(zeros, at);
    this.u8.set(n === zeros.length ? zeros : zeros.subarray(0, n), at);
  }

  /**
   * Zeroes what was consumed, publishes HEAD and wakes blocked producers if any
   * (see announceWait for the ordering argument).
   */
  private release(pos: number): void {
    const from = this.headPos;
    if (pos === from) return;
    const n = (pos - from) >>> 0;
    const start = from & this.mask;
    // Zero before publishing: a producer can only write here after it has read
    // the HEAD we store below, which orders these plain writes before its own.
    if (start + n <= this.capacity) {
      this.zero(DATA_BYTE + start, n);
    } else {
      this.zero(DATA_BYTE + start, this.capacity - start);
      this.zero(DATA_BYTE, start + n - this.capacity);
    }
    this.headPos = pos;
    const i32 = this.i32;
    Atomics.store(i32, RECORDS_POPPED, this.popped);
    Atomics.store(i32, HEAD, pos);
    if (Atomics.load(i32, PRODUCERS_WAITING) !== 0) {
      Atomics.add(i32, SPACE_EPOCH, 1);
      Atomics.notify(i32, SPACE_EPOCH);
    }
  }

  /**
   * Consumer only: resolves once the record at the head is committed or the queue
   * is closed; always on a later event-loop turn (setImmediate), never blocking.
   * It polls `spinTurns` turns (only while busy: SPIN_AFTER_WAIT_UNDER_MS), then
   * sleeps with Atomics.waitAsync, so the
   * consumer's thread keeps serving sockets and timers meanwhile.
   * Node 20: a pending waitAsync does NOT keep a worker's event loop alive; the
   * consumer thread must hold another handle (its sockets, its parentPort listener),
   * or the worker exits under the wait.
   */
  waitForData(): Promise<void> {
    if (Atomics.load(this.i32, CLOSED) !== 0) return RESOLVED;
    // Even with data there, resolve on a later turn: a consumer looping on
    // waitForData + drain under full load would otherwise run on microtasks alone
    // and starve its own sockets and timers.
    if (this.hasData()) return nextTurn();
    return this.sleepUntilData();
  }

  private hasData(): boolean {
    return Atomics.load(this.i32, DATA_I32 + ((this.readPos & this.mask) >> 2)) !== 0;
  }

  /** See wakeConsumer for the ordering argument; close() clears the flag before its notify. */
  private async sleepUntilData(): Promise<void> {
    const i32 = this.i32;
    const since = performance.now();
    // Spin only while busy (SPIN_AFTER_WAIT_UNDER_MS): an idle consumer parks at once.
    const spins = this.lastWaitMs <= SPIN_AFTER_WAIT_UNDER_MS ? this.spinTurns : 0;
    for (let turn = 0; turn < spins; turn++) {
      await nextTurn();
      if (this.hasData() || Atomics.load(i32, CLOSED) !== 0) {
        this.lastWaitMs = performance.now() - since;
        return;
      }
    }
    for (;;) {
      Atomics.store(i32, CONSUMER_SLEEPING, 1);
      if (this.hasData() || Atomics.load(i32, CLOSED) !== 0) break;
      const w = Atomics.waitAsync(i32, CONSUMER_SLEEPING, 1);
      if (w.async) await w.value;
    }
    Atomics.store(i32, CONSUMER_SLEEPING, 0); // a busy consumer costs producers no notify
    this.lastWaitMs = performance.now() - since;
  }

  /**
   * Any thread: refuses further pushes (they return CLOSED) and wakes every sleeper:
   * blocked producers return CLOSED, waitForData resolves. Committed records stay drainable.
   */
  close(): void {
    const i32 = this.i32;
    Atomics.store(i32, CLOSED, 1);
    Atomics.store(i32, CONSUMER_SLEEPING, 0); // a consumer about to wait sees "not-equal"
    Atomics.notify(i32, CONSUMER_SLEEPING);
    Atomics.add(i32, SPACE_EPOCH, 1);
    Atomics.notify(i32, SPACE_EPOCH);
  }
}
