/**
 * What every role worker does around its role: read workerData, attach to
 * the shared queue and state, record its thread ID, install the thread's
 * last resort for unexpected errors (runtime/faults.ts: reported with
 * ERR_INTERNAL, rate-limited, and the thread carries on), start the role,
 * say `ready` (or `fatal` with the error), begin on the coordinator's `go`,
 * stop on its `stop`, and answer asks for its thread's wake-ups and timers
 * (runtime/activity.ts: nothing to do until `status` asks).
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
  readonly config: PeerConfig;
  readonly queueBuffer: SharedArrayBuffer;
  readonly stateBuffer: SharedArrayBuffer;
  /** The consumer's end of the control channel (comlink). */
  readonly controlPort?: MessagePort | undefined;
}

/** What a role is built from. */
export interface RoleContext {
  readonly data: RoleWorkerData;
  readonly queue: RingQueue;
  readonly state: PeerState;
  readonly emit: Emit;
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
  const emit = createEmitter(data.config.self.id, data.role, (event) => {
    pending.push(event);
    if (flushing) return;
    flushing = true;
    setImmediate(flush);
  });
  const state = new PeerState(data.stateBuffer);
  const faults = new FaultReporter({
    peer: data.config.self.id,
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
    post,
    fault: faults.report,
    fatal: (err) => post({ kind: 'fatal', role: data.role, error: serializeError(err) }),
  };
  ctx.state.registerRole(data.role, threadId);
  const asks = answerAsks(state, data.role, (err) => faults.report(err, 'answering an activity ask'));
  let running: RunningRole | undefined;
  port.on('message', (message: CoordinatorMessage) => {
    // `go` comes only after this role's `ready`, so `running` is set by then.
    if (message.kind === 'go') {
      detach(
        () => running?.begin?.(),
        (err) => faults.report(err, 'begin'),
      );
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
