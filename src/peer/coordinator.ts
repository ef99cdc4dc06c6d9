/**
 * The coordinator: one peer is one coordinator on the main thread and five
 * role workers (socket producer, stdin reader, ping listener, ping sender,
 * consumer) sharing one ring queue and one peer-state block. It is the only
 * writer of the peer's output, watches every worker (one that dies
 * unexpectedly ends the peer with a non-zero code), and stops them all on
 * `exit`.
 *
 * A dead role is not restarted. It could not be done safely: the consumer
 * holds the peer's whole state (successors, fingers, awaited answers, the
 * control channel and the transfer pool), and a producer terminated between
 * its reservation and its commit leaves a record the consumer waits on
 * forever (see the contract of RingQueue). Instead, a role does not die of
 * an ordinary fault: each thread reports unexpected errors with ERR_INTERNAL
 * and carries on (runtime/faults.ts), so only what no handler can survive
 * (a role whose loop broke and says `fatal`, a thread out of memory, a
 * terminated worker) reaches the coordinator, which says so loudly and
 * ends the peer with a non-zero code.
 */
import type { Readable } from 'node:stream';
import { MessageChannel, Worker } from 'node:worker_threads';
import * as Comlink from 'comlink/dist/esm/comlink.mjs';
import nodeEndpoint from 'comlink/dist/esm/node-adapter.mjs';
import '../runtime/comlink-errors.js';
import { QUEUE_CAPACITY_BYTES, ROLE_MAX_OLD_GENERATION_MB, STOP_GRACE_MS } from '../constants.js';
import { deserializeError, P2PError } from '../errors.js';
import { RingQueue } from '../queue/ring-queue.js';
import type { ConsumerApi } from '../roles/consumer.js';
import type { PeerSnapshot } from '../handlers/snapshot.js';
import type { PeerConfig } from '../node/config.js';
import { openEventLog, type EventLog } from './event-log.js';
import { answerAsks } from '../runtime/activity.js';
import type { PeerEvent, RoleMessage } from '../runtime/events.js';
import { PeerState, ROLES, type Role } from '../runtime/peer-state.js';
import type { RoleWorkerData } from '../roles/role-host.js';
import { workerUrl } from '../runtime/worker-path.js';

/** How a peer ended. */
export interface PeerExit {
  readonly code: number;
  readonly reason: string;
}

/** Options of startPeer. */
export interface StartPeerOptions {
  readonly config: PeerConfig;
  /** Receives every event; default: print lines to this process's stdout/stderr. */
  readonly onEvent?: (event: PeerEvent) => void;
  /** Also write every event as a JSON line to this file (or `fd:N`). */
  readonly eventsFile?: string | undefined;
  /** Fed to the stdin reader; default none (use `input()`). */
  readonly stdin?: Readable | undefined;
  /** Ring queue data bytes. */
  readonly queueCapacity?: number;
  /**
   * Emit a 'snapshot' event (the consumer's snapshot, plus which threads are
   * alive) this often, for a view (`p2p view`); undefined, the default: never.
   */
  readonly snapshotEveryMs?: number | undefined;
}

/** Prints an event's line, if any, to this process's stdout or stderr. */
export function printEvent(event: PeerEvent): void {
  if (event.line === undefined) return;
  (event.stream === 'stderr' ? process.stderr : process.stdout).write(`${event.line}\n`);
}

/** A running peer. */
export class Peer {
  /** Resolves when the peer has stopped, with its exit code. */
  readonly exited: Promise<PeerExit>;
  private resolveExit!: (exit: PeerExit) => void;
  private stopping: Promise<PeerExit> | undefined;
  private readonly workers = new Map<Role, Worker>();
  private readonly eventLog: EventLog | undefined;
  /** Answers `status`'s asks for the main thread's wake-ups and timers (runtime/activity.ts). */
  private readonly asks: { stop(): void };
  private snapshotTimer: NodeJS.Timeout | undefined;
  /** The consumer's control API. */
  readonly control: Comlink.Remote<ConsumerApi>;

  private constructor(
    readonly config: PeerConfig,
    private readonly options: StartPeerOptions,
    readonly queue: RingQueue,
    readonly state: PeerState,
    private readonly controlPort: import('node:worker_threads').MessagePort,
  ) {
    this.exited = new Promise((resolve) => (this.resolveExit = resolve));
    this.eventLog = options.eventsFile === undefined ? undefined : openEventLog(options.eventsFile);
    this.control = Comlink.wrap<ConsumerApi>(nodeEndpoint(controlPort));
    this.asks = answerAsks(state, 'coordinator', (err) => {
      const message = err instanceof Error ? err.message : String(err);
      process.stderr.write(`p2p: peer ${config.self.id}: answering an activity ask failed: ${message}\n`);
    });
  }

