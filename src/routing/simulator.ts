/**
 * A routing simulator with no sockets: perfect views built from full
 * membership, lookups that call the same nextHop as a live peer, and hop
 * statistics for benchmarks. Every lookup is checked against ownerOf.
 */

import { buildAllFingers } from './chord.js';
import { RoutingLoopError, UnknownPeerError, WrongOwnerError } from './errors.js';
import { ownerOf, ringSize, validateIdBits } from './ids.js';
import { nextHop } from './next-hop.js';
import { createPrng, type Prng } from './prng.js';
import { successorList } from './ring.js';
import type { RoutingMode, RoutingView } from './types.js';

/** Where a lookup ended and how it got there. */
export interface LookupResult {
  /** The peer that accepted the key. */
  readonly owner: number;
  /** Forwarding hops, the final one included; 0 when the origin owns the key. */
  readonly hops: number;
  /** The origin, then every peer reached, in order. */
  readonly path: number[];
}

/**
 * Routes `key` from `origin` through `views`, one nextHop per peer, until a
 * peer answers local or a `final` forward reaches the owner (who accepts
 * without checking, as live peers do). Throws UnknownPeerError when a hop
 * reaches a peer without a view, RoutingLoopError beyond `maxHops` hops.
 * The default, the number of peers, is never exceeded: every non-final
 * forward of every mode goes to a peer in (self, key), strictly closer to the
 * key, so no peer is visited twice before the final hop, whatever the views hold.
 */
export function simulateLookup(
  mode: RoutingMode,
  views: ReadonlyMap<number, RoutingView>,
  origin: number,
  key: number,
  maxHops: number = Math.max(1, views.size),
): LookupResult {
  const path = [origin];
  let current = origin;
  let hops = 0;
  for (;;) {
    const view = views.get(current);
    if (view === undefined) throw unknownPeer(mode, key, current);
    const hop = nextHop(mode, view, key);
    if (hop.kind === 'local') return { owner: current, hops, path };
    if (hops >= maxHops) {
      throw new RoutingLoopError(
        `${mode} lookup of key ${key} from ${origin} exceeded ${maxHops} hops ` + `(last peers: ${path.slice(-8).join(' -> ')})`,
      );
    }
    hops += 1;
    current = hop.to;
    path.push(current);
    if (hop.final) {
      if (!views.has(current)) throw unknownPeer(mode, key, current);
      return { owner: current, hops, path };
    }
  }
}

/** A lookup reached a peer the simulation has no view of. */
function unknownPeer(mode: RoutingMode, key: number, peer: number): UnknownPeerError {
  return new UnknownPeerError(`${mode} lookup of key ${key} reached peer ${peer}, which has no view`);
}

/** Throws a RangeError unless `ids` are distinct integer IDs in [0, 2^idBits), ascending, at least one. */
function validateMembership(sortedIds: readonly number[], idBits: number): void {
  if (sortedIds.length === 0) throw new RangeError('membership needs at least one peer');
  const size = ringSize(idBits);
  let prev = -1;
  for (const id of sortedIds) {
    if (!Number.isInteger(id) || id <= prev || id >= size) {
      throw new RangeError(`peer IDs must be distinct integers in [0, ${size}), ascending; got ${id} after ${prev}`);
    }
    prev = id;
  }
}

/**
 * Perfect views of every peer in `sortedIds` (ascending, distinct): successor
 * lists of `r`, predecessors, and for `chord` perfect fingers. O(N (r + log N + m)):
 * fingers come from one sweep per level (buildAllFingers), not N·m binary searches.
 */
export function buildViews(sortedIds: readonly number[], idBits: number, r: number, mode: RoutingMode): Map<number, RoutingView> {
  validateIdBits(idBits);
  if (!Number.isInteger(r) || r < 1) {
    throw new RangeError(`--successors must be a positive integer, got ${String(r)}`);
  }
  validateMembership(sortedIds, idBits);
  const n = sortedIds.length;
  const allFingers = mode === 'chord' ? buildAllFingers(sortedIds, idBits) : undefined;
  const views = new Map<number, RoutingView>();
  sortedIds.forEach((self, i) => {
    const predecessor = sortedIds[(i - 1 + n) % n] as number;
    const successors = successorList(sortedIds, self, r);
    const fingers = allFingers?.[i];
    const view: RoutingView = { self, idBits, successors, predecessor };
    views.set(self, fingers === undefined ? view : { ...view, fingers });
  });
  return views;
}

