/**
 * Identifier arithmetic on the ring of 2^m IDs, m = idBits in 8..32.
 *
 * IDs are plain numbers: 2^32 and every sum of two IDs stay far below 2^53, so
 * no bitwise operators (which would truncate to 32 signed bits) are used here.
 * Intervals follow Chord's notation: (a, b] runs clockwise from a, excluding a.
 */
import { MAX_ID_BITS, MIN_ID_BITS } from '../constants.js';

/** Throws a RangeError naming `--id-bits` unless `idBits` is an integer in 8..32. */
export function validateIdBits(idBits: number): void {
  if (!Number.isInteger(idBits) || idBits < MIN_ID_BITS || idBits > MAX_ID_BITS) {
    throw new RangeError(`--id-bits must be an integer from ${MIN_ID_BITS} to ${MAX_ID_BITS}, got ${String(idBits)}`);
  }
}

/** Number of IDs on the ring: 2^idBits. */
export function ringSize(idBits: number): number {
  return 2 ** idBits;
}

/** Clockwise distance from `a` to `b`, in [0, 2^idBits). */
export function distance(a: number, b: number, idBits: number): number {
  return b >= a ? b - a : b - a + ringSize(idBits);
}

/**
 * True when x ∈ (a, b] on the ring. When a == b the interval is the whole ring
 * (a lone peer, or a peer that is its own predecessor, owns every key).
 */
export function inOpenClosed(x: number, a: number, b: number, idBits: number): boolean {
  if (a === b) return true;
  const dx = distance(a, x, idBits);
  return dx > 0 && dx <= distance(a, b, idBits);
}

/** True when x ∈ (a, b) on the ring. When a == b the interval is the whole ring minus a. */
export function inOpen(x: number, a: number, b: number, idBits: number): boolean {
  if (a === b) return x !== a;
  const dx = distance(a, x, idBits);
  return dx > 0 && dx < distance(a, b, idBits);
}

/**
 * Index of the first entry of `sortedIds` that is ≥ `key` (sortedIds.length if
 * none). `sortedIds` must be ascending.
 */
export function lowerBound(sortedIds: readonly number[], key: number): number {
  let lo = 0;
  let hi = sortedIds.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1; // indices stay below 2^31, so `>>>` is safe here
    if ((sortedIds[mid] as number) < key) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * The owner of `key`: the smallest peer ID ≥ key, wrapping to the smallest ID.
 * `sortedIds` must be ascending and non-empty. O(log N).
 */
export function ownerOf(sortedIds: readonly number[], key: number): number {
  const first = sortedIds[0];
  if (first === undefined) throw new RangeError('ownerOf needs at least one peer ID');
  return sortedIds[lowerBound(sortedIds, key)] ?? first;
}

/** The key of a file name under m-bit IDs: the course's NNNN mod 256 when m = 8. */
export function keyOf(filename: string, idBits: number): number {
  return Number(filename) % 2 ** idBits;
}