  /** Starts the five workers; resolves once each has said ready (and, for `join`, the join request is delivered). */
  static async start(options: StartPeerOptions): Promise<Peer> {
    const queue = RingQueue.create(options.queueCapacity ?? QUEUE_CAPACITY_BYTES);
    const state = PeerState.create();
    const { port1, port2 } = new MessageChannel();
    const peer = new Peer(options.config, options, queue, state, port1);
    await peer.spawnAll(port2);
    if (options.snapshotEveryMs !== undefined) peer.startSnapshots(options.snapshotEveryMs);
    if (options.config.knownPeer !== undefined) {
      try {
        await peer.control.join();
      } catch (err) {
        await peer.stop(1, 'join failed');
        throw err; // a P2PError rebuilt by comlink-errors (ERR_UNREACHABLE, ERR_DUPLICATE_ID, ...)
      }
    }
    return peer;
  }

  /** Thread ID of each role. */
  get threadIds(): Record<Role, number> {
    return Object.fromEntries(ROLES.map((r) => [r, this.workers.get(r)?.threadId ?? -1])) as Record<Role, number>;
  }

  /** The worker running a role (for diagnostics and tests). */
  worker(role: Role): Worker | undefined {
    return this.workers.get(role);
  }

  /** Types a line into the peer, through its stdin reader. */
  input(line: string): void {
    this.workers.get('stdin-reader')?.stdin?.write(`${line}\n`);
  }

  /** Stops every worker and closes every socket; resolves with the exit. */
  stop(code = 0, reason = 'stopped'): Promise<PeerExit> {
    this.stopping ??= this.shutdown(code, reason, false);
    return this.stopping;
  }

  /** Ends the peer at once, telling nobody (the course's Ctrl-C). */
  kill(): Promise<PeerExit> {
    this.stopping ??= this.shutdown(130, 'killed', true);
    return this.stopping;
  }

  private async spawnAll(controlPort: import('node:worker_threads').MessagePort): Promise<void> {
    let ready = 0;
    await new Promise<void>((resolve, reject) => {
      for (const role of ROLES) {
        const data: RoleWorkerData = {
          role,
          config: this.config,
          queueBuffer: this.queue.buffer,
          stateBuffer: this.state.buffer,
          controlPort: role === 'consumer' ? controlPort : undefined,
        };
        const worker = new Worker(workerUrl(role), {
          workerData: data,
          transferList: role === 'consumer' ? [controlPort] : [],
          stdin: role === 'stdin-reader',
          name: `p2p-${this.config.self.id}-${role}`,
          resourceLimits: { maxOldGenerationSizeMb: ROLE_MAX_OLD_GENERATION_MB },
        });
        this.workers.set(role, worker);
        const threadId = worker.threadId; // -1 once the worker has exited
        let lastError: unknown;
        worker.on('error', (err) => {
          lastError = err;
        });
        worker.on('message', (msg: RoleMessage) => {
          switch (msg.kind) {
            case 'events':
              for (const event of msg.events) this.emit(event);
              return;
            case 'ready':
              if (++ready === ROLES.length) {
                // Every socket is bound: only now may roles start sending.
                for (const w of this.workers.values()) w.postMessage({ kind: 'go' });
                resolve();
              }
              return;
            case 'fatal':
              if (ready < ROLES.length) {
                void this.stop(1, 'start failed').then(() => reject(deserializeError(msg.error)));
              } else {
                this.fatal(role, threadId, deserializeError(msg.error).message);
              }
              return;
            case 'exit':
              void this.stop(msg.code, msg.reason);
              return;
          }
        });
        worker.on('exit', (code) => {
          if (this.stopping !== undefined) return;
          const why = lastError instanceof Error ? lastError.message : `exit code ${code}`;
          if (ready < ROLES.length) {
            void this.stop(1, 'start failed').then(() =>
              reject(new P2PError('ERR_WORKER_DIED', `the ${role} thread died while starting: ${why}`)),
            );
          } else {
            this.fatal(role, threadId, why);
          }
        });
      }
      if (this.options.stdin !== undefined) {
        const sink = this.workers.get('stdin-reader')?.stdin;
        if (sink !== undefined && sink !== null) this.options.stdin.pipe(sink);
      }
    });
  }

