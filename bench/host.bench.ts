/**
 * Many peers in one process against a process per peer: the same rings
 * (IDs spread over 0..255, each peer given its true successors, ping every
 * second), started at once, then left alone. Per network: the time from the
 * spawn until every peer has sent its first ping, the CPU of all its
 * processes over a window after settling (user + system, every thread; as a
 * percentage of one core), and their resident memory in all.
 *
 * Contenders, per routing: `singles` peers each in a process of its own
 * (`p2p init`), and one `p2p host` of each of `hostSizes` peers.
 *
 * Run: npm run bench:host (writes bench/results/host.json).
 */
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { commandLine, intOf, listOf, type BenchCommand } from './cli.js';
import { fmt, Invariants, isEntryPoint, machineInfo, Progress, runAsMain, type BenchResult } from './common.js';
import { delay } from './live-network.js';
import { cpuPercentOfCore, sampleCpu, sampleRssKiB, type CpuSample } from './proc-sample.js';
import { writeReport } from './report.js';
import { spreadIds } from './startup.bench.js';
import { ChildPeer } from '../src/testnet/child-peer.js';
import { PeerNetwork } from '../src/testnet/network.js';

/** Options of the host benchmark. */
export interface HostBenchOptions {
  /** Peers of the network of a process per peer. */
  readonly singles: number;
  /** Sizes of the hosts (each one process). */
  readonly hostSizes: readonly number[];
  readonly routings: readonly ('ring' | 'chord')[];
  /** Seconds between the last first ping and the CPU window. */
  readonly settleSeconds: number;
  /** Seconds of the CPU window. */
  readonly windowSeconds: number;
  readonly portBase: number;
  readonly deadlineMs: number;
}

/** One network. */
export interface HostRow {
  network: 'processes' | 'host';
  routing: string;
  peers: number;
  processes: number;
  /** From the spawn to the last peer's first ping. */
  allPingedMs: number;
  /** CPU of every process over the window, % of one core. */
  idlePercent: number;
  /** Resident memory of every process at the end of the window. */
  rssMiB: number;
  /** Load average (1 min) when the network started. */
  load1: number;
}

/** The result file of the host benchmark. */
export type HostBenchResult = BenchResult<HostBenchOptions, HostRow[]>;

/** The defaults: 64 single peers against hosts of 64 and 256, both routings, ping 1 s; ports 32300 + ID (below the ephemeral range, clear of the tests' and the other benchmarks'). */
export const DEFAULT_HOST_OPTIONS: HostBenchOptions = {
  singles: 64,
  hostSizes: [64, 256],
  routings: ['ring', 'chord'],
  settleSeconds: 20,
  windowSeconds: 15,
  portBase: 32300,
  deadlineMs: 180_000,
};

/** `--quick`: 8 single peers against a host of 8, ring only, short windows. */
export const QUICK_HOST_OPTIONS: HostBenchOptions = {
  ...DEFAULT_HOST_OPTIONS,
  singles: 8,
  hostSizes: [8],
  routings: ['ring'],
  settleSeconds: 2,
  windowSeconds: 2,
};

/** The command line of `npm run bench:host`. */
export const HOST_COMMAND: BenchCommand<HostBenchOptions> = {
  command: 'npm run bench:host --',
  summary:
    'Many peers in one process (p2p host) beside a process per peer: start-up until every peer has pinged, idle CPU and memory.\n' +
    'Writes bench/results/host.json, the report and the summary.',
  options: {
    singles: {
      kind: 'int',
      arg: 'N',
      min: 3,
      max: 256,
      help: `peers of the network of a process per peer (default ${DEFAULT_HOST_OPTIONS.singles})`,
    },
    'host-sizes': {
      kind: 'ints',
      arg: 'N,N',
      min: 3,
      max: 256,
      help: `peers of each host (default ${DEFAULT_HOST_OPTIONS.hostSizes.join(',')})`,
    },
    window: { kind: 'int', arg: 'S', min: 1, max: 600, help: `seconds of the CPU window (default ${DEFAULT_HOST_OPTIONS.windowSeconds})` },
  },
  configure: (values) => {
    const base = values.quick === true ? QUICK_HOST_OPTIONS : DEFAULT_HOST_OPTIONS;
    return {
      ...base,
      singles: intOf(values, 'singles', base.singles),
      hostSizes: listOf(values, 'host-sizes', base.hostSizes),
      windowSeconds: intOf(values, 'window', base.windowSeconds),
      portBase: intOf(values, 'port-base', base.portBase),
    };
  },
};

/** CPU of `pids` over the window, and their memory at its end. */
async function measureIdle(pids: readonly number[], o: HostBenchOptions): Promise<{ idlePercent: number; rssMiB: number }> {
  await delay(o.settleSeconds * 1000);
  const before = pids.map(sampleCpu);
  await delay(o.windowSeconds * 1000);
  const after = pids.map(sampleCpu);
  let idlePercent = 0;
  before.forEach((b: CpuSample | undefined, i) => {
    const a = after[i];
    if (b !== undefined && a !== undefined) idlePercent += cpuPercentOfCore(b, a);
  });
  const rssMiB = pids.reduce((sum, pid) => sum + (sampleRssKiB(pid) ?? 0), 0) / 1024;
  return { idlePercent, rssMiB };
}

