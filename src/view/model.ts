/**
 * The network as the view shows it, rebuilt from the peers' events alone: a
 * pure reducer (no DOM, no Node) shared by the page, which draws it, and the
 * unit tests, which check it. Feed it every event in time order with
 * `apply`; read `peers`, `trails` (Store, Request, lookup and join paths,
 * hop by hop), `transfers`, `marks` (joins, quits, kills, repairs, replicas,
 * handovers) and `repairs`.
 *
 * What events cannot tell is inferred and said so: a killed peer says
 * nothing, so it is dead once a neighbour reports it ('peer-dead') or its
 * process is seen to end ('process-exited', from a feed that started it).
 * Roles, queue depth and stored keys come from 'snapshot' events, which a
 * peer emits only when started with `--snapshot-every`.
 */
import type { FieldValue, PeerEvent } from '../runtime/events.js';

/** How long a finished trail stays on screen, in ms of event time. */
export const TRAIL_LINGER_MS = 6000;
/** A trail not extended for this long is closed: a later event with the same origin and subject starts a new one. */
export const TRAIL_OPEN_MS = 10_000;
/** How long a peer-dead or departure waits for the successor change that repairs it, in ms. */
export const REPAIR_WINDOW_MS = 15_000;
/** Most trails kept (oldest dropped first). */
export const MAX_TRAILS = 400;
/** Most marks kept (oldest dropped first). */
export const MAX_MARKS = 1000;

/** Where a peer is in its life, as far as the events tell. */
export type PeerStatus = 'joining' | 'alive' | 'leaving' | 'quit' | 'dead';

/** One role thread, from the latest snapshot. */
export interface RoleView {
  readonly name: string;
  readonly alive: boolean;
  /** Handled something since the snapshot before. */
  readonly busy: boolean;
  readonly handled: number;
  readonly errors: number;
}

/** A file a peer serves: its owner's or a replica. */
export interface KeyView {
  readonly filename: string;
  readonly key: number;
  readonly role: 'owner' | 'replica';
}

/** A file moving between two peers. */
export interface TransferView {
  readonly id: string;
  readonly filename: string;
  readonly from: number;
  readonly to: number;
  /** Size when known (0 when not). */
  readonly bytes: number;
  readonly kind: 'request' | 'store' | 'replica' | 'handover';
  readonly started: number;
  ended?: number;
  outcome?: 'done' | 'failed';
}

/** One peer. */
export interface PeerView {
  readonly id: number;
  status: PeerStatus;
  /** Event time of the last status change. */
  since: number;
  lastSeen: number;
  successors: number[];
  predecessors: number[];
  fingers: number[];
  roles: RoleView[];
  queue: { depthBytes: number; highWaterBytes: number; capacityBytes: number; recordsPopped: number } | undefined;
  /** Events of each kind this peer emitted. */
  readonly counters: Map<string, number>;
  /** From the latest snapshot, else from Store, replica and handover events. */
  keys: KeyView[];
  /** Transfers this peer sends or receives that have not ended (and those ended in the last TRAIL_LINGER_MS). */
  readonly transfers: Map<string, TransferView>;
  /** Transfers running, by the latest snapshot. */
  transfersActive: number;
  rssBytes: number;
  routing: string;
}

/** What a trail carries. */
export type TrailKind = 'store' | 'request' | 'lookup' | 'join';

/** The path of one Store, Request, lookup or join, hop by hop. */
export interface Trail {
  readonly id: string;
  readonly kind: TrailKind;
  /** Filename, key or joining peer. */
  readonly subject: string;
  readonly origin: number;
  /** Peers visited, origin first. */
  path: number[];
  /** Event time each peer of `path` was reached. */
  times: number[];
  hops: number;
  readonly started: number;
  updated: number;
  done: boolean;
  /** found, missing, accepted, owner, abandoned... */
  outcome?: string;
}

