/**
 * What a peer costs, each beside its floor measured in the same run and
 * the target of issue 13:
 *
 * - idle CPU per peer process (% of one core), ping every 1 s, on a settled
 *   ring of a few peers, under ring and under Chord routing: the CPU time of
 *   every thread over a window (bench/proc-sample.ts), beside as many floor
 *   processes (a bare Node process with five idle worker threads: the
 *   least a peer of five roles can cost) measured over the same window.
 *   Target 0.15% of a core.
 * - resident memory per peer process at the end of that window, beside the
 *   floor processes'. No target (the issue's yardstick, hyperdht, used 55 MB).
 * - start-up: N peers (default 64) started at once, each with its true
 *   successors, until every one has sent its first pings (its first
 *   'ping-sent' event); beside N floor processes started at once until every
 *   one has its five threads online. Target 8 s.
 * - a small file: `Request` of a 1 KiB file two hops away (ring 10 → 100 →
 *   200, key 150 owned by 200), from typing it to the requester's
 *   'file-received' event (time to first byte: its 'file-receiving'),
 *   beside fetching 1 KiB from a server process over a fresh TCP connection
 *   (connect, ask, read), typed into a client process and timed the same way
 *   from here. Contenders alternate. Target 3 ms.
 *
 * Ports (defaults): 27600..28210, below the ephemeral range, outside every
 * test file's and the other benchmarks': rings on 27600 + ID, the start-up
 * peers on 27900 + ID, the file floor on 28210. A peer that exits stops
 * the benchmark at once with its last lines (ExitWatch), and so does a floor
 * process.
 *
 * Run: npm run bench:costs [-- --quick] (writes bench/results/costs.json).
 */
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PeerNetwork } from '../src/testnet/network.js';
import type { RoutingMode } from '../src/routing/types.js';
import { fmt, Invariants, isEntryPoint, machineInfo, median, Progress, runAsMain, type BenchResult } from './common.js';
import { compareToFloor, costLines, ISSUE_13_TARGETS, ratioText, summarize, verdict, type FloorComparison, type Summary } from './floor-math.js';
import { FileFloor, PEER_WORKER_THREADS, startIdleFloors, stopAll, type FloorProcess } from './floors.js';
import { delay, ExitWatch, LiveRing } from './live-network.js';
import { cpuPercentOfCore, sampleCpu, sampleRssKiB, type CpuSample } from './proc-sample.js';
import { commandLine, intOf, parseBenchArgs, portPlan, type BenchCommand } from './cli.js';
import { writeReport } from './report.js';
import { writeTestFile } from './transfer.bench.js';

/** Options of the costs benchmark. */
export interface CostsBenchOptions {
  /** Peers of the idle ring (at least 3). */
  readonly idlePeers: number;
  readonly idleRoutings: readonly RoutingMode[];
  /** Seconds between the ring's views being perfect and the window's start, at least. */
  readonly idleWarmupSeconds: number;
  /**
   * Age in seconds every process (peer or floor) reaches before the window
   * opens: a fresh Node process is not idle yet. V8's memory reducer runs a
   * few garbage collections, seconds apart, after start (measured on a floor
   * process: a burst of 50-150 ms of CPU 6-10 s in, a smaller one 15-18 s
   * in, then nothing).
   */
  readonly idleSettleSeconds: number;
  /** Seconds of the idle window. */
  readonly idleWindowSeconds: number;
  /** Peers started at once for the start-up time. */
  readonly startupPeers: number;
  /** Start-ups of each contender (alternating). */
  readonly startupRuns: number;
  /** Requests of the small file (each contender). */
  readonly requests: number;
  readonly fileBytes: number;
  readonly pingSeconds: number;
  /** The idle rings and the small-file ring listen on portBase + ID (one after another). */
  readonly portBase: number;
  /** The start-up peers listen on startupPortBase + ID. */
  readonly startupPortBase: number;
  /** The small-file floor's server listens on floorPort. */
  readonly floorPort: number;
  readonly deadlineMs: number;
}

