/**
 * Chord's maintenance on the live runtime (Stoica et al., SIGCOMM 2001,
 * fig. 6), driven by the ping interval: stabilize (ask the first successor
 * for its predecessor and successor list, adopt a closer successor, notify
 * it), notify (a peer that thinks it is our predecessor), fix-fingers (every
 * finger while the ring around us moves, then one lookup per round; see
 * fixFingers). Check-predecessor is not Chord's alone: every peer forgets
 * a predecessor that stopped pinging (PeerNode.expirePredecessors).
 *
 * One departure from the paper, to keep the course's lines: the first two
 * successors are removed only by this peer's own failure detection (which
 * prints the repair lines) or by a graceful quit, never silently because a
 * successor's list no longer names them. From the third on, the list is the
 * paper's: the first successor's list, so that an entry that left or died
 * three or more places away (whose Quit reached only its two predecessors)
 * disappears at the next round instead of being declared dead later.
 */
import { PRINTED_SUCCESSORS } from '../constants.js';
import { isP2PError } from '../errors.js';
import { formatPeerRef, type PeerRef } from '../protocol/peer-ref.js';
import type { RequestOf } from '../protocol/types.js';
import { distance, inOpen, inOpenClosed } from '../routing/ids.js';
import { fingerStarts } from '../routing/chord.js';
import { lookup } from './lookup.js';
import type { PeerNode } from '../node/peer-node.js';
import { fingerLookupMs, firstChordRoundMs } from '../timing.js';
import { UpkeepClock } from './upkeep-clock.js';

/**
 * Starts the maintenance rounds: one soon after start, then one on every
 * tick of `clock` (the consumer's one upkeep timer; by default a clock of
 * its own); returns a stopper.
 */
export function startChordMaintenance(node: PeerNode, clock?: UpkeepClock): { stop(): void } {
  let running = false;
  const round = async (): Promise<void> => {
    if (running || node.stopping) return; // a slow round never overlaps the next
    running = true;
    try {
      await stabilize(node);
      await fixFingers(node, schedule);
    } catch (err) {
      node.note('chord-round-failed', { fields: { message: err instanceof Error ? err.message : String(err) } });
    } finally {
      running = false;
    }
  };
  const schedule = newFingerSchedule();
  const ticks = clock ?? new UpkeepClock({ intervalMs: node.config.pingIntervalMs });
  const remove = ticks.every('chord round', 1, () => node.detach('chord round', round));
  const first = setTimeout(() => node.detach('chord round', round), firstChordRoundMs(node.config));
  return {
    stop: () => {
      remove();
      if (clock === undefined) ticks.stop();
      clearTimeout(first);
    },
  };
}

/** Stabilize, first half: ask the first successor for its predecessor and list. */
export async function stabilize(node: PeerNode): Promise<void> {
  const first = node.successors[0];
  if (first === undefined) return;
  try {
    await node.sendTo(first, 'update', { reason: 'get-predecessor', _origin: node.selfRef });
  } catch (err) {
    if (!isP2PError(err, 'ERR_UNREACHABLE')) throw err;
    // The ping sender will declare it dead and the repair will follow.
  }
}

/** A peer asks for our predecessor and successor list. */
export async function onGetPredecessor(node: PeerNode, req: RequestOf<'update'>): Promise<void> {
  const asker = node.refFrom(req.content._origin, req.source);
  const pred = node.predecessors[0];
  await node.answer(asker, {
    reason: 'predecessor',
    _pred: pred === undefined ? '' : formatPeerRef(pred),
    ...node.successorContent(),
  });
}

