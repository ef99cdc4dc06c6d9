/**
 * A peer's two predecessors, as pure rules: who may set them, who replaces
 * whom, and when an entry is forgotten. The live peer (node/peer-node.ts)
 * keeps one PredecessorTable and changes it only through these functions;
 * the tests check the rules without threads or sockets.
 *
 * Slot 0 is the first predecessor (the peer whose first successor we are: it
 * decides which keys we own, (pred0, self]); slot 1 is the predecessor of
 * slot 0. A peer learns them in two ways:
 *
 * - told: a peer that may change them says what they are now, in the same
 *   exchange as the change (the peer accepting a join tells its two old
 *   successors, a quitting peer tells its two successors, a peer whose first
 *   successor died tells its new successors). A told list is taken only from
 *   a peer that is one of our predecessors now, or that names one of them as
 *   gone (dead or departed), or when we know none: a stranger cannot move
 *   our ownership.
 * - pinged: a ping names its sender and the slot we fill in its list. The
 *   ping confirms an entry (refreshes it), fills an empty slot, or replaces
 *   an entry by a closer peer (a peer that joined, or restarted, between the
 *   entry and us). A farther peer never displaces a closer one that still
 *   pings: its view is stale (it has not heard of a join yet), and letting it
 *   win would flip the slot back and forth every interval.
 *
 * An entry that has not pinged for as long as it takes to declare a
 * successor dead (forgetAfterMs) is dropped: a dead predecessor must not
 * keep owning keys here, nor be sent our Quit.
 */
import { inOpen } from './ids.js';

/** One predecessor and when it was last heard from. */
export interface PredecessorEntry<T extends { readonly id: number }> {
  readonly ref: T;
  /** Last sign of life (ms, the caller's clock). */
  readonly seenAt: number;
}

/** [first, second] predecessor. */
export type PredecessorTable<T extends { readonly id: number }> = readonly [PredecessorEntry<T> | undefined, PredecessorEntry<T> | undefined];

/** What a ping did to the table. */
export const PING_VERDICTS = {
  /** It confirmed an entry already held. */
  refresh: 'refresh',
  /** It filled an empty slot. */
  filled: 'filled',
  /** It replaced an entry by a closer peer (the old entry moves back a slot, or out). */
  closer: 'closer',
  /** It was not taken: a farther peer, or a slot that contradicts the table. */
  ignored: 'ignored',
} as const;
/** What a ping did to the table. */
export type PingVerdict = (typeof PING_VERDICTS)[keyof typeof PING_VERDICTS];

/** The ring a table lives on. */
export interface PredecessorContext {
  readonly self: number;
  readonly idBits: number;
  /** Now, on the clock of the `seenAt` fields. */
  readonly now: number;
}

/** An empty table. */
export function emptyPredecessors<T extends { readonly id: number }>(): PredecessorTable<T> {
  return [undefined, undefined];
}

/** The predecessors' refs, [first, second]. */
export function predecessorRefs<T extends { readonly id: number }>(table: PredecessorTable<T>): [T | undefined, T | undefined] {
  return [table[0]?.ref, table[1]?.ref];
}

/**
 * Applies a ping from `ref`, which says we are its successor number
 * `slot` + 1. Returns the new table, the verdict and, for `closer`, the
 * entry the ping displaced from its slot.
 */