/** The defaults of `npm run bench:costs`. */
export const DEFAULT_COSTS_OPTIONS: CostsBenchOptions = {
  idlePeers: 4,
  idleRoutings: ['ring', 'chord'],
  idleWarmupSeconds: 5,
  idleSettleSeconds: 30,
  idleWindowSeconds: 20,
  startupPeers: 64,
  startupRuns: 1,
  requests: 30,
  fileBytes: 1024,
  pingSeconds: 1,
  portBase: 27600,
  startupPortBase: 27900,
  floorPort: 28210,
  deadlineMs: 120_000,
};

/** `--quick`: smaller and shorter (the ring only, 5 s settled, a 5 s window, 8 peers at start-up, 10 requests). */
export const QUICK_COSTS_OPTIONS: CostsBenchOptions = {
  ...DEFAULT_COSTS_OPTIONS,
  idleRoutings: ['ring'],
  idleWarmupSeconds: 3,
  idleSettleSeconds: 5,
  idleWindowSeconds: 5,
  startupPeers: 8,
  requests: 10,
};

const SMALL_FILE_RING = [10, 100, 200] as const;
const SMALL_FILE_KEY = '0150';

/** Idle costs under one routing. */
export interface IdleRow {
  routing: RoutingMode;
  /** os.loadavg() as the window opened. */
  loadAvg: number[];
  peers: number;
  windowSeconds: number;
  /** Seconds from the ring's views being perfect to the window's start (at least idleWarmupSeconds, and every process idleSettleSeconds old). */
  warmupSeconds: number;
  /** Where CPU time was read (schedstat: ns, exact; stat: 10 ms ticks). */
  cpuSource: CpuSample['source'];
  /** % of one core over the window, each peer process. */
  peerCpuPercent: number[];
  /** % of one core over the same window, each floor process. */
  floorCpuPercent: number[];
  /** Medians: peer beside floor, target 0.15%. */
  cpu: FloorComparison;
  /** Resident memory at the window's end, MiB, each peer and each floor process. */
  peerRssMiB: number[];
  floorRssMiB: number[];
  rss: FloorComparison;
  /** Events a peer emitted per second in the window (pings mostly), mean over peers. */
  eventsPerPeerSecond: number;
}

/** Start-up of N processes at once. */
export interface StartupRow {
  peers: number;
  /** os.loadavg() before the first start-up. */
  loadAvg: number[];
  /** Seconds from the first spawn to the last peer's first 'ping-sent', each run. */
  peerSeconds: number[];
  /** Seconds from the first spawn to the last floor process ready, each run. */
  floorSeconds: number[];
  /** Each peer's first ping, seconds after the first spawn (the last run). */
  peerFirstPingSeconds: number[];
  /** Medians of the runs: peer beside floor, target 8 s. */
  startup: FloorComparison;
}

/** The small file: a two-hop Request beside a fresh-connection fetch. */
export interface SmallFileRow {
  /** os.loadavg() before the first request. */
  loadAvg: number[];
  bytes: number;
  hops: number;
  /** Typing `Request` to 'file-received', ms, each request. */
  peerMs: number[];
  /** Typing `Request` to 'file-receiving', ms. */
  peerTtfbMs: number[];
  /** Typing `go` to the client's report, ms. */
  floorMs: number[];
  /** The floor client's own timing (connect to last byte), ms. */
  floorInnerMs: number[];
  peer: Summary;
  peerTtfb: Summary;
  floor: Summary;
  /** Medians, target 3 ms. */
  median: FloorComparison;
  p90: FloorComparison;
}

/** What the costs benchmark measured. */
export interface CostsResults {
  /** os.loadavg() when the benchmark ended (the machine record has it at the start). */
  loadAvgAtEnd?: number[] | undefined;
  idle: IdleRow[];
  startup?: StartupRow | undefined;
  smallFile?: SmallFileRow | undefined;
}