/** A process per peer. */
async function runSingles(routing: 'ring' | 'chord', o: HostBenchOptions, dir: string): Promise<HostRow> {
  const ids = spreadIds(o.singles);
  const load1 = os.loadavg()[0] ?? Number.NaN;
  const net = new PeerNetwork({ dir, portBase: o.portBase, pingSeconds: 1, extraArgs: ['--routing', routing] });
  try {
    const t0 = performance.now();
    const peers = ids.map((id, i) => net.init(id, ids[(i + 1) % ids.length] as number, ids[(i + 2) % ids.length] as number));
    await Promise.all(peers.map((p) => p.waitForKind('ping-sent', o.deadlineMs)));
    const allPingedMs = performance.now() - t0;
    const idle = await measureIdle(
      peers.map((p) => p.pid ?? -1),
      o,
    );
    return { network: 'processes', routing, peers: ids.length, processes: ids.length, allPingedMs, ...idle, load1 };
  } finally {
    await net.stopAll();
  }
}

/** One host of `n` peers. */
async function runHost(n: number, routing: 'ring' | 'chord', o: HostBenchOptions, dir: string): Promise<HostRow> {
  const ids = spreadIds(n);
  const load1 = os.loadavg()[0] ?? Number.NaN;
  const pinged = new Set<number>();
  const t0 = performance.now();
  const host = new ChildPeer(-1, ['host', '--ids', ids.join(','), '--ping', '1', '--routing', routing, '--port-base', String(o.portBase)], {
    cwd: dir,
  });
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`host of ${n}: ${n - pinged.size} peers had not pinged within ${o.deadlineMs} ms`)),
        o.deadlineMs,
      );
      const see = (peer: number, kind: string): void => {
        if (kind === 'ping-sent') pinged.add(peer);
        if (pinged.size === n) {
          clearTimeout(timer);
          resolve();
        }
      };
      host.events.forEach((e) => see(e.peer, e.kind));
      host.onEvent((e) => see(e.peer, e.kind));
      void host.exited.then((code) => reject(new Error(`host of ${n} exited (code ${String(code)})`)));
    });
    const allPingedMs = performance.now() - t0;
    const idle = await measureIdle([host.pid ?? -1], o);
    return { network: 'host', routing, peers: n, processes: 1, allPingedMs, ...idle, load1 };
  } finally {
    host.kill('SIGKILL');
    await host.closed;
  }
}

/** Every contender under every routing, one after another. */
export async function runHostBench(options: HostBenchOptions): Promise<HostBenchResult> {
  const machine = machineInfo();
  const t0 = performance.now();
  const invariants = new Invariants();
  const progress = new Progress('host', options.routings.length * (1 + options.hostSizes.length));
  const rows: HostRow[] = [];
  for (const routing of options.routings) {
    const runs: [string, (dir: string) => Promise<HostRow>][] = [
      [`${options.singles} single peers, ${routing}`, (dir) => runSingles(routing, options, dir)],
      ...options.hostSizes.map((n): [string, (dir: string) => Promise<HostRow>] => [
        `a host of ${n}, ${routing}`,
        (dir) => runHost(n, routing, options, dir),
      ]),
    ];
    for (const [label, run] of runs) {
      progress.note(label);
      const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'p2p-bench-host-'));
      try {
        rows.push(await run(dir));
      } catch (err) {
        invariants.check(false, () => `${label}: ${err instanceof Error ? err.message : String(err)}`);
      } finally {
        await fs.rm(dir, { recursive: true, force: true });
        progress.tick();
      }
    }
  }
  progress.end();
  return { ...machine, parameters: options, results: rows, invariantFailures: invariants.failures, seconds: (performance.now() - t0) / 1000 };
}

/** The console table. */
export function formatHost(result: HostBenchResult): string {
  const lines = [
    `many peers in one process beside a process per peer (ping 1 s; idle over ${result.parameters.windowSeconds} s after ${result.parameters.settleSeconds} s)`,
    `${'network'.padEnd(28)}${'processes'.padStart(10)}${'all pinged s'.padStart(14)}${'idle % core'.padStart(13)}${'RSS MiB'.padStart(10)}${'load'.padStart(7)}`,
  ];
  for (const r of result.results) {
    const name = r.network === 'host' ? `a host of ${r.peers}, ${r.routing}` : `${r.peers} single peers, ${r.routing}`;
    lines.push(
      `${name.padEnd(28)}${String(r.processes).padStart(10)}${fmt(r.allPingedMs / 1000, 2).padStart(14)}${fmt(r.idlePercent, 1).padStart(13)}` +
        `${fmt(r.rssMiB, 0).padStart(10)}${fmt(r.load1, 1).padStart(7)}`,
    );
  }
  return lines.join('\n');
}

if (isEntryPoint(import.meta.url)) {
  const options = commandLine(HOST_COMMAND, process.argv.slice(2));
  if (options !== undefined) void runAsMain('host', () => runHostBench(options), formatHost, writeReport);
}
