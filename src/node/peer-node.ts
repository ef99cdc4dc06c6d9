/**
 * The consumer's peer: its view of the ring and the operations every
 * service shares (routing, sending, printing, announcing successors). The
 * consumer thread owns one PeerNode; nothing else writes its state.
 * The services (one file per request type) are functions over it.
 */
import { randomUUID } from 'node:crypto';
import { MAX_REROUTES, PRINTED_SUCCESSORS } from '../constants.js';
import { errorLine, P2PError } from '../errors.js';
import { defaultRef, formatPeerRef, formatPeerRefs, parsePeerRef, parsePeerRefs, type PeerRef } from '../protocol/peer-ref.js';
import type { Endpoint } from '../net/tcp.js';
import type { Content, Request, RequestType } from '../protocol/types.js';
import { StampSource } from '../protocol/types.js';
import { nextHop } from '../routing/next-hop.js';
import {
  applyPing,
  applyTold,
  emptyPredecessors,
  expirePredecessors,
  predecessorRefs,
  withoutPredecessor,
  type PingVerdict,
  type PredecessorTable,
} from '../routing/predecessors.js';
import type { Hop, RoutingView } from '../routing/types.js';
import type { Emit, EventDetails, EventKind, FieldValue } from '../runtime/events.js';
import { detach, type Fault } from '../runtime/faults.js';
import type { PeerState } from '../runtime/peer-state.js';
import type { PeerConfig } from './config.js';
import type { TransferService } from './transfers.js';
import { detectionMs, goneMs, predecessorSilenceMs, recentlyGoneMs, startupGraceMs, suspectMs } from '../timing.js';

/** What the node needs from its thread. */
export interface PeerDeps {
  readonly emit: Emit;
  readonly state: PeerState;
  /** Delivers one request over TCP; rejects with ERR_UNREACHABLE. */
  readonly send: (to: Endpoint, req: Request) => Promise<void>;
  readonly transfers: TransferService;
  /** Ends the peer (the coordinator stops every thread). */
  readonly requestExit: (code: number, reason: string) => void;
  /** Reports an unexpected error (a bug) with ERR_INTERNAL, rate-limited (runtime/faults.ts). */
  readonly fault: Fault;
}

const ORDINALS = ['first', 'second'];

