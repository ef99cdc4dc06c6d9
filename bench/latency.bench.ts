/**
 * Lookup latency on live rings: milliseconds from typing `lookup KEY` at a
 * peer to its 'lookup' event, against the hops the lookup took. Every
 * routing runs the same lookups on the same membership (live-lookups.ts); a
 * least-squares line ms = fixed + perHop·hops says what one forwarding hop
 * costs (a TCP connection, a frame, the ring queue, the consumer).
 *
 * Beside it, measured in the same run once the lookups are done, the floor
 * of a hop (bench/floors.ts): one framed round trip between two separate Node
 * processes over a TCP connection kept open (a 200-byte length-prefixed
 * frame answered by a 1-byte ack), and, when dht-rpc is installed, one
 * dht-rpc request between two processes of a testnet of two on 127.0.0.1
 * (the issue's yardstick). The per-hop cost is reported as a ratio to each.
 * Targets (issue 13): a hop under 0.5 ms, and within 2× of dht-rpc.
 *
 * Run: npm run bench:latency [-- --sizes 8,16 --lookups K --repeats K --round-trips K]
 * (writes bench/results/latency.json). `npm run
 * bench` reuses the lookups of the hop benchmark instead of starting the
 * rings again.
 */
import {
  fmt,
  Invariants,
  isEntryPoint,
  linearFit,
  machineInfo,
  mean,
  median,
  percentile,
  Progress,
  runAsMain,
  type BenchResult,
  type MachineInfo,
} from './common.js';
import { compareToFloor, ISSUE_13_TARGETS, verdict, type FloorComparison, type Summary } from './floor-math.js';
import { HOP_FRAME_BYTES, measureHopFloor, type HopFloorOptions } from './floors.js';
import { commandLine, intOf, listOf, parseBenchArgs, portPlan, type BenchCommand } from './cli.js';
import { writeReport } from './report.js';
import { DEFAULT_LIVE } from './hops.bench.js';
import { runLiveLookups, type LiveLookupOptions, type LiveNetworkRun } from './live-lookups.js';

/** Options of the latency benchmark. */
export interface LatencyBenchOptions {
  readonly live: LiveLookupOptions;
  /** Reuse these runs (from the hop benchmark) instead of starting rings. */
  readonly fromRuns?: readonly LiveNetworkRun[] | undefined;
  /** The machine record of the reused runs (their date and load). */
  readonly fromMachine?: MachineInfo | undefined;
  /** The hop floor (default DEFAULT_HOP_FLOOR). */
  readonly floor?: HopFloorOptions | undefined;
}

/** The hop floor of `npm run bench:latency`: ports 28200..28202 (below the ephemeral range, outside every test file's), 1000 round trips after 200. */
export const DEFAULT_HOP_FLOOR: HopFloorOptions = { port: 28200, roundTrips: 1000, warmup: 200, timeoutMs: 60_000 };

/** The floor of a hop, measured after the lookups, and the per-hop cost against it. */
export interface LatencyFloor {
  options: HopFloorOptions;
  frameBytes: number;
  /** One framed round trip over a kept-open TCP connection between two processes, ms. */
  framed: Summary;
  /** One dht-rpc round trip between two processes, ms; or why it was not measured. */
  dhtRpc: Summary | { error: string };
  /** The machine when the floor was measured (with the hop benchmark's runs reused, later than theirs). */
  measuredAt: MachineInfo;
  /** The overall per-hop slope against the framed round trip's median (target: under ISSUE_13_TARGETS.hopMs). */
  perHopVsFramed: FloorComparison;
  /** The overall per-hop slope against dht-rpc's median (ratio target: ISSUE_13_TARGETS.hopOverDhtRpc). */
  perHopVsDhtRpc?: FloorComparison | undefined;
}

/** Latency of one routing at one size, over every repeat of every lookup. */
export interface LatencyRow {
  n: number;
  routing: string;
  samples: number;
  meanHops: number;
  msMean: number;
  msP50: number;
  msP99: number;
  /** Slope of the fit of ms against hops on this ring. */
  msPerHop: number;
}

/** Latency by hop count, over every ring. */
export interface LatencyByHops {
  hops: number;
  samples: number;
  msP50: number;
  msMean: number;
  msMin: number;
  msMax: number;
}

/** What the latency benchmark measured. */
export interface LatencyResults {
  rows: LatencyRow[];
  byHops: LatencyByHops[];
  /** ms = fixedMs + msPerHop·hops over every sample. */
  fit: { fixedMs: number; msPerHop: number };
  /**
   * The same fit over the rings of a process per peer only, and over the
   * rings in hosts only (absent when there were none). A hop between
   * processes is what the floors measure, so the verdicts use the former:
   * in a host a hop stays inside one warm set of threads, and its rings'
   * hundreds of hops would otherwise decide the overall slope.
   */
  processFit?: { fixedMs: number; msPerHop: number } | undefined;
  hostedFit?: { fixedMs: number; msPerHop: number } | undefined;
  /** True when the samples came from the hop benchmark's rings. */
  reusedHopsRun: boolean;
  /** The hop's floor (absent in results written before it was measured). */
  floor?: LatencyFloor | undefined;
}

