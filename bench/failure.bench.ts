/**
 * Failure detection: from SIGKILL of a peer to both its predecessors' repair
 * lines ("Peer X is no longer alive", then "My new first/second successor
 * is Peer ..."), for several ping intervals, against the design's bound: one
 * interval (until the next ping) plus PING_MISSES_DEAD ping timeouts (the
 * CLI's timeout is min(1000 ms, max(200 ms, interval))). Each run is a fresh
 * ring of six peers in its perfect state; the kill falls at a seeded random
 * phase of the ping interval. The new successors must be the true ones.
 *
 * Run: npm run bench:failure (writes bench/results/failure.json).
 */
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PING_MISSES_DEAD } from '../src/constants.js';
import { detectionMs, pingTimeoutFor, pingTiming } from '../src/timing.js';
import { createPrng } from '../src/routing/prng.js';
import { fmt, Invariants, isEntryPoint, machineInfo, median, Progress, runAsMain, type BenchResult } from './common.js';
import { commandLine, intOf, listOf, type BenchCommand } from './cli.js';
import { writeReport } from './report.js';
import { delay, LiveRing } from './live-network.js';

/** Options of the failure benchmark. */
export interface FailureBenchOptions {
  /** Ping intervals, in seconds. */
  readonly intervals: readonly number[];
  readonly runs: number;
  readonly portBase: number;
  readonly seed: number;
  readonly deadlineMs: number;
}

/** One kill. */
export interface FailureRun {
  /** Kill → "no longer alive" at the first and at the second predecessor. */
  detectMs: [number, number];
  /** Kill → the last repair line at the first and at the second predecessor. */
  repairMs: [number, number];
  /** Both repaired: the later of the two. */
  bothMs: number;
  /** Phase of the kill within the ping interval, ms after the ring settled. */
  phaseMs: number;
}

/** All runs at one interval. */
export interface FailureRow {
  intervalS: number;
  pingTimeoutMs: number;
  /** interval + PING_MISSES_DEAD × timeout. */
  boundMs: number;
  runs: FailureRun[];
  bothMedianMs: number;
  bothMinMs: number;
  bothMaxMs: number;
  /** Runs whose both repairs ended within the bound. */
  withinBound: number;
  /** Kill → the later "no longer alive" of the two predecessors: median and max. */
  detectMedianMs: number;
  detectMaxMs: number;
  /** Runs whose both detections came within the bound. */
  detectWithinBound: number;
}

/** The result file of the failure benchmark. */
export type FailureBenchResult = BenchResult<
  FailureBenchOptions & { peers: number[]; victim: number; pingMissesDead: number },
  { rows: FailureRow[] }
>;

const PEERS = [20, 60, 100, 140, 180, 220];
const VICTIM = 100;

/** The defaults of `npm run bench:failure`. */
export const DEFAULT_FAILURE_OPTIONS: FailureBenchOptions = { intervals: [0.5, 1, 2], runs: 5, portBase: 22700, seed: 11, deadlineMs: 120_000 };

/** `--quick`: two kills at a 0.5 s interval. */
export const QUICK_FAILURE_OPTIONS: FailureBenchOptions = { ...DEFAULT_FAILURE_OPTIONS, intervals: [0.5], runs: 2 };

/** The command line of `npm run bench:failure`. */
export const FAILURE_COMMAND: BenchCommand<FailureBenchOptions> = {
  command: 'npm run bench:failure --',
  summary:
    'A peer killed in a live ring of six: the time until both its predecessors have declared it dead and\n' +
    'repaired their successors, against the bound the ping interval sets. Writes bench/results/failure.json,\n' +
    'the report and the summary.',
  options: {
    intervals: {
      kind: 'numbers',
      arg: 'S,S',
      min: 0.1,
      max: 60,
      help: `ping intervals in seconds (default ${DEFAULT_FAILURE_OPTIONS.intervals.join(',')})`,
    },
    runs: { kind: 'int', arg: 'K', min: 1, max: 100, help: `kills per interval (default ${DEFAULT_FAILURE_OPTIONS.runs})` },
  },
  configure: (values) => {
    const base = values.quick === true ? QUICK_FAILURE_OPTIONS : DEFAULT_FAILURE_OPTIONS;
    return {
      ...base,
      intervals: listOf(values, 'intervals', base.intervals),
      runs: intOf(values, 'runs', base.runs),
      portBase: intOf(values, 'port-base', base.portBase),
    };
  },
};

/** The ping timeout the CLI derives from an interval. */
export function pingTimeoutMs(intervalS: number): number {
  return pingTimeoutFor(Math.round(intervalS * 1000));
}

