/**
 * The ping sender: every ping interval, pings each successor the consumer
 * currently holds (read from the shared peer state). It sends from its own
 * socket, so responses come back to it. A ping unanswered within the ping
 * timeout is retried at once; PING_MISSES_DEAD consecutive misses (never one
 * alone) mark the successor dead and queue an `abrupt` request for the
 * consumer, which repairs the ring. Detection therefore takes at most one
 * interval plus PING_MISSES_DEAD timeouts, except for a successor named on
 * the command line that has never answered: it is given a grace period after
 * start (peers of the course are started by hand, one after another). A
 * successor learnt later (from a join, a departure, a repair) was alive when
 * it was learnt, so it gets no grace: a newcomer killed before its first
 * ping answer is found as fast as any other death.
 */
import dgram from 'node:dgram';
import { PING_FIRST_DELAY_MS, PING_MISSES_DEAD, STARTUP_GRACE_INTERVALS, STARTUP_GRACE_MIN_MS } from '../constants.js';
import { encodeRequest, tryDecodeRequest } from '../protocol/codec.js';
import { StampSource } from '../protocol/types.js';
import type { RingQueue } from '../queue/ring-queue.js';
import { formatPeerRef, type PeerRef } from '../protocol/peer-ref.js';
import type { Emit } from '../runtime/events.js';
import { detach, type Fault } from '../runtime/faults.js';
import type { PeerState } from '../runtime/peer-state.js';

/** What the ping sender needs. */
export interface PingSenderOptions {
  readonly self: PeerRef;
  readonly intervalMs: number;
  readonly timeoutMs: number;
  readonly state: PeerState;
  readonly queue: RingQueue;
  readonly emit: Emit;
  /** Reports an unexpected error (runtime/faults.ts). */
  readonly fault: Fault;
  /**
   * The interval timer, shared by every peer of a host (default: one of
   * this peer's own). Peers that tick on one timer tick in one event-loop
   * turn: one wake-up and one batch of events a second for the whole host,
   * not one per peer.
   */
  readonly clock?: PingClock;
}

/** Calls every added tick each interval, on one timer. */
export class PingClock {
  private readonly ticks = new Set<() => void>();
  private timer: NodeJS.Timeout | undefined;

  constructor(
    readonly intervalMs: number,
    private readonly fault: Fault,
  ) {}

  /** Adds `tick` (first call one interval from now at most); returns its remover. */
  add(tick: () => void): () => void {
    this.ticks.add(tick);
    this.timer ??= setInterval(() => {
      for (const t of this.ticks) {
        try {
          t();
        } catch (err) {
          this.fault(err, 'ping tick');
        }
      }
    }, this.intervalMs);
    return () => {
      this.ticks.delete(tick);
      if (this.ticks.size === 0) {
        clearInterval(this.timer);
        this.timer = undefined;
      }
    };
  }
}

interface Target {
  ref: PeerRef;
  slot: number;
  /** It has answered at least once. */
  answered: boolean;
  /** Named on the command line: a successor of the peer's start, perhaps not started yet. */
  initial: boolean;
  misses: number;
  timer: NodeJS.Timeout | undefined;
  reported: boolean;
}

/** Peers started in this process so far: each start is an incarnation of its own. */
let starts = 0;

/**
 * An incarnation of peer `id`, carried by its pings: a restart under the same
 * ID has another, whether in a new process or in the same host (`p2p host`).
 */
function incarnation(id: number): string {
  starts += 1;
  return `${process.pid}-${Math.round(performance.timeOrigin)}-${id}-${starts}`;
}

/** "Peer 4", "Peers 4 and 5", "Peers 4, 5 and 8". */
export function listPeers(ids: readonly number[]): string {
  if (ids.length === 1) return `Peer ${ids[0]!}`;
  return `Peers ${ids.slice(0, -1).join(', ')} and ${ids[ids.length - 1]!}`;
}

