/**
 * The floors the benchmarks compare a peer with, measured in the same run:
 * separate Node processes (bench/floor-child.ts) doing the least that the
 * peer's work needs, on 127.0.0.1.
 *
 * - one hop: a framed round trip over a TCP connection kept open (and, when
 *   dht-rpc is installed, a dht-rpc request between two processes);
 * - idle cost and start-up: a process that starts five idle worker threads;
 * - a small file: connect, ask and read 1 KiB over a fresh TCP connection.
 *
 * A floor process that exits before it was asked to stops the wait at once
 * with its last words, as ExitWatch does for peers.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import type { FloorReport, FloorRole } from './floor-child.js';
import { summarize, type Summary } from './floor-math.js';

/** Compiled script; from the TS source (the smoke test) use the build. */
const CHILD_URL = import.meta.url.endsWith('.ts')
  ? new URL('../dist/bench/floor-child.js', import.meta.url)
  : new URL('./floor-child.js', import.meta.url);

/** Worker threads of a peer: its five roles (socket producer, stdin reader, ping listener, ping sender, consumer). */
export const PEER_WORKER_THREADS = 5;

/** Payload bytes of the hop floor's frame: about a routed request (a lookup or a Request with its content). */
export const HOP_FRAME_BYTES = 200;

/** One floor process, its reports read line by line. */
export class FloorProcess {
  /** Resolves with the exit code (null on a signal). */
  readonly exited: Promise<number | null>;
  private readonly proc: ChildProcess;
  private readonly reports: FloorReport[] = [];
  private readonly waiters = new Set<() => void>();
  private readonly stderr: string[] = [];
  private ended = false;
  private stopping = false;

  constructor(
    readonly role: FloorRole,
    args: readonly (string | number)[],
  ) {
    this.proc = spawn(process.execPath, [fileURLToPath(CHILD_URL), role, ...args.map(String)], { stdio: ['pipe', 'pipe', 'pipe'] });
    this.proc.stdin?.on('error', () => undefined);
    createInterface({ input: this.proc.stdout as Readable }).on('line', (line) => {
      try {
        this.reports.push(JSON.parse(line) as FloorReport);
      } catch {
        this.stderr.push(line);
      }
      this.wake();
    });
    createInterface({ input: this.proc.stderr as Readable }).on('line', (line) => this.stderr.push(line));
    this.exited = new Promise((resolve) => {
      this.proc.once('exit', (code) => {
        this.ended = true;
        this.wake();
        resolve(code);
      });
    });
  }

  /** The process ID (for /proc). */
  get pid(): number {
    return this.proc.pid ?? -1;
  }

  /** Types a line into it. */
  type(line: string): void {
    this.proc.stdin?.write(`${line}\n`);
  }

  /**
   * The next report of `type` from report index `since` on; rejects on an
   * error report, on an exit, or after `timeoutMs`.
   */
  next<T extends FloorReport['type']>(type: T, timeoutMs: number, since = 0): Promise<Extract<FloorReport, { type: T }>> {
    return new Promise((resolve, reject) => {
      const check = (): boolean => {
        const r = this.reports.slice(since).find((x) => x.type === type || x.type === 'error');
        if (r?.type === 'error') reject(new Error(`floor ${this.role}: ${r.message}`));
        else if (r !== undefined) resolve(r as Extract<FloorReport, { type: T }>);
        else if (this.ended)
          reject(new Error(`floor ${this.role} exited before '${type}'; stderr: ${this.stderr.slice(-4).join(' | ') || '(none)'}`));
        else return false;
        return true;
      };
      if (check()) return;
      const timer = setTimeout(() => {
        this.waiters.delete(waiter);
        reject(new Error(`floor ${this.role}: no '${type}' within ${timeoutMs} ms`));
      }, timeoutMs);
      const waiter = (): void => {
        if (!check()) return;
        clearTimeout(timer);
        this.waiters.delete(waiter);
      };
      this.waiters.add(waiter);
    });
  }

  /** Index to pass as `since` to wait only for reports after now. */
  mark(): number {
    return this.reports.length;
  }

  /** Ends it (SIGTERM) and waits. */
  async stop(): Promise<void> {
    this.stopping = true;
    if (!this.ended) this.proc.kill('SIGTERM');
    await this.exited;
  }