/** Stabilize, second half: adopt a closer successor, merge the list, notify. */
export async function onPredecessorReply(node: PeerNode, req: RequestOf<'update'>): Promise<void> {
  const first = node.successors[0];
  if (first === undefined || first.id !== req.source) return; // stale answer
  const m = node.config.idBits;
  const candidates: PeerRef[] = [...node.successors.slice(0, PRINTED_SUCCESSORS), ...node.refsFrom(req.content._succ)];
  const pred = req.content._pred ? node.refFrom(req.content._pred, -1) : undefined;
  if (pred !== undefined && inOpen(pred.id, node.id, first.id, m)) candidates.push(pred);
  // A peer we saw die or leave is never taken back from someone's stale view.
  const fresh = candidates.filter((r) => r.id !== node.id && !node.isGone(r.id));
  const merged = [...new Map(fresh.map((r) => [r.id, r])).values()].sort((a, b) => distance(node.id, a.id, m) - distance(node.id, b.id, m));
  // Quietly: the course's lines come from join, quit and repair only; a
  // change made here is in the event stream ('successors-changed').
  node.adoptSuccessors(merged);
  const successor = node.successors[0];
  if (successor !== undefined) {
    await node.sendTo(successor, 'update', { reason: 'notify', _origin: node.selfRef }).catch(() => undefined);
  }
}

/**
 * A peer thinks it might be our predecessor: weighed as a ping for the
 * first slot would be (routing/predecessors.ts): it fills an empty slot or
 * replaces a farther peer, never a closer one that still pings, so notify
 * and pings cannot undo each other.
 */
export function onNotify(node: PeerNode, req: RequestOf<'update'>): void {
  const candidate = node.refFrom(req.content._origin, req.source);
  if (candidate.id === node.id) return;
  const { verdict } = node.predecessorPinged(0, candidate, undefined);
  if (verdict === 'filled' || verdict === 'closer') node.note('predecessor-notified', { fields: { peer: candidate.id } });
}

/**
 * Most rounds a quiet fix-fingers rests after a lookup that changed
 * nothing (see fixFingers): one lookup every 1 + this many rounds once
 * the fingers stop changing.
 */
export const FINGER_REST_ROUNDS = 2;

/** Where the next fix-fingers round starts, and whether it refreshes every finger. */
export interface FingerSchedule {
  /** Index of the finger a quiet round refreshes first. */
  next: number;
  /** Quiet rounds to skip before the next lookup (0 after any change). */
  rest: number;
  /** Quiet lookups in a row that changed nothing (the rest grows with them, to FINGER_REST_ROUNDS). */
  quiet: number;
  /** The next round refreshes every finger: the last one changed a finger, or was such a sweep and failed. */
  sweep: boolean;
  /** Successor list and first predecessor as of the last round (`ids|pred`). */
  membership: string;
}

/** A schedule whose first round refreshes every finger. */
export function newFingerSchedule(): FingerSchedule {
  return { next: 0, rest: 0, quiet: 0, sweep: true, membership: '' };
}

/** Finds the owner of a key (a lookup from this peer); rejects when no answer comes. */
export type FindOwner = (key: number) => Promise<PeerRef>;

