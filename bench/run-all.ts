/**
 * `npm run bench`: every benchmark in turn, each writing
 * bench/results/<name>.json, then report.html and summary.md. The latency
 * benchmark reuses the hop benchmark's live lookups (each lookup is timed
 * there) instead of starting the rings again, and measures the floor of a
 * hop beside them. Exits non-zero when an
 * invariant broke or a benchmark failed; the report still shows the rest.
 */
import { readFileSync } from 'node:fs';
import { defaultResultsDir, isEntryPoint, writeResult } from './common.js';
import { DEFAULT_FAILURE_OPTIONS, formatFailure, runFailureBench, type FailureBenchOptions } from './failure.bench.js';
import { DEFAULT_HOPS_OPTIONS, formatHops, runHopsBench, type HopsBenchOptions } from './hops.bench.js';
import { DEFAULT_COSTS_OPTIONS, formatCosts, runCostsBench, type CostsBenchOptions } from './costs.bench.js';
import type { HopFloorOptions } from './floors.js';
import { DEFAULT_HOP_FLOOR, formatLatency, runLatencyBench } from './latency.bench.js';
import { DEFAULT_QUEUE_OPTIONS, formatQueueBench, runQueueBench, type QueueBenchOptions } from './queue.bench.js';
import { writeReport } from './report.js';
import { DEFAULT_TRANSFER_OPTIONS, formatTransfer, runTransferBench, type TransferBenchOptions } from './transfer.bench.js';

/** What to run; every benchmark at its default when omitted. */
export interface RunAllOptions {
  /** Where the JSON files and the report go. */
  readonly dir: string;
  readonly hops: HopsBenchOptions;
  readonly transfer: TransferBenchOptions;
  readonly failure: FailureBenchOptions;
  readonly queue: QueueBenchOptions;
  /** The floor of a hop, measured by the latency step. */
  readonly hopFloor: HopFloorOptions;
  readonly costs: CostsBenchOptions;
  /** Prints each benchmark's table as it ends (default console.log). */
  readonly log?: (text: string) => void;
}

/** The defaults of `npm run bench`. */
export const DEFAULT_RUN_ALL: RunAllOptions = {
  dir: defaultResultsDir(),
  hops: DEFAULT_HOPS_OPTIONS,
  transfer: DEFAULT_TRANSFER_OPTIONS,
  failure: DEFAULT_FAILURE_OPTIONS,
  queue: DEFAULT_QUEUE_OPTIONS,
  hopFloor: DEFAULT_HOP_FLOOR,
  costs: DEFAULT_COSTS_OPTIONS,
};

/** What a full run produced. */
export interface RunAllOutcome {
  /** Broken invariants and failed benchmarks, each prefixed by the benchmark's name. */
  failures: string[];
  files: string[];
  /** summary.md's text. */
  summary: string;
}

/** Runs every benchmark and writes the report. Never throws for a failed benchmark: it is listed in `failures`. */
export async function runAll(options: RunAllOptions): Promise<RunAllOutcome> {
  const log = options.log ?? ((text: string): void => console.log(text));
  const failures: string[] = [];
  const files: string[] = [];
  const step = async <T extends { invariantFailures: string[] }>(
    name: string,
    run: () => Promise<T>,
    format: (r: T) => string,
  ): Promise<T | undefined> => {
    try {
      const result = await run();
      files.push(writeResult(options.dir, name, result));
      failures.push(...result.invariantFailures.map((f) => `${name}: ${f}`));
      log(`${format(result)}\n`);
      return result;
    } catch (err) {
      failures.push(`${name}: the benchmark failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
      return undefined;
    }
  };
  const hops = await step('hops', () => runHopsBench(options.hops), formatHops);
  const live = options.hops.live;
  if (live !== undefined) {
    const machine =
      hops === undefined ? undefined : { node: hops.node, cpus: hops.cpus, cpuModel: hops.cpuModel, date: hops.date, loadAvg: hops.loadAvg };
    await step(
      'latency',
      () => runLatencyBench({ live, fromRuns: hops?.results.liveRuns, fromMachine: machine, floor: options.hopFloor }),
      formatLatency,
    );
  }
  await step('transfer', () => runTransferBench(options.transfer), formatTransfer);
  await step('failure', () => runFailureBench(options.failure), formatFailure);
  await step('costs', () => runCostsBench(options.costs), formatCosts);
  await step('queue', () => runQueueBench(options.queue), formatQueueBench);
  const report = writeReport(options.dir);
  files.push(report.html, report.markdown);
  return { failures, files, summary: readFileSync(report.markdown, 'utf8') };
}

if (isEntryPoint(import.meta.url)) {
  const t0 = performance.now();
  runAll(DEFAULT_RUN_ALL).then(
    (outcome) => {
      console.log(`wrote\n  ${outcome.files.join('\n  ')}\nin ${((performance.now() - t0) / 60_000).toFixed(1)} min`);
      if (outcome.failures.length > 0) {
        console.error(`\n${outcome.failures.length} failure(s):\n  ${outcome.failures.join('\n  ')}`);
        process.exitCode = 1;
      }
    },
    (err: unknown) => {
      console.error(err);
      process.exitCode = 1;
    },
  );
}
