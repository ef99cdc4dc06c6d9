/**
 * Cross-thread throughput: the shared RingQueue against MessagePort.postMessage,
 * moving identical 64-byte request-frame-like records from 1 or 3 producer threads
 * to one consumer thread. tinybench's per-iteration model does not fit a
 * cross-thread pipeline, so this is a hand-rolled harness: each measurement times
 * (in the main thread) from 'go' to the consumer's 'done', worker start-up
 * excluded; contenders are interleaved run by run, and the median is reported.
 *
 * Run: npm run bench:queue (writes bench/results/queue.json and prints a table).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { MessageChannel, Worker, type MessagePort } from 'node:worker_threads';
import { QUEUE_CAPACITY_BYTES } from '../src/constants.js';
import { RingQueue } from '../src/queue/ring-queue.js';
import type { QueueBenchJob, QueueBenchReport } from './queue-workers.js';

/** Compiled worker script; from the TS source (a vitest smoke test) use the build. */
const WORKER_URL = import.meta.url.endsWith('.ts')
  ? new URL('../dist/bench/queue-workers.js', import.meta.url)
  : new URL('./queue-workers.js', import.meta.url);

const RECORD_BYTES = 64;
const BATCH = 64;
const PRODUCER_COUNTS = [1, 3] as const;
const CONTENDERS = ['ring', 'ring-batch64', 'postMessage', 'postMessage-batch64'] as const;
type Contender = (typeof CONTENDERS)[number];

/** Options of one bench run. */
export interface QueueBenchOptions {
  /** Records moved per measurement, split across the producers. */
  records: number;
  /** Measurements per contender and producer count; the median is kept. */
  runs: number;
}

/** One contender at one producer count. */
export interface QueueBenchRow {
  contender: Contender;
  producers: number;
  /** Median over the runs. */
  messagesPerSecond: number;
  /** Every run, in order. */
  runsMessagesPerSecond: number[];
  /** messagesPerSecond / that of unbatched postMessage at the same producer count. */
  ratioToPostMessage: number;
}

/** Everything a run measured, with the context to read it by. */
export interface QueueBenchResult {
  node: string;
  cpus: number;
  date: string;
  parameters: QueueBenchOptions & { recordBytes: number; batch: number; ringCapacityBytes: number };
  results: QueueBenchRow[];
}

/** Resolves with the next report of `type` from `worker`; rejects if it fails first. */
function report(worker: Worker, type: QueueBenchReport['type']): Promise<QueueBenchReport> {
  return new Promise((resolve, reject) => {
    const onMessage = (m: QueueBenchReport): void => {
      if (m.type !== type) return;
      cleanup();
      resolve(m);
    };
    const onError = (err: Error): void => {
      cleanup();
      reject(err);
    };
    const onExit = (code: number): void => {
      cleanup();
      reject(new Error(`bench worker exited (code ${code}) before '${type}'`));
    };
    const cleanup = (): void => {
      worker.off('message', onMessage).off('error', onError).off('exit', onExit);
    };
    worker.on('message', onMessage).on('error', onError).on('exit', onExit);
  });
}

/** Starts one measurement's workers and returns the consumer and the producers. */
function spawn(contender: Contender, producers: number, records: number): { consumer: Worker; producers: Worker[] } {
  const batch = contender.endsWith('batch64') ? BATCH : 1;
  const share = (i: number): number => Math.floor(records / producers) + (i < records % producers ? 1 : 0);
  const start = (job: QueueBenchJob, transferList: MessagePort[] = []): Worker => new Worker(WORKER_URL, { workerData: job, transferList });
  if (contender.startsWith('ring')) {
    const sab = RingQueue.create(QUEUE_CAPACITY_BYTES).buffer;
    return {
      consumer: start({ role: 'ring-consumer', sab, expected: records }),
      producers: Array.from({ length: producers }, (_, i) =>
        start({ role: 'ring-producer', sab, count: share(i), batch, recordBytes: RECORD_BYTES }),
      ),
    };
  }
  const channels = Array.from({ length: producers }, () => new MessageChannel());
  const ports = channels.map((c) => c.port2);
  return {
    consumer: start({ role: 'port-consumer', ports, expected: records, batched: batch > 1 }, ports),
    producers: channels.map((c, i) =>
      start({ role: 'port-producer', port: c.port1, count: share(i), batch, recordBytes: RECORD_BYTES }, [c.port1]),
    ),
  };
}