/** `n` distinct IDs in [0, 2^idBits), uniformly at random, ascending. */
export function randomMembership(prng: Prng, n: number, idBits: number): number[] {
  validateIdBits(idBits);
  const size = ringSize(idBits);
  if (!Number.isInteger(n) || n < 1 || n > size) {
    throw new RangeError(`peer count must be an integer in 1..${size}, got ${String(n)}`);
  }
  let ids: number[];
  if (2 * n <= size) {
    // Sparse: rejection of duplicates needs fewer than two draws per ID on average.
    const seen = new Set<number>();
    while (seen.size < n) seen.add(prng.nextInt(size));
    ids = [...seen];
  } else {
    // Dense (then size < 2n is small): a partial Fisher-Yates shuffle of the whole ring.
    const all = Array.from({ length: size }, (_, i) => i);
    for (let i = 0; i < n; i++) {
      const j = i + prng.nextInt(size - i);
      const t = all[i] as number;
      all[i] = all[j] as number;
      all[j] = t;
    }
    ids = all.slice(0, n);
  }
  return ids.sort((x, y) => x - y);
}

/** Options of runLookups. */
export interface LookupRunOptions {
  readonly mode: RoutingMode;
  readonly idBits: number;
  /** Number of peers. */
  readonly n: number;
  /** Successor list length. */
  readonly r: number;
  /** Number of lookups, each of a uniform key from a uniform origin. */
  readonly keys: number;
  /** PRNG seed for membership, origins and keys. */
  readonly seed: number;
}

/** Hop statistics of a run of lookups. */
export interface LookupStats {
  readonly mean: number;
  /** Median (nearest rank). */
  readonly p50: number;
  /** 99th percentile (nearest rank). */
  readonly p99: number;
  readonly max: number;
  /** Hops of every lookup, in run order. */
  readonly hops: number[];
}

/** Nearest-rank percentile `p` ∈ (0, 1] of ascending `sorted` (non-empty). */
function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.max(0, Math.ceil(p * sorted.length) - 1)] as number;
}

/**
 * Builds a random membership of `n` peers and perfect views, runs `keys`
 * lookups of uniform keys from uniform origins, and returns hop statistics.
 * Throws WrongOwnerError (naming the seed) if any lookup ends elsewhere than
 * ownerOf(ids, key): benchmarks rely on that invariant.
 */
export function runLookups(options: LookupRunOptions): LookupStats {
  const { mode, idBits, n, r, keys, seed } = options;
  if (!Number.isInteger(keys) || keys < 1) {
    throw new RangeError(`keys must be a positive integer, got ${String(keys)}`);
  }
  const prng = createPrng(seed);
  const ids = randomMembership(prng, n, idBits);
  const views = buildViews(ids, idBits, r, mode);
  const size = ringSize(idBits);
  const hops: number[] = [];
  let total = 0;
  for (let i = 0; i < keys; i++) {
    const origin = ids[prng.nextInt(n)] as number;
    const key = prng.nextInt(size);
    const result = simulateLookup(mode, views, origin, key);
    const expected = ownerOf(ids, key);
    if (result.owner !== expected) {
      throw new WrongOwnerError(
        `${mode} lookup of key ${key} from ${origin} ended at ${result.owner}, owner is ${expected} ` +
          `(seed ${seed}, n ${n}, idBits ${idBits}, r ${r})`,
      );
    }
    hops.push(result.hops);
    total += result.hops;
  }
  const sorted = [...hops].sort((x, y) => x - y);
  return {
    mean: total / keys,
    p50: percentile(sorted, 0.5),
    p99: percentile(sorted, 0.99),
    max: sorted[sorted.length - 1] as number,
    hops,
  };
}