/** The result file of the latency benchmark. */
export type LatencyBenchResult = BenchResult<{ live: LiveLookupOptions; floor?: HopFloorOptions }, LatencyResults>;

/** Measures (or reuses) live lookups and relates their time to their hops. */
export async function runLatencyBench(options: LatencyBenchOptions): Promise<LatencyBenchResult> {
  const machine = options.fromRuns === undefined ? machineInfo() : (options.fromMachine ?? machineInfo());
  const t0 = performance.now();
  const invariants = new Invariants();
  let runs = options.fromRuns;
  if (runs === undefined) {
    const progress = new Progress('latency', options.live.sizes.length * options.live.routings.length);
    runs = await runLiveLookups(options.live, invariants, progress);
    progress.end();
  }
  const all: { hops: number; ms: number }[] = [];
  const perProcess: { hops: number; ms: number }[] = [];
  const hosted: { hops: number; ms: number }[] = [];
  const rows = runs.map((run): LatencyRow => {
    const samples = run.lookups.flatMap((l) => l.ms.map((ms) => ({ hops: l.hops, ms })));
    all.push(...samples);
    // Runs recorded before hosted rings existed have no `hosted`: a process per peer.
    (run.hosted ? hosted : perProcess).push(...samples);
    const ms = samples.map((s) => s.ms);
    return {
      n: run.n,
      routing: run.routing,
      samples: samples.length,
      meanHops: mean(samples.map((s) => s.hops)),
      msMean: mean(ms),
      msP50: percentile(ms, 0.5),
      msP99: percentile(ms, 0.99),
      msPerHop: linearFit(
        samples.map((s) => s.hops),
        ms,
      ).slope,
    };
  });
  const byHops = [...new Set(all.map((s) => s.hops))]
    .sort((a, b) => a - b)
    .map((hops): LatencyByHops => {
      const ms = all.filter((s) => s.hops === hops).map((s) => s.ms);
      return { hops, samples: ms.length, msP50: median(ms), msMean: mean(ms), msMin: Math.min(...ms), msMax: Math.max(...ms) };
    });
  const fitOf = (samples: readonly { hops: number; ms: number }[]): { fixedMs: number; msPerHop: number } | undefined => {
    if (samples.length < 2) return undefined;
    const f = linearFit(
      samples.map((x) => x.hops),
      samples.map((x) => x.ms),
    );
    return { fixedMs: f.intercept, msPerHop: f.slope };
  };
  const fit = linearFit(
    all.map((s) => s.hops),
    all.map((s) => s.ms),
  );
  const processFit = fitOf(perProcess);
  const hostedFit = fitOf(hosted);
  const judged = processFit?.msPerHop ?? fit.slope;
  const floorOptions = options.floor ?? DEFAULT_HOP_FLOOR;
  const measuredAt = machineInfo();
  const measured = await measureHopFloor(floorOptions);
  const strip = ({ n, median: m, p90, min, max }: Summary): Summary => ({ n, median: m, p90, min, max });
  const dhtRpc = 'error' in measured.dhtRpc ? measured.dhtRpc : strip(measured.dhtRpc);
  const floor: LatencyFloor = {
    options: floorOptions,
    frameBytes: HOP_FRAME_BYTES,
    measuredAt,
    framed: strip(measured.framed),
    dhtRpc,
    perHopVsFramed: compareToFloor(judged, measured.framed.median, ISSUE_13_TARGETS.hopMs),
    perHopVsDhtRpc: 'error' in dhtRpc ? undefined : compareToFloor(judged, dhtRpc.median),
  };
  if (floor.perHopVsDhtRpc !== undefined) floor.perHopVsDhtRpc.met = floor.perHopVsDhtRpc.ratio <= ISSUE_13_TARGETS.hopOverDhtRpc;
  return {
    ...machine,
    parameters: { live: options.live, floor: floorOptions },
    results: {
      rows,
      byHops,
      fit: { fixedMs: fit.intercept, msPerHop: fit.slope },
      processFit,
      hostedFit,
      reusedHopsRun: options.fromRuns !== undefined,
      floor,
    },
    invariantFailures: invariants.failures,
    seconds: (performance.now() - t0) / 1000,
  };
}