/** Kills VICTIM in a fresh ring; returns the times, or undefined when the ring never came up. */
async function oneRun(
  intervalS: number,
  phaseMs: number,
  options: FailureBenchOptions,
  invariants: Invariants,
  progress: Progress,
): Promise<FailureRun | undefined> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'p2p-bench-failure-'));
  let ring: LiveRing | undefined;
  try {
    ring = await LiveRing.start({
      ids: PEERS,
      mode: 'ring',
      r: 2,
      idBits: 8,
      pingSeconds: intervalS,
      portBase: options.portBase,
      dir,
      deadlineMs: options.deadlineMs,
      onNote: (what) => progress.note(`${intervalS} s: ${what}`),
    });
    const i = PEERS.indexOf(VICTIM);
    const preds = [PEERS[i - 1] as number, PEERS[i - 2] as number];
    // Both predecessors must have heard the victim answer: a successor that
    // never answered gets a start-up grace period instead of the bound.
    const live = ring;
    await live.exits.race(
      Promise.all(preds.map((id) => live.net.get(id).waitForKind('ping-response', options.deadlineMs, 0, { from: VICTIM }))),
    );
    await live.exits.race(delay(phaseMs));
    const expected = [
      [PEERS[i + 1] as number, PEERS[i + 2] as number],
      [PEERS[i - 1] as number, PEERS[i + 1] as number],
    ];
    const marks = ring.net.marks();
    let t0 = 0;
    const waits = preds.map(async (id, k) => {
      const peer = live.net.get(id);
      const since = marks.get(id) ?? 0;
      await live.exits.race(peer.waitForKind('peer-dead', options.deadlineMs, since, { peer: VICTIM }));
      const detect = performance.now() - t0;
      await live.exits.race(peer.waitForKind('successor', options.deadlineMs, since, { position: 2 }));
      const repair = performance.now() - t0;
      const lines = peer.events
        .slice(since)
        .filter((e) => e.kind === 'successor')
        .map((e) => Number(e.fields?.['peer']));
      invariants.check(
        lines.join() === (expected[k] as number[]).join(),
        () => `failure ${intervalS} s: Peer ${id} repaired to [${lines.join(', ')}], expected [${(expected[k] as number[]).join(', ')}]`,
      );
      return { detect, repair };
    });
    t0 = performance.now();
    live.kill(VICTIM);
    const [a, b] = await Promise.all(waits);
    if (a === undefined || b === undefined) throw new Error('no result from one of the two predecessors');
    return { detectMs: [a.detect, b.detect], repairMs: [a.repair, b.repair], bothMs: Math.max(a.repair, b.repair), phaseMs };
  } catch (err) {
    invariants.check(false, () => `failure ${intervalS} s: ${err instanceof Error ? err.message : String(err)}`);
    return undefined;
  } finally {
    await ring?.stop();
    await fs.rm(dir, { recursive: true, force: true });
  }
}

/** Runs every interval `runs` times. */
export async function runFailureBench(options: FailureBenchOptions): Promise<FailureBenchResult> {
  const machine = machineInfo();
  const t0 = performance.now();
  const invariants = new Invariants();
  const prng = createPrng(options.seed);
  const progress = new Progress('failure', options.intervals.length * options.runs);
  const rows: FailureRow[] = [];
  for (const intervalS of options.intervals) {
    const timing = pingTiming(Math.round(intervalS * 1000));
    const timeout = timing.pingTimeoutMs;
    const boundMs = detectionMs(timing);
    const runs: FailureRun[] = [];
    for (let k = 0; k < options.runs; k++) {
      const run = await oneRun(intervalS, Math.floor(prng.float() * intervalS * 1000), options, invariants, progress);
      if (run !== undefined) runs.push(run);
      progress.tick();
    }
    const both = runs.map((r) => r.bothMs);
    const detect = runs.map((r) => Math.max(...r.detectMs));
    rows.push({
      intervalS,
      pingTimeoutMs: timeout,
      boundMs,
      runs,
      bothMedianMs: median(both),
      bothMinMs: Math.min(...both),
      bothMaxMs: Math.max(...both),
      withinBound: both.filter((ms) => ms <= boundMs).length,
      detectMedianMs: median(detect),
      detectMaxMs: Math.max(...detect),
      detectWithinBound: detect.filter((ms) => ms <= boundMs).length,
    });
  }
  progress.end();
  return {
    ...machine,
    parameters: { ...options, peers: PEERS, victim: VICTIM, pingMissesDead: PING_MISSES_DEAD },
    results: { rows },
    invariantFailures: invariants.failures,
    seconds: (performance.now() - t0) / 1000,
  };
}

/** The console table. */
export function formatFailure(result: FailureBenchResult): string {
  const lines = [
    `failure detection: SIGKILL -> both predecessors' "no longer alive" (detected) and last repair line (repaired), ms (${result.parameters.runs} runs each)`,
    `${'interval'.padStart(9)}${'timeout'.padStart(9)}${'bound ms'.padStart(10)}${'detected'.padStart(10)}${'max'.padStart(8)}` +
      `${'repaired'.padStart(10)}${'min'.padStart(8)}${'max'.padStart(8)}${'within bound (detected/repaired)'.padStart(34)}`,
  ];
  for (const r of result.results.rows) {
    lines.push(
      `${`${r.intervalS} s`.padStart(9)}${String(r.pingTimeoutMs).padStart(9)}${String(r.boundMs).padStart(10)}` +
        `${fmt(r.detectMedianMs, 0).padStart(10)}${fmt(r.detectMaxMs, 0).padStart(8)}${fmt(r.bothMedianMs, 0).padStart(10)}` +
        `${fmt(r.bothMinMs, 0).padStart(8)}${fmt(r.bothMaxMs, 0).padStart(8)}` +
        `${r.detectWithinBound}/${r.runs.length} / ${r.withinBound}/${r.runs.length}`.padStart(34),
    );
  }
  return lines.join('\n');
}

if (isEntryPoint(import.meta.url)) {
  const options = commandLine(FAILURE_COMMAND, process.argv.slice(2));
  if (options !== undefined) void runAsMain('failure', () => runFailureBench(options), formatFailure, writeReport);
}
