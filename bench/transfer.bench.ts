/**
 * Transfer throughput: a file fetched by a peer (`Request NNNN` typed at it)
 * beside a raw Node loopback pipe (socket into fs.createWriteStream, in two
 * threads, with the peer's buffer sizes) of the same file in the same run,
 * for sizes from 1 KiB to 1 GiB. Contenders alternate run by run. Every
 * received file is hashed and compared with its source.
 *
 * Three spans per copy, each the median of the runs:
 * - time to first byte (TTFB): from the ask until the receiving side has its
 *   first bytes. Peer: typing `Request` until the requester's 'file-receiving'
 *   event (the transfer header reached it, after two routing hops and the
 *   owner's connection). Raw: the send command until the receiver's first
 *   'data'.
 * - transfer: from those first bytes until the receiving side is done. Peer:
 *   'file-receiving' to 'file-received' (the file closed); raw: first 'data'
 *   to the write stream's close. Throughput and the peer/raw ratio are
 *   computed from this span alone, so the peer's fixed costs (typing, the
 *   request's hops) do not count against its throughput.
 * - end to end: the two together, in its own column.
 * Both points of both contenders are taken in this thread, as the receiving
 * side's report arrives (the peer's two events cross the same pipe, so its
 * delay cancels out of the transfer span).
 *
 * The ring: peers 10, 100 and 200 (ring routing); files keyed 150 + i, owned
 * by 200, requested at 10, so the request takes two hops and the owner then
 * connects straight to the requester. A peer that exits stops the benchmark
 * at once, saying which and why (ExitWatch).
 *
 * Run: npm run bench:transfer (writes bench/results/transfer.json).
 */
import { createHash } from 'node:crypto';
import { createReadStream, promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { PeerNetwork } from '../src/testnet/network.js';
import { createPrng } from '../src/routing/prng.js';
import { ExitWatch } from './live-network.js';
import { formatBytes, fmt, Invariants, isEntryPoint, machineInfo, median, Progress, runAsMain, type BenchResult } from './common.js';
import { commandLine, intOf, listOf, type BenchCommand } from './cli.js';
import { writeReport } from './report.js';
import type { RawPipeCommand, RawPipeReport, RawPipeRole } from './raw-pipe-worker.js';

/** Compiled worker script; from the TS source (the smoke test) use the build. */
const WORKER_URL = import.meta.url.endsWith('.ts')
  ? new URL('../dist/bench/raw-pipe-worker.js', import.meta.url)
  : new URL('./raw-pipe-worker.js', import.meta.url);

const KIB = 1024;
const MIB = 1024 * KIB;
const GIB = 1024 * MIB;
const RING = [10, 100, 200] as const;
const REQUESTER = 10;

/** Options of the transfer benchmark. */
export interface TransferBenchOptions {
  readonly sizes: readonly number[];
  /** Runs per contender for sizes below largeFrom. */
  readonly runs: number;
  /** Runs per contender from largeFrom bytes on. */
  readonly runsLarge: number;
  readonly largeFrom: number;
  readonly portBase: number;
  readonly pingSeconds: number;
  readonly seed: number;
}

/** One contender at one size. */
export interface TransferSide {
  /** End to end, every run. */
  ms: number[];
  /** Time to first byte, every run. */
  ttfbMs: number[];
  /** From the receiving side's first bytes to its completion, every run. */
  transferMs: number[];
  /** bytes / median transferMs, in MiB/s: the throughput. */
  mibPerSecond: number;
  /** bytes / median ms (end to end), in MiB/s. */
  endToEndMibPerSecond: number;
  msMedian: number;
  msMin: number;
  msMax: number;
  ttfbMedianMs: number;
  transferMedianMs: number;
  transferMinMs: number;
  transferMaxMs: number;
}

/** Both contenders at one size. */
export interface TransferRow {
  bytes: number;
  peer: TransferSide;
  raw: TransferSide;
  /** peer throughput / raw throughput (medians of the first-to-last-byte spans). */
  ratio: number;
  /** peer / raw end-to-end throughput (medians), fixed costs included. */
  endToEndRatio: number;
}

/** The result file of the transfer benchmark. */
export type TransferBenchResult = BenchResult<TransferBenchOptions, { rows: TransferRow[]; skipped: { bytes: number; reason: string }[] }>;

/** The defaults of `npm run bench:transfer`. */
export const DEFAULT_TRANSFER_OPTIONS: TransferBenchOptions = {
  sizes: [KIB, 64 * KIB, MIB, 16 * MIB, 64 * MIB, 256 * MIB, GIB],
  runs: 7,
  runsLarge: 5,
  largeFrom: 256 * MIB,
  portBase: 23000,
  pingSeconds: 2,
  seed: 7,
};

/**
 * Writes `bytes` of seeded bytes (a random 1 MiB block, each chunk stamped
 * with its index) to `file`; returns their SHA-256. The bytes go to a
 * temporary name first and appear under `file` whole: peers scan the data
 * directory to replicate what they hold, and must never see a file growing.
 */
export async function writeTestFile(file: string, bytes: number, seed: number): Promise<string> {
  const temp = path.join(path.dirname(file), `tmp-${path.basename(file)}`);
  const prng = createPrng(seed);
  const block = Buffer.alloc(Math.min(bytes, MIB));
  for (let i = 0; i + 4 <= block.length; i += 4) block.writeUInt32LE(prng.nextU32(), i);
  const hash = createHash('sha256');
  const fh = await fs.open(temp, 'w');
  try {
    for (let off = 0, chunk = 0; off < bytes; off += block.length, chunk++) {
      const part = block.subarray(0, Math.min(block.length, bytes - off));
      if (part.length >= 8) part.writeUInt32LE(chunk, 0);
      hash.update(part);
      await fh.write(part);
    }
  } finally {
    await fh.close();
  }
  await fs.rename(temp, file);
  return hash.digest('hex');
}

/** SHA-256 of a file, streamed. */
export async function hashFile(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file, { highWaterMark: MIB }) as AsyncIterable<Buffer>) hash.update(chunk);
  return hash.digest('hex');
}