export function applyPing<T extends { readonly id: number }>(
  table: PredecessorTable<T>,
  ref: T,
  slot: 0 | 1,
  ctx: PredecessorContext,
): { table: PredecessorTable<T>; verdict: PingVerdict; displaced?: T } {
  const [p0, p1] = table;
  const entry = { ref, seenAt: ctx.now };
  const between = (x: number, a: number, b: number): boolean => inOpen(x, a, b, ctx.idBits);
  if (ref.id === ctx.self) return { table, verdict: 'ignored' };
  // A sign of life refreshes the entry it matches, whatever slot it claims.
  const refreshed: PredecessorTable<T> = [p0?.ref.id === ref.id ? entry : p0, p1?.ref.id === ref.id ? entry : p1];
  if (slot === 0) {
    if (p0 === undefined) {
      // The first predecessor; a second that does not precede it (or is it) is dropped.
      const keep = p1 !== undefined && between(p1.ref.id, ctx.self, ref.id) ? p1 : undefined;
      return { table: [entry, keep], verdict: 'filled' };
    }
    if (p0.ref.id === ref.id) return { table: refreshed, verdict: 'refresh' };
    if (between(ref.id, p0.ref.id, ctx.self)) {
      // Closer than our first predecessor: it came in between (a join or a
      // restart), and the old first is its predecessor now.
      return { table: [entry, p0], verdict: 'closer', displaced: p0.ref };
    }
    return { table: refreshed, verdict: 'ignored' };
  }
  if (p0?.ref.id === ref.id) return { table: refreshed, verdict: 'ignored' };
  // A second predecessor precedes the first: it lies in (self, p0) clockwise.
  if (p0 !== undefined && !between(ref.id, ctx.self, p0.ref.id)) return { table: refreshed, verdict: 'ignored' };
  if (p1 === undefined) return { table: [p0, entry], verdict: 'filled' };
  if (p1.ref.id === ref.id) return { table: refreshed, verdict: 'refresh' };
  if (p0 !== undefined && between(ref.id, p1.ref.id, p0.ref.id)) {
    return { table: [p0, entry], verdict: 'closer', displaced: p1.ref };
  }
  return { table: refreshed, verdict: 'ignored' };
}

/**
 * Applies a told list from peer `source`: taken when `source` is one of our
 * predecessors now, when one of `gone` (peers the teller knows died or
 * departed: several, when neighbours die together) is one of them, when
 * we know none, or from the `acceptor` of our join. Returns undefined when it is not taken. Entries equal to
 * self or gone are dropped (a ring of two).
 */
export function applyTold<T extends { readonly id: number }>(
  table: PredecessorTable<T>,
  list: readonly (T | undefined)[],
  source: number,
  gone: readonly number[],
  ctx: PredecessorContext,
  acceptor = false,
): PredecessorTable<T> | undefined {
  const held = table.filter((e) => e !== undefined).map((e) => e.ref.id);
  const allowed = acceptor || held.length === 0 || held.includes(source) || held.some((id) => gone.includes(id));
  if (!allowed) return undefined;
  const keep = (r: T | undefined): PredecessorEntry<T> | undefined =>
    r === undefined || r.id === ctx.self || gone.includes(r.id) ? undefined : { ref: r, seenAt: ctx.now };
  const first = keep(list[0]);
  const second = keep(list[1]);
  return [first, second?.ref.id === first?.ref.id ? undefined : second];
}

/** Drops the entries not heard from for more than `forgetAfterMs`. */
export function expirePredecessors<T extends { readonly id: number }>(
  table: PredecessorTable<T>,
  forgetAfterMs: number,
  now: number,
): { table: PredecessorTable<T>; dropped: T[] } {
  const dropped: T[] = [];
  const keep = (e: PredecessorEntry<T> | undefined): PredecessorEntry<T> | undefined => {
    if (e === undefined || now - e.seenAt <= forgetAfterMs) return e;
    dropped.push(e.ref);
    return undefined;
  };
  const next: PredecessorTable<T> = [keep(table[0]), keep(table[1])];
  return { table: dropped.length === 0 ? table : next, dropped };
}

/** Removes `id` from the table (it departed or died), leaving its slot empty. */
export function withoutPredecessor<T extends { readonly id: number }>(table: PredecessorTable<T>, id: number): PredecessorTable<T> {
  if (table[0]?.ref.id !== id && table[1]?.ref.id !== id) return table;
  return [table[0]?.ref.id === id ? undefined : table[0], table[1]?.ref.id === id ? undefined : table[1]];
}
