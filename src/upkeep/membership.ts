/**
 * Membership that is told, not guessed. Every change to the ring is pushed,
 * in the exchange that makes it, to the peers whose predecessors it changes,
 * before anyone prints the line that announces it:
 *
 * - a join accepted by A between A and S1 (then S2): S1 is told [newcomer, A],
 *   S2 is told [S1, newcomer], and only then is the newcomer accepted (its
 *   own predecessors, [A, A's first], travel in the acceptance). From the
 *   newcomer's "Join request has been accepted" on, S1 no longer owns the
 *   newcomer's keys.
 * - a Quit of L: L's first successor is told [L's first, L's second
 *   predecessor] and its second successor [its first, L's first predecessor]
 *   before L's predecessors are told L is leaving.
 * - a death of D found by P, whose first successor D was: P's new first
 *   successor is told [P, P's first predecessor] before P asks it for its
 *   successors, and after the repair both of P's first successors are told
 *   where P stands.
 * - a peer that comes back under an ID its neighbours declared dead (it
 *   restarted with `init`, or resumed after a freeze) pings its successor,
 *   which sees a closer first predecessor than the one it holds: the
 *   displaced predecessor is told ('successor-rejoined') and takes the peer
 *   back as its first successor, with the course's successor-change lines,
 *   and tells its own first predecessor as a join's acceptor does.
 *
 * - a peer whose pings show it missed one of these changes (it pings us as
 *   its first or second successor past a closer peer that keeps pinging
 *   us) is told, two ping intervals later, by the peer that may change its
 *   successors (staleViewSeen).
 *
 * A told list is accepted only from one of the receiver's predecessors, or
 * naming one of them as gone (routing/predecessors.ts, applyTold); a
 * successor change only from the receiver's first successor. Pings then
 * only confirm what was told, and expire what stopped pinging.
 */
import { formatPeerRef, type PeerRef } from '../protocol/peer-ref.js';
import type { RequestOf } from '../protocol/types.js';
import { inOpen } from '../routing/ids.js';
import type { PeerNode } from '../node/peer-node.js';
import { predecessorSilenceMs, staleViewMs } from '../timing.js';
import type { UpkeepClock } from './upkeep-clock.js';

/** Content naming predecessors [first, second], and the peer the change removes. */
export function predecessorContent(list: readonly (PeerRef | undefined)[], gone: readonly number[] = []): Record<string, string> {
  const out: Record<string, string> = {
    reason: 'predecessors',
    _pred: list[0] === undefined ? '' : formatPeerRef(list[0]),
    _pred2: list[1] === undefined ? '' : formatPeerRef(list[1]),
  };
  const ids = [...new Set(gone.filter((id) => id >= 0))];
  if (ids.length > 0) out.gone = ids.join(',');
  return out;
}

/** The predecessors named by `_pred` and `_pred2`. */
export function predecessorsFrom(node: PeerNode, content: Readonly<Record<string, string | undefined>>): (PeerRef | undefined)[] {
  const ref = (text: string | undefined): PeerRef | undefined => (text === undefined || text === '' ? undefined : node.refFrom(text, -1));
  return [ref(content._pred), ref(content._pred2)];
}

/**
 * Tells `to` its predecessors are now `list` (quietly: the course prints
 * nothing there). Resolves when it has been queued at `to`; a peer that
 * cannot be reached is noted, not thrown (its own pings will correct it).
 */
export async function tellPredecessors(
  node: PeerNode,
  to: PeerRef | undefined,
  list: readonly (PeerRef | undefined)[],
  gone?: number,
): Promise<void> {
  if (to === undefined || to.id === node.id) return;
  // Every peer we saw die or leave lately goes with it: when neighbours die
  // together, the receiver may still hold another of them.
  const goneIds = [...(gone === undefined ? [] : [gone]), ...node.recentlyGoneIds()];
  try {
    await node.sendTo(to, 'update', predecessorContent(list, goneIds));
  } catch (err) {
    node.note('predecessors-untold', { fields: { to: to.id, message: err instanceof Error ? err.message : String(err) } });
  }
}

