/**
 * Abrupt departure. The ping sender queues `abrupt` for a successor that
 * missed several pings in a row; we drop it and ask the next live successor
 * for its successors (an `abrupt` query, answered by an `update`).
 */
import type { PeerRef } from '../net/peer-ref.js';
import type { RequestOf } from '../protocol/types.js';
import type { PeerNode } from './peer-node.js';

/** An `abrupt` request: our own ping sender's notice, or a predecessor's query. */
export async function onAbrupt(node: PeerNode, req: RequestOf<'abrupt'>): Promise<void> {
  const dead = Number(req.content.dead);
  if (req.content._query === 'successors') {
    const asker = node.refFrom(req.content._origin, req.source);
    await node.sendTo(asker, 'update', { reason: 'successors', dead: String(dead), ...node.successorContent() });
    return;
  }
  if (req.source !== node.id) return; // only our own ping sender declares deaths
  if (!node.successors.some((s) => s.id === dead)) return; // already repaired
  node.say('peer-dead', `Peer ${dead} is no longer alive`, { fields: { peer: dead } });
  const remaining = node.successors.filter((s) => s.id !== dead);
  node.setSuccessors(remaining);
  node.markGone(dead);
  await askSuccessors(node, remaining[remaining.length - 1], dead);
}

/** Asks `ask` for its successor list (the answer is an `update`, see completeRepair). */
export async function askSuccessors(node: PeerNode, ask: PeerRef | undefined, dead = -1): Promise<void> {
  if (ask === undefined) {
    node.say('ring-broken', 'No live successor is left', { stream: 'stderr' });
    return;
  }
  try {
    await node.sendTo(ask, 'abrupt', {
      _query: 'successors',
      _nodeID: String(node.id),
      _origin: node.selfRef,
      dead: String(dead),
    });
  } catch (err) {
    node.warn('repair-failed', err, `Asking Peer ${ask.id} for its successors`);
  }
}

/** The answer to our query: rebuild the list after the peer we asked. */
export function completeRepair(node: PeerNode, req: RequestOf<'update'>): void {
  const dead = Number(req.content.dead);
  const theirs = node.refsFrom(req.content._succ).filter((r) => r.id !== node.id && r.id !== dead);
  const upTo = node.successors.findIndex((s) => s.id === req.source);
  const base = upTo < 0 ? node.successors : node.successors.slice(0, upTo + 1);
  node.setSuccessors([...base, ...theirs]);
  node.announceSuccessors();
}