  /** True when it ended without being asked to. */
  get diedEarly(): boolean {
    return this.ended && !this.stopping;
  }

  private wake(): void {
    for (const w of [...this.waiters]) w();
  }
}

/** Starts every one of `procs`' stop, and waits for all. */
export async function stopAll(procs: readonly FloorProcess[]): Promise<void> {
  await Promise.all(procs.map((p) => p.stop()));
}

/** Options of the hop floor. */
export interface HopFloorOptions {
  /** The framed server listens on port; dht-rpc uses port + 1 (bootstrap) and port + 2 (client). */
  readonly port: number;
  readonly roundTrips: number;
  readonly warmup: number;
  readonly timeoutMs: number;
}

/** The hop floor's contenders. */
export interface HopFloor {
  /** A framed round trip over a TCP connection kept open, in ms. */
  framed: Summary & { ms: number[] };
  /** A dht-rpc round trip between two processes, in ms; or why it could not be measured. */
  dhtRpc: (Summary & { ms: number[] }) | { error: string };
}

async function roundTrips(server: FloorProcess, client: () => FloorProcess, timeoutMs: number): Promise<number[]> {
  const procs = [server];
  try {
    await server.next('ready', timeoutMs);
    const c = client();
    procs.push(c);
    const r = await c.next('samples', timeoutMs);
    return r.ms;
  } finally {
    await stopAll(procs);
  }
}

/** Measures one framed TCP round trip, then a dht-rpc round trip, each between two processes. */
export async function measureHopFloor(o: HopFloorOptions): Promise<HopFloor> {
  const framedMs = await roundTrips(
    new FloorProcess('framed-echo', [o.port]),
    () => new FloorProcess('framed-client', [o.port, o.roundTrips, o.warmup, HOP_FRAME_BYTES]),
    o.timeoutMs,
  );
  let dhtRpc: HopFloor['dhtRpc'];
  try {
    const ms = await roundTrips(
      new FloorProcess('dht-rpc-server', [o.port + 1]),
      () => new FloorProcess('dht-rpc-client', [o.port + 1, o.port + 2, o.roundTrips, o.warmup, HOP_FRAME_BYTES]),
      o.timeoutMs,
    );
    dhtRpc = { ...summarize(ms), ms };
  } catch (err) {
    dhtRpc = { error: err instanceof Error ? err.message.split('\n')[0]! : String(err) };
  }
  return { framed: { ...summarize(framedMs), ms: framedMs }, dhtRpc };
}

/** Starts `count` idle-worker floor processes at once; resolves with them and the ms until every one was ready. */
export async function startIdleFloors(count: number, timeoutMs: number): Promise<{ procs: FloorProcess[]; readyMs: number }> {
  const t0 = performance.now();
  const procs = Array.from({ length: count }, () => new FloorProcess('idle-workers', [PEER_WORKER_THREADS]));
  try {
    await Promise.all(procs.map((p) => p.next('ready', timeoutMs)));
  } catch (err) {
    await stopAll(procs);
    throw err;
  }
  return { procs, readyMs: performance.now() - t0 };
}

/** The small-file floor: a server holding `bytes` and a client that fetches them over a fresh connection each time. */
export class FileFloor {
  private constructor(
    private readonly server: FloorProcess,
    private readonly client: FloorProcess,
  ) {}

  /** Starts both on `port`. */
  static async start(port: number, bytes: number, timeoutMs: number): Promise<FileFloor> {
    const server = new FloorProcess('file-server', [port, bytes]);
    const client = new FloorProcess('file-client', [port, bytes]);
    try {
      await Promise.all([server.next('ready', timeoutMs), client.next('ready', timeoutMs)]);
    } catch (err) {
      await stopAll([server, client]);
      throw err;
    }
    return new FileFloor(server, client);
  }

  /** One fetch: ms from typing to the client's report (as a peer is timed), the client's own ms, and the bytes. */
  async fetch(timeoutMs: number): Promise<{ ms: number; innerMs: number; bytes: number }> {
    const since = this.client.mark();
    const done = this.client.next('fetched', timeoutMs, since);
    const t0 = performance.now();
    this.client.type('go');
    const r = await done;
    return { ms: performance.now() - t0, innerMs: r.ms, bytes: r.bytes };
  }

  async stop(): Promise<void> {
    await stopAll([this.server, this.client]);
  }
}