/** Something that happened to the network, for the timeline and the circle. */
export interface Mark {
  readonly time: number;
  readonly kind: 'join' | 'quit' | 'kill' | 'exit' | 'repair' | 'replica' | 'handover' | 'reroute';
  readonly peer: number;
  /** The other peer involved (the dead one, the replica's holder...). */
  readonly other?: number | undefined;
  /** A repair's text is completed when the successor list fills up again. */
  text: string;
}

/** A peer that replaced a dead or departed successor. */
export interface Repair {
  readonly time: number;
  readonly peer: number;
  /** The peer that died or left. */
  readonly lost: number;
  readonly cause: 'dead' | 'quit';
  /** The successors after the repair. */
  successors: number[];
  /** Event time the peer noticed (peer-dead, peer-departing). */
  readonly noticed: number;
}

const num = (v: FieldValue | undefined): number | undefined => (typeof v === 'number' ? v : undefined);
const str = (v: FieldValue | undefined): string | undefined => (typeof v === 'string' ? v : undefined);
const nums = (v: FieldValue | undefined): number[] | undefined =>
  Array.isArray(v) && v.every((x) => typeof x === 'number') ? v.slice() : undefined;
const strs = (v: FieldValue | undefined): string[] | undefined =>
  Array.isArray(v) && v.every((x) => typeof x === 'string') ? v.slice() : undefined;

/** The trail kind and subject of an event that is a hop of one, or undefined. */
function trailOf(e: PeerEvent): { kind: TrailKind; subject: string; done: boolean; outcome?: string } | undefined {
  const f = e.fields ?? {};
  switch (e.kind) {
    case 'store-forwarded':
      return { kind: 'store', subject: str(f['filename']) ?? '?', done: false };
    case 'store-accepted':
      return { kind: 'store', subject: str(f['filename']) ?? '?', done: true, outcome: 'accepted' };
    case 'request-sent':
    case 'request-forwarded':
      return { kind: 'request', subject: str(f['filename']) ?? '?', done: false };
    case 'request-found':
      return { kind: 'request', subject: str(f['filename']) ?? '?', done: true, outcome: 'found' };
    case 'request-missing':
      return { kind: 'request', subject: str(f['filename']) ?? '?', done: true, outcome: 'missing' };
    case 'lookup-forwarded':
      return { kind: 'lookup', subject: String(num(f['key']) ?? '?'), done: false };
    case 'lookup-done':
    case 'lookup':
      return { kind: 'lookup', subject: String(num(f['key']) ?? '?'), done: true, outcome: `owner ${num(f['owner']) ?? '?'}` };
    case 'lookup-abandoned':
      return { kind: 'lookup', subject: String(num(f['key']) ?? '?'), done: true, outcome: 'abandoned' };
    case 'join-forwarded':
      return { kind: 'join', subject: String(num(f['peer']) ?? '?'), done: false };
    case 'join-received':
      return { kind: 'join', subject: String(num(f['peer']) ?? '?'), done: true, outcome: 'accepted' };
    default:
      return undefined;
  }
}

/** Is `a` a prefix of `b`? */
const isPrefix = (a: readonly number[], b: readonly number[]): boolean => a.length <= b.length && a.every((x, i) => b[i] === x);

/** The network rebuilt from events. */
export class ViewModel {
  /** ID width m (from snapshots; 8 until one says otherwise). */
  idBits = 8;
  /** Event time of the latest event applied (ms since the epoch). */
  time = 0;
  /** Events applied. */
  applied = 0;
  readonly peers = new Map<number, PeerView>();
  /** Newest last. */
  readonly trails: Trail[] = [];
  /** Newest last. */
  readonly marks: Mark[] = [];
  /** Newest last. */
  readonly repairs: Repair[] = [];
  /** Transfers by id, newest last. */
  readonly transfers = new Map<string, TransferView>();
  private readonly openTrails = new Map<string, Trail>();
  /** Per peer: the successor it lost and is to replace. */
  private readonly pendingRepairs = new Map<number, { lost: number; cause: 'dead' | 'quit'; noticed: number }>();
  /** `kind:filename:to` of every replica and handover seen, to mark only the first. */
  private readonly copiesSeen = new Set<string>();
  private trailSeq = 0;

