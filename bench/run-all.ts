/**
 * `npm run bench`: every benchmark in turn (or those `--only` names, at a
 * `--quick` size, on `--port-base N`), each writing
 * bench/results/<name>.json, then report.html and summary.md. The latency
 * benchmark reuses the hop benchmark's live lookups (each lookup is timed
 * there) instead of starting the rings again, and measures the floor of a
 * hop beside them. Exits non-zero when an
 * invariant broke or a benchmark failed; the report still shows the rest.
 */
import { readFileSync } from 'node:fs';
import { commandLine, listOf, portPlan, type BenchCommand } from './cli.js';
import { defaultResultsDir, isEntryPoint, writeResult } from './common.js';
import { COSTS_COMMAND, DEFAULT_COSTS_OPTIONS, formatCosts, runCostsBench, type CostsBenchOptions } from './costs.bench.js';
import { CHURN_COMMAND, DEFAULT_CHURN_OPTIONS, formatChurn, runChurnBench, type ChurnBenchOptions } from './churn.bench.js';
import { DEFAULT_FAILURE_OPTIONS, FAILURE_COMMAND, formatFailure, runFailureBench, type FailureBenchOptions } from './failure.bench.js';
import type { HopFloorOptions } from './floors.js';
import {
  DEFAULT_HOPS_OPTIONS,
  formatHops,
  HOPS_COMMAND,
  HOSTED_BENCH_OPTIONS,
  hostedOf,
  runHopsBench,
  type HopsBenchOptions,
} from './hops.bench.js';
import { DEFAULT_HOP_FLOOR, formatLatency, LATENCY_COMMAND, runLatencyBench } from './latency.bench.js';
import { DEFAULT_MICRO_OPTIONS, formatMicro, MICRO_COMMAND, runMicroBench, type MicroBenchOptions } from './micro.bench.js';
import { DEFAULT_QUEUE_OPTIONS, formatQueueBench, QUEUE_COMMAND, runQueueBench, type QueueBenchOptions } from './queue.bench.js';
import { writeReport } from './report.js';
import { DEFAULT_STARTUP_OPTIONS, formatStartup, runStartupBench, STARTUP_COMMAND, type StartupBenchOptions } from './startup.bench.js';
import { DEFAULT_TRANSFER_OPTIONS, formatTransfer, runTransferBench, TRANSFER_COMMAND, type TransferBenchOptions } from './transfer.bench.js';

/** Every benchmark, in the order `npm run bench` runs them. */
export const BENCH_NAMES = ['hops', 'latency', 'transfer', 'failure', 'churn', 'costs', 'startup', 'queue', 'micro'] as const;
/** One benchmark's name. */
export type BenchName = (typeof BENCH_NAMES)[number];

/** What to run; every benchmark at its default when omitted. */
export interface RunAllOptions {
  /** Where the JSON files and the report go. */
  readonly dir: string;
  readonly hops: HopsBenchOptions;
  readonly transfer: TransferBenchOptions;
  readonly failure: FailureBenchOptions;
  readonly churn: ChurnBenchOptions;
  readonly queue: QueueBenchOptions;
  /** The floor of a hop, measured by the latency step. */
  readonly hopFloor: HopFloorOptions;
  readonly costs: CostsBenchOptions;
  /** The micro-benchmarks; omitted: not run. */
  readonly micro?: MicroBenchOptions | undefined;
  /** The start-up benchmark; omitted: not run. */
  readonly startup?: StartupBenchOptions | undefined;
  /** Only these benchmarks (default: all). */
  readonly only?: readonly BenchName[] | undefined;
  /** Prints each benchmark's table as it ends (default console.log). */
  readonly log?: (text: string) => void;
  /** Told as each benchmark starts (`[2/7] latency (1.3 min so far)`); default: nothing. */
  readonly progress?: (text: string) => void;
}