/** The console table. */
export function formatLatency(result: LatencyBenchResult): string {
  const r = result.results;
  const lines = [
    `lookup latency on live rings (ms from typing 'lookup' to its event)`,
    `${'N'.padStart(4)}  ${'routing'.padEnd(14)}${'hops'.padStart(7)}${'mean ms'.padStart(10)}${'p50'.padStart(8)}${'p99'.padStart(8)}${'ms/hop'.padStart(8)}`,
    ...r.rows.map(
      (x) =>
        `${String(x.n).padStart(4)}  ${x.routing.padEnd(14)}${fmt(x.meanHops, 1).padStart(7)}${fmt(x.msMean).padStart(10)}` +
        `${fmt(x.msP50).padStart(8)}${fmt(x.msP99).padStart(8)}${fmt(x.msPerHop, 2).padStart(8)}`,
    ),
    `overall: ms ≈ ${fmt(r.fit.fixedMs, 2)} + ${fmt(r.fit.msPerHop, 2)} × hops`,
  ];
  if (r.processFit !== undefined && r.hostedFit !== undefined) {
    lines.push(
      `a process per peer: ms ≈ ${fmt(r.processFit.fixedMs, 2)} + ${fmt(r.processFit.msPerHop, 2)} × hops; ` +
        `in hosts: ms ≈ ${fmt(r.hostedFit.fixedMs, 2)} + ${fmt(r.hostedFit.msPerHop, 2)} × hops`,
    );
  }
  const f = r.floor;
  if (f !== undefined) {
    lines.push(
      `floor of a hop: framed round trip (${f.frameBytes} B + 1 B ack, connection kept open) p50 ${fmt(f.framed.median, 3)} ms, p90 ${fmt(f.framed.p90, 3)} ms` +
        ` → per hop between processes ${fmt(f.perHopVsFramed.ratio, 1)}× the floor (target < ${ISSUE_13_TARGETS.hopMs} ms: ${verdict(f.perHopVsFramed)})`,
      'error' in f.dhtRpc
        ? `dht-rpc round trip: not measured (${f.dhtRpc.error})`
        : `dht-rpc round trip p50 ${fmt(f.dhtRpc.median, 3)} ms, p90 ${fmt(f.dhtRpc.p90, 3)} ms → per hop ${fmt(f.perHopVsDhtRpc?.ratio ?? Number.NaN, 1)}× (target ≤ ${ISSUE_13_TARGETS.hopOverDhtRpc}×: ${verdict(f.perHopVsDhtRpc ?? {})})`,
    );
  }
  return lines.join('\n');
}

/** `--quick`: one ring of 8 per routing, 16 lookups once, 200 round trips of the floor. */
export const QUICK_LATENCY_OPTIONS: LatencyBenchOptions = {
  live: { ...DEFAULT_LIVE, sizes: [8], lookups: 16, repeats: 1 },
  floor: { ...DEFAULT_HOP_FLOOR, roundTrips: 200, warmup: 50 },
};

/** The command line of `npm run bench:latency`. */
export const LATENCY_COMMAND: BenchCommand<LatencyBenchOptions> = {
  command: 'npm run bench:latency --',
  summary:
    'Milliseconds per lookup against its hops on live rings, and the floor of a hop (a framed round trip\n' +
    'between two processes, and dht-rpc). Writes bench/results/latency.json, the report and the summary.',
  options: {
    sizes: { kind: 'ints', arg: 'N,N', min: 3, max: 2 ** DEFAULT_LIVE.idBits, help: `ring sizes (default ${DEFAULT_LIVE.sizes.join(',')})` },
    lookups: { kind: 'int', arg: 'K', min: 1, max: 10_000, help: `(origin, key) pairs per ring (default ${DEFAULT_LIVE.lookups})` },
    repeats: { kind: 'int', arg: 'K', min: 1, max: 100, help: `times each pair is looked up (default ${DEFAULT_LIVE.repeats})` },
    'round-trips': {
      kind: 'int',
      arg: 'K',
      min: 1,
      max: 1_000_000,
      help: `round trips of the hop floor (default ${DEFAULT_HOP_FLOOR.roundTrips})`,
    },
  },
  configure: (values) => {
    const base = values.quick === true ? QUICK_LATENCY_OPTIONS : { live: DEFAULT_LIVE, floor: DEFAULT_HOP_FLOOR };
    const floor = base.floor ?? DEFAULT_HOP_FLOOR;
    const ports = typeof values['port-base'] === 'number' ? portPlan(values['port-base']) : undefined;
    return {
      live: {
        ...base.live,
        sizes: listOf(values, 'sizes', base.live.sizes),
        lookups: intOf(values, 'lookups', base.live.lookups),
        repeats: intOf(values, 'repeats', base.live.repeats),
        portBase: ports?.peers ?? base.live.portBase,
      },
      floor: { ...floor, roundTrips: intOf(values, 'round-trips', floor.roundTrips), port: ports?.hopFloor ?? floor.port },
    };
  },
};

/** `--sizes 8,16`, `--lookups K`, `--repeats K`, `--round-trips K`, `--quick`, `--port-base N` over the defaults. */
export function latencyOptionsFromArgs(args: readonly string[]): LatencyBenchOptions {
  return LATENCY_COMMAND.configure(parseBenchArgs(args, LATENCY_COMMAND.options));
}

if (isEntryPoint(import.meta.url)) {
  const options = commandLine(LATENCY_COMMAND, process.argv.slice(2));
  if (options !== undefined) void runAsMain('latency', () => runLatencyBench(options), formatLatency, writeReport);
}