/**
 * Fix-fingers: fingers[i] = successor(self + 2^i). A start within the
 * interval that the previous finger already covers needs no lookup.
 *
 * How many lookups a round makes. Refreshing every finger each round (one
 * lookup per distinct finger, about log2 N) finds a change at once but costs
 * every peer log2 N lookups of about ½·log2 N hops each per ping interval
 * even when nothing moves: at N = 64, four to five lookups per peer per
 * round, half of an idle network's CPU time. The paper refreshes
 * one finger per round (fig. 6: `next = next + 1; finger[next] =
 * find_successor(n + 2^(next-1))`), which is cheap but takes m rounds to
 * notice anything. Here a round refreshes every finger ("full") when
 *  - a finger is unknown: the first rounds, or forgetFinger dropped one that
 *    could not be reached (a lookup or a request routed through it failed);
 *  - our successor list or first predecessor changed since the last round:
 *    a peer joined, left or died next to us, so fingers near us, and those
 *    whose start wraps round to just behind us, may have moved; or
 *  - the last round changed a finger: one change found (a peer joined or
 *    died far away) usually means more, so sweep until a sweep finds none.
 * Otherwise the round is quiet: it walks on from where the last one stopped,
 * round-robin, copying fingers the previous finger covers, and makes one
 * lookup, the paper's rate (the next finger that needs one waits for the
 * next round). A quiet lookup that changed nothing lets the next round
 * rest (no lookup), and after two such lookups in a row the next two
 * rounds (FINGER_REST_ROUNDS); any change, full round or failure ends the
 * rest at once. So a quiet ring costs one lookup per peer every three
 * rounds (at N = 256 fix-fingers was about 60% of an idle Chord network's
 * messages: a lookup of ½·log2 N hops and its answer, against stabilize's
 * two messages and notify's one), a change far away is found within one
 * round-robin cycle (at most 3 × the number of distinct fingers, ≤ 3m
 * rounds) and then settled by full rounds as quickly as before, and a
 * finger left pointing at a dead peer is corrected the first time anything
 * is routed through it, or at the latest when the cycle reaches it.
 *
 * A failed lookup stops the round; the next round starts again at that
 * finger (a failed full round is followed by another full one).
 * 'fingers-changed' carries the whole list whenever it differs from the
 * list last noted (PeerNode.reportFingers), failed round or not.
 */
export async function fixFingers(node: PeerNode, schedule: FingerSchedule, find: FindOwner = (key) => lookupOwner(node, key)): Promise<void> {
  const m = node.config.idBits;
  const first = node.successors[0];
  if (first === undefined) return;
  const before = node.fingers.map((f) => f?.id ?? -1).join(',');
  const membership = `${node.successors.map((s) => s.id).join(',')}|${node.predecessors[0]?.id ?? ''}`;
  const full = schedule.sweep || membership !== schedule.membership || node.fingers.some((f) => f === undefined);
  schedule.membership = membership;
  if (full) {
    schedule.rest = 0;
    schedule.quiet = 0;
  } else if (schedule.rest > 0) {
    schedule.rest -= 1;
    return;
  }
  const starts = fingerStarts(node.id, m);
  let i = full ? 0 : schedule.next % m;
  // successor(start) for every start in (self, known]. A quiet round trusts
  // the finger before its first one (every finger is known in a quiet round).
  let known: PeerRef = (i === 0 ? first : node.fingers[i - 1]) ?? first;
  let lookups = 0;
  let failed = false;
  try {
    for (let visited = 0; visited < m; visited++, i = (i + 1) % m) {
      if (i === 0) known = first; // a quiet round that wraps round starts again at the successor
      const start = starts[i] as number;
      if (!inOpenClosed(start, node.id, known.id, m)) {
        if (!full && lookups >= 1) break; // this finger is the next round's
        try {
          known = await find(start);
          lookups += 1;
        } catch (err) {
          const code = isP2PError(err) ? err.code : 'ERR_UNKNOWN';
          node.note('finger-lookup-failed', { fields: { finger: i, code, message: err instanceof Error ? err.message : String(err) } });
          failed = true;
          return; // try again next round, from this finger
        }
      }
      node.setFinger(i, known);
    }
  } finally {
    schedule.next = i;
    const changed = node.fingers.map((f) => f?.id ?? -1).join(',') !== before;
    schedule.sweep = changed || (full && failed);
    // A quiet lookup that confirmed its finger: rest a little longer each time.
    schedule.quiet = !full && !changed && !failed && lookups > 0 ? Math.min(schedule.quiet + 1, FINGER_REST_ROUNDS) : 0;
    schedule.rest = schedule.quiet;
    node.reportFingers();
  }
}

/** A fix-fingers lookup: a lost answer (a peer still starting, one just gone) costs one round, not the whole lookup timeout. */
async function lookupOwner(node: PeerNode, key: number): Promise<PeerRef> {
  const found = await lookup(node, key, fingerLookupMs(node.config));
  return found.owner;
}