/** The defaults of `npm run bench`. */
export const DEFAULT_RUN_ALL: RunAllOptions = {
  dir: defaultResultsDir(),
  hops: DEFAULT_HOPS_OPTIONS,
  transfer: DEFAULT_TRANSFER_OPTIONS,
  failure: DEFAULT_FAILURE_OPTIONS,
  churn: DEFAULT_CHURN_OPTIONS,
  queue: DEFAULT_QUEUE_OPTIONS,
  hopFloor: DEFAULT_HOP_FLOOR,
  costs: DEFAULT_COSTS_OPTIONS,
  micro: DEFAULT_MICRO_OPTIONS,
  startup: DEFAULT_STARTUP_OPTIONS,
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
  // Latency needs live rings; start-up and the micro-benchmarks their options.
  const chosen = BENCH_NAMES.filter(
    (n) =>
      (options.only ?? BENCH_NAMES).includes(n) &&
      (n !== 'micro' || options.micro !== undefined) &&
      (n !== 'startup' || options.startup !== undefined) &&
      (n !== 'latency' || options.hops.live !== undefined),
  );
  const t0 = performance.now();
  let started = 0;
  const step = async <T extends { invariantFailures: string[] }>(
    name: BenchName,
    run: () => Promise<T>,
    format: (r: T) => string,
  ): Promise<T | undefined> => {
    if (!chosen.includes(name)) return undefined;
    started += 1;
    const minutes = (performance.now() - t0) / 60_000;
    (options.progress ?? ((): void => undefined))(`[${started}/${chosen.length}] ${name} (${minutes.toFixed(1)} min so far)`);
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
    // With the hop benchmark's rings (when it ran), or rings of its own.
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
  await step('churn', () => runChurnBench(options.churn), formatChurn);
  await step('costs', () => runCostsBench(options.costs), formatCosts);
  const startup = options.startup;
  if (startup !== undefined) await step('startup', () => runStartupBench(startup), formatStartup);
  await step('queue', () => runQueueBench(options.queue), formatQueueBench);
  const micro = options.micro;
  if (micro !== undefined) await step('micro', () => runMicroBench(micro), formatMicro);
  const report = writeReport(options.dir);
  files.push(report.html, report.markdown);
  return { failures, files, summary: readFileSync(report.markdown, 'utf8') };
}

/** `--quick`: every benchmark at its quick size (under 3 minutes in all on a loaded 2-core machine). */
export function quickRunAll(dir: string = defaultResultsDir()): RunAllOptions {
  const quick = { quick: true };
  const latency = LATENCY_COMMAND.configure(quick);
  return {
    dir,
    hops: HOPS_COMMAND.configure(quick),
    transfer: TRANSFER_COMMAND.configure(quick),
    failure: FAILURE_COMMAND.configure(quick),
    churn: CHURN_COMMAND.configure(quick),
    queue: QUEUE_COMMAND.configure(quick),
    hopFloor: latency.floor ?? DEFAULT_HOP_FLOOR,
    costs: COSTS_COMMAND.configure(quick),
    micro: MICRO_COMMAND.configure(quick),
    startup: STARTUP_COMMAND.configure(quick),
  };
}

/** The command line of `npm run bench`. */
export const RUN_ALL_COMMAND: BenchCommand<RunAllOptions> = {
  command: 'npm run bench --',
  summary:
    `Every benchmark in turn (${BENCH_NAMES.join(', ')}), then bench/results/report.html and summary.md.\n` +
    'About 30 minutes in full (the hosted rings of 256 and 1,024 peers and the churn of 1,024 included), under 3 with --quick. Each also runs alone: npm run bench:<name> -- --help.',
  options: {
    only: { kind: 'names', arg: 'NAMES', choices: BENCH_NAMES, help: `only these, e.g. --only hops,transfer (${BENCH_NAMES.join(', ')})` },
    sizes: { kind: 'ints', arg: 'N,N', min: 3, max: 256, help: 'live ring sizes of hops and latency (default 8,16,32,64; --quick: 8)' },
    ...HOSTED_BENCH_OPTIONS,
  },
  configure: (values) => {
    const base = values.quick === true ? quickRunAll() : DEFAULT_RUN_ALL;
    const ports = typeof values['port-base'] === 'number' ? portPlan(values['port-base']) : undefined;
    const live =
      base.hops.live === undefined
        ? undefined
        : { ...base.hops.live, sizes: listOf(values, 'sizes', base.hops.live.sizes), hosted: hostedOf(values, base.hops.live.hosted) };
    const only = listOf<string>(values, 'only', BENCH_NAMES) as readonly BenchName[];
    if (ports === undefined) return { ...base, hops: { ...base.hops, live }, only };
    // One after another, every benchmark's peers on the same N + ID.
    return {
      ...base,
      only,
      hops: { ...base.hops, live: live === undefined ? undefined : { ...live, portBase: ports.peers } },
      transfer: { ...base.transfer, portBase: ports.peers },
      failure: { ...base.failure, portBase: ports.peers },
      hopFloor: { ...base.hopFloor, port: ports.hopFloor },
      costs: { ...base.costs, portBase: ports.peers, startupPortBase: ports.startup, floorPort: ports.fileFloor },
      startup: base.startup === undefined ? undefined : { ...base.startup, portBase: ports.peers },
    };
  },
};

if (isEntryPoint(import.meta.url)) {
  const options = commandLine(RUN_ALL_COMMAND, process.argv.slice(2));
  if (options !== undefined) {
    const t0 = performance.now();
    runAll({ ...options, progress: (text) => console.log(`\n${text}`) }).then(
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
}