  /**
   * Every `everyMs`, asks the consumer for its snapshot and emits it as a
   * 'snapshot' event. One at a time: a tick that finds the last one still
   * running is skipped, so a busy consumer is never queued more than one.
   */
  private startSnapshots(everyMs: number): void {
    let running = false;
    const tick = (): void => {
      if (running || this.stopping !== undefined) return;
      running = true;
      this.control
        .snapshot()
        .then((s) => {
          if (this.stopping === undefined) this.emit(snapshotEvent(s, this.workers));
        })
        .catch(() => undefined) // the peer is stopping: the next snapshot, if any, says how it is
        .finally(() => (running = false));
    };
    this.snapshotTimer = setInterval(tick, everyMs);
    this.snapshotTimer.unref();
    tick();
  }

  private fatal(role: Role, threadId: number, why: string): void {
    this.emit({
      peer: this.config.self.id,
      role: 'coordinator',
      kind: 'worker-died',
      line: `p2p: peer ${this.config.self.id}: the ${role} thread (thread ${threadId}) died unexpectedly: ${why}`,
      stream: 'stderr',
      fields: { role, threadId, code: 'ERR_WORKER_DIED' },
      time: new Date().toISOString(),
    });
    void this.stop(1, `${role} thread died`);
  }

  private emit(event: PeerEvent): void {
    (this.options.onEvent ?? printEvent)(event);
    this.eventLog?.write(event);
  }

  private async shutdown(code: number, reason: string, abrupt: boolean): Promise<PeerExit> {
    clearInterval(this.snapshotTimer);
    const stdin = this.options.stdin;
    const sink = this.workers.get('stdin-reader')?.stdin;
    if (stdin !== undefined && sink !== undefined && sink !== null) stdin.unpipe(sink);
    sink?.end();
    const exits = [...this.workers.values()].map((w) => waitExit(w));
    if (abrupt) {
      await Promise.all([...this.workers.values()].map((w) => w.terminate()));
    } else {
      this.queue.close(); // wakes a consumer asleep on the queue and any blocked producer
      for (const w of this.workers.values()) w.postMessage({ kind: 'stop' });
      const grace = setTimeout(() => {
        for (const w of this.workers.values()) w.terminate().catch(() => undefined); // it has exited meanwhile
      }, STOP_GRACE_MS);
      await Promise.all(exits);
      clearTimeout(grace);
    }
    await Promise.all(exits);
    this.asks.stop();
    const exit = { code, reason };
    // `stop()` never rejects (its callers do not wait for it): whatever
    // closing the channel or the event log throws, the peer has stopped.
    try {
      this.control[Comlink.releaseProxy]();
      this.controlPort.close();
      await this.eventLog?.close();
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      process.stderr.write(`p2p: peer ${this.config.self.id}: closing the event log failed: ${message}\n`);
    } finally {
      this.resolveExit(exit);
    }
    return exit;
  }
}

/** A snapshot as an event: every field flat, as event fields are (lists of numbers or strings). */
export function snapshotEvent(s: PeerSnapshot, workers: ReadonlyMap<Role, Worker>): PeerEvent {
  return {
    peer: s.peer,
    role: 'coordinator',
    kind: 'snapshot',
    fields: {
      routing: s.routing,
      idBits: s.idBits,
      successors: s.successors.map((r) => r.id),
      predecessors: s.predecessors.map((r) => r?.id ?? -1),
      fingers: s.fingers.map((f) => f ?? -1),
      roles: s.roles.map((r) => r.role),
      roleAlive: s.roles.map((r) => ((workers.get(r.role)?.threadId ?? -1) === -1 ? 0 : 1)),
      roleHandled: s.roles.map((r) => r.handled),
      roleErrors: s.roles.map((r) => r.errors),
      queueDepthBytes: s.queue.depthBytes,
      queueHighWaterBytes: s.queue.highWaterBytes,
      queueCapacityBytes: s.queue.capacityBytes,
      recordsPopped: s.queue.recordsPopped,
      files: s.storedKeys.map((k) => k.filename),
      fileKeys: s.storedKeys.map((k) => k.key),
      fileRoles: s.storedKeys.map((k) => k.role),
      transfersActive: s.transfersActive,
      rssBytes: s.memory.rssBytes,
    },
    time: new Date().toISOString(),
  };
}

function waitExit(worker: Worker): Promise<void> {
  return new Promise((resolve) => {
    if (worker.threadId === -1) resolve();
    else worker.once('exit', () => resolve());
  });
}

/** Starts a peer: five role threads around one ring queue. */
export function startPeer(options: StartPeerOptions): Promise<Peer> {
  return Peer.start(options);
}
