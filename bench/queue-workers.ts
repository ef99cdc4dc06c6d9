/**
 * Worker side of bench/queue.bench.ts (compiled to dist/bench/queue-workers.js).
 * One script, four roles chosen by workerData.role. Every worker posts 'ready'
 * once set up; producers start on 'go'; the consumer posts 'done' when it has
 * received every record.
 *
 * Every contender moves the same records (real encoded requests, about 64
 * bytes each) and every consumer does the same work per record as the peer's
 * consumer: decodeQueueRecord on a view of the bytes (src/handlers/dispatch.ts).
 *
 * Batched postMessage packs its records into one buffer, laid out like the
 * ring's DATA: per record a 4-byte little-endian Int32 header holding the
 * payload length + 1, then the payload, padded to 4 bytes. It is posted
 * either copied (one ArrayBuffer cloned, the producer reusing its buffer) or
 * transferred (a fresh buffer per batch, in the transfer list).
 */
import { parentPort, workerData, type MessagePort } from 'node:worker_threads';
import { decodeQueueRecord, encodeRequest } from '../src/protocol/codec.js';
import { PushResult, RingQueue } from '../src/queue/ring-queue.js';

/** How batched postMessage hands its packed buffer over. */
export type PortBatchMode = 'copy' | 'transfer';

/** What the bench hands each worker. `batch` 1 means one record per push or message. */
export type QueueBenchJob =
  | { role: 'ring-producer'; sab: SharedArrayBuffer; count: number; batch: number; seed: number }
  | { role: 'ring-consumer'; sab: SharedArrayBuffer; expected: number }
  | { role: 'port-producer'; port: MessagePort; count: number; batch: number; mode: PortBatchMode; seed: number }
  | { role: 'port-consumer'; ports: MessagePort[]; expected: number; batched: boolean };

/** This worker's port to the main thread (parentPort, checked once where the role is chosen). */
type WorkerPort = NonNullable<typeof parentPort>;

/** Messages a bench worker posts to the main thread. */
export type QueueBenchReport = { type: 'ready' } | { type: 'done'; received: number; checksum: number };

/** Distinct records a producer cycles through (one batch's worth). */
export const BENCH_RECORDS = 64;

/**
 * The `i`-th record of producer `seed`: a forwarded `request` as the wire and
 * the queue carry it (encodeRequest), 63 bytes. Distinct stamps and
 * filenames, so no contender can reuse one clone.
 */
export function benchRecord(seed: number, i: number): Uint8Array {
  return encodeRequest({
    type: 'request',
    source: 100,
    destination: 200,
    stamp: `${seed}-${String(100_000 + i)}`,
    content: { filename: String(150 + i).padStart(4, '0'), _nodeID: String(seed), _hops: '1' },
  });
}

/** A producer's records: BENCH_RECORDS distinct ones. */
export function benchRecords(seed: number): Uint8Array[] {
  return Array.from({ length: BENCH_RECORDS }, (_, i) => benchRecord(seed, i));
}

/** Bytes a packed record takes: the ring's 4-byte header, the payload, padding to 4. */
const packedBytes = (len: number): number => 4 + ((len + 3) & ~3);

/** Packs `records` into `into` (length-prefixed, like the ring's DATA); returns the bytes used. */
export function packRecords(records: readonly Uint8Array[], into: ArrayBuffer): number {
  const u8 = new Uint8Array(into);
  const i32 = new Int32Array(into);
  let at = 0;
  for (const r of records) {
    i32[at >> 2] = r.length + 1;
    u8.set(r, at + 4);
    at += packedBytes(r.length);
  }
  return at;
}

/** Bytes packRecords needs for `records`. */
export function packedSize(records: readonly Uint8Array[]): number {
  return records.reduce((n, r) => n + packedBytes(r.length), 0);
}

/** Calls `handler` on a view of every record packed in `buf`; returns how many. */
export function unpackRecords(buf: ArrayBuffer, handler: (view: Uint8Array) => void): number {
  const i32 = new Int32Array(buf);
  let at = 0;
  let count = 0;
  while (at < buf.byteLength) {
    const header = i32[at >> 2]!;
    if (header <= 0) break;
    const len = header - 1;
    handler(new Uint8Array(buf, at + 4, len));
    at += packedBytes(len);
    count++;
  }
  return count;
}

/**
 * The per-record work of every consumer, the peer's own: decode the record.
 * The checksum keeps the decode from being optimised away.
 */
