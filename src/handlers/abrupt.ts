/**
 * Abrupt departure. The ping sender queues `abrupt` for a successor that
 * missed several pings in a row; we drop it and ask the next live successor
 * for its successors (an `abrupt` query, answered by an `update`).
 *
 * With a list longer than two (`--successors 3` and more), neighbours can die
 * together: the successor we would ask may be dead too, not yet declared so
 * (its own pings are still being retried), and the peer we ask may not have
 * noticed either death yet. So the repair asks the farthest remaining
 * successor that answers, falling back towards the first, and never takes
 * back from an answer a peer this peer has just declared dead or departed. The
 * course's lines ("Peer X is no longer alive", then the first and second
 * successors) come from the peers that held the dead peer first or second,
 * as with two successors; a peer that held it third or later (outside Chord
 * mode) repairs quietly, like the rest of its list (successor-list.ts).
 */
import { PRINTED_SUCCESSORS } from '../constants.js';
import { isP2PError } from '../errors.js';
import type { PeerRef } from '../protocol/peer-ref.js';
import type { RequestOf } from '../protocol/types.js';
import { tellPredecessors } from '../upkeep/membership.js';
import type { PeerNode } from '../node/peer-node.js';
import { distance } from '../routing/ids.js';
import { keepsLongList, pullFromLastLive } from '../upkeep/successor-list.js';
import { repairTellMs } from '../timing.js';

/** An `abrupt` request: our own ping sender's notice, or a predecessor's query. */
export async function onAbrupt(node: PeerNode, req: RequestOf<'abrupt'>): Promise<void> {
  const dead = Number(req.content.dead);
  if (req.content._query === 'successors') {
    const asker = node.refFrom(req.content._origin, req.source);
    // `dead` only when the asker named one (a newcomer completing a short list names none).
    const named = req.content.dead === undefined ? {} : { dead: String(dead) };
    await node.sendTo(asker, 'update', { reason: 'successors', ...named, ...node.successorContent() });
    return;
  }
  if (req.source !== node.id) return; // only our own ping sender declares deaths
  const at = node.successors.findIndex((s) => s.id === dead);
  if (at < 0) return; // already repaired
  const remaining = node.successors.filter((s) => s.id !== dead);
  if (at >= PRINTED_SUCCESSORS && keepsLongList(node)) {
    // A third (or later) successor: the course's lines are about the first
    // two, so this repair is as quiet as the rest of the list's upkeep.
    node.note('peer-dead', { fields: { peer: dead, position: at + 1 } });
    node.adoptSuccessors(remaining);
    node.markGone(dead);
    await pullFromLastLive(node, remaining);
    return;
  }
  node.say('peer-dead', `Peer ${dead} is no longer alive`, { fields: { peer: dead } });
  node.adoptSuccessors(remaining);
  node.markGone(dead);
  // Our first successor died: the next one owns its keys now, and is told
  // so before the repair prints our new successors (membership.ts); the one
  // after it has us as its second predecessor.
  if (at === 0) {
    const [s1, s2] = remaining;
    await Promise.all([
      tellPredecessors(node, s1, [node.config.self, node.predecessors[0]], dead),
      tellPredecessors(node, s2, [s1, node.config.self], dead),
    ]);
  }
  await askSuccessorsOfLastLive(node, remaining, dead);
}

/**
 * Asks the last of `remaining` for its successors; when it cannot be reached
 * (a neighbour that died with `dead`), the one before it, and so on: each
 * unreachable one is routed around until our ping sender declares it.
 */
async function askSuccessorsOfLastLive(node: PeerNode, remaining: readonly PeerRef[], dead: number): Promise<void> {
  for (let i = remaining.length - 1; i > 0; i--) {
    const ask = remaining[i] as PeerRef;
    try {
      await sendSuccessorsQuery(node, ask, dead);
      return;
    } catch (err) {
      if (!isP2PError(err, 'ERR_UNREACHABLE')) {
        node.warn('repair-failed', err, `Asking Peer ${ask.id} for its successors`);
        return;
      }
      node.forgetFinger(ask.id);
      node.note('repair-rerouted', { fields: { unreachable: ask.id, dead } });
    }
  }
  await askSuccessors(node, remaining[0], dead);
}