/** The result file of the costs benchmark. */
export type CostsBenchResult = BenchResult<CostsBenchOptions, CostsResults>;

/** `count` IDs spread evenly over 0..255 (the 8-bit ring). */
export function spreadIds(count: number): number[] {
  if (!Number.isInteger(count) || count < 3 || count > 256) throw new RangeError(`peers must be a whole number in 3..256, got ${count}`);
  return Array.from({ length: count }, (_, i) => Math.floor((i * 256) / count) + Math.floor(128 / count));
}

const MIB = 1024;
const loadNow = (): number[] => os.loadavg().map((x) => Math.round(x * 100) / 100);
const toMiB = (kib: number | undefined): number => (kib === undefined ? Number.NaN : kib / MIB);

/** CPU of every process over one window; throws when a process went away. */
async function cpuOverWindow(
  pids: readonly number[],
  seconds: number,
  race: <T>(p: Promise<T>) => Promise<T>,
): Promise<{ percent: number[]; source: CpuSample['source'] }> {
  const before = pids.map((pid) => sampleCpu(pid));
  await race(delay(seconds * 1000));
  const after = pids.map((pid) => sampleCpu(pid));
  const percent = pids.map((pid, i) => {
    const a = before[i];
    const b = after[i];
    if (a === undefined || b === undefined) throw new Error(`process ${pid} went away during the idle window`);
    return cpuPercentOfCore(a, b);
  });
  return { percent, source: before[0]?.source ?? 'stat' };
}

async function measureIdle(o: CostsBenchOptions, routing: RoutingMode, dir: string, progress: Progress): Promise<IdleRow> {
  const ids = spreadIds(o.idlePeers);
  progress.note(`idle ${routing}: starting ${ids.length} peers and ${ids.length} floor processes`);
  // The floors start with the peers, so that both are as old when the window opens.
  const started = performance.now();
  const floorsUp = startIdleFloors(ids.length, o.deadlineMs);
  floorsUp.catch(() => undefined); // awaited below, or stopped in finally
  let floors: FloorProcess[] = [];
  let ring: LiveRing | undefined;
  try {
    ring = await LiveRing.start({
      ids,
      mode: routing,
      r: 2,
      idBits: 8,
      pingSeconds: o.pingSeconds,
      portBase: o.portBase,
      dir,
      deadlineMs: o.deadlineMs,
      onNote: (what) => progress.note(`idle ${routing}: ${what}`),
    });
    const live = ring;
    floors = (await live.exits.race(floorsUp)).procs;
    const ageSeconds = (performance.now() - started) / 1000;
    const warmup = Math.max(o.idleWarmupSeconds, o.idleSettleSeconds - ageSeconds);
    progress.note(`idle ${routing}: warm-up ${warmup.toFixed(1)} s`);
    await live.exits.race(delay(warmup * 1000));
    const peers = ids.map((id) => live.net.get(id));
    const pids = [...peers.map((p) => p.pid ?? -1), ...floors.map((f) => f.pid)];
    const marks = live.net.marks();
    const loadAvg = loadNow();
    progress.note(`idle ${routing}: window ${o.idleWindowSeconds} s`);
    const { percent, source } = await cpuOverWindow(pids, o.idleWindowSeconds, (p) => live.exits.race(p));
    const dead = floors.find((f) => f.diedEarly);
    if (dead !== undefined) throw new Error(`floor process ${dead.pid} exited during the idle window`);
    const rss = pids.map((pid) => toMiB(sampleRssKiB(pid)));
    const peerCpu = percent.slice(0, ids.length);
    const floorCpu = percent.slice(ids.length);
    const peerRss = rss.slice(0, ids.length);
    const floorRss = rss.slice(ids.length);
    const events = peers.reduce((k, p) => k + p.events.length - (marks.get(p.id) ?? 0), 0);
    return {
      routing,
      loadAvg,
      peers: ids.length,
      windowSeconds: o.idleWindowSeconds,
      warmupSeconds: warmup,
      cpuSource: source,
      peerCpuPercent: peerCpu,
      floorCpuPercent: floorCpu,
      cpu: compareToFloor(median(peerCpu), median(floorCpu), ISSUE_13_TARGETS.idleCpuPercent),
      peerRssMiB: peerRss,
      floorRssMiB: floorRss,
      rss: compareToFloor(median(peerRss), median(floorRss)),
      eventsPerPeerSecond: events / ids.length / o.idleWindowSeconds,
    };
  } finally {
    if (floors.length === 0) floors = await floorsUp.then((f) => f.procs).catch(() => []);
    await stopAll(floors);
    await ring?.stop();
  }
}

