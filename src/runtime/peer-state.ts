/**
 * The small shared block of peer state that several roles read.
 *
 * The consumer owns the ring: it alone writes the successor and predecessor
 * lists. The ping sender must ping whoever the consumer currently holds, so
 * the lists live here, published under a sequence lock. Each role also
 * reports its thread ID and a count of the work it has done in a slot of its
 * own (one writer per slot), read by `status`, and, when `status` asks, how
 * often its thread has woken and how many timers it holds (runtime/activity.ts);
 * the coordinator has a slot for that too.
 *
 * A process may host many peers (`p2p host`): the block then has one peer
 * slot per hosted peer (its successors, predecessors and epoch), while the
 * thread slots and ASK are the process's, shared by every peer in it. A
 * PeerState is a view of one peer slot (`slot`, 0 for a lone peer); `forSlot`
 * gives the view of another slot on the same buffer.
 *
 * Layout (Int32 words; each control line is 64 bytes = 16 words so that the
 * words written by different threads never share a cache line):
 *
 *   word   0  ASK            bumped by whoever asks every thread for its activity
 *   word  16 + 16*t          thread t (the five roles, then the coordinator):
 *                            {THREAD_ID, HANDLED, ERRORS, WAKE_UPS, TIMERS, TOLD,
 *                            ANSWERING}
 *   then, per peer slot k, at PEERS_BASE + k * PEER_WORDS:
 *     +0  SEQ              sequence lock: odd while the consumer writes
 *     +1  SUCC_COUNT       number of valid successor entries
 *     +2  PRED_COUNT       number of valid predecessor entries (0..2)
 *     +3  EPOCH            bumped on every successor change (ping sender resets)
 *     +16 SUCC[MAX_SUCCESSORS] x {id, ipv4, port}
 *     +16 + 3*MAX_SUCCESSORS  PRED[2] x {id, ipv4, port}
 *
 * Concurrency contract: one writer (the consumer) for each slot's
 * SEQ/SUCC/PRED/EPOCH, any number of readers; one writer per thread slot; ASK is bumped by any
 * thread (Atomics.add), and each thread answers it in its own slot (WAKE_UPS
 * and TIMERS, then TOLD = the ASK it answered). All accesses go through
 * Atomics, which are sequentially consistent, so a reader that sees the same
 * even SEQ before and after its reads saw one consistent write.
 */
import { MAX_SUCCESSORS } from '../constants.js';
import { ipv4ToU32, u32ToIpv4, type PeerRef } from '../protocol/peer-ref.js';

/** The five roles of a peer, in the order of the report. */
export const ROLES = ['socket-producer', 'stdin-reader', 'ping-listener', 'ping-sender', 'consumer'] as const;
/** One of the five roles. */
export type Role = (typeof ROLES)[number];
/** Every thread of a peer that keeps counters: the five roles and the coordinator (main thread). */
export const THREADS = [...ROLES, 'coordinator'] as const;
/** One of the peer's threads. */
export type ThreadName = (typeof THREADS)[number];

const WORDS_PER_LINE = 16;
const ASK = 0;
const ROLE_BASE = ASK + WORDS_PER_LINE;
const ROLE_THREAD_ID = 0;
const ROLE_HANDLED = 1;
const ROLE_ERRORS = 2;
const ROLE_WAKE_UPS = 3;
const ROLE_TIMERS = 4;
const ROLE_TOLD = 5;
const ROLE_ANSWERING = 6;
const PEERS_BASE = ROLE_BASE + WORDS_PER_LINE * THREADS.length;
// Offsets within a peer slot.
const SEQ = 0;
const SUCC_COUNT = 1;
const PRED_COUNT = 2;
const EPOCH = 3;
const SUCC_BASE = WORDS_PER_LINE;
const REF_WORDS = 3;
const PRED_BASE = SUCC_BASE + REF_WORDS * MAX_SUCCESSORS;
const MAX_PREDECESSORS = 2;
/** Words of one peer slot, whole cache lines: two peers' writers never share one. */
const PEER_WORDS = Math.ceil((PRED_BASE + REF_WORDS * MAX_PREDECESSORS) / WORDS_PER_LINE) * WORDS_PER_LINE;

/** Counters of one role. */
export interface RoleCounters {
  readonly role: Role;
  readonly threadId: number;
  readonly handled: number;
  readonly errors: number;
}

/** How busy a thread has been: what a thread answers when asked (runtime/activity.ts). */
export interface ThreadActivity {
  /**
   * Event-loop iterations since the thread started (libuv's loop count):
   * each time the thread woke up for a timer, a socket, a message or a
   * queue record, plus the turns it spun without sleeping.
   */
  readonly wakeUps: number;
  /** Timers it holds now (armed timeouts and intervals). */
  readonly timers: number;
}

