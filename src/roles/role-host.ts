/**
 * What every role worker does around its role: read workerData, attach to
 * the shared queue and state, record its thread ID, install the thread's
 * last resort for unexpected errors (runtime/faults.ts: reported with
 * ERR_INTERNAL, rate-limited, and the thread carries on), start the role,
 * say `ready` (or `fatal` with the error), begin on the coordinator's `go`,
 * stop on its `stop`, and answer asks for its thread's wake-ups and timers
 * (runtime/activity.ts: nothing to do until `status` asks).
 *
 * A role serves every peer of its process: one for `p2p init|join`, many for
 * `p2p host`. Each peer has its own emitter (its events carry its ID) and
 * its own slot of the shared state; the coordinator may `drop` one peer (a
 * Quit or a kill inside a host) or `add` one, and the role does that for
 * that peer only.
 */
import { parentPort, threadId, workerData, type MessagePort } from 'node:worker_threads';
import { serializeError } from '../errors.js';
import { RingQueue } from '../queue/ring-queue.js';
import type { PeerConfig } from '../node/config.js';
import { answerAsks } from '../runtime/activity.js';
import { detach, FaultReporter, installFaultGuard, type Fault } from '../runtime/faults.js';
import { createEmitter, type CoordinatorMessage, type Emit, type PeerEvent, type RoleMessage } from '../runtime/events.js';
import { PeerState, type Role } from '../runtime/peer-state.js';

/** The workerData of every role worker. */
export interface RoleWorkerData {
  readonly role: Role;
  /** Every peer the process starts with, peer slot i for peers[i] (one for init and join). */
  readonly peers: readonly PeerConfig[];
  /** A host of many peers (`p2p host`): typed lines name their peer (`ID> COMMAND`). */
  readonly host: boolean;
  readonly queueBuffer: SharedArrayBuffer;
  readonly stateBuffer: SharedArrayBuffer;
  /** The consumer's end of the control channel (comlink). */
  readonly controlPort?: MessagePort | undefined;
}

/** What a role is built from. */
export interface RoleContext {
  readonly data: RoleWorkerData;
  readonly queue: RingQueue;
  /** The state view of the first peer (slot 0): counters and asks are the process's. */
  readonly state: PeerState;
  /** The emitter of the first peer, for what concerns the role as a whole. */
  readonly emit: Emit;
  /** The emitter of one peer: its events carry its ID. */
  readonly emitFor: (peer: number) => Emit;
  readonly post: (message: RoleMessage) => void;
  /** Reports an unexpected error with ERR_INTERNAL (rate-limited); the role carries on. */
  readonly fault: Fault;
  /**
   * Ends the peer, loudly: for a role that can no longer do its work (its
   * loop broke). The coordinator says which role failed and exits non-zero.
   */
  readonly fatal: (err: unknown) => void;
}

/** A running role. */
export interface RunningRole {
  /**
   * Starts what the role does on its own (timers that send): called once
   * every role of the peer is ready, so that a peer whose other socket
   * cannot be bound never pings anyone before it ends.
   */
  begin?(): void;
  close(): Promise<void> | void;
  /** Ends one peer of a host (abrupt: a kill, telling nobody); the others go on. */
  drop?(peer: number, abrupt: boolean): Promise<void> | void;
  /** Starts one more peer in a running host, in peer slot `slot`; rejects as start does (a port in use). */
  add?(config: PeerConfig, slot: number): Promise<void> | void;
}

