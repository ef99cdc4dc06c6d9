/**
 * Worker side of bench/queue.bench.ts (compiled to dist/bench/queue-workers.js).
 * One script, four roles chosen by workerData.role. Every worker posts 'ready'
 * once set up; producers start on 'go'; the consumer posts 'done' when it has
 * received every record. Producers and consumers touch identical records.
 */
import { parentPort, workerData, type MessagePort } from 'node:worker_threads';
import { PushResult, RingQueue } from '../src/queue/ring-queue.js';

/** What the bench hands each worker. */
export type QueueBenchJob =
  | { role: 'ring-producer'; sab: SharedArrayBuffer; count: number; batch: number; recordBytes: number }
  | { role: 'ring-consumer'; sab: SharedArrayBuffer; expected: number }
  | { role: 'port-producer'; port: MessagePort; count: number; batch: number; recordBytes: number }
  | { role: 'port-consumer'; ports: MessagePort[]; expected: number; batched: boolean };

/** This worker's port to the main thread (parentPort, checked once where the role is chosen). */
type WorkerPort = NonNullable<typeof parentPort>;

/** Messages a bench worker posts to the main thread. */
export type QueueBenchReport = { type: 'ready' } | { type: 'done'; received: number; checksum: number };

/** A request-frame-like record; distinct objects so no contender can share one clone. */
export function benchRecord(recordBytes: number, seed: number): Uint8Array {
  const r = new Uint8Array(recordBytes);
  for (let i = 0; i < recordBytes; i++) r[i] = (seed * 31 + i) & 0xff;
  return r;
}

/** The per-record work every consumer does: read a byte and the length. */
const touch = (sum: number, record: Uint8Array): number => (sum + record[0]! + record.length) | 0;

function onGo(port: WorkerPort, start: () => void): void {
  port.once('message', start);
}

function ringProducer(port: WorkerPort, job: Extract<QueueBenchJob, { role: 'ring-producer' }>): void {
  const q = new RingQueue(job.sab);
  const batch = Array.from({ length: job.batch }, (_, i) => benchRecord(job.recordBytes, i));
  onGo(port, () => {
    let left = job.count;
    if (job.batch === 1) {
      const record = batch[0]!;
      for (; left > 0; left--) if (q.pushBlocking(record) !== PushResult.OK) throw new Error('ring push failed');
    } else {
      for (; left >= job.batch; left -= job.batch) {
        if (q.pushBatchBlocking(batch) !== job.batch) throw new Error('ring batch push failed');
      }
      if (left > 0 && q.pushBatchBlocking(batch.slice(0, left)) !== left) throw new Error('ring batch push failed');
    }
  });
}

function ringConsumer(port: WorkerPort, job: Extract<QueueBenchJob, { role: 'ring-consumer' }>): void {
  const q = new RingQueue(job.sab);
  let received = 0;
  let checksum = 0;
  const handler = (view: Uint8Array): void => {
    checksum = touch(checksum, view);
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
  const batch = Array.from({ length: job.batch }, (_, i) => benchRecord(job.recordBytes, i));
  onGo(port, () => {
    let left = job.count;
    if (job.batch === 1) {
      const record = batch[0]!;
      for (; left > 0; left--) job.port.postMessage(record);
    } else {
      for (; left >= job.batch; left -= job.batch) job.port.postMessage(batch);
      if (left > 0) job.port.postMessage(batch.slice(0, left));
    }
  });
}

function portConsumer(port: WorkerPort, job: Extract<QueueBenchJob, { role: 'port-consumer' }>): void {
  let received = 0;
  let checksum = 0;
  const finish = (): void => {
    if (received === job.expected) {
      port.postMessage({ type: 'done', received, checksum } satisfies QueueBenchReport);
    }
  };
  for (const port of job.ports) {
    if (job.batched) {
      port.on('message', (records: Uint8Array[]) => {
        for (const r of records) checksum = touch(checksum, r);
        received += records.length;
        finish();
      });
    } else {
      port.on('message', (record: Uint8Array) => {
        checksum = touch(checksum, record);
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
