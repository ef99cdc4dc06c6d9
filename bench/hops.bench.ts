/**
 * Lookup hops: the ring (first successor), the ring through its successor
 * list (r = 2, 4) and Chord (r = 2), side by side on identical input.
 *
 * Simulated: runLookups with one seed per size, so every routing sees the
 * same membership (32-bit IDs) and the same (origin, key) pairs: the PRNG
 * draws the membership, then one origin and one key per lookup, whatever the
 * routing. Live: real peer processes (8-bit IDs), one seeded membership and
 * one list of lookups per size, checked hop for hop against the simulator.
 *
 * Hops are forwarding hops from the origin to the owner, the final one
 * included, 0 when the origin owns the key. Theory: N/2 (ring), N/(2r)
 * (ring-list), ½·log2 N + 1 (Chord: half of log2 N finger hops, plus the
 * final successor step).
 *
 * Run: npm run bench:hops (writes bench/results/hops.json).
 */
import { runLookups } from '../src/routing/simulator.js';
import { fmt, Invariants, isEntryPoint, machineInfo, mean, percentile, Progress, runAsMain, type BenchResult } from './common.js';
import { commandLine, intOf, listOf, type BenchCommand, type BenchOptionTable, type BenchValues } from './cli.js';
import { writeReport } from './report.js';
import {
  ROUTINGS,
  routingLabel,
  runLiveLookups,
  type HostedLiveOptions,
  type LiveLookupOptions,
  type LiveNetworkRun,
  type RoutingSpec,
} from './live-lookups.js';

/** Options of the hop benchmark. */
export interface HopsBenchOptions {
  readonly simulated: {
    readonly sizes: readonly number[];
    /** Lookups per size and routing. */
    readonly keys: number;
    readonly seed: number;
    readonly idBits: number;
  };
  readonly routings: readonly RoutingSpec[];
  /** Live rings; omitted: simulation only. */
  readonly live?: LiveLookupOptions | undefined;
}

/** Hop statistics of one routing at one size. */
export interface HopsRow {
  n: number;
  routing: string;
  lookups: number;
  mean: number;
  p50: number;
  p99: number;
  max: number;
  /** N/2, N/(2r) or ½·log2 N + 1. */
  theory: number;
}

/** A live row: the statistics, the simulator's mean on the same lookups, and whether every lookup matched it. */
export interface LiveHopsRow extends HopsRow {
  /** Peers in `p2p host` processes (false: a process per peer). */
  hosted: boolean;
  /** Host processes (hosted), or peer processes. */
  processes: number;
  idBits: number;
  simMean: number;
  parity: boolean;
  /** Lookups that differed once and matched after the ring was re-settled (see live-lookups.ts). */
  transient: number;
  bootMs: number;
  settleMs: number;
  listsInstalled: number;
  startupDeaths: number;
}

/** What the hop benchmark measured. */
export interface HopsResults {
  simulated: HopsRow[];
  live: LiveHopsRow[];
  /** Every live lookup, with its timings (the latency benchmark reads them). */
  liveRuns: LiveNetworkRun[];
}

/** The result file of the hop benchmark. */
export type HopsBenchResult = BenchResult<HopsBenchOptions, HopsResults>;

/**
 * The rings of 256 and 1,024 peers in one host each (4,096 with --large), ping
 * every 2 s, ports 3100 + ID: below every test file's ports (11300 and up) even
 * for 4,096 peers' 13-bit IDs (3100..11291).
 */
export const DEFAULT_HOSTED: HostedLiveOptions = { sizes: [256, 1024], portBase: 3100, pingSeconds: 2 };

/** The live rings of `npm run bench:hops` and `bench:latency`: 8 to 64 peers, every routing, ping every 2 s, ports 22400..22655 (below the ephemeral range, outside every test file's), then DEFAULT_HOSTED. */
export const DEFAULT_LIVE: LiveLookupOptions = {
  sizes: [8, 16, 32, 64],
  routings: ROUTINGS,
  lookups: 32,
  repeats: 3,
  seed: 2026,
  idBits: 8,
  pingSeconds: 2,
  portBase: 22400,
  deadlineMs: 240_000,
  hosted: DEFAULT_HOSTED,
};

/** The defaults of `npm run bench:hops`. */
export const DEFAULT_HOPS_OPTIONS: HopsBenchOptions = {
  simulated: { sizes: [8, 16, 32, 64, 256, 1024, 4096, 16384, 65536], keys: 5000, seed: 2026, idBits: 32 },
  routings: ROUTINGS,
  live: DEFAULT_LIVE,
};

/** `--quick`: simulated sizes up to 16384 with 1000 lookups, one live ring of 8 per routing, 16 lookups once. */
export const QUICK_HOPS_OPTIONS: HopsBenchOptions = {
  simulated: { ...DEFAULT_HOPS_OPTIONS.simulated, sizes: [8, 64, 1024, 16384], keys: 1000 },
  routings: ROUTINGS,
  live: { ...DEFAULT_LIVE, sizes: [8], lookups: 16, repeats: 1, hosted: undefined },
};

