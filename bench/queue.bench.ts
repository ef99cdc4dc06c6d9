/**
 * Cross-thread throughput: the shared RingQueue against MessagePort.postMessage,
 * moving identical records (real encoded requests of about 64 bytes) from 1 or
 * 3 producer threads to one consumer thread, which decodes every record as the
 * peer's consumer does (decodeQueueRecord). Each contender in its fairest form:
 *
 * - ring: one pushBlocking per record; ring-batch64: pushBatchBlocking of 64.
 * - postMessage: one message per record (a Uint8Array, cloned).
 * - postMessage-batch64-copy: the 64 records packed into ONE ArrayBuffer
 *   (length-prefixed, like the ring's DATA), cloned by postMessage.
 * - postMessage-batch64-transfer: the same buffer, fresh per batch, in the
 *   transfer list (no copy; an allocation per batch instead).
 *
 * tinybench's per-iteration model does not fit a cross-thread pipeline, so
 * this is a hand-rolled harness: each measurement times (in the main thread)
 * from 'go' to the consumer's 'done', worker start-up excluded; contenders are
 * interleaved run by run, and the median is reported, with ratios against
 * contenders measured in the same run.
 *
 * Run: npm run bench:queue (writes bench/results/queue.json, then rewrites
 * report.html and summary.md). `--records N --runs K` for a shorter run.
 */
import { MessageChannel, Worker, type MessagePort } from 'node:worker_threads';
import { QUEUE_CAPACITY_BYTES } from '../src/constants.js';
import { RingQueue } from '../src/queue/ring-queue.js';
import { isEntryPoint, machineInfo, median, runAsMain, type BenchResult } from './common.js';
import { BENCH_RECORDS, benchRecords, type PortBatchMode, type QueueBenchJob, type QueueBenchReport } from './queue-workers.js';
import { commandLine, intOf, type BenchCommand } from './cli.js';
import { writeReport } from './report.js';

/** Compiled worker script; from the TS source (a vitest smoke test) use the build. */
const WORKER_URL = import.meta.url.endsWith('.ts')
  ? new URL('../dist/bench/queue-workers.js', import.meta.url)
  : new URL('./queue-workers.js', import.meta.url);

const BATCH = BENCH_RECORDS;
const PRODUCER_COUNTS = [1, 3] as const;
/** Every contender, in the order they run. */
export const QUEUE_CONTENDERS = ['ring', 'ring-batch64', 'postMessage', 'postMessage-batch64-copy', 'postMessage-batch64-transfer'] as const;
/** One contender's name. */
export type QueueContender = (typeof QUEUE_CONTENDERS)[number];
const BATCHED_POST: readonly QueueContender[] = ['postMessage-batch64-copy', 'postMessage-batch64-transfer'];

/** Options of one bench run. */
export interface QueueBenchOptions {
  /** Records moved per measurement, split across the producers. */
  records: number;
  /** Measurements per contender and producer count; the median is kept. */
  runs: number;
}

/** The defaults of `npm run bench:queue`. */
export const DEFAULT_QUEUE_OPTIONS: QueueBenchOptions = { records: 1_000_000, runs: 5 };

/** One contender at one producer count. */
export interface QueueBenchRow {
  contender: QueueContender;
  producers: number;
  /** Median over the runs. */
  messagesPerSecond: number;
  /** Every run, in order. */
  runsMessagesPerSecond: number[];
  /** messagesPerSecond / that of unbatched postMessage at the same producer count. */
  ratioToPostMessage: number;
  /** messagesPerSecond / that of the faster batched postMessage (copied or transferred) at the same producer count. */
  ratioToBatchedPostMessage: number;
}

/** What the queue benchmark's parameters record besides the options. */
export type QueueBenchParameters = QueueBenchOptions & {
  /** Mean bytes of a record (an encoded request). */
  recordBytes: number;
  batch: number;
  ringCapacityBytes: number;
};

/** Everything a run measured, with the context to read it by. */
export type QueueBenchResult = BenchResult<QueueBenchParameters, QueueBenchRow[]>;

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
function spawn(contender: QueueContender, producers: number, records: number): { consumer: Worker; producers: Worker[] } {
  const batch = contender.includes('batch64') ? BATCH : 1;
  const share = (i: number): number => Math.floor(records / producers) + (i < records % producers ? 1 : 0);
  const seed = (i: number): number => 10 + i;
  const start = (job: QueueBenchJob, transferList: MessagePort[] = []): Worker => new Worker(WORKER_URL, { workerData: job, transferList });
  if (contender.startsWith('ring')) {
    const sab = RingQueue.create(QUEUE_CAPACITY_BYTES).buffer;
    return {
      consumer: start({ role: 'ring-consumer', sab, expected: records }),
      producers: Array.from({ length: producers }, (_, i) => start({ role: 'ring-producer', sab, count: share(i), batch, seed: seed(i) })),
    };
  }
  const mode: PortBatchMode = contender.endsWith('transfer') ? 'transfer' : 'copy';
  const channels = Array.from({ length: producers }, () => new MessageChannel());
  const ports = channels.map((c) => c.port2);
  return {
    consumer: start({ role: 'port-consumer', ports, expected: records, batched: batch > 1 }, ports),
    producers: channels.map((c, i) => start({ role: 'port-producer', port: c.port1, count: share(i), batch, mode, seed: seed(i) }, [c.port1])),
  };
}