/** `predecessors`: a peer that may change them tells us our predecessors. */
export function onPredecessors(node: PeerNode, req: RequestOf<'update'>): void {
  const gone = (req.content.gone ?? '')
    .split(',')
    .filter((s) => s !== '')
    .map(Number);
  const list = predecessorsFrom(node, req.content);
  if (!node.predecessorsTold(list, req.source, gone)) return;
  // The peers the change removes died or left: route around them, and never
  // take them back from a stale view (a restart readmits them). Unless one
  // is our successor too (a ring of two): then our own failure detection,
  // or its `quit`, which follows, removes it with the course's lines.
  for (const id of gone) if (id !== node.id && !node.successors.some((s) => s.id === id)) node.markGone(id);
}

/**
 * A peer we had not been told of has become our first predecessor by a
 * ping (it came back under an ID declared dead): tell the predecessor it
 * displaced, which still has us as its first successor.
 */
export async function letBackIn(node: PeerNode, back: PeerRef, displaced: PeerRef): Promise<void> {
  if (node.successors[0]?.id === back.id) return; // a ring of two: nothing between us
  node.note('peer-back', { fields: { peer: back.id, displaced: displaced.id } });
  try {
    await node.sendTo(displaced, 'update', { reason: 'successor-rejoined', _peer: formatPeerRef(back) });
  } catch (err) {
    node.note('peer-back-untold', { fields: { to: displaced.id, message: err instanceof Error ? err.message : String(err) } });
  }
}

/**
 * `successor-rejoined`: our first successor says a peer came back between
 * us. Take it as our first successor, say so with the course's lines, and
 * tell our first predecessor (whose second successor it now is) and the
 * peer itself, as a join's acceptor does.
 */
export async function onSuccessorRejoined(node: PeerNode, req: RequestOf<'update'>): Promise<void> {
  const first = node.successors[0];
  if (req.content._peer === undefined || first === undefined || first.id !== req.source) {
    node.note('rejoin-ignored', { fields: { from: req.source, reason: 'not from our first successor' } });
    return;
  }
  const back = node.refFrom(req.content._peer, -1);
  if (!inOpen(back.id, node.id, first.id, node.config.idBits)) {
    node.note('rejoin-ignored', { fields: { from: req.source, peer: back.id, reason: 'not between us' } });
    return;
  }
  node.readmit(back.id);
  node.say('successor-change', 'Successor Change request received', { fields: { from: req.source } });
  node.adoptSuccessors([back, ...node.successors]);
  node.announceSuccessors();
  const pred = node.predecessors[0];
  const sends: Promise<unknown>[] = [tellPredecessors(node, back, [node.config.self, pred])];
  if (pred !== undefined && pred.id !== back.id) {
    sends.push(
      node
        .sendTo(pred, 'update', { reason: 'successor-change', ...node.successorContent([node.config.self, ...node.successors]) })
        .catch((err: unknown) => node.warn('rejoin-notify-failed', err, `Telling Peer ${pred.id} of Peer ${back.id}'s return`)),
    );
  }
  await Promise.all(sends);
}

/** A ping from `id` in `slot` agreed with our predecessors: forget any stale view of it. */
export function staleViewCleared(node: PeerNode, slot: 0 | 1, id: number): void {
  node.staleViews.delete(`${slot}:${id}`);
}

/**
 * `pinger` pings us in `slot`, but our predecessors say a closer peer sits
 * between it and us: it missed a change (a join or a return between it and
 * us, whose course message crossed another change or was lost). A course
 * message may still be on its way, so only a pinger still at it two ping
 * intervals later counts, and only while the peer it misses kept pinging us
 * meanwhile (a dead predecessor is never pressed on anyone). Then the one
 * peer that may change the pinger's successors is asked to:
 *
 * - slot 0, we are its first successor: we tell it ourselves that the
 *   nearest peer we know after it came (back) between us
 *   ('successor-rejoined', with the course's successor-change lines there);
 * - slot 1, we are its second successor: our second predecessor, which is
 *   its first successor, is asked to send it a successor change.
 */
