/**
 * Transfer throughput, end to end: `Request NNNN` typed at a peer until its
 * 'file-received' event, for sizes from 1 KiB to 1 GiB, beside a raw Node
 * loopback pipe (socket into fs.createWriteStream, in two threads, with the
 * peer's buffer sizes) of the same file in the same run. Contenders alternate run by run; the median,
 * the range and the time to first byte are reported, and the ratio of the
 * medians. Every received file is hashed and compared with its source.
 *
 * The ring: peers 10, 100 and 200 (ring routing); files keyed 150 + i, owned
 * by 200, requested at 10, so the request takes two hops and the owner then
 * connects straight to the requester. Time to first byte: until the
 * 'file-receiving' event (the transfer header reached the requester).
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
import { formatBytes, fmt, Invariants, isEntryPoint, machineInfo, median, Progress, runAsMain, type BenchResult } from './common.js';
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
  /** bytes / median ms, in MiB/s. */
  mibPerSecond: number;
  msMedian: number;
  msMin: number;
  msMax: number;
  ttfbMedianMs: number;
}

/** Both contenders at one size. */
export interface TransferRow {
  bytes: number;
  peer: TransferSide;
  raw: TransferSide;
  /** peer throughput / raw throughput (medians). */
  ratio: number;
}

/** The result file of the transfer benchmark. */
export type TransferBenchResult = BenchResult<TransferBenchOptions, { rows: TransferRow[]; skipped: { bytes: number; reason: string }[] }>;

/** The defaults of `npm run bench:transfer`. */
export const DEFAULT_TRANSFER_OPTIONS: TransferBenchOptions = {
  sizes: [KIB, 64 * KIB, MIB, 16 * MIB, 64 * MIB, 256 * MIB, GIB],
  runs: 7,
  runsLarge: 5,
  largeFrom: 256 * MIB,
  portBase: 24700,
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

function side(bytes: number, ms: number[], ttfbMs: number[]): TransferSide {
  const msMedian = median(ms);
  return {
    ms,
    ttfbMs,
    mibPerSecond: bytes / MIB / (msMedian / 1000),
    msMedian,
    msMin: Math.min(...ms),
    msMax: Math.max(...ms),
    ttfbMedianMs: median(ttfbMs),
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

  /** Copies `from` to `to` over loopback TCP; returns ms end to end and to the first byte. */
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

/** Requests `filename` at the requester; returns ms end to end, to the first byte, and the bytes it reported. */
async function peerCopy(
  net: PeerNetwork,
  filename: string,
  deadlineMs: number,
): Promise<{ ms: number; ttfbMs: number; bytes: number; path: string }> {
  const peer = net.get(REQUESTER);
  const since = peer.mark();
  const receiving = peer.waitForKind('file-receiving', deadlineMs, since, { filename });
  const received = peer.waitForKind('file-received', deadlineMs, since, { filename });
  received.catch(() => undefined); // awaited below, after `receiving`
  const t0 = performance.now();
  peer.type(`Request ${filename}`);
  await receiving;
  const ttfbMs = performance.now() - t0;
  const e = await received;
  return { ms: performance.now() - t0, ttfbMs, bytes: Number(e.fields?.['bytes']), path: String(e.fields?.['path'] ?? '') };
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
  const raw = new RawPipe();
  const rows: TransferRow[] = [];
  const skipped: { bytes: number; reason: string }[] = [];
  try {
    RING.forEach((id, i) => net.init(id, RING[(i + 1) % 3] as number, RING[(i + 2) % 3] as number));
    await net.settlePings(new Map(), 60_000);
    await raw.ready();
    // Warm-up: the pools' first transfer, not measured.
    await writeTestFile(path.join(dir, '0149.bin'), KIB, options.seed);
    await peerCopy(net, '0149', 60_000);
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
      const peer = { ms: [] as number[], ttfb: [] as number[] };
      const pipe = { ms: [] as number[], ttfb: [] as number[] };
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
            const r = await peerCopy(net, filename, deadlineMs);
            peer.ms.push(r.ms);
            peer.ttfb.push(r.ttfbMs);
            await check('peer', r.path === '' ? received : r.path, r.bytes);
          } else {
            const r = await raw.copy(source, rawTarget);
            pipe.ms.push(r.ms);
            pipe.ttfb.push(r.ttfbMs);
            await check('raw pipe', rawTarget, r.bytes);
          }
          progress.tick();
        }
      }
      await fs.rm(source, { force: true });
      const p = side(bytes, peer.ms, peer.ttfb);
      const q = side(bytes, pipe.ms, pipe.ttfb);
      rows.push({ bytes, peer: p, raw: q, ratio: p.mibPerSecond / q.mibPerSecond });
    }
  } finally {
    progress.end();
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
    'transfer throughput, end to end (median of runs; range of ms in brackets)',
    `${'size'.padStart(9)}${'peer MiB/s'.padStart(12)}${'peer ms [min–max]'.padStart(26)}${'TTFB ms'.padStart(9)}` +
      `${'raw MiB/s'.padStart(11)}${'raw ms'.padStart(9)}${'raw TTFB'.padStart(10)}${'peer/raw'.padStart(10)}`,
  ];
  for (const r of result.results.rows) {
    lines.push(
      `${formatBytes(r.bytes).padStart(9)}${fmt(r.peer.mibPerSecond).padStart(12)}` +
        `${`${fmt(r.peer.msMedian)} [${fmt(r.peer.msMin)}–${fmt(r.peer.msMax)}]`.padStart(26)}${fmt(r.peer.ttfbMedianMs).padStart(9)}` +
        `${fmt(r.raw.mibPerSecond).padStart(11)}${fmt(r.raw.msMedian).padStart(9)}${fmt(r.raw.ttfbMedianMs, 2).padStart(10)}${fmt(r.ratio, 2).padStart(10)}`,
    );
  }
  for (const s of result.results.skipped) lines.push(`skipped ${formatBytes(s.bytes)}: ${s.reason}`);
  return lines.join('\n');
}

if (isEntryPoint(import.meta.url)) {
  void runAsMain('transfer', () => runTransferBench(DEFAULT_TRANSFER_OPTIONS), formatTransfer, writeReport);
}
