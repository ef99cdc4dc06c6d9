/**
 * Chord routing (Stoica et al., "Chord: A Scalable Peer-to-peer Lookup Service
 * for Internet Applications", SIGCOMM 2001, fig. 5): forward to the closest
 * preceding node of the key among the fingers and the successor list, until the
 * key falls between a peer and its first successor. O(log N) hops.
 */

import { distance, inOpen, inOpenClosed, ownerOf, ringSize } from './ids.js';
import { LOCAL, ownsKey } from './ring.js';
import type { Hop, RoutingView } from './types.js';

/**
 * The entry n of the fingers and the successor list with n ∈ (self, key) that is
 * farthest from self clockwise (so closest before the key), or undefined when
 * no entry lies in (self, key).
 */
export function closestPrecedingNode(view: RoutingView, key: number): number | undefined {
  const { self, idBits } = view;
  let best: number | undefined;
  let bestDist = -1;
  const consider = (n: number | undefined): void => {
    if (n === undefined || !inOpen(n, self, key, idBits) || view.avoid?.includes(n) === true) return;
    const d = distance(self, n, idBits);
    if (d > bestDist) {
      best = n;
      bestDist = d;
    }
  };
  for (const f of view.fingers ?? []) consider(f);
  for (const s of view.successors) consider(s);
  return best;
}

/**
 * Chord: local if this peer owns `key`; `final` to the first successor when
 * key ∈ (self, successors[0]]; else forward to the closest preceding node of
 * the key, or to the first successor when no finger or successor precedes it.
 */
export function chordNextHop(view: RoutingView, key: number): Hop {
  if (ownsKey(view, key)) return LOCAL;
  const next = view.successors[0] as number; // ownsKey is true when there is none
  if (inOpenClosed(key, view.self, next, view.idBits)) return { kind: 'forward', to: next, final: true };
  return { kind: 'forward', to: closestPrecedingNode(view, key) ?? next, final: false };
}

/** Start of each finger interval: (self + 2^i) mod 2^idBits for i = 0..idBits-1. */
export function fingerStarts(self: number, idBits: number): number[] {
  const size = ringSize(idBits);
  const starts: number[] = [];
  for (let i = 0; i < idBits; i++) starts.push((self + 2 ** i) % size);
  return starts;
}

/**
 * Perfect fingers from full membership: fingers[i] = successor(self + 2^i),
 * the owner of each finger start. `sortedIds` ascending, non-empty. O(m log N).
 */
export function buildFingers(sortedIds: readonly number[], self: number, idBits: number): number[] {
  return fingerStarts(self, idBits).map((start) => ownerOf(sortedIds, start));
}

/**
 * Perfect fingers of every peer at once, equal to buildFingers for each entry of
 * `sortedIds` (ascending, distinct, non-empty) but O(N m) instead of
 * O(N m log N): for each level i the targets ids[j] + 2^i grow with j, so one
 * pointer sweeps the ring unrolled twice (k ≥ N stands for ids[k - N] + 2^m).
 */
export function buildAllFingers(sortedIds: readonly number[], idBits: number): number[][] {
  const n = sortedIds.length;
  const size = ringSize(idBits);
  const all = sortedIds.map(() => new Array<number>(idBits));
  const unrolled = (k: number): number => (k < n ? (sortedIds[k] as number) : (sortedIds[k - n] as number) + size);
  for (let i = 0; i < idBits; i++) {
    const step = 2 ** i;
    let k = 0;
    for (let j = 0; j < n; j++) {
      const target = (sortedIds[j] as number) + step; // < ids[j] + size = unrolled(j + n), so k stays < 2n
      while (unrolled(k) < target) k += 1;
      (all[j] as number[])[i] = sortedIds[k % n] as number;
    }
  }
  return all;
}