  constructor(idBits?: number) {
    if (idBits !== undefined) this.idBits = idBits;
  }

  /** The peer `id`, made (alive, as far as we know) when first heard of. */
  peer(id: number, at = this.time): PeerView {
    let p = this.peers.get(id);
    if (p === undefined) {
      p = {
        id,
        status: 'alive',
        since: at,
        lastSeen: at,
        successors: [],
        predecessors: [],
        fingers: [],
        roles: [],
        queue: undefined,
        counters: new Map(),
        keys: [],
        transfers: new Map(),
        transfersActive: 0,
        rssBytes: 0,
        routing: '',
      };
      this.peers.set(id, p);
    }
    return p;
  }

  /** Peers in the ring: alive or joining (not leaving, not ended), sorted by ID. */
  livePeers(): PeerView[] {
    return [...this.peers.values()].filter((p) => p.status === 'alive' || p.status === 'joining').sort((a, b) => a.id - b.id);
  }

  /** Trails to draw at `now`: open ones, and finished ones for TRAIL_LINGER_MS. */
  visibleTrails(now = this.time): Trail[] {
    const out: Trail[] = [];
    for (const t of this.trails) {
      if (t.started > now) continue;
      if (now - t.updated <= (t.done ? TRAIL_LINGER_MS : TRAIL_OPEN_MS)) out.push(t);
    }
    return out;
  }

  /** Applies one event. */
  apply(e: PeerEvent): void {
    const t = Date.parse(e.time);
    if (Number.isFinite(t) && t > this.time) this.time = t;
    const at = Number.isFinite(t) ? t : this.time;
    this.applied++;
    const f = e.fields ?? {};
    const p = this.peer(e.peer, at);
    p.lastSeen = at;
    p.counters.set(e.kind, (p.counters.get(e.kind) ?? 0) + 1);
    // A peer heard from again after it ended was started again.
    if ((p.status === 'dead' || p.status === 'quit') && e.kind !== 'process-exited' && at > p.since) this.setStatus(p, 'alive', at);

    const trail = trailOf(e);
    if (trail !== undefined) this.extendTrail(e, at, trail);

    switch (e.kind) {
      case 'join-sent':
        this.setStatus(p, 'joining', at);
        break;
      case 'join-accepted': {
        this.setStatus(p, 'alive', at);
        const by = num(f['by']);
        this.mark({ time: at, kind: 'join', peer: p.id, other: by, text: `Peer ${p.id} joined (accepted by ${by ?? '?'})` });
        break;
      }
      case 'successors-changed': {
        const next = nums(f['successors']) ?? [];
        p.successors = next;
        this.noteRepair(p, next, at);
        break;
      }
      case 'predecessor-changed':
        p.predecessors = nums(f['predecessors']) ?? p.predecessors;
        break;
      case 'fingers-changed':
      case 'fingers':
        p.fingers = nums(f['fingers']) ?? p.fingers;
        break;
      case 'peer-dead': {
        const dead = num(f['peer']);
        if (dead === undefined) break;
        this.pendingRepairs.set(p.id, { lost: dead, cause: 'dead', noticed: at });
        const d = this.peer(dead, at);
        if (d.status !== 'dead' && d.status !== 'quit') {
          this.setStatus(d, 'dead', at);
          this.mark({ time: at, kind: 'kill', peer: dead, other: p.id, text: `Peer ${dead} is no longer alive (seen by ${p.id})` });
        }
        break;
      }
      case 'peer-departing': {
        const leaving = num(f['peer']);
        if (leaving === undefined) break;
        this.pendingRepairs.set(p.id, { lost: leaving, cause: 'quit', noticed: at });
        const d = this.peer(leaving, at);
        if (d.status === 'alive' || d.status === 'joining') this.departs(d, at);
        break;
      }
      case 'quit-start':
        if (p.status === 'alive' || p.status === 'joining') this.departs(p, at);
        break;
      case 'process-exited': {
        const code = num(f['code']);
        const signal = str(f['signal']);
        // `p2p` exits 130 on SIGINT and 143 on SIGTERM (src/cli/main.ts): stopped, not failed.
        const stopped = code === 0 || code === 130 || code === 143;
        const how = signal !== undefined ? 'was killed' : stopped && code !== 0 ? 'was stopped' : `exited with code ${code ?? '?'}`;
        this.setStatus(p, p.status === 'leaving' || stopped ? 'quit' : 'dead', at);
        this.mark({ time: at, kind: 'exit', peer: p.id, text: `Peer ${p.id}'s process ${how}` });
        break;
      }
      case 'rerouted': {
        const gone = num(f['unreachable']);
        this.mark({ time: at, kind: 'reroute', peer: p.id, other: gone, text: `Peer ${p.id} rerouted around ${gone ?? '?'}` });
        break;
      }
      case 'snapshot':
        this.applySnapshot(p, f);
        break;
      case 'store-accepted': {
        const filename = str(f['filename']);
        const key = num(f['key']);
        if (filename !== undefined && key !== undefined) addKey(p, { filename, key, role: 'owner' });
        break;
      }
      case 'replica-offered':
      case 'handover-offered':
        this.noteCopy(p, e.kind === 'replica-offered' ? 'replica' : 'handover', f, at);
        break;
      case 'file-sending':
        this.startTransfer(p.id, num(f['to']), f, 'request', at);
        break;
      case 'file-receiving':
        this.startTransfer(num(f['from']), p.id, f, 'request', at);
        break;
      case 'store-bytes-incoming':
        this.startTransfer(num(f['from']), p.id, f, 'store', at);
        break;
      case 'replica-pulling':
      case 'handover-pulling':
        this.startTransfer(num(f['from']), p.id, f, e.kind === 'replica-pulling' ? 'replica' : 'handover', at);
        break;
      case 'file-sent':
        this.endTransfer(p.id, num(f['to']), f, 'done', at);
        break;
      case 'file-received':
      case 'store-bytes-received':
        this.endTransfer(num(f['from']), p.id, f, 'done', at);
        break;
      case 'transfer-failed':
        this.endTransfer(undefined, p.id, f, 'failed', at);
        break;
      default:
        break;
    }
  }

