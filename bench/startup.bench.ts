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
 * Run: npm run bench:startup [-- --peers 64 --runs 3 --port-base 18600]
 * (writes bench/results/startup.json). Linux only (/proc).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { PeerNetwork } from '../src/testnet/network.js';
import type { ChildPeer } from '../src/testnet/child-peer.js';
import { fmt, isEntryPoint, machineInfo, markdownTable, median, runAsMain, type BenchResult } from './common.js';

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

type Result = BenchResult<StartupBenchOptions, StartupRow[]>;

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
export async function runStartupBench(opts: StartupBenchOptions): Promise<Result> {
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
export function formatStartup(result: Result): string {
  const head = ['contender', 'processes', 'all pinged (s, median)', 'per process: first ping (ms)', 'CPU (ms)', 'RSS (MiB)', 'load (1 min)'];
  const rows = result.results.map((r) => [
    r.contender === 'peer' ? 'peer (bin/p2p.js init, ping 1 s)' : 'floor: node + 5 idle workers',
    String(r.processes),
    `${fmt(r.allPingedMedianMs / 1000, 2)} (${r.runs.map((x) => fmt(x.allPingedMs / 1000, 2)).join(', ')})`,
    fmt(r.firstPingMedianMs, 0),
    fmt(r.cpuMedianMs, 0),
    fmt(r.rssMedianMb, 1),
    r.runs.map((x) => fmt(x.load1, 2)).join(', '),
  ]);
  const answered = result.results
    .filter((r) => r.contender === 'peer' && r.processes > 1)
    .map((r) => `${r.processes} peer(s): all answered in ${r.runs.map((x) => fmt((x.allAnsweredMs ?? Number.NaN) / 1000, 2)).join(', ')} s`);
  return [
    `Start-up (Node ${result.node}, ${result.cpus} × ${result.cpuModel}, ${result.date}, load ${result.loadAvg.join(' / ')})`,
    '',
    markdownTable(head, rows),
    '',
    ...answered,
  ].join('\n');
}

function parseOptions(argv: readonly string[]): StartupBenchOptions {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      peers: { type: 'string', default: '64' },
      runs: { type: 'string', default: '3' },
      'port-base': { type: 'string', default: '25000' },
    },
  });
  const peers = Number(values.peers);
  const runs = Number(values.runs);
  const portBase = Number(values['port-base']);
  if (!Number.isInteger(peers) || peers < 3 || peers > 256) throw new RangeError(`--peers must be an integer in 3..256, got ${values.peers}`);
  if (!Number.isInteger(runs) || runs < 1) throw new RangeError(`--runs must be a positive integer, got ${values.runs}`);
  if (!Number.isInteger(portBase) || portBase < 1024 || portBase + 255 > 65535)
    throw new RangeError(`--port-base must leave room for 256 ports, got ${values['port-base']}`);
  return { peers, runs, portBase, deadlineMs: DEFAULT_STARTUP_OPTIONS.deadlineMs };
}

if (isEntryPoint(import.meta.url)) {
  const opts = parseOptions(process.argv.slice(2));
  await runAsMain('startup', () => runStartupBench(opts), formatStartup);
}