/** One measurement: messages per second from 'go' to the consumer's 'done'. */
async function measure(contender: Contender, producers: number, records: number): Promise<number> {
  const w = spawn(contender, producers, records);
  const all = [w.consumer, ...w.producers];
  try {
    await Promise.all(all.map((worker) => report(worker, 'ready')));
    const done = report(w.consumer, 'done');
    const t0 = performance.now();
    for (const p of w.producers) p.postMessage('go');
    const result = await done;
    const seconds = (performance.now() - t0) / 1000;
    if (result.type !== 'done' || result.received !== records) throw new Error(`${contender}: records lost`);
    return records / seconds;
  } finally {
    await Promise.all(all.map((worker) => worker.terminate()));
  }
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
};

/** Measures every contender at 1 and 3 producers, `runs` times each, interleaved. */
export async function runQueueBench(options: QueueBenchOptions): Promise<QueueBenchResult> {
  const { records, runs } = options;
  if (!Number.isInteger(records) || records < 1) throw new RangeError(`options.records must be a positive integer`);
  if (!Number.isInteger(runs) || runs < 1) throw new RangeError(`options.runs must be a positive integer`);
  const samples = new Map<string, number[]>();
  for (let run = 0; run < runs; run++) {
    for (const producers of PRODUCER_COUNTS) {
      for (const contender of CONTENDERS) {
        const key = `${contender}/${producers}`;
        const list = samples.get(key) ?? [];
        list.push(await measure(contender, producers, records));
        samples.set(key, list);
      }
    }
  }
  const runsOf = (contender: string, producers: number): number[] => {
    const list = samples.get(`${contender}/${producers}`);
    if (list === undefined) throw new Error(`no runs of ${contender} with ${producers} producers`);
    return list;
  };
  const results: QueueBenchRow[] = [];
  for (const producers of PRODUCER_COUNTS) {
    const baseline = median(runsOf('postMessage', producers));
    for (const contender of CONTENDERS) {
      const runsMessagesPerSecond = runsOf(contender, producers);
      const messagesPerSecond = median(runsMessagesPerSecond);
      results.push({ contender, producers, messagesPerSecond, runsMessagesPerSecond, ratioToPostMessage: messagesPerSecond / baseline });
    }
  }
  return {
    node: process.version,
    cpus: os.cpus().length,
    date: new Date().toISOString(),
    parameters: { records, runs, recordBytes: RECORD_BYTES, batch: BATCH, ringCapacityBytes: QUEUE_CAPACITY_BYTES },
    results,
  };
}

/** The human report: one line per contender and producer count. */
export function formatQueueBench(result: QueueBenchResult): string {
  const lines = [
    `queue throughput, ${result.parameters.records} records of ${result.parameters.recordBytes} bytes, ` +
      `median of ${result.parameters.runs} runs (node ${result.node}, ${result.cpus} cpus)`,
    `${'contender'.padEnd(22)}${'producers'.padStart(10)}${'messages/s'.padStart(15)}${'x postMessage'.padStart(15)}`,
  ];
  for (const r of result.results) {
    lines.push(
      `${r.contender.padEnd(22)}${String(r.producers).padStart(10)}` +
        `${Math.round(r.messagesPerSecond).toLocaleString('en-US').padStart(15)}${r.ratioToPostMessage.toFixed(2).padStart(15)}`,
    );
  }
  return lines.join('\n');
}

async function main(): Promise<void> {
  const result = await runQueueBench({ records: 1_000_000, runs: 5 });
  console.log(formatQueueBench(result));
  const out = new URL(import.meta.url.endsWith('.ts') ? './results/queue.json' : '../../bench/results/queue.json', import.meta.url);
  mkdirSync(new URL('.', out), { recursive: true });
  writeFileSync(out, `${JSON.stringify(result, null, 2)}\n`);
  console.log(`\nwrote ${fileURLToPath(out)}`);
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((err: unknown) => {
    console.error(err);
    process.exitCode = 1;
  });
}
