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
 *
 * The same coordinator runs a host of many peers (`p2p host`): still five
 * role workers, each serving every peer, one ring queue whose records name
 * their peer, one state block with a slot per peer. Each peer's lines are
 * printed prefixed with its ID. A peer that quits (or fails to join), or is
 * killed from the prompt, leaves alone: every role drops it, and the process
 * ends with its last peer. One peer per process (`p2p init|join`) is this
 * with one peer and no prefix.
 */
import { mkdirSync } from 'node:fs';
import type { Readable } from 'node:stream';
import { MessageChannel, Worker } from 'node:worker_threads';
import * as Comlink from 'comlink/dist/esm/comlink.mjs';
import nodeEndpoint from 'comlink/dist/esm/node-adapter.mjs';
import '../runtime/comlink-errors.js';
import { QUEUE_CAPACITY_BYTES, ROLE_MAX_OLD_GENERATION_MB, STOP_GRACE_MS } from '../constants.js';
import { deserializeError, errorLine, errorLineOf, P2PError } from '../errors.js';
import { RingQueue } from '../queue/ring-queue.js';
import type { ConsumerApi } from '../roles/consumer.js';
import type { PeerSnapshot } from '../handlers/snapshot.js';
import { dataDirOf, type PeerConfig } from '../node/config.js';
import { openEventLog, type EventLog } from './event-log.js';
import { answerAsks } from '../runtime/activity.js';
import type { PeerEvent, RoleMessage } from '../runtime/events.js';
import { PeerState, ROLES, type Role } from '../runtime/peer-state.js';
import type { CoordinatorMessage } from '../runtime/events.js';
import { COMMAND_HELP, HOST_COMMAND_HELP } from '../protocol/commands.js';
import { defaultRef } from '../protocol/peer-ref.js';
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
  /**
   * A host of many peers (`p2p host`): every peer it starts with, `config`
   * being the first. Lines are then `ID> COMMAND`, and each printed line is
   * prefixed with its peer's ID.
   */
  readonly hosted?: readonly PeerConfig[] | undefined;
  /** Peer slots of a host, for the peers it may start later (default: as many as it starts with, at least 1). */
  readonly maxPeers?: number | undefined;
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

/** A line of a host's peer: its ID, then the line (`  15 | Ping requests sent to Peers 19 and 2`). */
export function hostLine(event: PeerEvent): string | undefined {
  if (event.line === undefined) return undefined;
  // The host's own lines (its prompt's refusals, its answers) are nobody's.
  if (event.role === 'stdin-reader' || event.kind === 'host-said') return event.line;
  const prefix = `${String(event.peer).padStart(3)} | `;
  // A multi-line answer (status, fingers) is the peer's on every line.
  return prefix + event.line.replaceAll('\n', `\n${prefix}`);
}