export async function staleViewSeen(node: PeerNode, pinger: PeerRef, slot: 0 | 1): Promise<void> {
  const [p0, p1] = node.predecessors;
  const bits = node.config.idBits;
  // The peer the pinger misses: the nearest of ours after it.
  const missed =
    slot === 0
      ? [p1, p0].find((p) => p !== undefined && p.id !== pinger.id && inOpen(p.id, pinger.id, node.id, bits))
      : p1 !== undefined && p0 !== undefined && pinger.id !== p0.id && pinger.id !== p1.id && inOpen(pinger.id, node.id, p1.id, bits)
        ? p1
        : undefined;
  const key = `${slot}:${pinger.id}`;
  if (missed === undefined) {
    node.staleViews.delete(key);
    return;
  }
  const now = Date.now();
  const since = node.staleViews.get(key);
  if (since === undefined) {
    node.staleViews.set(key, now);
    return;
  }
  if (now - since < staleViewMs(node.config)) return;
  if ((node.predecessorSeenAt(missed.id) ?? 0) <= since) return; // silent since: maybe dead
  node.staleViews.delete(key);
  node.note('stale-view-seen', { fields: { peer: pinger.id, slot, missed: missed.id } });
  const [to, content] =
    slot === 0
      ? [pinger, { reason: 'successor-rejoined' as const, _peer: formatPeerRef(missed) }]
      : [missed, { reason: 'refresh-predecessor' as const, _peer: formatPeerRef(pinger) }];
  try {
    await node.sendTo(to, 'update', content);
  } catch (err) {
    node.note('stale-view-untold', { fields: { to: to.id, message: err instanceof Error ? err.message : String(err) } });
  }
}

/**
 * `refresh-predecessor`: one of our successors saw our first predecessor
 * name it as its second successor, wrongly. If that peer is our first
 * predecessor still, send it our list as a successor change (the course's
 * lines there); otherwise ignore it.
 */
export async function onRefreshPredecessor(node: PeerNode, req: RequestOf<'update'>): Promise<void> {
  const pred = node.predecessors[0];
  const peer = req.content._peer === undefined ? undefined : node.refFrom(req.content._peer, -1);
  const fromSuccessor = node.successors.some((s) => s.id === req.source);
  if (pred === undefined || peer === undefined || peer.id !== pred.id || !fromSuccessor) {
    node.note('refresh-ignored', { fields: { from: req.source, peer: peer?.id ?? -1 } });
    return;
  }
  await node
    .sendTo(pred, 'update', { reason: 'successor-change', ...node.successorContent([node.config.self, ...node.successors]) })
    .catch((err: unknown) => node.warn('refresh-notify-failed', err, `Sending Peer ${pred.id} our successors`));
}

/**
 * Forgets predecessors that stopped pinging (PeerNode.expirePredecessors),
 * checked on the ticks of `clock` at which one of them may have been silent
 * too long: the first tick past its last ping plus predecessorSilenceMs. A
 * check on any earlier tick would find nothing, so this forgets exactly when
 * a check on every tick did, without waking the consumer every interval.
 * Returns a stopper.
 */
export function startPredecessorExpiry(node: PeerNode, clock: UpkeepClock): { stop(): void } {
  let stopped = false;
  const silenceMs = predecessorSilenceMs(node.config);
  const remove = clock.add({
    name: 'predecessor expiry',
    dueInMs: () => {
      const seen = node.predecessors.flatMap((p) => (p === undefined ? [] : [node.predecessorSeenAt(p.id) ?? Date.now()]));
      // expirePredecessors forgets one silent for more than silenceMs: from seenAt + silenceMs + 1 on.
      return seen.length === 0 ? undefined : Math.min(...seen) + silenceMs + 1 - Date.now();
    },
    run: () => node.expirePredecessors(),
  });
  // A new predecessor (told, or a first ping) has a deadline the clock has not read yet.
  node.onMembershipChange(() => {
    if (!stopped) clock.reschedule();
  });
  return {
    stop: () => {
      stopped = true;
      remove();
    },
  };
}