/** The spans of one copy, in ms. */
interface CopyTimes {
  /** End to end. */
  ms: number;
  /** To the receiving side's first bytes. */
  ttfbMs: number;
}

function side(bytes: number, runs: readonly CopyTimes[]): TransferSide {
  const ms = runs.map((r) => r.ms);
  const ttfbMs = runs.map((r) => r.ttfbMs);
  const transferMs = runs.map((r) => r.ms - r.ttfbMs);
  const msMedian = median(ms);
  const transferMedianMs = median(transferMs);
  return {
    ms,
    ttfbMs,
    transferMs,
    mibPerSecond: bytes / MIB / (transferMedianMs / 1000),
    endToEndMibPerSecond: bytes / MIB / (msMedian / 1000),
    msMedian,
    msMin: Math.min(...ms),
    msMax: Math.max(...ms),
    ttfbMedianMs: median(ttfbMs),
    transferMedianMs,
    transferMinMs: Math.min(...transferMs),
    transferMaxMs: Math.max(...transferMs),
  };
}

/** The raw pipe's two threads. */
class RawPipe {
  private readonly sender = RawPipe.spawn('sender');
  private readonly receiver = RawPipe.spawn('receiver');
  // Listen at once: a message posted before anyone listens is lost.
  private readonly up = Promise.all([RawPipe.next(this.sender, 'ready'), RawPipe.next(this.receiver, 'ready')]);

  private static spawn(role: RawPipeRole): Worker {
    return new Worker(WORKER_URL, { workerData: role });
  }

  /** Resolves with the next report of `type` from `w`; rejects on its error report. */
  private static next(w: Worker, type: RawPipeReport['type']): Promise<RawPipeReport> {
    return new Promise((resolve, reject) => {
      const on = (m: RawPipeReport): void => {
        if (m.type !== type && m.type !== 'error') return;
        off();
        if (m.type === 'error') reject(new Error(`raw pipe: ${m.message}`));
        else resolve(m);
      };
      const onExit = (code: number): void => {
        off();
        reject(new Error(`raw pipe thread exited (code ${code}) before '${type}'`));
      };
      const off = (): void => {
        w.off('message', on).off('exit', onExit).off('error', onExit);
      };
      w.on('message', on).on('exit', onExit).on('error', onExit);
    });
  }

  async ready(): Promise<void> {
    await this.up;
  }

  /** Copies `from` to `to` over loopback TCP; returns ms end to end and to the receiver's first byte. */
  async copy(from: string, to: string): Promise<{ ms: number; ttfbMs: number; bytes: number }> {
    const listening = RawPipe.next(this.receiver, 'listening');
    this.receiver.postMessage({ type: 'listen', path: to } satisfies RawPipeCommand);
    const l = await listening;
    const port = l.type === 'listening' ? l.port : 0;
    const first = RawPipe.next(this.receiver, 'first-byte');
    const done = RawPipe.next(this.receiver, 'done');
    const t0 = performance.now();
    this.sender.postMessage({ type: 'send', port, path: from } satisfies RawPipeCommand);
    await first;
    const ttfbMs = performance.now() - t0;
    const d = await done;
    return { ms: performance.now() - t0, ttfbMs, bytes: d.type === 'done' ? d.bytes : -1 };
  }