/** Starts every peer at once; resolves with each one's first ping, in seconds after the first spawn. */
async function startPeersAtOnce(o: CostsBenchOptions, dir: string): Promise<number[]> {
  const ids = spreadIds(o.startupPeers);
  const net = new PeerNetwork({ dir, portBase: o.startupPortBase, pingSeconds: o.pingSeconds });
  const watch = new ExitWatch();
  try {
    const t0 = performance.now();
    const firstPing = ids.map((id, i) => {
      const peer = watch.watch(net.init(id, ids[(i + 1) % ids.length] as number, ids[(i + 2) % ids.length] as number));
      return peer.waitForKind('ping-sent', o.deadlineMs).then(() => (performance.now() - t0) / 1000);
    });
    return await watch.race(Promise.all(firstPing));
  } finally {
    watch.stop();
    await net.stopAll();
  }
}

async function measureStartup(o: CostsBenchOptions, dir: string, progress: Progress): Promise<StartupRow> {
  const loadAvg = loadNow();
  const peerSeconds: number[] = [];
  const floorSeconds: number[] = [];
  let peerFirstPingSeconds: number[] = [];
  for (let run = 0; run < o.startupRuns; run++) {
    for (const who of run % 2 === 0 ? (['floor', 'peers'] as const) : (['peers', 'floor'] as const)) {
      progress.note(`start-up run ${run + 1}: ${o.startupPeers} ${who === 'peers' ? 'peers' : 'floor processes'} at once`);
      if (who === 'floor') {
        const { procs, readyMs } = await startIdleFloors(o.startupPeers, o.deadlineMs);
        floorSeconds.push(readyMs / 1000);
        await stopAll(procs);
      } else {
        peerFirstPingSeconds = await startPeersAtOnce(o, dir);
        peerSeconds.push(Math.max(...peerFirstPingSeconds));
      }
    }
  }
  return {
    peers: o.startupPeers,
    loadAvg,
    peerSeconds,
    floorSeconds,
    peerFirstPingSeconds,
    startup: compareToFloor(median(peerSeconds), median(floorSeconds), ISSUE_13_TARGETS.startupSeconds),
  };
}