/** A view of the shared peer state; every thread builds one on the same buffer. */
export class PeerState {
  private readonly words: Int32Array;
  /** First word of this view's peer slot. */
  private readonly base: number;

  constructor(
    readonly buffer: SharedArrayBuffer,
    /** The peer slot this view reads and writes (0 for a lone peer). */
    readonly slot = 0,
  ) {
    if (!Number.isInteger(slot) || slot < 0 || buffer.byteLength < PeerState.byteLength(slot + 1)) {
      throw new RangeError(`peer state buffer of ${buffer.byteLength} bytes has no slot ${slot}`);
    }
    this.words = new Int32Array(buffer);
    this.base = PEERS_BASE + slot * PEER_WORDS;
  }

  /** Bytes a state block with `slots` peer slots needs. */
  static byteLength(slots = 1): number {
    return (PEERS_BASE + slots * PEER_WORDS) * 4;
  }

  /** Peer slots a buffer holds. */
  static slotsIn(buffer: SharedArrayBuffer): number {
    return Math.floor((buffer.byteLength / 4 - PEERS_BASE) / PEER_WORDS);
  }

  /** A fresh zeroed block with `slots` peer slots, viewed at slot 0. */
  static create(slots = 1): PeerState {
    return new PeerState(new SharedArrayBuffer(PeerState.byteLength(slots)));
  }

  /** The view of another peer slot of the same block. */
  forSlot(slot: number): PeerState {
    return slot === this.slot ? this : new PeerState(this.buffer, slot);
  }

  /** Publishes the successor and predecessor lists (consumer only). */
  publish(successors: readonly PeerRef[], predecessors: readonly (PeerRef | undefined)[]): void {
    const w = this.words;
    const seq = Atomics.load(w, this.base + SEQ);
    Atomics.store(w, this.base + SEQ, seq + 1); // odd: readers retry
    const succ = successors.slice(0, MAX_SUCCESSORS);
    const prev = this.readRefs(this.base + SUCC_BASE, Atomics.load(w, this.base + SUCC_COUNT));
    succ.forEach((ref, i) => this.writeRef(this.base + SUCC_BASE + i * REF_WORDS, ref));
    Atomics.store(w, this.base + SUCC_COUNT, succ.length);
    const preds = predecessors.filter((p): p is PeerRef => p !== undefined).slice(0, MAX_PREDECESSORS);
    preds.forEach((ref, i) => this.writeRef(this.base + PRED_BASE + i * REF_WORDS, ref));
    Atomics.store(w, this.base + PRED_COUNT, preds.length);
    const changed = !sameIds(prev, succ);
    if (changed) Atomics.add(w, this.base + EPOCH, 1);
    Atomics.store(w, this.base + SEQ, seq + 2); // even again: the write is complete
    // Wake the ping sender, which sleeps on EPOCH between its timers, only
    // after SEQ is even so that its read succeeds at once.
    if (changed) Atomics.notify(w, this.base + EPOCH);
  }

  /** A consistent copy of the successor list (any thread). */
  successors(): PeerRef[] {
    return this.readConsistent(() => this.readRefs(this.base + SUCC_BASE, Atomics.load(this.words, this.base + SUCC_COUNT)));
  }

  /** A consistent copy of the predecessor list (any thread). */
  predecessors(): PeerRef[] {
    return this.readConsistent(() => this.readRefs(this.base + PRED_BASE, Atomics.load(this.words, this.base + PRED_COUNT)));
  }

  /** Changes whenever the successor IDs change. */
  get epoch(): number {
    return Atomics.load(this.words, this.base + EPOCH);
  }

  /**
   * Resolves when the successor IDs change from the epoch `seen`. Does not
   * block the event loop (Atomics.waitAsync), and, on Node 20, does not keep
   * it alive either: the caller holds other handles (its socket, its timers).
   */
  async waitEpochChange(seen: number): Promise<void> {
    const result = Atomics.waitAsync(this.words, this.base + EPOCH, seen);
    if (result.async) await result.value;
  }

  /** A role records the ID of the thread it runs on. */
  registerRole(role: Role, threadId: number): void {
    Atomics.store(this.words, this.roleBase(role) + ROLE_THREAD_ID, threadId);
  }

  /** A role counts one more piece of work done (or failed). */
  count(role: Role, outcome: 'handled' | 'errors' = 'handled'): void {
    Atomics.add(this.words, this.roleBase(role) + (outcome === 'handled' ? ROLE_HANDLED : ROLE_ERRORS), 1);
  }