  private setStatus(p: PeerView, status: PeerStatus, at: number): void {
    if (p.status === status) return;
    p.status = status;
    p.since = at;
    // An ended peer's threads are gone, whatever its last snapshot said.
    if (status === 'dead' || status === 'quit') p.roles = p.roles.map((r) => ({ ...r, alive: false, busy: false }));
  }

  private departs(p: PeerView, at: number): void {
    this.setStatus(p, 'leaving', at);
    this.mark({ time: at, kind: 'quit', peer: p.id, text: `Peer ${p.id} departs (Quit)` });
  }

  private mark(m: Mark): void {
    this.marks.push(m);
    if (this.marks.length > MAX_MARKS) this.marks.splice(0, this.marks.length - MAX_MARKS);
  }

  /** A successor list without the peer this one lost repairs it; later changes within the window refine that repair. */
  private noteRepair(p: PeerView, next: number[], at: number): void {
    const pending = this.pendingRepairs.get(p.id);
    if (pending === undefined) return;
    if (at - pending.noticed > REPAIR_WINDOW_MS) {
      this.pendingRepairs.delete(p.id);
      return;
    }
    if (next.includes(pending.lost) || next.length === 0) return;
    const text = `Peer ${p.id} repaired its successors: ${next.join(', ')} (Peer ${pending.lost} ${pending.cause === 'dead' ? 'died' : 'left'})`;
    const earlier = this.repairs.findLast((r) => r.peer === p.id && r.lost === pending.lost && r.noticed === pending.noticed);
    if (earlier !== undefined) {
      // The list filled up again: the same repair, now complete.
      earlier.successors = next;
      const m = this.marks.findLast((x) => x.kind === 'repair' && x.peer === p.id && x.other === pending.lost);
      if (m !== undefined) m.text = text;
      return;
    }
    this.repairs.push({ time: at, peer: p.id, lost: pending.lost, cause: pending.cause, successors: next, noticed: pending.noticed });
    this.mark({ time: at, kind: 'repair', peer: p.id, other: pending.lost, text });
  }