  async close(): Promise<void> {
    await Promise.all([this.sender.terminate(), this.receiver.terminate()]);
  }
}

/**
 * Requests `filename` at the requester; returns ms end to end and to the
 * first bytes (its 'file-receiving' and 'file-received' events, timed as
 * they arrive here), and the bytes and path it reported.
 */
async function peerCopy(
  net: PeerNetwork,
  watch: ExitWatch,
  filename: string,
  deadlineMs: number,
): Promise<CopyTimes & { bytes: number; path: string }> {
  const peer = net.get(REQUESTER);
  const since = peer.mark();
  const at = { receiving: Number.NaN, received: Number.NaN };
  const stop = peer.onEvent((e) => {
    if (e.fields?.['filename'] !== filename) return;
    if (e.kind === 'file-receiving') at.receiving = performance.now();
    else if (e.kind === 'file-received') at.received = performance.now();
  });
  try {
    const receiving = peer.waitForKind('file-receiving', deadlineMs, since, { filename });
    const received = peer.waitForKind('file-received', deadlineMs, since, { filename });
    receiving.catch(() => undefined); // awaited below, with `received`
    const t0 = performance.now();
    peer.type(`Request ${filename}`);
    const [, e] = await watch.race(Promise.all([receiving, received]));
    return {
      ms: at.received - t0,
      ttfbMs: at.receiving - t0,
      bytes: Number(e.fields?.['bytes']),
      path: String(e.fields?.['path'] ?? ''),
    };
  } finally {
    stop();
  }
}

/** Measures every size, peer and raw pipe alternating, and checks every copy. */
export async function runTransferBench(options: TransferBenchOptions): Promise<TransferBenchResult> {
  const machine = machineInfo();
  const t0 = performance.now();
  const invariants = new Invariants();
  const runsOf = (bytes: number): number => (bytes >= options.largeFrom ? options.runsLarge : options.runs);
  const progress = new Progress(
    'transfer',
    options.sizes.reduce((k, b) => k + 2 * runsOf(b), 0),
  );
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'p2p-bench-transfer-'));
  const net = new PeerNetwork({ dir, portBase: options.portBase, pingSeconds: options.pingSeconds });
  const watch = new ExitWatch();
  const raw = new RawPipe();
  const rows: TransferRow[] = [];
  const skipped: { bytes: number; reason: string }[] = [];
  try {
    RING.forEach((id, i) => watch.watch(net.init(id, RING[(i + 1) % 3] as number, RING[(i + 2) % 3] as number)));
    await watch.race(net.settlePings(new Map(), 60_000));
    await raw.ready();
    // Warm-up: the pools' first transfer, not measured.
    await writeTestFile(path.join(dir, '0149.bin'), KIB, options.seed);
    await peerCopy(net, watch, '0149', 60_000);
    for (const [i, bytes] of options.sizes.entries()) {
      const free = await fs.statfs(dir).then((s) => s.bavail * s.bsize);
      if (free < 3 * bytes + GIB) {
        skipped.push({ bytes, reason: `${formatBytes(free)} free on ${dir}` });
        continue;
      }
      const filename = String(150 + i).padStart(4, '0');
      const source = path.join(dir, `${filename}.bin`);
      const received = path.join(dir, `received_${filename}.bin`);
      const rawTarget = path.join(dir, `raw_${filename}.bin`);
      const sourceHash = await writeTestFile(source, bytes, options.seed + i);
      const deadlineMs = 60_000 + (bytes / (5 * MIB)) * 1000; // ≥ 5 MiB/s, or the run fails
      const peer: CopyTimes[] = [];
      const pipe: CopyTimes[] = [];
      const check = async (who: string, file: string, got: number): Promise<void> => {
        const same = got === bytes && (await hashFile(file)) === sourceHash;
        invariants.check(same, () => `transfer ${formatBytes(bytes)} (${who}): received ${got} bytes that differ from the source`);
        await fs.rm(file, { force: true });
      };
      for (let run = 0; run < runsOf(bytes); run++) {
        // Alternate who goes first, so neither always meets a warmer page cache.
        for (const who of run % 2 === 0 ? (['peer', 'raw'] as const) : (['raw', 'peer'] as const)) {
          progress.note(`${formatBytes(bytes)} run ${run + 1} ${who}`);
          if (who === 'peer') {
            const r = await peerCopy(net, watch, filename, deadlineMs);
            peer.push(r);
            await check('peer', r.path === '' ? received : r.path, r.bytes);
          } else {
            const r = await raw.copy(source, rawTarget);
            pipe.push(r);
            await check('raw pipe', rawTarget, r.bytes);
          }
          progress.tick();
        }
      }
      await fs.rm(source, { force: true });
      const p = side(bytes, peer);
      const q = side(bytes, pipe);
      rows.push({
        bytes,
        peer: p,
        raw: q,
        ratio: p.mibPerSecond / q.mibPerSecond,
        endToEndRatio: p.endToEndMibPerSecond / q.endToEndMibPerSecond,
      });
    }
  } finally {
    progress.end();
    watch.stop();
    await raw.close();
    await net.stopAll();
    await fs.rm(dir, { recursive: true, force: true });
  }
  return {
    ...machine,
    parameters: options,
    results: { rows, skipped },
    invariantFailures: invariants.failures,
    seconds: (performance.now() - t0) / 1000,
  };
}