/** Runs `start` as this worker's role. */
export function hostRole(start: (ctx: RoleContext) => Promise<RunningRole> | RunningRole): void {
  const port = parentPort;
  if (port === null) throw new Error('a role must run in a worker thread');
  const data = workerData as RoleWorkerData;
  // Events go to the coordinator in one message per event-loop turn, not one
  // each: a forwarded request emits several, and each postMessage costs a
  // structured clone and a wake-up of the main thread. Any other message
  // first flushes the events before it, so the coordinator sees them in order.
  let pending: PeerEvent[] = [];
  let flushing = false;
  const flush = (): void => {
    flushing = false;
    if (pending.length === 0) return;
    const events = pending;
    pending = [];
    port.postMessage({ kind: 'events', events } satisfies RoleMessage);
  };
  const post = (message: RoleMessage): void => {
    flush();
    port.postMessage(message);
  };
  const sink = (event: PeerEvent): void => {
    pending.push(event);
    if (flushing) return;
    flushing = true;
    setImmediate(flush);
  };
  const emitters = new Map<number, Emit>();
  const emitFor = (peer: number): Emit => {
    let e = emitters.get(peer);
    if (e === undefined) emitters.set(peer, (e = createEmitter(peer, data.role, sink)));
    return e;
  };
  const first = data.peers[0]?.self.id ?? 0;
  const emit = emitFor(first);
  const state = new PeerState(data.stateBuffer);
  const faults = new FaultReporter({
    peer: first,
    role: data.role,
    emit,
    count: () => state.count(data.role, 'errors'),
  });
  installFaultGuard(process, faults.report);
  const ctx: RoleContext = {
    data,
    queue: new RingQueue(data.queueBuffer),
    state,
    emit,
    emitFor,
    post,
    fault: faults.report,
    fatal: (err) => post({ kind: 'fatal', role: data.role, error: serializeError(err) }),
  };
  ctx.state.registerRole(data.role, threadId);
  const asks = answerAsks(state, data.role, (err) => faults.report(err, 'answering an activity ask'));
  let running: RunningRole | undefined;
  let changes: Promise<unknown> = Promise.resolve();
  port.on('message', (message: CoordinatorMessage<PeerConfig>) => {
    // `go`, `drop` and `add` come only after this role's `ready`, so `running` is set by then.
    if (message.kind === 'go') {
      detach(
        () => running?.begin?.(),
        (err) => faults.report(err, 'begin'),
      );
      return;
    }
    // Drops and adds run one after another, in the order they were sent: a
    // peer started in the slot a departed peer held must not start before
    // that peer's part has finished closing (its sockets, its state slot).
    if (message.kind === 'drop') {
      changes = changes
        .then(() => running?.drop?.(message.peer, message.abrupt))
        .catch((err: unknown) => faults.report(err, `dropping peer ${message.peer}`));
      return;
    }
    if (message.kind === 'add') {
      const peer = message.config.self.id;
      changes = changes
        .then(() => running?.add?.(message.config, message.slot))
        .then(
          () => post({ kind: 'added', role: data.role, peer }),
          (err: unknown) => post({ kind: 'added', role: data.role, peer, error: serializeError(err) }),
        )
        .catch((err: unknown) => faults.report(err, `adding peer ${peer}`));
      return;
    }
    Promise.resolve()
      .then(() => running?.close())
      .catch((err: unknown) => faults.report(err, 'close'))
      .finally(() => {
        asks.stop();
        faults.close();
        flush();
        port.close();
      });
  });
  Promise.resolve()
    .then(() => start(ctx))
    .then(
      (role) => {
        running = role;
        post({ kind: 'ready', role: data.role });
      },
      (err: unknown) => post({ kind: 'fatal', role: data.role, error: serializeError(err) }),
    )
    .catch((err: unknown) => faults.report(err, 'start'));
}

/** One peer's part of a role that runs a part per peer (a listener, a ping sender). */
export interface PeerPart {
  begin?(): void;
  close(): Promise<void> | void;
  /** Ends it at once, as a kill would (default: close). */
  kill?(): Promise<void> | void;
}

/**
 * A role made of one part per peer of the process: `startOne` starts the
 * part of one peer (binding its sockets), with that peer's state view and
 * emitter. Every part starts before the role is ready (one that fails closes
 * the others and fails the role, as a port in use does for a lone peer);
 * `begin`, `drop`, `add` and `close` are passed on to the parts concerned.
 */
export async function perPeer(
  ctx: RoleContext,
  startOne: (config: PeerConfig, state: PeerState, emit: Emit) => Promise<PeerPart> | PeerPart,
): Promise<RunningRole> {
  const parts = new Map<number, PeerPart>();
  let begun = false;
  const start = async (config: PeerConfig, slot: number): Promise<PeerPart> =>
    startOne(config, ctx.state.forSlot(slot), ctx.emitFor(config.self.id));
  const started = await Promise.allSettled(ctx.data.peers.map((config, slot) => start(config, slot)));
  started.forEach((r, i) => {
    if (r.status === 'fulfilled') parts.set(ctx.data.peers[i]?.self.id ?? i, r.value);
  });
  const failed = started.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed !== undefined) {
    await Promise.all([...parts.values()].map(async (p) => p.close()));
    throw failed.reason;
  }
  return {
    begin: () => {
      begun = true;
      for (const p of parts.values()) p.begin?.();
    },
    close: async () => {
      await Promise.all([...parts.values()].map(async (p) => p.close()));
      parts.clear();
    },
    drop: async (peer, abrupt) => {
      const part = parts.get(peer);
      if (part === undefined) return;
      parts.delete(peer);
      await (abrupt && part.kill !== undefined ? part.kill() : part.close());
    },
    add: async (config, slot) => {
      if (parts.has(config.self.id)) throw new Error(`peer ${config.self.id} is already running here`);
      const part = await start(config, slot);
      parts.set(config.self.id, part);
      if (begun) part.begin?.();
    },
  };
}
