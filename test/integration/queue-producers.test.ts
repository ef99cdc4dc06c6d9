import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { RingQueue } from '../../src/queue/ring-queue.js';
import { checkRecord, type ProducerJob } from '../fixtures/queue-producer-worker.js';

// Workers run compiled JS: `npm test` builds first (tsc compiles test/ too).
const WORKER_URL = new URL('../../dist/test/fixtures/queue-producer-worker.js', import.meta.url);

const PRODUCERS = 4;
const BATCH = 16;

interface Scenario {
  name: string;
  recordsPerProducer: number;
  /** Small on purpose: thousands of wrap-arounds, producers often blocked. */
  capacityBytes: number;
  /** The consumer's polling before it parks; 0 parks every time (the wake protocol under fire). */
  spinTurns?: number;
}

const SCENARIOS: Scenario[] = [
  { name: 'consumer polls, then parks', recordsPerProducer: 1_000_000, capacityBytes: 8 * 1024 },
  { name: 'consumer parks at once', recordsPerProducer: 100_000, capacityBytes: 4 * 1024, spinTurns: 0 },
];

describe('RingQueue with producer threads', () => {
  it.each(SCENARIOS)(
    `$name: ${PRODUCERS} x $recordsPerProducer records through a $capacityBytes-byte ring, intact and in order`,
    async ({ recordsPerProducer, capacityBytes, spinTurns }) => {
      if (!existsSync(WORKER_URL)) {
        throw new Error(`compiled worker ${fileURLToPath(WORKER_URL)} is missing: run \`npm run build\` (npm test does)`);
      }
      const q = RingQueue.create(capacityBytes, spinTurns === undefined ? {} : { spinTurns });
      // Not a timing test: the only deadline is the test timeout; failures close the queue.
      const failures: string[] = [];
      const fail = (why: string): void => {
        failures.push(why);
        q.close(); // wakes the consumer below and every blocked producer
      };

      // Producer 0 pushes in batches, the others one record at a time.
      const workers = Array.from({ length: PRODUCERS }, (_, producer) => {
        const job: ProducerJob = {
          kind: 'queue-producer',
          sab: q.buffer,
          producer,
          count: recordsPerProducer,
          batch: producer === 0 ? BATCH : 0,
        };
        const worker = new Worker(WORKER_URL, { workerData: job });
        const exited = new Promise<number>((resolve) => worker.once('exit', resolve));
        worker.on('error', (err) => fail(`producer ${producer} threw: ${err.stack ?? String(err)}`));
        void exited.then((code) => {
          if (code !== 0) fail(`producer ${producer} exited with code ${code}`);
        });
        return { worker, exited };
      });

      const next = new Array<number>(PRODUCERS).fill(0);
      const total = PRODUCERS * recordsPerProducer;
      let received = 0;
      let bytesMoved = 0;
      const verify = (record: Uint8Array): void => {
        const fault = checkRecord(record, next);
        if (fault !== undefined) throw new Error(`record #${received}: ${fault}`);
        bytesMoved += record.length;
        received++;
      };
      try {
        while (received < total && failures.length === 0) {
          await q.waitForData();
          q.drain(verify);
        }
      } catch (err) {
        fail(err instanceof Error ? err.message : String(err));
      }

      const codes = await Promise.all(workers.map((w) => w.exited));
      expect(failures).toEqual([]);
      expect(codes).toEqual(new Array(PRODUCERS).fill(0));
      expect(received).toBe(total); // no loss ...
      expect(next).toEqual(new Array(PRODUCERS).fill(recordsPerProducer)); // ... and every seq once, in order
      expect(q.tryPop()).toBeUndefined(); // no duplicate left behind
      expect(q.depthBytes).toBe(0);
      expect(q.recordsPopped).toBe(total);
      expect(bytesMoved / capacityBytes).toBeGreaterThan(1_000); // wrap-arounds
      expect(q.fullWaits).toBeGreaterThan(0); // the blocking path was exercised
      expect(q.highWaterBytes).toBeGreaterThan(capacityBytes / 2);
    },
    180_000,
  );
});