  /** Counters of every role. */
  roles(): RoleCounters[] {
    return ROLES.map((role) => {
      const base = this.roleBase(role);
      return {
        role,
        threadId: Atomics.load(this.words, base + ROLE_THREAD_ID),
        handled: Atomics.load(this.words, base + ROLE_HANDLED),
        errors: Atomics.load(this.words, base + ROLE_ERRORS),
      };
    });
  }

  /** What `thread` last answered (zeros before its first answer). */
  activity(thread: ThreadName): ThreadActivity {
    const base = this.roleBase(thread);
    // Unsigned: a loop count past 2^31 (a year of a busy thread) stays positive.
    return { wakeUps: Atomics.load(this.words, base + ROLE_WAKE_UPS) >>> 0, timers: Atomics.load(this.words, base + ROLE_TIMERS) };
  }

  /** The current ask (see ask). */
  get asked(): number {
    return Atomics.load(this.words, ASK);
  }

  /** Asks every thread for its activity; returns the ask each answers with. Wakes the threads waiting in waitAsk. */
  ask(): number {
    const ask = Atomics.add(this.words, ASK, 1) + 1;
    Atomics.notify(this.words, ASK);
    return ask;
  }

  /**
   * Resolves when the ask changes from `seen` (Atomics.waitAsync: it neither
   * blocks nor, on Node 20, keeps the thread's event loop alive).
   */
  async waitAsk(seen: number): Promise<void> {
    const result = Atomics.waitAsync(this.words, ASK, seen);
    if (result.async) await result.value;
  }

  /** `thread` says it answers asks (runtime/activity.ts, answerAsks). */
  answering(thread: ThreadName): void {
    Atomics.store(this.words, this.roleBase(thread) + ROLE_ANSWERING, 1);
  }

  /** True once `thread` answers asks: only those are waited for. */
  isAnswering(thread: ThreadName): boolean {
    return Atomics.load(this.words, this.roleBase(thread) + ROLE_ANSWERING) === 1;
  }

  /** `thread` answers ask `ask` with its activity (its own slot only). */
  answer(thread: ThreadName, ask: number, activity: ThreadActivity): void {
    const base = this.roleBase(thread);
    Atomics.store(this.words, base + ROLE_WAKE_UPS, activity.wakeUps | 0);
    Atomics.store(this.words, base + ROLE_TIMERS, activity.timers);
    // Last, so that a reader that sees TOLD == ask sees the two words above.
    Atomics.store(this.words, base + ROLE_TOLD, ask);
    Atomics.notify(this.words, base + ROLE_TOLD);
  }

  /** Resolves true once `thread` has answered ask `ask`, false after `timeoutMs`. */
  async waitAnswer(thread: ThreadName, ask: number, timeoutMs: number): Promise<boolean> {
    const at = this.roleBase(thread) + ROLE_TOLD;
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const told = Atomics.load(this.words, at);
      // Asks only grow: an answer to a later ask answers this one too.
      if (told - ask >= 0) return true;
      const left = deadline - Date.now();
      if (left <= 0) return false;
      const result = Atomics.waitAsync(this.words, at, told, left);
      if (result.async) await result.value;
    }
  }

  private roleBase(thread: ThreadName): number {
    return ROLE_BASE + WORDS_PER_LINE * THREADS.indexOf(thread);
  }

  private readConsistent<T>(read: () => T): T {
    for (;;) {
      const before = Atomics.load(this.words, this.base + SEQ);
      if ((before & 1) === 0) {
        const value = read();
        if (Atomics.load(this.words, this.base + SEQ) === before) return value;
      }
      // The writer is mid-update; it holds the lock for a handful of stores.
    }
  }

  private writeRef(at: number, ref: PeerRef): void {
    Atomics.store(this.words, at, ref.id | 0);
    Atomics.store(this.words, at + 1, (ipv4ToU32(ref.host) ?? 0) | 0);
    Atomics.store(this.words, at + 2, ref.port);
  }

  private readRefs(base: number, count: number): PeerRef[] {
    const out: PeerRef[] = [];
    for (let i = 0; i < Math.min(count, MAX_SUCCESSORS); i++) {
      const at = base + i * REF_WORDS;
      out.push({
        id: Atomics.load(this.words, at) >>> 0,
        host: u32ToIpv4(Atomics.load(this.words, at + 1) >>> 0),
        port: Atomics.load(this.words, at + 2),
      });
    }
    return out;
  }
}

function sameIds(a: readonly PeerRef[], b: readonly PeerRef[]): boolean {
  return a.length === b.length && a.every((ref, i) => ref.id === b[i]?.id);
}