/** Asks `ask` for its successor list (the answer is an `update`, see completeRepair). */
export async function askSuccessors(node: PeerNode, ask: PeerRef | undefined, dead = -1): Promise<void> {
  if (ask === undefined) {
    if (await rescueFromFingers(node, dead)) return;
    node.say('ring-broken', 'No live successor is left', { stream: 'stderr' });
    return;
  }
  try {
    await sendSuccessorsQuery(node, ask, dead);
  } catch (err) {
    node.warn('repair-failed', err, `Asking Peer ${ask.id} for its successors`);
  }
}

/**
 * Chord, every successor gone (as many neighbours died at once as we keep
 * successors): the fingers reach further. The closest finger that answers
 * becomes our successor and is asked for its list (completeRepair prints
 * the new successors); stabilize then walks back to the true successor, one
 * predecessor a round, as Chord recovers. Without this, the peer kept no
 * successor, answered every lookup that reached it as the owner, and drew
 * lookups from all over the ring: after 102 of 1,024 peers were killed at
 * once, one such peer took a fifth of all lookups, wrongly, for good.
 */
async function rescueFromFingers(node: PeerNode, dead: number): Promise<boolean> {
  if (node.config.routing !== 'chord') return false;
  const tried = new Set<number>();
  for (const finger of node.fingers) {
    if (finger === undefined || finger.id === node.id || finger.id === dead || tried.has(finger.id) || node.recentlyGone(finger.id)) continue;
    tried.add(finger.id);
    node.adoptSuccessors([finger]);
    try {
      await sendSuccessorsQuery(node, finger, dead);
      node.note('ring-rescued', { fields: { via: finger.id, dead } });
      return true;
    } catch (err) {
      if (!isP2PError(err, 'ERR_UNREACHABLE')) throw err;
      node.forgetFinger(finger.id);
    }
  }
  node.adoptSuccessors([]);
  return false;
}

/**
 * `dead` (a peer ID) only when there is one: a newcomer accepted with a short
 * list asks with none, and a `dead` of -1 was refused by every receiver as a
 * malformed frame (ERR_FRAME_FIELD), so the list was never completed.
 */
function sendSuccessorsQuery(node: PeerNode, ask: PeerRef, dead: number): Promise<void> {
  return node.sendTo(ask, 'abrupt', {
    _query: 'successors',
    _nodeID: String(node.id),
    _origin: node.selfRef,
    ...(dead >= 0 ? { dead: String(dead) } : {}),
  });
}

/**
 * The answer to our query: rebuild the list after the peer we asked. A peer
 * we have just declared dead or departed is left out even when the answer
 * still names it (the peer we asked may not have noticed yet): taking it back
 * would have it declared dead a second time.
 */
export async function completeRepair(node: PeerNode, req: RequestOf<'update'>): Promise<void> {
  const dead = Number(req.content.dead);
  const theirs = node.refsFrom(req.content._succ).filter((r) => r.id !== node.id && r.id !== dead && !node.recentlyGone(r.id));
  const upTo = node.successors.findIndex((s) => s.id === req.source);
  if (upTo < 0) {
    // We ask only our successors: an answer from another peer (forged, or
    // from one that has left our list since) says nothing about where ours end.
    node.note('repair-answer-ignored', { fields: { from: req.source, dead } });
    return;
  }
  const base = node.successors.slice(0, upTo + 1);
  // An answer can come late, after our list upkeep has already repaired
  // past it: what we hold beyond it stays (never a shorter list from an
  // older answer), all in ring order from us.
  const tail = node.successors.slice(upTo + 1).filter((r) => r.id !== dead && !node.recentlyGone(r.id));
  const bits = node.config.idBits;
  const next = [...new Map([...base, ...theirs, ...tail].map((r) => [r.id, r])).values()].sort(
    (x, y) => distance(node.id, x.id, bits) - distance(node.id, y.id, bits),
  );
  // Our first two successors learn where we stand, in place of the dead,
  // before we print our new successors (a Quit typed at the second one right
  // after those lines must reach us): quietly, and the same again is
  // harmless. The second may still hold another peer that died with this one.
  // A successor that is frozen (it accepts and never reads) holds the lines
  // back one ping timeout at most; the telling goes on behind them.
  const [s1, s2] = next;
  const told = Promise.all([
    tellPredecessors(node, s1, [node.config.self, node.predecessors[0]], dead),
    tellPredecessors(node, s2, [s1, node.config.self], dead),
  ]);
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([told, new Promise<void>((resolve) => (timer = setTimeout(resolve, repairTellMs(node.config))))]);
  clearTimeout(timer);
  node.adoptSuccessors(next);
  node.announceSuccessors();
}
