/**
 * Start-up: how long, and how much CPU and memory, a peer process takes
 * from its spawn to its first ping, alone and with 63 others started at the
 * same moment (each `init ID S1 S2 1` with its true successors, ping every
 * 1 s). Beside it, the floor: a bare Node process that starts five idle worker
 * threads, measured the same way. On a 2-core machine 64 processes at once
 * share two cores, so the time for all of them is about their CPU over two.
 *
 * Per process: spawn → first `ping-sent` event (ms), its CPU by then
 * (user + system, from /proc), and its RSS 2 s after the last peer pinged.
 * Per network: spawn of the first → the last peer's first `ping-sent`
 * ("all pinged") and → the last peer's first `ping-response` ("all answered").
 *
 * Run: npm run bench:startup [-- --peers 64 --runs 3 --port-base 18600 --quick]
 * (writes bench/results/startup.json, the report and the summary). Linux only (/proc).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PeerNetwork } from '../src/testnet/network.js';
import type { ChildPeer } from '../src/testnet/child-peer.js';
import { commandLine, intOf, type BenchCommand } from './cli.js';
import { fmt, isEntryPoint, machineInfo, markdownTable, median, runAsMain, type BenchResult } from './common.js';
import { writeReport } from './report.js';
import { startupTables } from './tables.js';

/** Options of the start-up benchmark. */
export interface StartupBenchOptions {
  /** Peers started at once. */
  readonly peers: number;
  readonly runs: number;
  /** Ports used: portBase + 0..255. */
  readonly portBase: number;
  readonly deadlineMs: number;
}

/** One start of `n` processes at once. */
export interface StartupRun {
  /** Spawn of the first → the last process's first ping (the floor: its five workers up). */
  allPingedMs: number;
  /** Spawn of the first → the last peer's first ping answer (undefined for the floor and a lone peer). */
  allAnsweredMs?: number | undefined;
  /** Per process: spawn → first ping. */
  firstPingMs: number[];
  /** Per process: CPU (user + system) by its first ping, ms. */
  cpuMs: number[];
  /** Per process: RSS 2 s after the last one pinged, MiB. */
  rssMb: number[];
  /** 1-minute load average before the run. */
  load1: number;
}

/** Runs of one contender. */
export interface StartupRow {
  contender: 'peer' | 'floor';
  processes: number;
  runs: StartupRun[];
  allPingedMedianMs: number;
  firstPingMedianMs: number;
  cpuMedianMs: number;
  rssMedianMb: number;
}

/** The result file of the start-up benchmark. */
export type StartupBenchResult = BenchResult<StartupBenchOptions, StartupRow[]>;

/** Defaults: 64 peers, 3 runs, ports 18600..18855 (below the ephemeral range, outside every test file's). */
export const DEFAULT_STARTUP_OPTIONS: StartupBenchOptions = { peers: 64, runs: 3, portBase: 18600, deadlineMs: 120_000 };

const TICK_MS = 1000 / 100; // /proc's clock ticks (USER_HZ = 100 on Linux)

/** CPU (user + system) of process `pid` so far, ms. */
function cpuOf(pid: number | undefined): number {
  if (pid === undefined) return Number.NaN;
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
    return (Number(fields[11]) + Number(fields[12])) * TICK_MS;
  } catch {
    return Number.NaN; // it has exited
  }
}

/** Resident set size of process `pid`, MiB. */
function rssOf(pid: number | undefined): number {
  if (pid === undefined) return Number.NaN;
  try {
    const kb = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
    return Number(kb) / 1024;
  } catch {
    return Number.NaN;
  }
}

const delay = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** `n` peer IDs spread over 0..255. */
export function spreadIds(n: number): number[] {
  return Array.from({ length: n }, (_, i) => Math.floor((i * 256) / n));
}

/** Starts `ids.length` peers at once (IDs ascending, each with its true successors); measures them; stops them. */
export async function runPeers(ids: readonly number[], opts: StartupBenchOptions, dir: string): Promise<StartupRun> {
  const load1 = os.loadavg()[0] ?? Number.NaN;
  const net = new PeerNetwork({ dir, portBase: opts.portBase, pingSeconds: 1 });
  const firstPingMs: number[] = [];
  const cpuMs: number[] = [];
  try {
    const t0 = performance.now();
    // A lone peer pings successors that are not there (4 and 5): its first ping is what is timed.
    const alone = ids.length === 1;
    const peers: ChildPeer[] = ids.map((id, i) =>
      alone ? net.init(id, id + 2, id + 3) : net.init(id, ids[(i + 1) % ids.length] as number, ids[(i + 2) % ids.length] as number),
    );
    const pinged = peers.map((p) =>
      p.waitForKind('ping-sent', opts.deadlineMs).then(() => {
        firstPingMs.push(performance.now() - t0);
        cpuMs.push(cpuOf(p.pid));
      }),
    );
    await Promise.all(pinged);
    const allPingedMs = performance.now() - t0;
    if (!alone) await Promise.all(peers.map((p) => p.waitForKind('ping-response', opts.deadlineMs)));
    const allAnsweredMs = alone ? undefined : performance.now() - t0;
    await delay(2000);
    const rssMb = peers.map((p) => rssOf(p.pid));
    return { allPingedMs, allAnsweredMs, firstPingMs, cpuMs, rssMb, load1 };
  } finally {
    await net.stopAll();
  }
}