  private extendTrail(e: PeerEvent, at: number, tr: { kind: TrailKind; subject: string; done: boolean; outcome?: string }): void {
    const path = e.path !== undefined && e.path.length > 0 ? e.path.slice() : [e.peer];
    // A path ends where the event is, except when it already does (lookup-done lists the owner).
    if (path.at(-1) !== e.peer && !(tr.kind === 'lookup' && tr.done)) path.push(e.peer);
    const origin = path[0]!;
    const key = `${tr.kind}:${origin}:${tr.subject}`;
    let trail = this.openTrails.get(key);
    if (trail === undefined || trail.done || at - trail.updated > TRAIL_OPEN_MS) {
      trail = {
        id: `${key}:${++this.trailSeq}`,
        kind: tr.kind,
        subject: tr.subject,
        origin,
        path: [],
        times: [],
        hops: 0,
        started: at,
        updated: at,
        done: false,
      };
      this.openTrails.set(key, trail);
      this.trails.push(trail);
      if (this.trails.length > MAX_TRAILS) this.trails.splice(0, this.trails.length - MAX_TRAILS);
    }
    // Peers reached now are added, stamped now; the ones already known keep
    // their place and time. (A path that is not an extension of the trail's
    // still adds its new peers: a join's path leaves out the peer it came in by.)
    if (!isPrefix(path, trail.path)) {
      for (const id of path) {
        if (trail.path.includes(id)) continue;
        trail.path = [...trail.path, id];
        trail.times.push(at);
      }
    }
    trail.hops = Math.max(trail.hops, e.hops ?? 0, trail.path.length - 1);
    trail.updated = at;
    if (tr.done) {
      trail.done = true;
      if (tr.outcome !== undefined) trail.outcome = tr.outcome;
      this.openTrails.delete(key);
    }
  }

  private applySnapshot(p: PeerView, f: Readonly<Record<string, FieldValue>>): void {
    const bits = num(f['idBits']);
    if (bits !== undefined) this.idBits = bits;
    p.routing = str(f['routing']) ?? p.routing;
    p.successors = nums(f['successors']) ?? p.successors;
    p.predecessors = nums(f['predecessors']) ?? p.predecessors;
    p.fingers = nums(f['fingers']) ?? p.fingers;
    const names = strs(f['roles']) ?? [];
    const alive = nums(f['roleAlive']) ?? [];
    const handled = nums(f['roleHandled']) ?? [];
    const errors = nums(f['roleErrors']) ?? [];
    const before = new Map(p.roles.map((r) => [r.name, r.handled]));
    p.roles = names.map((name, i) => ({
      name,
      alive: alive[i] === 1,
      handled: handled[i] ?? 0,
      errors: errors[i] ?? 0,
      busy: (handled[i] ?? 0) > (before.get(name) ?? handled[i] ?? 0),
    }));
    p.queue = {
      depthBytes: num(f['queueDepthBytes']) ?? 0,
      highWaterBytes: num(f['queueHighWaterBytes']) ?? 0,
      capacityBytes: num(f['queueCapacityBytes']) ?? 0,
      recordsPopped: num(f['recordsPopped']) ?? 0,
    };
    const files = strs(f['files']) ?? [];
    const keys = nums(f['fileKeys']) ?? [];
    const roles = strs(f['fileRoles']) ?? [];
    p.keys = files.map((filename, i) => ({ filename, key: keys[i] ?? -1, role: roles[i] === 'replica' ? 'replica' : 'owner' }));
    p.transfersActive = num(f['transfersActive']) ?? 0;
    p.rssBytes = num(f['rssBytes']) ?? 0;
  }

