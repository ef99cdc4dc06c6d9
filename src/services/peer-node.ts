/**
 * The consumer's peer: its view of the ring and the operations every
 * service shares (routing, sending, printing, announcing successors). The
 * consumer thread owns one PeerNode; nothing else writes its state.
 * The services (one file per request type) are functions over it.
 */
import { randomUUID } from 'node:crypto';
import { PING_MISSES_DEAD, PRINTED_SUCCESSORS } from '../constants.js';
import { P2PError } from '../errors.js';
import { defaultRef, formatPeerRef, formatPeerRefs, parsePeerRef, parsePeerRefs, type PeerRef } from '../net/peer-ref.js';
import type { Endpoint } from '../net/tcp.js';
import type { Content, Request, RequestType } from '../protocol/types.js';
import { StampSource } from '../protocol/types.js';
import { nextHop } from '../routing/next-hop.js';
import type { Hop, RoutingView } from '../routing/types.js';
import type { Emit, EventDetails, FieldValue } from '../runtime/events.js';
import type { PeerState } from '../runtime/peer-state.js';
import type { PeerConfig } from './config.js';
import type { TransferService } from './transfer-service.js';

/** What the node needs from its thread. */
export interface PeerDeps {
  readonly emit: Emit;
  readonly state: PeerState;
  /** Delivers one request over TCP; rejects with ERR_UNREACHABLE. */
  readonly send: (to: Endpoint, req: Request) => Promise<void>;
  readonly transfers: TransferService;
  /** Ends the peer (the coordinator stops every thread). */
  readonly requestExit: (code: number, reason: string) => void;
}

/** Times a forwarded request is routed around unreachable peers before it fails. */
const MAX_REROUTES = 3;

/** Ping intervals during which an unreachable peer is routed around. */
const SUSPECT_INTERVALS = 4;
/** Ping intervals during which a dead or departed peer is not taken back as a successor. */
const GONE_INTERVALS = 20;

const ORDINALS = ['first', 'second'];

/** One peer's state and shared operations. */
export class PeerNode {
  successors: PeerRef[] = [];
  /** [first, second] predecessor, learnt from pings. */
  predecessors: [PeerRef | undefined, PeerRef | undefined] = [undefined, undefined];
  /** Chord fingers (undefined where unknown). */
  fingers: (PeerRef | undefined)[];
  readonly stamps: StampSource;
  /** Address book: every peer we have heard of, by ID. */
  private readonly book = new Map<number, PeerRef>();
  /** Waiters for the next predecessor learnt from a ping. */
  private readonly predecessorWaiters: (() => void)[] = [];
  /** When each predecessor slot was last heard from (ms since epoch). */
  readonly predecessorSeenAt: [number, number] = [0, 0];
  /** Peers that recently could not be reached, until when to route around them. */
  private readonly suspects = new Map<number, number>();
  /** Peers declared dead or departed, until when not to take them back. */
  private readonly gone = new Map<number, number>();
  /** Answers awaited, by the stamp of the request they answer. */
  private readonly answers = new Map<string, { settle: (value: unknown) => void; timer: NodeJS.Timeout }>();
  stopping = false;
  /** Our join request is out and not yet answered. */
  joining = false;
  /**
   * A secret of this process: `exit` is obeyed only when it carries it, so a
   * forged `exit` (anyone can write our ID as its source) cannot stop us.
   */
  readonly exitToken = randomUUID();
  private readonly membershipListeners = new Set<() => void>();

  constructor(
    readonly config: PeerConfig,
    readonly deps: PeerDeps,
  ) {
    this.stamps = new StampSource(config.self.id);
    this.fingers = new Array<PeerRef | undefined>(config.idBits).fill(undefined);
    this.learn(config.self);
    if (config.knownPeer !== undefined) this.learn(config.knownPeer);
    if (config.initialSuccessors.length > 0) this.setSuccessors(config.initialSuccessors);
  }

  /** This peer's ID. */
  get id(): number {
    return this.config.self.id;
  }