/** The console table. */
export function formatTransfer(result: TransferBenchResult): string {
  const lines = [
    'transfer: throughput from the first byte to the last (MiB/s), time to first byte and end to end (ms); medians of runs',
    `${'size'.padStart(9)}${'peer MiB/s'.padStart(12)}${'raw MiB/s'.padStart(11)}${'peer/raw'.padStart(10)}` +
      `${'peer TTFB'.padStart(11)}${'raw TTFB'.padStart(10)}${'peer e2e ms [min–max]'.padStart(28)}${'raw e2e ms'.padStart(12)}${'e2e peer/raw'.padStart(14)}`,
  ];
  for (const r of result.results.rows) {
    lines.push(
      `${formatBytes(r.bytes).padStart(9)}${fmt(r.peer.mibPerSecond).padStart(12)}${fmt(r.raw.mibPerSecond).padStart(11)}${fmt(r.ratio, 2).padStart(10)}` +
        `${fmt(r.peer.ttfbMedianMs).padStart(11)}${fmt(r.raw.ttfbMedianMs, 2).padStart(10)}` +
        `${`${fmt(r.peer.msMedian)} [${fmt(r.peer.msMin)}–${fmt(r.peer.msMax)}]`.padStart(28)}${fmt(r.raw.msMedian).padStart(12)}` +
        fmt(r.endToEndRatio, 2).padStart(14),
    );
  }
  for (const s of result.results.skipped) lines.push(`skipped ${formatBytes(s.bytes)}: ${s.reason}`);
  return lines.join('\n');
}

/** `--quick`: 1 KiB, 64 KiB and 1 MiB, three runs each. */
export const QUICK_TRANSFER_OPTIONS: TransferBenchOptions = { ...DEFAULT_TRANSFER_OPTIONS, sizes: [KIB, 64 * KIB, MIB], runs: 3, runsLarge: 1 };

/** The command line of `npm run bench:transfer`. */
export const TRANSFER_COMMAND: BenchCommand<TransferBenchOptions> = {
  command: 'npm run bench:transfer --',
  summary:
    'Request of one file between two live peers against a raw TCP pipe between the same two processes,\n' +
    'size by size. Writes bench/results/transfer.json, the report and the summary.',
  options: {
    sizes: {
      kind: 'bytes',
      arg: 'SIZES',
      min: 1,
      max: 4 * GIB,
      help: `file sizes, e.g. 1k,64k,1m,16m (default ${DEFAULT_TRANSFER_OPTIONS.sizes.map(formatBytes).join(', ').replaceAll(' ', '')})`,
    },
    'max-mib': { kind: 'number', arg: 'N', min: 0, help: 'only the sizes up to N MiB' },
    runs: { kind: 'int', arg: 'K', min: 1, max: 1000, help: `runs per contender and size (default ${DEFAULT_TRANSFER_OPTIONS.runs})` },
    'runs-large': {
      kind: 'int',
      arg: 'K',
      min: 1,
      max: 1000,
      help: `runs from ${formatBytes(DEFAULT_TRANSFER_OPTIONS.largeFrom)} on (default ${DEFAULT_TRANSFER_OPTIONS.runsLarge})`,
    },
  },
  configure: (values) => {
    const base = values.quick === true ? QUICK_TRANSFER_OPTIONS : DEFAULT_TRANSFER_OPTIONS;
    const maxBytes = intOf(values, 'max-mib', Infinity) * MIB;
    return {
      ...base,
      sizes: listOf(values, 'sizes', base.sizes).filter((b) => b <= maxBytes),
      runs: intOf(values, 'runs', base.runs),
      runsLarge: intOf(values, 'runs-large', base.runsLarge),
      portBase: intOf(values, 'port-base', base.portBase),
    };
  },
};

if (isEntryPoint(import.meta.url)) {
  const options = commandLine(TRANSFER_COMMAND, process.argv.slice(2));
  if (options !== undefined) void runAsMain('transfer', () => runTransferBench(options), formatTransfer, writeReport);
}