function consume(sum: number, view: Uint8Array): number {
  const record = decodeQueueRecord(view);
  return record.kind === 'request' ? (sum + record.request.source + record.request.stamp.length) | 0 : (sum + 1) | 0;
}

function onGo(port: WorkerPort, start: () => void): void {
  port.once('message', start);
}

function ringProducer(port: WorkerPort, job: Extract<QueueBenchJob, { role: 'ring-producer' }>): void {
  const q = new RingQueue(job.sab);
  const records = benchRecords(job.seed);
  onGo(port, () => {
    let left = job.count;
    if (job.batch === 1) {
      for (let i = 0; left > 0; left--, i = (i + 1) % BENCH_RECORDS) {
        if (q.pushBlocking(records[i]!) !== PushResult.OK) throw new Error('ring push failed');
      }
      return;
    }
    const batch = records.slice(0, job.batch);
    for (; left >= job.batch; left -= job.batch) {
      if (q.pushBatchBlocking(batch) !== job.batch) throw new Error('ring batch push failed');
    }
    if (left > 0 && q.pushBatchBlocking(batch.slice(0, left)) !== left) throw new Error('ring batch push failed');
  });
}

function ringConsumer(port: WorkerPort, job: Extract<QueueBenchJob, { role: 'ring-consumer' }>): void {
  const q = new RingQueue(job.sab);
  let received = 0;
  let checksum = 0;
  const handler = (view: Uint8Array): void => {
    checksum = consume(checksum, view);
  };
  // A pending Atomics.waitAsync does not keep a worker alive on Node 20: this
  // listener on parentPort does, until the main thread terminates us.
  port.on('message', () => {});
  void (async () => {
    while (received < job.expected) {
      await q.waitForData();
      received += q.drain(handler);
    }
    port.postMessage({ type: 'done', received, checksum } satisfies QueueBenchReport);
  })();
}

function portProducer(port: WorkerPort, job: Extract<QueueBenchJob, { role: 'port-producer' }>): void {
  const records = benchRecords(job.seed);
  onGo(port, () => {
    let left = job.count;
    if (job.batch === 1) {
      // One structured clone of one small Uint8Array per record.
      for (let i = 0; left > 0; left--, i = (i + 1) % BENCH_RECORDS) job.port.postMessage(records[i]!);
      return;
    }
    const batch = records.slice(0, job.batch);
    // Copied: one buffer, packed again for every batch (the ring producer copies every
    // record too), cloned by postMessage. Transferred: a fresh buffer per batch, since
    // transferring detaches it.
    const copyBuffer = new ArrayBuffer(packedSize(batch));
    const post = (part: readonly Uint8Array[]): void => {
      if (job.mode === 'copy') {
        const used = packRecords(part, copyBuffer);
        job.port.postMessage(used === copyBuffer.byteLength ? copyBuffer : copyBuffer.slice(0, used));
      } else {
        const buf = new ArrayBuffer(packedSize(part));
        packRecords(part, buf);
        job.port.postMessage(buf, [buf]);
      }
    };
    for (; left >= job.batch; left -= job.batch) post(batch);
    if (left > 0) post(batch.slice(0, left));
  });
}

function portConsumer(port: WorkerPort, job: Extract<QueueBenchJob, { role: 'port-consumer' }>): void {
  let received = 0;
  let checksum = 0;
  const handler = (view: Uint8Array): void => {
    checksum = consume(checksum, view);
  };
  const finish = (): void => {
    if (received === job.expected) {
      port.postMessage({ type: 'done', received, checksum } satisfies QueueBenchReport);
    }
  };
  for (const p of job.ports) {
    if (job.batched) {
      p.on('message', (buf: ArrayBuffer) => {
        received += unpackRecords(buf, handler);
        finish();
      });
    } else {
      p.on('message', (record: Uint8Array) => {
        handler(record);
        received++;
        finish();
      });
    }
  }
}

const job = workerData as QueueBenchJob | null;
if (parentPort !== null && job !== null) {
  if (job.role === 'ring-producer') ringProducer(parentPort, job);
  else if (job.role === 'ring-consumer') ringConsumer(parentPort, job);
  else if (job.role === 'port-producer') portProducer(parentPort, job);
  else portConsumer(parentPort, job);
  parentPort.postMessage({ type: 'ready' } satisfies QueueBenchReport);
}
