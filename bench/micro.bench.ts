/**
 * Single-thread micro-benchmarks, measured with tinybench: the pure parts a
 * peer runs for every request. The codec (encode and decode one forwarded
 * request, the frame every hop carries), the next-hop choice of each routing
 * mode, a Chord finger table built from full membership, and whole
 * simulated lookups. Each task call does BATCH operations over a fixed,
 * seeded set of inputs (the same inputs for every routing), so that the
 * timer's own cost (tens of ns) does not swamp a choice that takes less;
 * the table reports per operation.
 *
 * Run: npm run bench:micro [-- --time MS --quick] (writes bench/results/micro.json,
 * the report and the summary).
 */
import { Bench } from 'tinybench';
import { decodeRequest, encodeRequest } from '../src/protocol/codec.js';
import type { Request } from '../src/protocol/types.js';
import { buildFingers } from '../src/routing/chord.js';
import { nextHop } from '../src/routing/next-hop.js';
import { createPrng } from '../src/routing/prng.js';
import { buildViews, randomMembership, simulateLookup } from '../src/routing/simulator.js';
import type { RoutingMode } from '../src/routing/types.js';
import { commandLine, intOf, type BenchCommand } from './cli.js';
import { isEntryPoint, machineInfo, markdownTable, Progress, runAsMain, type BenchResult } from './common.js';
import { writeReport } from './report.js';
import { microTables } from './tables.js';

/** Options of the micro-benchmarks. */
export interface MicroBenchOptions {
  /** Milliseconds each task is measured for (after as long a warm-up, at most 100 ms). */
  readonly timeMs: number;
  /** Peers of the simulated membership (32-bit IDs). */
  readonly peers: number;
  readonly seed: number;
}

/** One task's result, per operation. */
export interface MicroRow {
  group: 'codec' | 'next hop' | 'fingers' | 'simulated lookup';
  name: string;
  opsPerSecond: number;
  meanNs: number;
  p99Ns: number;
  /** Relative margin of error of the mean, percent. */
  rmePercent: number;
  /** Task calls measured (each BATCH operations). */
  samples: number;
}

/** The result file of the micro-benchmarks. */
export type MicroBenchResult = BenchResult<MicroBenchOptions & { batch: number }, { rows: MicroRow[] }>;

/** The defaults of `npm run bench:micro`. */
export const DEFAULT_MICRO_OPTIONS: MicroBenchOptions = { timeMs: 500, peers: 1024, seed: 2026 };
/** `--quick`: 100 ms a task. */
export const QUICK_MICRO_OPTIONS: MicroBenchOptions = { ...DEFAULT_MICRO_OPTIONS, timeMs: 100 };

/** Operations per task call. */
const BATCH = 100;
const ID_BITS = 32;
const MODES: readonly RoutingMode[] = ['ring', 'ring-list', 'chord'];

/** A forwarded `request`, as a hop carries it. */
const REQUEST: Request = {
  type: 'request',
  source: 8,
  destination: 14,
  stamp: '8-1733040000000-42',
  content: { filename: '4103', _nodeID: '2', _hops: '3', _origin: '2@127.0.0.1:12002' },
};