  /** Prints a line (stdout) and records it as an event. */
  say(kind: string, line: string, details?: EventDetails): void {
    this.deps.emit(kind, line, details);
  }

  /** Records an event without printing. */
  note(kind: string, details?: EventDetails): void {
    this.deps.emit(kind, undefined, details);
  }

  /** Reports a failure on stderr with its error code. */
  warn(kind: string, err: unknown, context: string, fields: Readonly<Record<string, FieldValue>> = {}): void {
    const code = err instanceof P2PError ? err.code : 'ERR_UNKNOWN';
    const message = err instanceof Error ? err.message : String(err);
    this.deps.state.count('consumer', 'errors');
    this.deps.emit(kind, `${context}: ${code}: ${message}`, { stream: 'stderr', fields: { ...fields, code, message } });
  }

  /** Remembers where a peer is. */
  learn(ref: PeerRef): PeerRef {
    this.book.set(ref.id, ref);
    return ref;
  }

  /** Where peer `id` is: learnt, or the course's PORT_BASE + ID. */
  refFor(id: number): PeerRef {
    return this.book.get(id) ?? defaultRef(id, this.config.defaultHost, this.config.portBase);
  }

  /** A reference parsed from content, or the default for `fallbackId`. */
  refFrom(text: string | undefined, fallbackId: number): PeerRef {
    if (text !== undefined && text !== '') return this.learn(parsePeerRef(text));
    return this.refFor(fallbackId);
  }

  /** References parsed from content (`_succ`), each learnt. */
  refsFrom(text: string | undefined): PeerRef[] {
    return parsePeerRefs(text).map((r) => this.learn(r));
  }

  /** Replaces the successor list and publishes it to the ping sender. */
  setSuccessors(list: readonly PeerRef[]): void {
    const before = this.successors.map((r) => r.id).join(',');
    const seen = new Set<number>();
    this.successors = list
      .filter((r) => {
        if (seen.has(r.id)) return false;
        seen.add(r.id);
        return true;
      })
      .slice(0, this.config.successors);
    for (const r of this.successors) this.learn(r);
    this.publish();
    const ids = this.successors.map((r) => r.id);
    if (ids.join(',') !== before) {
      this.note('successors-changed', { fields: { successors: ids } });
      this.membershipChanged();
    }
  }

  /** Calls `listener` whenever the successors or predecessors change. */
  onMembershipChange(listener: () => void): void {
    this.membershipListeners.add(listener);
  }

  private membershipChanged(): void {
    for (const listener of this.membershipListeners) listener();
  }

  /** Sets a predecessor slot (0 first, 1 second) learnt from a ping. */
  setPredecessor(slot: number, ref: PeerRef): void {
    if (slot !== 0 && slot !== 1) return;
    const old = this.predecessors[slot];
    this.learn(ref);
    this.predecessorSeenAt[slot] = Date.now();
    if (old?.id === ref.id && old.host === ref.host && old.port === ref.port) return;
    this.predecessors[slot] = ref;
    this.publish();
    this.note('predecessor-changed', { fields: { slot, peer: ref.id } });
    this.membershipChanged();
    for (const wake of this.predecessorWaiters.splice(0)) wake();
  }

