/**
 * Membership and key ownership of the course's ring, as pure functions of
 * the sorted list of live peer IDs: who succeeds and precedes whom, who owns
 * a key, and which peers a lookup visits under each routing once every
 * peer's view is perfect (true successors and predecessor; Chord: every
 * finger). Routes come from the same nextHop the live peers run, through the
 * routing simulator, so the model and the peers cannot disagree on a hop.
 */
import { P2PError } from '../errors.js';
import { RoutingLoopError } from '../routing/errors.js';
import { inOpenClosed, ownerOf } from '../routing/ids.js';
import { nextHop } from '../routing/next-hop.js';
import { predecessorOf, successorList } from '../routing/ring.js';
import { buildViews, simulateLookup } from '../routing/simulator.js';
import type { RoutingMode, RoutingView } from '../routing/types.js';

/** ID width of the course's ring: peers and keys are 0..255. */
export const MODEL_ID_BITS = 8;
/** Successors each peer keeps and the course's lines name. */
export const MODEL_SUCCESSORS = 2;

/** The live peers, ascending and distinct. */
export type Ring = readonly number[];

/** A ring from any list of distinct IDs in 0..255; throws ERR_BAD_ARGUMENT otherwise. */
export function ringOf(ids: Iterable<number>): Ring {
  const sorted = [...ids].sort((a, b) => a - b);
  sorted.forEach((id, i) => {
    if (!Number.isInteger(id) || id < 0 || id >= 2 ** MODEL_ID_BITS) {
      throw new P2PError('ERR_BAD_ARGUMENT', `peer IDs are 0..${2 ** MODEL_ID_BITS - 1}, got ${id}`);
    }
    if (i > 0 && sorted[i - 1] === id) throw new P2PError('ERR_BAD_ARGUMENT', `peer ${id} appears twice`);
  });
  return sorted;
}

/** The ring with `id` added; throws ERR_DUPLICATE_ID when it is already there. */
export function withPeer(ring: Ring, id: number): Ring {
  if (ring.includes(id)) throw new P2PError('ERR_DUPLICATE_ID', `peer ${id} is already in the ring ${ring.join(' ')}`);
  return ringOf([...ring, id]);
}

/** The ring without `id`; throws ERR_BAD_ARGUMENT when it is not there. */
export function withoutPeer(ring: Ring, id: number): Ring {
  if (!ring.includes(id)) throw new P2PError('ERR_BAD_ARGUMENT', `peer ${id} is not in the ring ${ring.join(' ')}`);
  return ring.filter((p) => p !== id);
}

/** The first and second successors of `peer` (a member or not). */
export function successorsIn(ring: Ring, peer: number): [number, number] {
  const [first = peer, second = first] = successorList(ring, peer, MODEL_SUCCESSORS);
  return [first, second];
}

/** The first and second predecessors of member `peer` (fewer in a ring of one or two). */
export function predecessorsIn(ring: Ring, peer: number): number[] {
  const i = ring.indexOf(peer);
  const n = ring.length;
  if (i < 0 || n < 2) return [];
  const first = predecessorOf(ring, peer);
  return n > 2 ? [first, predecessorOf(ring, first)] : [first];
}

/** The owner of `key`: the smallest ID ≥ key, wrapping to the smallest ID. */
export function ownerIn(ring: Ring, key: number): number {
  return ownerOf(ring, key);
}

/** The `init` arguments of every peer of the ring: (ID, first successor, second successor). */
export function initTriples(ring: Ring): [number, number, number][] {
  return ring.map((id) => [id, ...successorsIn(ring, id)]);
}

/** Views of the rings routed last: a step and its checks route over the same ring several times. */
const recentViews = new Map<string, ReadonlyMap<number, RoutingView>>();
const RECENT_VIEWS = 16;

/** Perfect views of every member under `routing` (Chord: with perfect fingers). Shared: do not change them. */
export function perfectViews(ring: Ring, routing: RoutingMode): ReadonlyMap<number, RoutingView> {
  const key = `${routing}:${ring.join(',')}`;
  let views = recentViews.get(key);
  if (views === undefined) {
    views = buildViews(ring, MODEL_ID_BITS, MODEL_SUCCESSORS, routing);
    if (recentViews.size >= RECENT_VIEWS) recentViews.delete(recentViews.keys().next().value as string);
    recentViews.set(key, views);
  }
  return views;
}

/** A lookup's way through the ring. */
export interface Route {
  /** The origin, then every peer reached; the last one accepts. */
  readonly path: readonly number[];
  /** Peers that pass the lookup on: the path without its last peer. */
  readonly forwarders: readonly number[];
  /** The peer that accepts (the owner of the key, for a Store or a Request). */
  readonly end: number;
}

/** The route of a lookup of `key` from member `origin`, perfect views, under `routing`. */
export function routeIn(ring: Ring, routing: RoutingMode, origin: number, key: number): Route {
  const { path } = simulateLookup(routing, perfectViews(ring, routing), origin, key);
  return { path, forwarders: path.slice(0, -1), end: path[path.length - 1] as number };
}

/**
 * The route of a join of `newcomer` (not a member) through member `via`:
 * every peer that forwards it, then the acceptor, the newcomer's
 * predecessor-to-be (`end`). Each peer on the way accepts when the newcomer
 * falls between it and its first successor; otherwise it passes the join
 * where its routing would send a lookup of the newcomer's ID, except that
 * it never jumps past the acceptor: a final hop to a later successor (the
 * ID's owner, under ring-list) goes to the successor before it, and a peer
 * that owns the ID itself (the join came in past its place) passes it to
 * its first successor, to come round the ring again. Under the ring and
 * Chord this is the lookup's path without its final hop.
 */
export function joinRouteIn(ring: Ring, routing: RoutingMode, via: number, newcomer: number): Route {
  const views = perfectViews(ring, routing);
  const path = [via];
  for (let at = via; path.length <= 2 * ring.length + 1;) {
    const view = views.get(at) as RoutingView;
    const first = view.successors[0] ?? at;
    if (first === at || inOpenClosed(newcomer, at, first, MODEL_ID_BITS)) {
      return { path, forwarders: path.slice(0, -1), end: at };
    }
    const hop = nextHop(routing, view, newcomer);
    let next = first;
    if (hop.kind === 'forward') {
      const i = view.successors.indexOf(hop.to);
      next = hop.final && i > 0 ? (view.successors[i - 1] as number) : hop.to;
    }
    path.push(next);
    at = next;
  }
  throw new RoutingLoopError(`${routing} join of ${newcomer} through ${via} goes round ${ring.join(' ')} without being accepted`);
}