/** The options of the hosted rings, in bench:hops and in `npm run bench`. */
export const HOSTED_BENCH_OPTIONS = {
  'hosted-sizes': {
    kind: 'ints',
    arg: 'N,N',
    min: 3,
    max: 4096,
    help: `live ring sizes with every peer in one host process (default ${DEFAULT_HOSTED.sizes.join(',')}; --quick: none; ports ${DEFAULT_HOSTED.portBase} + ID)`,
  },
  large: { kind: 'flag', help: 'also a hosted ring of 4096 peers (13-bit IDs)' },
  'hosted-id-bits': {
    kind: 'int',
    arg: 'M',
    min: 8,
    max: 16,
    help: 'ID width of the hosted rings (default: one bit more than N needs); IDs past the ports below 32768 get an address each (127.1.0.0 + ID)',
  },
  'hosted-ping': {
    kind: 'number',
    arg: 'SECONDS',
    min: 0.5,
    max: 60,
    help: `ping interval of the hosted rings (default ${DEFAULT_HOSTED.pingSeconds}; Chord's upkeep grows with it: 4,096 peers need about 8 on 2 cores)`,
  },
} as const satisfies BenchOptionTable;

/** The command line of `npm run bench:hops`. */
export const HOPS_COMMAND: BenchCommand<HopsBenchOptions> = {
  command: 'npm run bench:hops --',
  summary:
    'Hops per lookup under every routing: simulated (up to 65536 peers) and on live rings of real peers,\n' +
    'every live lookup checked against the simulator. Writes bench/results/hops.json, the report and the summary.',
  options: {
    sizes: { kind: 'ints', arg: 'N,N', min: 3, max: 256, help: `live ring sizes, a process per peer (default ${DEFAULT_LIVE.sizes.join(',')})` },
    ...HOSTED_BENCH_OPTIONS,
    routings: {
      kind: 'names',
      arg: 'NAMES',
      choices: ROUTINGS.map(routingName),
      help: `live routings (default all: ${ROUTINGS.map(routingName).join(',')})`,
    },
    'hosted-only': { kind: 'flag', help: 'no rings of a process per peer: only the hosted ones' },
    'sim-sizes': {
      kind: 'ints',
      arg: 'N,N',
      min: 2,
      max: 1_000_000,
      help: `simulated sizes (default ${DEFAULT_HOPS_OPTIONS.simulated.sizes.join(',')})`,
    },
    keys: {
      kind: 'int',
      arg: 'K',
      min: 1,
      max: 1_000_000,
      help: `simulated lookups per size and routing (default ${DEFAULT_HOPS_OPTIONS.simulated.keys})`,
    },
    lookups: { kind: 'int', arg: 'K', min: 1, max: 10_000, help: `live (origin, key) pairs per ring (default ${DEFAULT_LIVE.lookups})` },
    repeats: { kind: 'int', arg: 'K', min: 1, max: 100, help: `times each live pair is looked up (default ${DEFAULT_LIVE.repeats})` },
  },
  configure: (values) => {
    const base = values.quick === true ? QUICK_HOPS_OPTIONS : DEFAULT_HOPS_OPTIONS;
    const live = base.live ?? DEFAULT_LIVE;
    return {
      ...base,
      simulated: {
        ...base.simulated,
        sizes: listOf(values, 'sim-sizes', base.simulated.sizes),
        keys: intOf(values, 'keys', base.simulated.keys),
      },
      live: {
        ...live,
        sizes: values['hosted-only'] === true ? [] : listOf(values, 'sizes', live.sizes),
        routings: ROUTINGS.filter((spec) => listOf<string>(values, 'routings', ROUTINGS.map(routingName)).includes(routingName(spec))),
        lookups: intOf(values, 'lookups', live.lookups),
        repeats: intOf(values, 'repeats', live.repeats),
        portBase: intOf(values, 'port-base', live.portBase),
        hosted: hostedOf(values, live.hosted),
      },
    };
  },
};

/** A routing's name on the command line: ring, ring-list-2, ring-list-4, chord. */
export function routingName(spec: RoutingSpec): string {
  return routingLabel(spec).replace(' r=', '-');
}

/** The hosted rings that `--hosted-sizes` and `--large` ask for (none: undefined). */
export function hostedOf(values: BenchValues, base: HostedLiveOptions | undefined): HostedLiveOptions | undefined {
  const sizes = [...listOf(values, 'hosted-sizes', base?.sizes ?? []), ...(values.large === true ? [4096] : [])];
  const ping = values['hosted-ping'];
  const bits = values['hosted-id-bits'];
  return sizes.length === 0
    ? undefined
    : {
        ...DEFAULT_HOSTED,
        ...base,
        sizes: [...new Set(sizes)],
        ...(typeof ping === 'number' ? { pingSeconds: ping } : {}),
        ...(typeof bits === 'number' ? { idBits: bits } : {}),
      };
}

/** Theoretical mean hops of a routing at size n (see the file comment). */
export function theoryHops(spec: { mode: string; r: number }, n: number): number {
  if (spec.mode === 'ring') return n / 2;
  if (spec.mode === 'ring-list') return n / (2 * spec.r);
  return Math.log2(n) / 2 + 1;
}