async function measureSmallFile(o: CostsBenchOptions, dir: string, invariants: Invariants, progress: Progress): Promise<SmallFileRow> {
  const net = new PeerNetwork({ dir, portBase: o.portBase, pingSeconds: o.pingSeconds });
  const watch = new ExitWatch();
  let floor: FileFloor | undefined;
  const requester = SMALL_FILE_RING[0];
  const peerMs: number[] = [];
  const peerTtfbMs: number[] = [];
  const floorMs: number[] = [];
  const floorInnerMs: number[] = [];
  let loadAvg: number[] | undefined;
  try {
    progress.note('small file: starting the ring 10 → 100 → 200');
    SMALL_FILE_RING.forEach((id, i) =>
      watch.watch(net.init(id, SMALL_FILE_RING[(i + 1) % 3] as number, SMALL_FILE_RING[(i + 2) % 3] as number)),
    );
    await watch.race(net.settlePings(new Map(), o.deadlineMs));
    floor = await watch.race(FileFloor.start(o.floorPort, o.fileBytes, o.deadlineMs));
    await writeTestFile(path.join(dir, `${SMALL_FILE_KEY}.bin`), o.fileBytes, 13);
    const peer = net.get(requester);
    const request = async (): Promise<{ ms: number; ttfbMs: number; bytes: number; file: string }> => {
      const since = peer.mark();
      const at = { receiving: Number.NaN };
      const stop = peer.onEvent((e) => {
        if (e.kind === 'file-receiving' && e.fields?.['filename'] === SMALL_FILE_KEY) at.receiving = performance.now();
      });
      try {
        const received = peer.waitForKind('file-received', o.deadlineMs, since, { filename: SMALL_FILE_KEY });
        const t0 = performance.now();
        peer.type(`Request ${SMALL_FILE_KEY}`);
        const e = await watch.race(received);
        const ms = performance.now() - t0;
        return { ms, ttfbMs: at.receiving - t0, bytes: Number(e.fields?.['bytes']), file: String(e.fields?.['path'] ?? '') };
      } finally {
        stop();
      }
    };
    const fileFloor = floor;
    // Warm-up, not measured: the transfer pools' first task, the client's first connection.
    await fs.rm((await request()).file, { force: true });
    await watch.race(fileFloor.fetch(o.deadlineMs));
    loadAvg = loadNow();
    for (let i = 0; i < o.requests; i++) {
      progress.note(`small file: request ${i + 1}/${o.requests}`);
      for (const who of i % 2 === 0 ? (['peer', 'floor'] as const) : (['floor', 'peer'] as const)) {
        if (who === 'peer') {
          const r = await request();
          invariants.check(r.bytes === o.fileBytes, () => `small file: the requester received ${r.bytes} bytes, not ${o.fileBytes}`);
          peerMs.push(r.ms);
          peerTtfbMs.push(r.ttfbMs);
          if (r.file !== '') await fs.rm(r.file, { force: true });
        } else {
          const r = await watch.race(fileFloor.fetch(o.deadlineMs));
          invariants.check(r.bytes === o.fileBytes, () => `small file: the floor client received ${r.bytes} bytes, not ${o.fileBytes}`);
          floorMs.push(r.ms);
          floorInnerMs.push(r.innerMs);
        }
      }
    }
  } finally {
    watch.stop();
    await floor?.stop();
    await net.stopAll();
  }
  const peer = summarize(peerMs);
  const fl = summarize(floorMs);
  return {
    loadAvg,
    bytes: o.fileBytes,
    hops: 2,
    peerMs,
    peerTtfbMs,
    floorMs,
    floorInnerMs,
    peer,
    peerTtfb: summarize(peerTtfbMs),
    floor: fl,
    median: compareToFloor(peer.median, fl.median, ISSUE_13_TARGETS.smallFileMs),
    p90: compareToFloor(peer.p90, fl.p90, ISSUE_13_TARGETS.smallFileMs),
  };
}

/** Measures idle CPU and memory (each routing), start-up and the small file, each beside its floor. */
export async function runCostsBench(options: CostsBenchOptions): Promise<CostsBenchResult> {
  const machine = machineInfo();
  const t0 = performance.now();
  const invariants = new Invariants();
  const progress = new Progress('costs', options.idleRoutings.length + 2);
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'p2p-bench-costs-'));
  const results: CostsResults = { idle: [] };
  try {
    for (const routing of options.idleRoutings) {
      results.idle.push(await measureIdle(options, routing, await fs.mkdtemp(path.join(dir, `idle-${routing}-`)), progress));
      progress.tick();
    }
    results.startup = await measureStartup(options, await fs.mkdtemp(path.join(dir, 'startup-')), progress);
    progress.tick();
    results.smallFile = await measureSmallFile(options, await fs.mkdtemp(path.join(dir, 'small-file-')), invariants, progress);
    progress.tick();
    results.loadAvgAtEnd = loadNow();
  } finally {
    progress.end();
    await fs.rm(dir, { recursive: true, force: true });
  }
  return {
    ...machine,
    parameters: options,
    results,
    invariantFailures: invariants.failures,
    seconds: (performance.now() - t0) / 1000,
  };
}

