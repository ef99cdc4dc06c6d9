/**
 * Lookup latency on live rings: milliseconds from typing `lookup KEY` at a
 * peer to its 'lookup' event, against the hops the lookup took. Every
 * routing runs the same lookups on the same membership (live-lookups.ts); a
 * least-squares line ms = fixed + perHop·hops says what one forwarding hop
 * costs (a TCP connection, a frame, the ring queue, the consumer).
 *
 * Run: npm run bench:latency (writes bench/results/latency.json). `npm run
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
  /** True when the samples came from the hop benchmark's rings. */
  reusedHopsRun: boolean;
}

/** The result file of the latency benchmark. */
export type LatencyBenchResult = BenchResult<{ live: LiveLookupOptions }, LatencyResults>;

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
  const rows = runs.map((run): LatencyRow => {
    const samples = run.lookups.flatMap((l) => l.ms.map((ms) => ({ hops: l.hops, ms })));
    all.push(...samples);
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
  const fit = linearFit(
    all.map((s) => s.hops),
    all.map((s) => s.ms),
  );
  return {
    ...machine,
    parameters: { live: options.live },
    results: { rows, byHops, fit: { fixedMs: fit.intercept, msPerHop: fit.slope }, reusedHopsRun: options.fromRuns !== undefined },
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
  return lines.join('\n');
}

if (isEntryPoint(import.meta.url)) {
  void runAsMain('latency', () => runLatencyBench({ live: DEFAULT_LIVE }), formatLatency, writeReport);
}