/** Starts pinging; returns a handle that stops every timer and the socket. */
export async function startPingSender(opts: PingSenderOptions): Promise<{ begin(): void; close(): Promise<void> }> {
  const socket = dgram.createSocket('udp4');
  await new Promise<void>((resolve, reject) => {
    socket.once('error', reject);
    socket.bind({ address: opts.self.host, port: 0 }, () => resolve());
  });
  socket.removeAllListeners('error');
  socket.on('error', () => undefined); // unreachable successors show up as missed pings
  const stamps = new StampSource(`${opts.self.id}.ping`);
  const inc = incarnation(opts.self.id);
  let startedAt = Date.now();
  const graceMs = Math.max(STARTUP_GRACE_INTERVALS * opts.intervalMs, STARTUP_GRACE_MIN_MS);
  const targets = new Map<number, Target>();
  let closed = false;
  let started = false;
  /** Set once `begin` has recorded the command line's successors. */
  let begun = false;

  const send = (t: Target): void => {
    const frame = encodeRequest({
      type: 'ping',
      source: opts.self.id,
      destination: t.ref.id,
      stamp: stamps.stamp(),
      // `inc`: this process, so that a peer restarted under the same ID is
      // told apart from a late ping of the one that left.
      content: { phase: 'req', slot: String(t.slot), seq: String(t.misses), _addr: formatPeerRef(opts.self), inc },
    });
    socket.send(frame, t.ref.port, t.ref.host);
    clearTimeout(t.timer);
    t.timer = setTimeout(() => onTimeout(t), opts.timeoutMs);
  };

  const onTimeout = (t: Target): void => {
    t.timer = undefined;
    if (closed || t.reported) return;
    // In the course, peers are started by hand one after another: a
    // successor named on the command line may not be up yet. Until it has
    // answered once, and for a grace period after start, silence is not death.
    if (!t.answered && t.initial && Date.now() - startedAt < graceMs) return;
    t.misses += 1;
    if (t.misses < PING_MISSES_DEAD) {
      send(t); // retry at once: one lost datagram never condemns a peer
      return;
    }
    t.reported = true;
    opts.emit('ping-dead', undefined, { fields: { peer: t.ref.id, misses: t.misses } });
    const abrupt = encodeRequest({
      type: 'abrupt',
      source: opts.self.id,
      destination: opts.self.id,
      stamp: stamps.stamp(),
      content: { dead: String(t.ref.id), _deadAddr: formatPeerRef(t.ref) },
    });
    detach(
      () => opts.queue.pushAsync(abrupt).then((r) => opts.state.count('ping-sender', r === 1 ? 'handled' : 'errors')),
      (err) => opts.fault(err, 'queueing abrupt'),
    );
  };

  // Keeps one Target per current successor; a successor that left the list
  // loses its timers, a new one starts with a clean record.
  const reconcile = (): { succ: PeerRef[]; moved: Target[] } => {
    const succ = opts.state.successors();
    const ids = new Set(succ.map((r) => r.id));
    for (const [id, t] of targets) {
      if (!ids.has(id)) {
        clearTimeout(t.timer);
        targets.delete(id);
      }
    }
    const moved: Target[] = [];
    succ.forEach((ref, slot) => {
      const t = targets.get(ref.id);
      if (t === undefined) {
        const fresh: Target = { ref, slot, answered: false, initial: !begun, misses: 0, timer: undefined, reported: false };
        targets.set(ref.id, fresh);
        moved.push(fresh);
      } else {
        if (t.slot !== slot) moved.push(t);
        t.ref = ref;
        t.slot = slot;
      }
    });
    return { succ, moved };
  };

  // A successor that is new, or whose place in our list changed, is pinged
  // at once rather than at the next tick: its predecessors are then right
  // within a round trip, and the course's ping lines show the new
  // neighbours at the change.
  const pingMoved = (moved: readonly Target[]): void => {
    const now = moved.filter((t) => t.timer === undefined && !t.reported);
    if (now.length === 0) return;
    for (const t of now) send(t);
    opts.emit('ping-sent', `Ping requests sent to ${listPeers(now.map((t) => t.ref.id))}`, {
      fields: { to: now.map((t) => t.ref.id) },
    });
  };

  const tick = (): void => {
    if (closed) return;
    started = true;
    const { succ } = reconcile();
    if (succ.length === 0) return;
    for (const ref of succ) {
      const t = targets.get(ref.id);
      // A target being retried keeps its own schedule; a reported one waits for the consumer.
      if (t !== undefined && t.timer === undefined && !t.reported) send(t);
    }
    opts.state.count('ping-sender');
    opts.emit('ping-sent', `Ping requests sent to ${listPeers(succ.map((r) => r.id))}`, {
      fields: { to: succ.map((r) => r.id) },
    });
  };

  socket.on('message', (msg, rinfo) => {
    const decoded = tryDecodeRequest(msg);
    if (!decoded.ok || decoded.request.type !== 'ping' || decoded.request.content.phase !== 'resp') {
      opts.state.count('ping-sender', 'errors');
      return;
    }
    const from = decoded.request.source;
    const t = targets.get(from);
    if (t === undefined) return; // a late answer from a former successor
    // Only the successor's own ping listener may vouch for it: a response
    // from elsewhere could keep a dead successor "alive".
    if (rinfo.address !== t.ref.host || rinfo.port !== t.ref.port) {
      opts.state.count('ping-sender', 'errors');
      return;
    }
    clearTimeout(t.timer);
    t.timer = undefined;
    t.misses = 0;
    t.answered = true;
    opts.emit('ping-response', `Ping response received from Peer ${from}`, { fields: { from } });
  });

  // Successor changes wake us at once (a newcomer learns its successors on
  // join): the first pings to a new successor need not wait for the next tick.
  const watchEpoch = async (): Promise<void> => {
    while (!closed) {
      const seen = opts.state.epoch;
      const hadNone = targets.size === 0;
      await opts.state.waitEpochChange(seen);
      // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- close() may have run during the await
      if (closed) return;
      if (hadNone && started) tick();
      else {
        const { moved } = reconcile();
        if (started) pingMoved(moved);
      }
    }
  };
  // Should the watch ever fail, each tick still reconciles: slower, not wrong.
  detach(watchEpoch, (err) => opts.fault(err, 'watching successors'));

  let first: NodeJS.Timeout | undefined;
  let stopTicks: (() => void) | undefined;
  return {
    begin: () => {
      if (closed || first !== undefined) return;
      // The successors held now are the command line's (a joining peer has
      // none yet): they are the ones given the start-up grace.
      startedAt = Date.now();
      reconcile();
      begun = true;
      first = setTimeout(tick, PING_FIRST_DELAY_MS);
      stopTicks = (opts.clock ?? new PingClock(opts.intervalMs, opts.fault)).add(tick);
    },
    close: () => {
      closed = true;
      clearTimeout(first);
      stopTicks?.();
      for (const t of targets.values()) clearTimeout(t.timer);
      return new Promise<void>((resolve) => socket.close(() => resolve()));
    },
  };
}
