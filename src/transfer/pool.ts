/**
 * The transfer pool: a piscina pool, owned by the consumer thread, that runs
 * every file transfer (read and send, receive and write) in its own threads,
 * so a large transfer never stalls requests or pings.
 *
 * The pool, and piscina itself, are made at the first transfer: most peers
 * transfer nothing, and loading piscina (with the perf_hooks, assert and os
 * modules it pulls in) was a third of the consumer thread's start-up.
 */
import { MessageChannel } from 'node:worker_threads';
import { fileURLToPath } from 'node:url';
import type { Piscina } from 'piscina';
import { TRANSFER_WAIT_MS } from '../constants.js';
import type { Endpoint } from '../net/tcp.js';
import type { Request } from '../protocol/types.js';
import { workerUrl } from '../runtime/worker-path.js';
import type { ReceiveSpec, TransferService } from '../node/transfers.js';
import type { ReceiveOutcome, ReceiveTask, SendTask } from './tasks.js';

/** Options of the pool. */
export interface TransferPoolOptions {
  readonly host: string;
  readonly dataDir: string;
  readonly self: number;
  readonly queueBuffer: SharedArrayBuffer;
  readonly timeoutMs?: number;
  /** Threads at most of each of the two pools, sends and receives (transfers are I/O-bound: each thread runs many at once). */
  readonly maxThreads?: number;
}

/**
 * Which piscina pool runs a task. Receives and sends run in pools of their
 * own: a receive task waits in its slot for its sender to connect, and in a
 * host (`p2p host`) that sender is often a peer of the same process. In one
 * shared pool, a burst of Stores between hosted peers filled every slot with
 * receives (2 threads × 16 tasks) and the sends they waited for queued
 * behind them until the receives timed out: no file moved.
 */
type TaskKind = 'send' | 'receive';

/** The piscina pools, shared by a pool and the views made of it for other peers (forPeer). */
interface PiscinaHolder {
  readonly pools: Map<TaskKind, Promise<Piscina>>;
  readonly created: Piscina[];
  closed: boolean;
}

/** Transfers in piscina threads. */
export class TransferPool implements TransferService {
  private readonly holder: PiscinaHolder;
  /** This view was closed (its peer left); the piscina pool is its root's. */
  private closed = false;
  private running = 0;

  constructor(
    private readonly opts: TransferPoolOptions,
    shared?: PiscinaHolder,
  ) {
    this.holder = shared ?? { pools: new Map(), created: [], closed: false };
    this.root = shared === undefined;
  }

  /** Whether this pool owns the piscina pool (and destroys it on close). */
  private readonly root: boolean;

  /**
   * The pool of another peer of the same process (`p2p host`): its own
   * directory and ID, the same piscina threads.
   */
  forPeer(self: number, dataDir: string, host: string): TransferPool {
    return new TransferPool({ ...this.opts, self, dataDir, host }, this.holder);
  }

  get active(): number {
    return this.running;
  }

  /** Pool threads' IDs, for `status`. */
  get threadIds(): number[] {
    return this.holder.created.flatMap((pool) => pool.threads.map((t) => t.threadId));
  }

  async receive(spec: ReceiveSpec): Promise<Endpoint> {
    const { port1, port2 } = new MessageChannel();
    const task: ReceiveTask = {
      kind: 'receive',
      host: this.opts.host,
      filename: spec.filename,
      mode: spec.mode,
      dataDir: this.opts.dataDir,
      self: this.opts.self,
      queueBuffer: this.opts.queueBuffer,
      timeoutMs: this.opts.timeoutMs ?? TRANSFER_WAIT_MS,
      control: port2,
    };
    const done = this.track(this.piscina('receive').then((pool) => pool.run(task, { transferList: [port2] }) as Promise<ReceiveOutcome>));
    try {
      const listening = new Promise<number>((resolve) => port1.once('message', (m: { port: number }) => resolve(m.port)));
      // If the task fails before it listens, its rejection wins the race.
      const port = await Promise.race([listening, done.then(() => -1)]);
      if (port <= 0) throw new Error('the receive task ended before it listened');
      done.catch(() => undefined); // later failures are reported through the queue
      return { host: this.opts.host, port };
    } finally {
      port1.close();
    }
  }

  async send(to: Endpoint, header: Request, path?: string): Promise<{ bytes: number }> {
    const task: SendTask = { kind: 'send', to, header, path, timeoutMs: this.opts.timeoutMs ?? TRANSFER_WAIT_MS };
    return this.track(this.piscina('send').then((pool) => pool.run(task) as Promise<{ bytes: number }>));
  }

  async close(): Promise<void> {
    this.closed = true;
    if (!this.root) return;
    this.holder.closed = true;
    await Promise.all([...this.holder.pools.values()].map(async (pool) => (await pool).destroy()));
  }

  /** The pool of `kind`'s tasks, made (and piscina loaded) at its first task. */
  private piscina(kind: TaskKind): Promise<Piscina> {
    if (this.closed || this.holder.closed) return Promise.reject(new Error('the transfer pool is closed'));
    const holder = this.holder;
    let pool = holder.pools.get(kind);
    if (pool === undefined) {
      pool = import('piscina').then(({ Piscina }) => {
        const made = new Piscina({
          filename: fileURLToPath(workerUrl('transfer')),
          minThreads: 0, // pool threads start with the first transfer, not with every peer
          maxThreads: this.opts.maxThreads ?? 1,
          concurrentTasksPerWorker: 16,
          idleTimeout: 60_000,
        });
        holder.created.push(made);
        return made;
      });
      holder.pools.set(kind, pool);
    }
    return pool;
  }

  private track<T>(p: Promise<T>): Promise<T> {
    this.running += 1;
    return p.finally(() => {
      this.running -= 1;
    });
  }
}