function stats(hops: readonly number[]): Pick<HopsRow, 'mean' | 'p50' | 'p99' | 'max'> {
  return { mean: mean(hops), p50: percentile(hops, 0.5), p99: percentile(hops, 0.99), max: Math.max(...hops) };
}

/** Runs the simulated sizes, then the live rings (when asked), and checks every lookup. */
export async function runHopsBench(options: HopsBenchOptions): Promise<HopsBenchResult> {
  const machine = machineInfo();
  const t0 = performance.now();
  const invariants = new Invariants();
  const sim = options.simulated;
  const liveCount =
    options.live === undefined ? 0 : (options.live.sizes.length + (options.live.hosted?.sizes.length ?? 0)) * options.live.routings.length;
  const progress = new Progress('hops', sim.sizes.length * options.routings.length + liveCount);
  const simulated: HopsRow[] = [];
  for (const n of sim.sizes) {
    for (const spec of options.routings) {
      progress.note(`simulated ${routingLabel(spec)} N=${n}`);
      try {
        // Same seed for every routing: same membership, same origins and keys.
        const s = runLookups({ mode: spec.mode, idBits: sim.idBits, n, r: spec.r, keys: sim.keys, seed: sim.seed + n });
        simulated.push({
          n,
          routing: routingLabel(spec),
          lookups: sim.keys,
          mean: s.mean,
          p50: s.p50,
          p99: s.p99,
          max: s.max,
          theory: theoryHops(spec, n),
        });
      } catch (err) {
        // runLookups throws WrongOwnerError (or a routing loop) naming the seed.
        invariants.check(false, () => `simulated ${routingLabel(spec)} N=${n}: ${err instanceof Error ? err.message : String(err)}`);
      }
      progress.tick();
    }
  }
  const liveRuns = options.live === undefined ? [] : await runLiveLookups(options.live, invariants, progress);
  progress.end();
  const live = liveRuns.map((run): LiveHopsRow => ({
    n: run.n,
    routing: run.routing,
    hosted: run.hosted,
    processes: run.processes,
    idBits: run.idBits,
    lookups: run.lookups.length,
    ...stats(run.lookups.map((l) => l.hops)),
    theory: theoryHops(run, run.n),
    simMean: mean(run.lookups.map((l) => l.simHops)),
    parity: run.parity,
    transient: run.transient.length,
    bootMs: run.setup.bootMs,
    settleMs: run.setup.settleMs,
    listsInstalled: run.setup.listsInstalled,
    startupDeaths: run.setup.startupDeaths,
  }));
  return {
    ...machine,
    parameters: options,
    results: { simulated, live, liveRuns },
    invariantFailures: invariants.failures,
    seconds: (performance.now() - t0) / 1000,
  };
}

/** How a live row's peers ran: `a process each, 8-bit IDs`, `one host, 11-bit IDs` or `4 hosts, 13-bit IDs`. */
export function liveSetting(r: { readonly hosted?: boolean; readonly processes?: number; readonly idBits?: number }): string {
  // Rows written before hosted rings existed have none of these: a process each, 8-bit IDs.
  const hosts = r.processes ?? 1;
  return `${r.hosted !== true ? 'a process each' : hosts === 1 ? 'one host' : `${hosts} hosts`}, ${r.idBits ?? 8}-bit IDs`;
}

/** The console table. */
export function formatHops(result: HopsBenchResult): string {
  const head = `${'N'.padStart(6)}  ${'routing'.padEnd(14)}${'mean'.padStart(9)}${'p50'.padStart(7)}${'p99'.padStart(7)}${'max'.padStart(7)}${'theory'.padStart(9)}`;
  const row = (r: HopsRow): string =>
    `${String(r.n).padStart(6)}  ${r.routing.padEnd(14)}${fmt(r.mean, 2).padStart(9)}${String(r.p50).padStart(7)}` +
    `${String(r.p99).padStart(7)}${String(r.max).padStart(7)}${fmt(r.theory, 2).padStart(9)}`;
  const lines = [`simulated hops (${result.parameters.simulated.idBits}-bit IDs, ${result.parameters.simulated.keys} lookups each)`, head];
  lines.push(...result.results.simulated.map(row));
  if (result.results.live.length > 0) {
    lines.push('', 'live hops (real peers), with the simulator on the same lookups', `${head}${'sim'.padStart(8)}  parity   peers`);
    lines.push(
      ...result.results.live.map(
        (r) =>
          `${row(r)}${fmt(r.simMean, 2).padStart(8)}  ${(r.parity ? 'equal' : 'DIFFERS').padEnd(8)} ${liveSetting(r)}` +
          (r.transient > 0 ? ` (${r.transient} after re-settling)` : ''),
      ),
    );
  }
  return lines.join('\n');
}

if (isEntryPoint(import.meta.url)) {
  const options = commandLine(HOPS_COMMAND, process.argv.slice(2));
  if (options !== undefined) void runAsMain('hops', () => runHopsBench(options), formatHops, writeReport);
}