/** The floor: a Node process that starts five idle worker threads and says so. */
const FLOOR_SCRIPT = `
const { Worker } = require('node:worker_threads');
let up = 0;
for (let i = 0; i < 5; i++) {
  const w = new Worker('require("node:worker_threads").parentPort.postMessage(0); setInterval(() => {}, 1 << 30);', { eval: true });
  w.once('message', () => { if (++up === 5) process.stdout.write('up\\n'); });
}`;

/** Starts `n` floor processes at once; measures them; stops them. */
export async function runFloor(n: number): Promise<StartupRun> {
  const load1 = os.loadavg()[0] ?? Number.NaN;
  const t0 = performance.now();
  const firstPingMs: number[] = [];
  const cpuMs: number[] = [];
  const procs: ChildProcess[] = Array.from({ length: n }, () =>
    spawn(process.execPath, ['-e', FLOOR_SCRIPT], { stdio: ['ignore', 'pipe', 'inherit'] }),
  );
  try {
    await Promise.all(
      procs.map(
        (p) =>
          new Promise<void>((resolve) =>
            p.stdout?.once('data', () => {
              firstPingMs.push(performance.now() - t0);
              cpuMs.push(cpuOf(p.pid));
              resolve();
            }),
          ),
      ),
    );
    const allPingedMs = performance.now() - t0;
    await delay(2000);
    return { allPingedMs, firstPingMs, cpuMs, rssMb: procs.map((p) => rssOf(p.pid)), load1 };
  } finally {
    await Promise.all(
      procs.map((p) => new Promise((resolve) => (p.exitCode !== null ? resolve(null) : (p.once('exit', resolve), p.kill('SIGKILL'))))),
    );
  }
}

function row(contender: StartupRow['contender'], processes: number, runs: StartupRun[]): StartupRow {
  return {
    contender,
    processes,
    runs,
    allPingedMedianMs: median(runs.map((r) => r.allPingedMs)),
    firstPingMedianMs: median(runs.flatMap((r) => r.firstPingMs)),
    cpuMedianMs: median(runs.flatMap((r) => r.cpuMs)),
    rssMedianMb: median(runs.flatMap((r) => r.rssMb)),
  };
}

/** Runs the benchmark: one process, then `peers` at once, peers and floor interleaved. */
export async function runStartupBench(opts: StartupBenchOptions): Promise<StartupBenchResult> {
  const machine = machineInfo();
  const t0 = performance.now();
  const dir = mkdtempSync(path.join(os.tmpdir(), 'p2p-startup-'));
  const rows: StartupRow[] = [];
  try {
    for (const n of [1, opts.peers]) {
      const peerRuns: StartupRun[] = [];
      const floorRuns: StartupRun[] = [];
      for (let r = 0; r < opts.runs; r++) {
        floorRuns.push(await runFloor(n));
        peerRuns.push(await runPeers(n === 1 ? [2] : spreadIds(n), opts, dir));
      }
      rows.push(row('peer', n, peerRuns), row('floor', n, floorRuns));
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return { ...machine, parameters: opts, results: rows, invariantFailures: [], seconds: (performance.now() - t0) / 1000 };
}

/** The human report. */
export function formatStartup(result: StartupBenchResult): string {
  const [table] = startupTables(result);
  const answered = result.results
    .filter((r) => r.contender === 'peer' && r.processes > 1)
    .map((r) => `${r.processes} peer(s): all answered in ${r.runs.map((x) => fmt((x.allAnsweredMs ?? Number.NaN) / 1000, 2)).join(', ')} s`);
  return [
    `Start-up (Node ${result.node}, ${result.cpus} × ${result.cpuModel}, ${result.date}, load ${result.loadAvg.join(' / ')})`,
    '',
    table === undefined ? '' : markdownTable(table.head, table.rows),
    '',
    ...answered,
  ].join('\n');
}

/** `--quick`: one peer, then 8 at once, one run each. */
export const QUICK_STARTUP_OPTIONS: StartupBenchOptions = { ...DEFAULT_STARTUP_OPTIONS, peers: 8, runs: 1 };

/** The command line of `npm run bench:startup`. */
export const STARTUP_COMMAND: BenchCommand<StartupBenchOptions> = {
  command: 'npm run bench:startup --',
  summary:
    'Start-up: spawn to first ping, CPU and RSS of one peer and of many started at once, beside a bare node\n' +
    'with five idle workers. Linux only (/proc). Writes bench/results/startup.json, the report and the summary.',
  options: {
    peers: { kind: 'int', arg: 'N', min: 3, max: 256, help: `peers started at once (default ${DEFAULT_STARTUP_OPTIONS.peers})` },
    runs: { kind: 'int', arg: 'K', min: 1, max: 100, help: `runs of each contender (default ${DEFAULT_STARTUP_OPTIONS.runs})` },
  },
  configure: (values) => {
    const base = values.quick === true ? QUICK_STARTUP_OPTIONS : DEFAULT_STARTUP_OPTIONS;
    return {
      ...base,
      peers: intOf(values, 'peers', base.peers),
      runs: intOf(values, 'runs', base.runs),
      portBase: intOf(values, 'port-base', base.portBase),
    };
  },
};

if (isEntryPoint(import.meta.url)) {
  const options = commandLine(STARTUP_COMMAND, process.argv.slice(2));
  if (options !== undefined) await runAsMain('startup', () => runStartupBench(options), formatStartup, writeReport);
}