/** One peer's state and shared operations. */
export class PeerNode {
  /** Successor list, first first (see adoptSuccessors). */
  private list: readonly PeerRef[] = [];
  /** [first, second] predecessor and when each was last heard from (see routing/predecessors.ts). */
  private preds: PredecessorTable<PeerRef> = emptyPredecessors();
  /** Chord fingers (undefined where unknown). */
  private table: (PeerRef | undefined)[];
  readonly stamps: StampSource;
  /** Address book: every peer we have heard of, by ID. */
  private readonly book = new Map<number, PeerRef>();
  /** The incarnation (process) each peer last pinged us from: a restarted peer has a new one. */
  private readonly incarnations = new Map<number, string>();
  /** Waiters for the next predecessor learnt. */
  private readonly predecessorWaiters: (() => void)[] = [];
  /** Peers that recently could not be reached, until when to route around them. */
  private readonly suspects = new Map<number, number>();
  /** Peers declared dead or departed: since when, until when not to take them back, and the incarnation that went. */
  private readonly gone = new Map<number, { since: number; until: number; incarnation: string | undefined }>();
  /** Answers awaited, by the stamp of the request they answer. */
  private readonly answers = new Map<string, { settle: (value: unknown) => void; timer: NodeJS.Timeout }>();
  /** We are leaving (Quit typed, or the process is stopping): nothing new starts. */
  private leaving = false;
  /** Our join request is out and not yet answered. */
  private awaitingAcceptance = false;
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
    this.table = new Array<PeerRef | undefined>(config.idBits).fill(undefined);
    this.reportedFingers = this.table.map(() => -1).join(',');
    this.learn(config.self);
    if (config.knownPeer !== undefined) this.learn(config.knownPeer);
    if (config.initialSuccessors.length > 0) this.adoptSuccessors(config.initialSuccessors);
  }

  /** This peer's ID. */
  get id(): number {
    return this.config.self.id;
  }

  /** Prints a line (stdout) and records it as an event. */
  say(kind: EventKind, line: string, details?: EventDetails): void {
    this.deps.emit(kind, line, details);
  }

  /** Records an event without printing. */
  note(kind: EventKind, details?: EventDetails): void {
    this.deps.emit(kind, undefined, details);
  }

  /** Reports a failure on stderr with its error code. */
  warn(kind: EventKind, err: unknown, context: string, fields: Readonly<Record<string, FieldValue>> = {}): void {
    const code = err instanceof P2PError ? err.code : 'ERR_UNKNOWN';
    const message = err instanceof Error ? err.message : String(err);
    this.deps.state.count('consumer', 'errors');
    this.deps.emit(kind, errorLine(`peer ${this.id}: ${context}: ${message}`, code), { stream: 'stderr', fields: { ...fields, code, message } });
  }

  /**
   * Starts background work (a timer's round, a typed command) without
   * awaiting it; anything it throws is reported as an internal error.
   */
  detach(where: string, task: () => unknown): void {
    detach(task, (err) => this.deps.fault(err, where));
  }

  /** Remembers where a peer is. */
  learn(ref: PeerRef): PeerRef {
    this.book.set(ref.id, ref);
    return ref;
  }

  /** Where peer `id` is: learnt, or the course's PORT_BASE + ID. */
  refFor(id: number): PeerRef {
    return this.book.get(id) ?? defaultRef(id, this.config.defaultHost, this.config.portBase, this.config.addressPlan);
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

  /** Our successors, first first. Changed only through adoptSuccessors. */
  get successors(): readonly PeerRef[] {
    return this.list;
  }

  /** The fingers as last noted in 'fingers-changed' (IDs, -1 where unknown, comma-separated). */
  private reportedFingers: string;

  /** Chord's fingers (undefined where unknown). Changed through setFinger and forgetFinger. */
  get fingers(): readonly (PeerRef | undefined)[] {
    return this.table;
  }

  /** Finger `i` is now `ref` (fix-fingers found it). */
  setFinger(i: number, ref: PeerRef): void {
    this.table[i] = ref;
  }

  /** True from our join request until its acceptance. */
  get joining(): boolean {
    return this.awaitingAcceptance;
  }

  /** Our join request is out: until its answer we have no successors, and take none from anyone else. */
  beginJoin(): void {
    this.awaitingAcceptance = true;
  }

  /** Our join was accepted (or we gave up on it). */
  endJoin(): void {
    this.awaitingAcceptance = false;
  }

  /** True once we are leaving: nothing new starts. */
  get stopping(): boolean {
    return this.leaving;
  }

  /** We are leaving (a Quit, or the process stops). */
  beginStop(): void {
    this.leaving = true;
  }

  /**
   * Takes `list` as our successors (duplicates dropped, cut to the list's
   * length), learns their addresses and publishes them to the ping sender.
   */
  adoptSuccessors(list: readonly PeerRef[]): void {
    const before = this.list.map((r) => r.id).join(',');
    const seen = new Set<number>();
    this.list = list
      .filter((r) => {
        if (seen.has(r.id)) return false;
        seen.add(r.id);
        return true;
      })
      .slice(0, this.config.successors);
    for (const r of this.list) this.learn(r);
    this.publish();
    const ids = this.list.map((r) => r.id);
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

  /** [first, second] predecessor (undefined where unknown). */
  get predecessors(): [PeerRef | undefined, PeerRef | undefined] {
    return predecessorRefs(this.preds);
  }

  /** When predecessor `id` last pinged us (ms), or undefined when it is not one. */
  predecessorSeenAt(id: number): number | undefined {
    return this.preds.find((e) => e?.ref.id === id)?.seenAt;
  }

  /**
   * Pingers whose pings contradict our predecessors (membership.ts,
   * staleViewSeen), by `slot:id`, with the time first seen.
   */
  readonly staleViews = new Map<string, number>();

  /**
   * A ping from `ref` says we are its successor number `slot` + 1 (see
   * routing/predecessors.ts for what it may change). A ping from a peer
   * declared dead or departed is taken only from a new incarnation of it (it
   * restarted): a late ping of a peer that has just quit must not make it our
   * predecessor again.
   */
  predecessorPinged(slot: 0 | 1, ref: PeerRef, incarnation: string | undefined): { verdict: PingVerdict; displaced?: PeerRef } {
    if (this.isGone(ref.id)) {
      const went = this.gone.get(ref.id);
      const restarted =
        incarnation !== undefined && went?.incarnation !== undefined ? incarnation !== went.incarnation : !this.recentlyGone(ref.id);
      if (!restarted) return { verdict: 'ignored' };
      this.readmit(ref.id);
      this.note('peer-readmitted', { fields: { peer: ref.id } });
    }
    if (incarnation !== undefined) this.incarnations.set(ref.id, incarnation);
    this.learn(ref);
    const out = applyPing(this.preds, ref, slot, this.ctx());
    this.setPreds(out.table, 'ping');
    return out.displaced === undefined ? { verdict: out.verdict } : { verdict: out.verdict, displaced: out.displaced };
  }

  /**
   * Our predecessors as told by `source` (a join accepted before us, a quit,
   * a repair), `gone` being the peers the change removes. Taken only from one
   * of our predecessors, or when one of `gone` is one of them, or when we
   * know none, or from the peer that has just accepted our join (`acceptor`:
   * it is our first predecessor, whatever a ping taught us while our
   * acceptance was on its way); returns false when refused.
   */
  predecessorsTold(list: readonly (PeerRef | undefined)[], source: number, gone: readonly number[] = [], acceptor = false): boolean {
    const next = applyTold(this.preds, list, source, gone, this.ctx(), acceptor);
    if (next === undefined) {
      this.note('predecessors-refused', { fields: { from: source, peers: list.map((r) => r?.id ?? -1) } });
      return false;
    }
    for (const r of list) if (r !== undefined) this.learn(r);
    this.setPreds(next, 'told');
    return true;
  }

  /** Forgets `id` as a predecessor (it departed, or died). */
  dropPredecessor(id: number): void {
    this.setPreds(withoutPredecessor(this.preds, id), 'dropped');
  }

  /**
   * Forgets predecessors that have not pinged for as long as it takes our
   * own ping sender to declare a successor dead (one interval, then
   * PING_MISSES_DEAD timeouts), with one more interval of slack: a
   * predecessor that is merely slow keeps its place.
   */
  expirePredecessors(now = Date.now()): void {
    const c = this.config;
    const silentMs = predecessorSilenceMs(c);
    const { table, dropped } = expirePredecessors(this.preds, silentMs, now);
    if (dropped.length === 0) return;
    for (const r of dropped) this.note('predecessor-silent', { fields: { peer: r.id } });
    this.setPreds(table, 'expired');
  }

  private ctx(): { self: number; idBits: number; now: number } {
    return { self: this.id, idBits: this.config.idBits, now: Date.now() };
  }

  private setPreds(table: PredecessorTable<PeerRef>, how: string): void {
    const ids = (t: PredecessorTable<PeerRef>): string => `${t[0]?.ref.id ?? ''},${t[1]?.ref.id ?? ''}`;
    const changed = ids(table) !== ids(this.preds);
    this.preds = table;
    if (!changed) return;
    this.publish();
    this.note('predecessor-changed', { fields: { predecessors: this.predecessors.map((p) => p?.id ?? -1), how } });
    this.membershipChanged();
    for (const wake of this.predecessorWaiters.splice(0)) wake();
  }

  /** Resolves when `ready()` holds after a membership change (at once if it holds now), or after `ms` (false). */
  waitForMembership(ready: () => boolean, ms: number): Promise<boolean> {
    if (ready()) return Promise.resolve(true);
    return new Promise((resolve) => {
      const listener = (): void => {
        if (!ready()) return;
        clearTimeout(timer);
        this.membershipListeners.delete(listener);
        resolve(true);
      };
      const timer = setTimeout(() => {
        this.membershipListeners.delete(listener);
        resolve(false);
      }, ms);
      this.membershipListeners.add(listener);
    });
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

  /**
   * A peer could not be reached: drop it from the finger table and route
   * around it for a few ping intervals (our ping sender, or its own
   * predecessor's, will confirm the death and repair the successor lists).
   */
  forgetFinger(id: number): void {
    this.table = this.table.map((f) => (f?.id === id ? undefined : f));
    this.suspects.set(id, Date.now() + suspectMs(this.config));
    // Whoever follows 'fingers-changed' (the tests, the benchmarks) must see
    // this too: until fix-fingers fills the gap, routes go round the peer.
    this.reportFingers();
  }

  /**
   * Notes 'fingers-changed' with the whole table when it differs from the
   * table last noted. Compared with what was noted, not with the table at
   * some earlier moment: a fix-fingers round that refilled fingers forgotten
   * while it ran (by a failed forward) ends with the table it started with,
   * and the forgetting had been noted; comparing with its start, the round
   * noted nothing, and the event stream showed the gaps for good.
   */
  reportFingers(): void {
    const ids = this.table.map((f) => f?.id ?? -1);
    const text = ids.join(',');
    if (text === this.reportedFingers) return;
    this.reportedFingers = text;
    this.note('fingers-changed', { fields: { fingers: ids } });
  }

  /**
   * A peer declared dead or departed: route around it, and for a while never
   * take it back as a successor from someone else's stale view (a successor
   * may still name it as its predecessor until pings correct it).
   */
  markGone(id: number): void {
    this.forgetFinger(id);
    const now = Date.now();
    this.gone.set(id, { since: now, until: now + goneMs(this.config), incarnation: this.incarnations.get(id) });
    this.dropPredecessor(id);
  }

  /** Peers declared dead or departed here recently (see recentlyGone). */
  recentlyGoneIds(): number[] {
    return [...this.gone.keys()].filter((id) => this.recentlyGone(id));
  }

  /** A peer declared dead or departed is alive again (it restarted, or joined again): forget that it went. */
  readmit(id: number): void {
    this.gone.delete(id);
  }

  /** True while `id` is remembered as dead or departed. */
  isGone(id: number): boolean {
    const went = this.gone.get(id);
    if (went === undefined) return false;
    if (went.until >= Date.now()) return true;
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
    const went = this.gone.get(id);
    if (went === undefined) return false;
    return Date.now() - went.since <= recentlyGoneMs(this.config);
  }

  /**
   * One request and its answer under one deadline: runs `send` (which sends
   * the request stamped `stamp`) and resolves with the answer delivered by
   * settleAnswer. The waiter is in place before `send` starts, so an answer
   * that overtakes the send's own completion (the owner answers before the
   * next hop has closed its connection) is kept.
   *
   * Settles once: with the answer; or rejects with `send`'s error, or with
   * ERR_TIMEOUT after `ms` however long `send` itself still takes (a next hop
   * that accepts connections and never reads them holds a send for
   * TCP_CONNECT_TIMEOUT_MS), whichever comes first. Whatever settles later —
   * a send that fails after the deadline, a deadline after the send failed —
   * is observed here and dropped: never an unhandled rejection (issue 11).
   */
  async exchange<T>(stamp: string, ms: number, send: () => Promise<void>): Promise<T> {
    const answer = new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.answers.delete(stamp);
        reject(new P2PError('ERR_TIMEOUT', `no answer to ${stamp} within ${ms} ms`));
      }, ms);
      this.answers.set(stamp, { settle: (v) => resolve(v as T), timer });
    });
    // Through an async function, a send that throws at once rejects like one that fails later.
    const sent = (async () => {
      await send();
    })();
    try {
      // race subscribes to both at once: from here on neither can reject unobserved.
      return await Promise.race([answer, sent.then(() => answer)]);
    } finally {
      this.cancelAnswer(stamp);
    }
  }

  /** True while an exchange of this peer waits for the answer to `stamp`. */
  isAwaiting(stamp: string): boolean {
    return this.answers.has(stamp);
  }

  /** Delivers an answer awaited by exchange; an unexpected one is ignored. */
  settleAnswer(stamp: string, value: unknown): void {
    const waiting = this.answers.get(stamp);
    if (waiting === undefined) return;
    this.answers.delete(stamp);
    clearTimeout(waiting.timer);
    waiting.settle(value);
  }

  /** Stops waiting for an answer (its exchange is over). */
  private cancelAnswer(stamp: string): void {
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

  /**
   * What routing sees now. The successor list is whole: it decides who owns
   * a key, and a successor that did not answer still owns its keys until our
   * failure detection declares it dead (forwardToward waits for that). Peers
   * that recently could not be reached are only avoided as intermediate
   * hops, for one ping interval.
   */
  view(): RoutingView {
    const now = Date.now();
    for (const [id, until] of this.suspects) if (until < now) this.suspects.delete(id);
    return {
      self: this.id,
      idBits: this.config.idBits,
      successors: this.successors.map((r) => r.id),
      predecessor: this.predecessors[0]?.id,
      fingers: this.config.routing === 'chord' ? this.fingers.map((f) => f?.id) : undefined,
      avoid: this.suspects.size === 0 ? undefined : [...this.suspects.keys()],
    };
  }

  /** Next hop for `key` under this peer's routing. */
  route(key: number): Hop {
    return nextHop(this.config.routing, this.view(), key);
  }

  /** A new request from this peer. */
  request(type: RequestType, to: number, content: Content): Request {
    return { type, source: this.id, destination: to, stamp: this.stamps.stamp(), content };
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
    await this.deps.send(to, { ...req, source: this.id, destination: to.id, content });
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
    const c = this.config;
    // However long an owner that is still our successor is waited for: past
    // the start-up grace of a successor named on the command line.
    const giveUpAt = Date.now() + startupGraceMs(c);
    for (let attempt = 0; ;) {
      if (next.kind === 'local') return 'local';
      const to = this.refFor(next.to);
      try {
        await this.forward(req, to, nextTrail(req.content, to.id, next.final));
        return 'sent';
      } catch (err) {
        if (!(err instanceof P2PError) || err.code !== 'ERR_UNREACHABLE') throw err;
        if (next.final && this.successors.some((s) => s.id === to.id) && Date.now() < giveUpAt) {
          // The owner itself did not answer. It may only be slow (starting,
          // paused for a moment): its keys pass to another peer only when our
          // failure detection declares it dead and the repair drops it from
          // our successors. Wait for that, at most one detection bound, then
          // decide again (the same owner, tried again, if it is still ours).
          const boundMs = detectionMs(c);
          this.note('owner-unreachable', { fields: { owner: to.id, key, request: req.type } });
          await this.waitForMembership(() => !this.successors.some((s) => s.id === to.id), boundMs);
          next = this.route(key);
          continue;
        }
        if (attempt++ >= MAX_REROUTES) throw err;
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
  const path = (content._path ?? '')
    .split('.')
    .filter((s) => s !== '')
    .map(Number);
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