/** The console table. */
export function formatCosts(result: CostsBenchResult): string {
  const lines = [
    `costs beside their floors (floor: ${PEER_WORKER_THREADS} idle worker threads in a bare process; a fresh-connection fetch for the file)`,
    `${'metric'.padEnd(52)}${'ours'.padStart(10)}${'floor'.padStart(10)}${'× floor'.padStart(9)}${'target'.padStart(9)}  ${'verdict'.padEnd(9)}load`,
    ...costLines(result.results).map(
      (l) =>
        `${`${l.metric} (${l.unit})`.padEnd(52)}${fmt(l.c.value, l.digits).padStart(10)}${fmt(l.c.floor, l.digits).padStart(10)}` +
        `${ratioText(l.c).padStart(9)}${(l.c.target === undefined ? '—' : String(l.c.target)).padStart(9)}  ${verdict(l.c).padEnd(9)}${fmt(l.load, 1)}`,
    ),
    `load average (1/5/15 min) at start: ${result.loadAvg.join(' / ')}; at the end: ${(result.results.loadAvgAtEnd ?? []).join(' / ')}`,
  ];
  return lines.join('\n');
}

/** The command line of `npm run bench:costs`. */
export const COSTS_COMMAND: BenchCommand<CostsBenchOptions> = {
  command: 'npm run bench:costs --',
  summary:
    'What a peer costs beside its floor: idle CPU and memory, the start-up of many peers at once, and a\n' +
    'small file fetched. Writes bench/results/costs.json, the report and the summary.',
  options: {
    peers: { kind: 'int', arg: 'N', min: 3, max: 256, help: `peers started at once (default ${DEFAULT_COSTS_OPTIONS.startupPeers})` },
    window: { kind: 'int', arg: 'S', min: 1, max: 600, help: `seconds of the idle window (default ${DEFAULT_COSTS_OPTIONS.idleWindowSeconds})` },
    requests: { kind: 'int', arg: 'K', min: 1, max: 10_000, help: `requests of the small file (default ${DEFAULT_COSTS_OPTIONS.requests})` },
    'startup-runs': {
      kind: 'int',
      arg: 'K',
      min: 1,
      max: 100,
      help: `start-ups of each contender (default ${DEFAULT_COSTS_OPTIONS.startupRuns})`,
    },
  },
  configure: (values) => {
    const base = values.quick === true ? QUICK_COSTS_OPTIONS : DEFAULT_COSTS_OPTIONS;
    const ports = typeof values['port-base'] === 'number' ? portPlan(values['port-base']) : undefined;
    return {
      ...base,
      startupPeers: intOf(values, 'peers', base.startupPeers),
      idleWindowSeconds: intOf(values, 'window', base.idleWindowSeconds),
      requests: intOf(values, 'requests', base.requests),
      startupRuns: intOf(values, 'startup-runs', base.startupRuns),
      portBase: ports?.peers ?? base.portBase,
      startupPortBase: ports?.startup ?? base.startupPortBase,
      floorPort: ports?.fileFloor ?? base.floorPort,
    };
  },
};

/** `--quick`, `--peers N` (start-up), `--window S`, `--requests K`, `--startup-runs K`, `--port-base N` over the defaults. */
export function costsOptionsFromArgs(args: readonly string[]): CostsBenchOptions {
  return COSTS_COMMAND.configure(parseBenchArgs(args, COSTS_COMMAND.options));
}

if (isEntryPoint(import.meta.url)) {
  const options = commandLine(COSTS_COMMAND, process.argv.slice(2));
  if (options !== undefined) void runAsMain('costs', () => runCostsBench(options), formatCosts, writeReport);
}
