/**
 * The course ring: every peer knows its successors (and maybe its predecessor)
 * and nothing else. Plain ring routing walks one successor per hop (≈ N/2 hops
 * on average); ring-list routing jumps through the successor list of r entries
 * (≈ N/(2r) hops). Both are pure: they read a RoutingView and return a Hop.
 */

import { inOpenClosed, lowerBound } from './ids.js';
import type { Hop, RoutingView } from './types.js';

/** The one `local` decision (decisions are immutable, so it is shared). */
export const LOCAL: Hop = Object.freeze({ kind: 'local' });

/**
 * True when the view says this peer owns `key`: key == self, or the predecessor
 * is known and key ∈ (predecessor, self], or the peer is alone (no successor, or
 * itself as successor). A peer that does not know its predecessor claims only
 * its own ID; every other key it owns reaches it as a `final` forward.
 */
export function ownsKey(view: RoutingView, key: number): boolean {
  if (key === view.self) return true;
  const first = view.successors[0];
  if (first === undefined || first === view.self) return true;
  const pred = view.predecessor;
  return pred !== undefined && inOpenClosed(key, pred, view.self, view.idBits);
}

/**
 * The course ring: local if this peer owns `key`; else forward to the first
 * successor, `final` when key ∈ (self, successors[0]].
 */
export function ringNextHop(view: RoutingView, key: number): Hop {
  if (ownsKey(view, key)) return LOCAL;
  const next = view.successors[0] as number; // ownsKey is true when there is none
  return { kind: 'forward', to: next, final: inOpenClosed(key, view.self, next, view.idBits) };
}

/**
 * The ring, skipping through the successor list: local if this peer owns `key`;
 * else `final` to the first successor s_i with key ∈ (self, s_i] (that is,
 * key ∈ (s_{i-1}, s_i]); else forward, not final, to the last successor.
 * Entries from the point where the list wraps back to self are ignored.
 */
export function ringListNextHop(view: RoutingView, key: number): Hop {
  if (ownsKey(view, key)) return LOCAL;
  let last = view.successors[0] as number;
  for (const s of view.successors) {
    if (s === view.self) break;
    if (inOpenClosed(key, view.self, s, view.idBits)) return { kind: 'forward', to: s, final: true };
    if (view.avoid?.includes(s) !== true) last = s; // a jump, not a final hop: avoid the unanswering
  }
  return { kind: 'forward', to: last, final: false };
}

/**
 * The up-to-`r` peers following `self` clockwise in `sortedIds` (ascending),
 * closest first, `self` excluded. A lone peer is its own successor: [self].
 * `self` need not be a member (a joining peer may ask). O(log N + r).
 */
export function successorList(sortedIds: readonly number[], self: number, r: number): number[] {
  const n = sortedIds.length;
  let i = lowerBound(sortedIds, self);
  if (sortedIds[i] === self) i += 1;
  const out: number[] = [];
  for (let k = 0; k < n && out.length < r; k++) {
    const id = sortedIds[(i + k) % n] as number;
    if (id !== self) out.push(id);
  }
  return out.length > 0 ? out : [self];
}

/**
 * The peer preceding `self` counter-clockwise in `sortedIds` (ascending),
 * wrapping to the largest ID; `self` when it is alone. O(log N).
 */
export function predecessorOf(sortedIds: readonly number[], self: number): number {
  const n = sortedIds.length;
  if (n === 0) return self;
  const i = lowerBound(sortedIds, self);
  const pred = sortedIds[(i - 1 + n) % n] as number;
  return pred;
}