/** Prints a host's event: its line prefixed with its peer's ID. */
export function printHostEvent(event: PeerEvent): void {
  const line = hostLine(event);
  if (line !== undefined) (event.stream === 'stderr' ? process.stderr : process.stdout).write(`${line}\n`);
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
  /** The peers running now, and the state slot of each. */
  private readonly running = new Map<number, number>();
  /** Answers awaited from the roles for a peer being added. */
  private readonly adding = new Map<number, { left: number; errors: Error[]; done: () => void }>();
  /** The exit code of the host: the highest of its peers' (0 while none failed). */
  private worstCode = 0;

  private constructor(
    readonly config: PeerConfig,
    private readonly options: StartPeerOptions,
    readonly queue: RingQueue,
    readonly state: PeerState,
    private readonly controlPort: import('node:worker_threads').MessagePort,
  ) {
    this.exited = new Promise((resolve) => (this.resolveExit = resolve));
    this.peers.forEach((c, slot) => this.running.set(c.self.id, slot));
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
    const count = options.hosted?.length ?? 1;
    const state = PeerState.create(Math.max(count, options.maxPeers ?? count));
    const { port1, port2 } = new MessageChannel();
    const peer = new Peer(options.config, options, queue, state, port1);
    await peer.spawnAll(port2);
    if (options.snapshotEveryMs !== undefined) peer.startSnapshots(options.snapshotEveryMs);
    if (!peer.isHost) {
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
    // A host's joining peers join one after another: two joins at once into
    // the same part of the ring would race for the same predecessor.
    for (const c of peer.peers) {
      if (c.knownPeer === undefined || !peer.running.has(c.self.id)) continue;
      await peer.joinHosted(c.self.id);
    }
    return peer;
  }

  /** Every peer the process started with (one, unless a host). */
  get peers(): readonly PeerConfig[] {
    return this.options.hosted ?? [this.config];
  }

  /** A host of many peers (`p2p host`). */
  get isHost(): boolean {
    return this.options.hosted !== undefined;
  }

  /** The IDs of the peers running now. */
  get runningIds(): number[] {
    return [...this.running.keys()].sort((a, b) => a - b);
  }

  /** Sends hosted peer `id`'s join request; a failed join ends that peer only. */
  private async joinHosted(id: number): Promise<void> {
    try {
      await this.control.join(id);
    } catch (err) {
      this.say(errorLineOf(err, `peer ${id}: join failed`), 'stderr');
      this.peerEnded(id, 1, 'join failed', false);
    }
  }

  /**
   * Starts one more peer in this host: each role binds its ports and holds
   * it; then, with `knownPeer`, it joins. Rejects (and drops it) when a role
   * cannot (ERR_PORT_IN_USE...), or when it is running already.
   */
  async addPeer(config: PeerConfig): Promise<void> {
    const id = config.self.id;
    if (this.running.has(id)) throw new P2PError('ERR_DUPLICATE_ID', `peer ${id} is already running in this host`);
    const used = new Set(this.running.values());
    const slots = PeerState.slotsIn(this.state.buffer);
    let slot = 0;
    while (slot < slots && used.has(slot)) slot++;
    if (slot >= slots) throw new P2PError('ERR_BAD_ARGUMENT', `this host has room for ${slots} peers (--max-peers)`);
    this.running.set(id, slot);
    const errors = await new Promise<Error[]>((resolve) => {
      const wait = { left: ROLES.length, errors: [] as Error[], done: () => resolve(wait.errors) };
      this.adding.set(id, wait);
      for (const w of this.workers.values()) w.postMessage({ kind: 'add', config, slot } satisfies CoordinatorMessage<PeerConfig>);
    });
    this.adding.delete(id);
    if (errors.length > 0) {
      this.running.delete(id);
      for (const w of this.workers.values()) w.postMessage({ kind: 'drop', peer: id, abrupt: true } satisfies CoordinatorMessage);
      throw errors[0] as Error;
    }
    if (config.knownPeer !== undefined) await this.joinHosted(id);
  }

  /** Ends hosted peer `id` at once, telling nobody (a kill). */
  killPeer(id: number): boolean {
    if (!this.running.has(id)) return false;
    this.peerEnded(id, 130, 'killed', true);
    return true;
  }

  /**
   * Peer `id` has ended: alone, the process stops; in a host, every role
   * drops it, and the host stops with its last peer.
   */
  private peerEnded(id: number, code: number, reason: string, abrupt: boolean): void {
    if (!this.isHost) {
      void this.stop(code, reason);
      return;
    }
    if (!this.running.delete(id)) return;
    this.worstCode = Math.max(this.worstCode, code === 130 ? 0 : code);
    for (const w of this.workers.values()) w.postMessage({ kind: 'drop', peer: id, abrupt } satisfies CoordinatorMessage);
    this.emit({
      peer: id,
      role: 'coordinator',
      kind: 'peer-stopped',
      fields: { code, reason, abrupt },
      time: new Date().toISOString(),
    });
    if (this.running.size === 0) void this.stop(this.worstCode, 'every peer has ended');
  }

  /** A line of the host's own (an answer to a host command). */
  private say(line: string, stream: 'stdout' | 'stderr' = 'stdout'): void {
    this.emit({ peer: this.config.self.id, role: 'coordinator', kind: 'host-said', line, stream, time: new Date().toISOString() });
  }

  /** A host command typed at the prompt (protocol/commands.ts, parseHostLine). */
  private hostCommand(line: string): void {
    const [verb = '', ...args] = line.trim().split(/\s+/);
    switch (verb.toLowerCase()) {
      case 'peers':
        this.say(`Peers running here (${this.running.size}): ${this.runningIds.join(' ')}`);
        return;
      case 'help':
        this.say(`${HOST_COMMAND_HELP}\n${COMMAND_HELP}`);
        return;
      case 'kill': {
        const id = Number(args[0]);
        if (!this.killPeer(id)) this.say(errorLine(`kill: peer ${id} is not running in this host`, 'ERR_BAD_ARGUMENT'), 'stderr');
        return;
      }
      case 'start': {
        const id = Number(args[0]);
        const known = Number(args[2]);
        const max = 2 ** this.config.idBits - 1;
        if (id > max || known > max) {
          this.say(errorLine(`start: peer IDs are 0..${max}`, 'ERR_BAD_ARGUMENT'), 'stderr');
          return;
        }
        const pattern = this.config.dataDirPattern;
        const config: PeerConfig = {
          ...this.config,
          self: defaultRef(id, this.config.defaultHost, this.config.portBase, this.config.addressPlan),
          initialSuccessors: [],
          knownPeer: defaultRef(known, this.config.defaultHost, this.config.portBase, this.config.addressPlan),
          dataDir: pattern === undefined ? this.config.dataDir : dataDirOf(pattern, id),
        };
        if (pattern !== undefined) mkdirSync(config.dataDir, { recursive: true });
        this.addPeer(config).then(
          () => this.say(`Peer ${id} started in this host`),
          (err: unknown) => this.say(errorLineOf(err, `start: peer ${id}`), 'stderr'),
        );
        return;
      }
    }
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
          peers: this.peers,
          host: this.isHost,
          queueBuffer: this.queue.buffer,
          stateBuffer: this.state.buffer,
          controlPort: role === 'consumer' ? controlPort : undefined,
        };
        const worker = new Worker(workerUrl(role), {
          workerData: data,
          transferList: role === 'consumer' ? [controlPort] : [],
          stdin: role === 'stdin-reader',
          name: this.isHost ? `p2p-host-${role}` : `p2p-${this.config.self.id}-${role}`,
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
              this.peerEnded(msg.peer, msg.code, msg.reason, false);
              return;
            case 'host-command':
              this.hostCommand(msg.line);
              return;
            case 'added': {
              const wait = this.adding.get(msg.peer);
              if (wait === undefined) return;
              if (msg.error !== undefined) wait.errors.push(deserializeError(msg.error));
              if (--wait.left === 0) wait.done();
              return;
            }
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
      line: errorLine(`peer ${this.config.self.id}: the ${role} thread (thread ${threadId}) died unexpectedly: ${why}`, 'ERR_WORKER_DIED'),
      stream: 'stderr',
      fields: { role, threadId, code: 'ERR_WORKER_DIED' },
      time: new Date().toISOString(),
    });
    void this.stop(1, `${role} thread died`);
  }

  private emit(event: PeerEvent): void {
    (this.options.onEvent ?? (this.isHost ? printHostEvent : printEvent))(event);
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
      process.stderr.write(`${errorLineOf(err, `peer ${this.config.self.id}: closing the event log failed`)}\n`);
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