/** One measurement: messages per second from 'go' to the consumer's 'done'. */
async function measure(contender: QueueContender, producers: number, records: number): Promise<number> {
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

/** Measures every contender at 1 and 3 producers, `runs` times each, interleaved. */
export async function runQueueBench(options: QueueBenchOptions): Promise<QueueBenchResult> {
  const machine = machineInfo();
  const t0 = performance.now();
  const { records, runs } = options;
  if (!Number.isInteger(records) || records < 1) throw new RangeError(`options.records must be a positive integer`);
  if (!Number.isInteger(runs) || runs < 1) throw new RangeError(`options.runs must be a positive integer`);
  const samples = new Map<string, number[]>();
  for (let run = 0; run < runs; run++) {
    for (const producers of PRODUCER_COUNTS) {
      for (const contender of QUEUE_CONTENDERS) {
        const key = `${contender}/${producers}`;
        const list = samples.get(key) ?? [];
        list.push(await measure(contender, producers, records));
        samples.set(key, list);
      }
    }
  }
  const runsOf = (contender: QueueContender, producers: number): number[] => {
    const list = samples.get(`${contender}/${producers}`);
    if (list === undefined) throw new Error(`no runs of ${contender} with ${producers} producers`);
    return list;
  };
  const results: QueueBenchRow[] = [];
  for (const producers of PRODUCER_COUNTS) {
    const single = median(runsOf('postMessage', producers));
    const batched = Math.max(...BATCHED_POST.map((c) => median(runsOf(c, producers))));
    for (const contender of QUEUE_CONTENDERS) {
      const runsMessagesPerSecond = runsOf(contender, producers);
      const messagesPerSecond = median(runsMessagesPerSecond);
      results.push({
        contender,
        producers,
        messagesPerSecond,
        runsMessagesPerSecond,
        ratioToPostMessage: messagesPerSecond / single,
        ratioToBatchedPostMessage: messagesPerSecond / batched,
      });
    }
  }
  const sample = benchRecords(10);
  return {
    ...machine,
    parameters: {
      records,
      runs,
      recordBytes: sample.reduce((n, r) => n + r.length, 0) / sample.length,
      batch: BATCH,
      ringCapacityBytes: QUEUE_CAPACITY_BYTES,
    },
    results,
    invariantFailures: [],
    seconds: (performance.now() - t0) / 1000,
  };
}

/** The console table: one line per contender and producer count. */
export function formatQueueBench(result: QueueBenchResult): string {
  const p = result.parameters;
  const lines = [
    `queue throughput, ${p.records} records of ~${Math.round(p.recordBytes)} bytes (encoded requests, decoded by every consumer), ` +
      `median of ${p.runs} runs (node ${result.node}, ${result.cpus} cpus)`,
    `${'contender'.padEnd(30)}${'producers'.padStart(10)}${'messages/s'.padStart(15)}${'x postMessage'.padStart(15)}${'x batched pM'.padStart(14)}`,
  ];
  for (const r of result.results) {
    lines.push(
      `${r.contender.padEnd(30)}${String(r.producers).padStart(10)}` +
        `${Math.round(r.messagesPerSecond).toLocaleString('en-US').padStart(15)}${r.ratioToPostMessage.toFixed(2).padStart(15)}` +
        r.ratioToBatchedPostMessage.toFixed(2).padStart(14),
    );
  }
  return lines.join('\n');
}

/** `--quick`: 100,000 records, one run. */
export const QUICK_QUEUE_OPTIONS: QueueBenchOptions = { records: 100_000, runs: 1 };

/** The command line of `npm run bench:queue`. */
export const QUEUE_COMMAND: BenchCommand<QueueBenchOptions> = {
  command: 'npm run bench:queue --',
  summary:
    'The ring queue against postMessage (one record per message, and 64 per buffer, copied or transferred),\n' +
    'with 1 and 3 producers. Writes bench/results/queue.json, the report and the summary.',
  options: {
    records: {
      kind: 'int',
      arg: 'N',
      min: 1000,
      max: 100_000_000,
      help: `records per measurement (default ${DEFAULT_QUEUE_OPTIONS.records})`,
    },
    runs: {
      kind: 'int',
      arg: 'K',
      min: 1,
      max: 100,
      help: `measurements per contender, the median kept (default ${DEFAULT_QUEUE_OPTIONS.runs})`,
    },
  },
  configure: (values) => {
    const base = values.quick === true ? QUICK_QUEUE_OPTIONS : DEFAULT_QUEUE_OPTIONS;
    return { records: intOf(values, 'records', base.records), runs: intOf(values, 'runs', base.runs) };
  },
};

if (isEntryPoint(import.meta.url)) {
  const options = commandLine(QUEUE_COMMAND, process.argv.slice(2));
  if (options !== undefined) void runAsMain('queue', () => runQueueBench(options), formatQueueBench, writeReport);
}