  private noteCopy(p: PeerView, kind: 'replica' | 'handover', f: Readonly<Record<string, FieldValue>>, at: number): void {
    const filename = str(f['filename']);
    const to = num(f['to']);
    const outcome = str(f['outcome']);
    if (filename === undefined || to === undefined || outcome === 'failed') return;
    const holder = this.peer(to, at);
    const key = /^\d+$/.test(filename) ? Number(filename) % 2 ** this.idBits : -1;
    addKey(holder, { filename, key, role: kind === 'replica' ? 'replica' : 'owner' });
    const seen = `${kind}:${filename}:${to}`;
    if (outcome !== 'pulled' && this.copiesSeen.has(seen)) return;
    this.copiesSeen.add(seen);
    const verb = kind === 'replica' ? 'replicated' : 'handed over';
    const how = outcome === 'pulled' ? '' : ' (it had it)';
    this.mark({ time: at, kind, peer: p.id, other: to, text: `Peer ${p.id} ${verb} ${filename} to ${to}${how}` });
  }

  private startTransfer(
    from: number | undefined,
    to: number | undefined,
    f: Readonly<Record<string, FieldValue>>,
    kind: TransferView['kind'],
    at: number,
  ): void {
    const filename = str(f['filename']) ?? '?';
    if (from === undefined || to === undefined) return;
    const id = `${filename}:${from}>${to}`;
    const existing = this.transfers.get(id);
    if (existing !== undefined && existing.ended === undefined) return; // the other end said it first
    const tr: TransferView = { id, filename, from, to, bytes: num(f['bytes']) ?? 0, kind, started: at };
    this.transfers.delete(id);
    this.transfers.set(id, tr);
    this.peer(from, at).transfers.set(id, tr);
    this.peer(to, at).transfers.set(id, tr);
    if (this.transfers.size > MAX_TRAILS) {
      const oldest = this.transfers.keys().next().value;
      if (oldest !== undefined) this.transfers.delete(oldest);
    }
  }

  private endTransfer(
    from: number | undefined,
    to: number | undefined,
    f: Readonly<Record<string, FieldValue>>,
    outcome: 'done' | 'failed',
    at: number,
  ): void {
    if (to === undefined) return;
    const filename = str(f['filename']) ?? '?';
    const match = [...this.transfers.values()]
      .reverse()
      .find(
        (t) =>
          t.filename === filename &&
          t.ended === undefined &&
          (from === undefined ? t.to === to || t.from === to : t.from === from && t.to === to),
      );
    if (match === undefined) return;
    match.ended = at;
    match.outcome = outcome;
    const bytes = num(f['bytes']);
    if (bytes !== undefined && match.bytes === 0) (match as { bytes: number }).bytes = bytes;
  }
}

function addKey(p: PeerView, k: KeyView): void {
  if (p.keys.some((x) => x.filename === k.filename)) return;
  p.keys = [...p.keys, k];
}

/** The angle of `id` on the circle, in radians: 0 at the top, clockwise, one turn for 2^idBits. */
export function angleOf(id: number, idBits: number): number {
  return (id / 2 ** idBits) * 2 * Math.PI - Math.PI / 2;
}

/** The successor arcs to draw: `from>to` for each live peer's first successor. */
export function successorArcs(model: ViewModel): string[] {
  return model
    .livePeers()
    .filter((p) => p.successors.length > 0)
    .map((p) => `${p.id}>${p.successors[0] ?? -1}`);
}

/** What the page shows, as `window.p2pView.state()` returns it to tests (plain data). */
export interface ViewState {
  readonly mode: 'live' | 'paused' | 'replay';
  readonly events: number;
  readonly applied: number;
  readonly idBits: number;
  /** Live peers on the circle, by ID. */
  readonly live: readonly number[];
  readonly peers: readonly { id: number; status: string; successors: readonly number[]; keys: readonly string[] }[];
  /** `from>to` successor arcs. */
  readonly arcs: readonly string[];
  readonly trails: readonly {
    id: string;
    kind: string;
    subject: string;
    origin: number;
    path: readonly number[];
    hops: number;
    done: boolean;
    outcome: string | null;
    /** Event time of its last hop (ms). */
    updated: number;
  }[];
  /** Trails drawn now. */
  readonly visible: readonly string[];
  readonly repairs: readonly { peer: number; lost: number; cause: string; successors: readonly number[] }[];
  readonly marks: readonly { kind: string; peer: number; text: string }[];
}