/** Runs every task; `onTask` is told each name as it starts. */
export async function runMicroBench(options: MicroBenchOptions): Promise<MicroBenchResult> {
  const machine = machineInfo();
  const t0 = performance.now();
  const prng = createPrng(options.seed);
  const ids = randomMembership(prng, options.peers, ID_BITS);
  const keys = Array.from({ length: BATCH }, () => prng.nextU32());
  const origins = Array.from({ length: BATCH }, () => ids[prng.nextInt(ids.length)] ?? 0);
  const frame = encodeRequest(REQUEST);
  const tasks: { group: MicroRow['group']; name: string; fn: () => unknown }[] = [
    { group: 'codec', name: `encode a request (${frame.length} bytes)`, fn: () => batch(() => encodeRequest(REQUEST)) },
    { group: 'codec', name: `decode a request (${frame.length} bytes)`, fn: () => batch(() => decodeRequest(frame)) },
  ];
  for (const mode of MODES) {
    const views = buildViews(ids, ID_BITS, mode === 'ring' ? 2 : 4, mode);
    const list = origins.map((o) => views.get(o)).filter((v) => v !== undefined);
    tasks.push({
      group: 'next hop',
      name: `${mode}${mode === 'ring-list' ? ' r=4' : ''}, N=${options.peers}`,
      fn: () => {
        for (let i = 0; i < BATCH; i++) nextHop(mode, list[i % list.length] ?? list[0]!, keys[i] ?? 0);
      },
    });
  }
  tasks.push({
    group: 'fingers',
    name: `${ID_BITS} fingers of one peer, N=${options.peers}`,
    fn: () => {
      for (let i = 0; i < BATCH; i++) buildFingers(ids, origins[i] ?? 0, ID_BITS);
    },
  });
  for (const mode of ['ring-list', 'chord'] as const) {
    const views = buildViews(ids, ID_BITS, 4, mode);
    tasks.push({
      group: 'simulated lookup',
      name: `${mode}${mode === 'ring-list' ? ' r=4' : ''}, N=${options.peers}`,
      fn: () => {
        for (let i = 0; i < BATCH; i++) simulateLookup(mode, views, origins[i] ?? 0, keys[i] ?? 0);
      },
    });
  }
  const progress = new Progress('micro', tasks.length);
  const rows: MicroRow[] = [];
  for (const task of tasks) {
    progress.note(`${task.group}: ${task.name}`);
    // One Bench per task, so that each is warmed up right before it is measured.
    const bench = new Bench({ time: options.timeMs, warmupTime: Math.min(100, options.timeMs) });
    bench.add(task.name, task.fn);
    const [measured] = await bench.run();
    const result = measured?.result;
    if (result === undefined || (result.state !== 'completed' && result.state !== 'aborted-with-statistics')) {
      const why = result?.state === 'errored' ? result.error.message : (result?.state ?? 'no result');
      throw new Error(`micro task ${task.name} did not complete: ${why}`);
    }
    rows.push({
      group: task.group,
      name: task.name,
      // tinybench reports milliseconds per call; a call is BATCH operations.
      // Operations per second from the mean latency, not the mean of each
      // sample's throughput, which the fastest samples would inflate.
      opsPerSecond: (BATCH * 1000) / result.latency.mean,
      meanNs: (result.latency.mean * 1e6) / BATCH,
      p99Ns: (result.latency.p99 * 1e6) / BATCH,
      rmePercent: result.latency.rme,
      samples: result.latency.samplesCount,
    });
    progress.tick();
  }
  progress.end();
  return {
    ...machine,
    parameters: { ...options, batch: BATCH },
    results: { rows },
    invariantFailures: [],
    seconds: (performance.now() - t0) / 1000,
  };

  function batch(fn: () => unknown): void {
    for (let i = 0; i < BATCH; i++) fn();
  }
}

/** The console table. */
export function formatMicro(result: MicroBenchResult): string {
  const [t] = microTables(result);
  return t === undefined ? '' : `${t.title}\n${markdownTable(t.head, t.rows)}`;
}

/** The command line of `npm run bench:micro`. */
export const MICRO_COMMAND: BenchCommand<MicroBenchOptions> = {
  command: 'npm run bench:micro --',
  summary:
    'Single-thread micro-benchmarks (tinybench): codec encode/decode, next-hop choice of each routing,\n' +
    'a finger table, simulated lookups. Writes bench/results/micro.json, the report and the summary.',
  options: {
    time: { kind: 'int', arg: 'MS', min: 10, max: 60_000, help: `milliseconds each task is measured (default ${DEFAULT_MICRO_OPTIONS.timeMs})` },
    peers: { kind: 'int', arg: 'N', min: 3, max: 1_000_000, help: `peers of the simulated membership (default ${DEFAULT_MICRO_OPTIONS.peers})` },
  },
  configure: (values) => {
    const base = values.quick === true ? QUICK_MICRO_OPTIONS : DEFAULT_MICRO_OPTIONS;
    return { ...base, timeMs: intOf(values, 'time', base.timeMs), peers: intOf(values, 'peers', base.peers) };
  },
};

if (isEntryPoint(import.meta.url)) {
  const options = commandLine(MICRO_COMMAND, process.argv.slice(2));
  if (options !== undefined) void runAsMain('micro', () => runMicroBench(options), formatMicro, writeReport);
}