  /** Resolves when a predecessor is next learnt, or after `ms`. */
  waitForPredecessor(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, ms);
      this.predecessorWaiters.push(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  /** Forgets a predecessor slot (it stopped pinging, or left). */
  clearPredecessor(slot: 0 | 1): void {
    if (this.predecessors[slot] === undefined) return;
    this.predecessors[slot] = undefined;
    this.publish();
    this.membershipChanged();
  }

  /**
   * A peer could not be reached: drop it from the finger table and route
   * around it for a few ping intervals (our ping sender, or its own
   * predecessor's, will confirm the death and repair the successor lists).
   */
  forgetFinger(id: number): void {
    const had = this.fingers.some((f) => f?.id === id);
    this.fingers = this.fingers.map((f) => (f?.id === id ? undefined : f));
    this.suspects.set(id, Date.now() + SUSPECT_INTERVALS * this.config.pingIntervalMs);
    // Whoever follows 'fingers-changed' (the tests, the benchmarks) must see
    // this too: until fix-fingers fills the gap, routes go round the peer.
    if (had) this.note('fingers-changed', { fields: { fingers: this.fingers.map((f) => f?.id ?? -1) } });
  }

  /**
   * A peer declared dead or departed: route around it, and for a while never
   * take it back as a successor from someone else's stale view (a successor
   * may still name it as its predecessor until pings correct it).
   */
  markGone(id: number): void {
    this.forgetFinger(id);
    this.gone.set(id, Date.now() + GONE_INTERVALS * this.config.pingIntervalMs);
  }

  /** True while `id` is remembered as dead or departed. */
  isGone(id: number): boolean {
    const until = this.gone.get(id);
    if (until === undefined) return false;
    if (until >= Date.now()) return true;
    this.gone.delete(id);
    return false;
  }

  /**
   * True when `id` was declared dead or departed here so recently that a
   * neighbour may not have noticed yet: within two detection bounds (one
   * ping interval plus PING_MISSES_DEAD ping timeouts each: ours, then
   * theirs). A successor list from someone else that names such a peer is
   * stale about it. Shorter than isGone, so that a peer that died and has
   * joined again is taken back by the successor-list upkeep and repairs.
   */
  recentlyGone(id: number): boolean {
    const until = this.gone.get(id);
    if (until === undefined) return false;
    const c = this.config;
    const since = until - GONE_INTERVALS * c.pingIntervalMs;
    return Date.now() - since <= 2 * (c.pingIntervalMs + PING_MISSES_DEAD * c.pingTimeoutMs);
  }

  /**
   * Resolves with the answer to the request stamped `stamp` (see
   * settleAnswer); rejects with ERR_TIMEOUT after `ms`.
   */
  awaitAnswer<T>(stamp: string, ms: number): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.answers.delete(stamp);
        reject(new P2PError('ERR_TIMEOUT', `no answer to ${stamp} within ${ms} ms`));
      }, ms);
      this.answers.set(stamp, { settle: (v) => resolve(v as T), timer });
    });
  }

  /** Delivers an answer awaited with awaitAnswer; an unexpected one is ignored. */
  settleAnswer(stamp: string, value: unknown): void {
    const waiting = this.answers.get(stamp);
    if (waiting === undefined) return;
    this.answers.delete(stamp);
    clearTimeout(waiting.timer);
    waiting.settle(value);
  }

  /** Stops waiting for an answer (its request could not be sent). */
  cancelAnswer(stamp: string): void {
    const waiting = this.answers.get(stamp);
    if (waiting === undefined) return;
    this.answers.delete(stamp);
    clearTimeout(waiting.timer);
  }

  /**
   * Prints "My new first successor is Peer X" and "My new second successor
   * is Peer Y": the course's lines name the first two successors only,
   * whatever the list's length (the whole list is in the event stream, as
   * 'successors-changed').
   */
  announceSuccessors(prefix = 'My new'): void {
    this.successors.slice(0, PRINTED_SUCCESSORS).forEach((ref, i) => {
      this.say('successor', `${prefix} ${ORDINALS[i] ?? `#${i + 1}`} successor is Peer ${ref.id}`, {
        fields: { position: i + 1, peer: ref.id },
      });
    });
  }

  /** The successor list without peers that recently proved unreachable (unless none would be left). */
  liveSuccessors(): PeerRef[] {
    const ids = new Set(this.view().successors);
    return this.successors.filter((s) => ids.has(s.id));
  }

  /** What routing sees now (recently unreachable peers left out while others remain). */
  view(): RoutingView {
    const now = Date.now();
    for (const [id, until] of this.suspects) if (until < now) this.suspects.delete(id);
    const live = this.successors.filter((r) => !this.suspects.has(r.id));
    return {
      self: this.id,
      idBits: this.config.idBits,
      successors: (live.length > 0 ? live : this.successors).map((r) => r.id),
      predecessor: this.predecessors[0]?.id,
      fingers: this.config.routing === 'chord' ? this.fingers.map((f) => f?.id) : undefined,
    };
  }

  /** Next hop for `key` under this peer's routing. */
  route(key: number): Hop {
    return nextHop(this.config.routing, this.view(), key);
  }

  /** A new request from this peer. */
  request(type: RequestType, to: number, content: Content): Request {
    return { type, source: this.id, destination: to, stamp: this.stamps.stamp(), content } as Request;
  }

  /** Sends a request to a peer; rejects with ERR_UNREACHABLE. */
  async sendTo(to: PeerRef, type: RequestType, content: Content): Promise<void> {
    await this.deps.send(to, this.request(type, to.id, content));
  }

  /**
   * Answers a maintenance query (stabilize, successor-list upkeep) with an
   * `update`. An asker that died or left since it asked is routine there:
   * noted in the event stream, not warned about on stderr.
   */
  async answer(to: PeerRef, content: Content): Promise<void> {
    try {
      await this.sendTo(to, 'update', content);
    } catch (err) {
      if (!(err instanceof P2PError) || err.code !== 'ERR_UNREACHABLE') throw err;
      this.note('answer-undelivered', { fields: { to: to.id, reason: content.reason ?? '' } });
    }
  }

  /** Forwards a received request one hop on, keeping its stamp (so a lookup is one request end to end). */
  async forward(req: Request, to: PeerRef, content: Content): Promise<void> {
    await this.deps.send(to, { ...req, source: this.id, destination: to.id, content } as Request);
  }

  /**
   * Forwards a lookup-like request (Store, Request, join) toward `key` along
   * `hop`. When the next peer cannot be reached it is routed around (it is
   * probably dead and our ping sender, or its predecessor's, will repair the
   * ring): up to MAX_REROUTES times. Resolves 'local' when, once the dead peer
   * is left out, this peer owns the key itself.
   */
  async forwardToward(req: Request, key: number, hop: Hop & { kind: 'forward' }): Promise<'sent' | 'local'> {
    let next: Hop = hop;
    for (let attempt = 0; ; attempt++) {
      if (next.kind === 'local') return 'local';
      const to = this.refFor(next.to);
      try {
        await this.forward(req, to, nextTrail(req.content, to.id, next.final));
        return 'sent';
      } catch (err) {
        if (!(err instanceof P2PError) || err.code !== 'ERR_UNREACHABLE' || attempt >= MAX_REROUTES) throw err;
        this.forgetFinger(to.id);
        this.note('rerouted', { fields: { unreachable: to.id, key, request: req.type } });
        next = this.route(key);
      }
    }
  }

  /** `id@host:port` of this peer. */
  get selfRef(): string {
    return formatPeerRef(this.config.self);
  }

  /** The successor list as `_succ` content. */
  successorContent(list: readonly PeerRef[] = this.successors): Content {
    return {
      _firstID: String(list[0]?.id ?? ''),
      _secondID: String(list[1]?.id ?? ''),
      _succ: formatPeerRefs(list),
    };
  }

  private publish(): void {
    this.deps.state.publish(this.successors, this.predecessors);
  }
}

/** Hop count and path of a lookup request, from its content. */
export function lookupTrail(content: Content): { hops: number; path: number[] } {
  const hops = Number(content._hops ?? '0');
  const path = (content._path ?? '').split('.').filter((s) => s !== '').map(Number);
  return { hops: Number.isFinite(hops) ? hops : 0, path };
}

/** Content for the next hop of a lookup: one more hop, the next peer on the path, `_final` when it owns the key. */
export function nextTrail(content: Content, to: number, final: boolean): Content {
  const { hops, path } = lookupTrail(content);
  const next: Record<string, string> = { ...content, _hops: String(hops + 1), _path: [...path, to].join('.') };
  if (final) next._final = '1';
  else delete next._final;
  return next;
}
