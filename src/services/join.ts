/**
 * Join: the newcomer asks any known peer; the request walks the ring (or
 * Chord's fingers) to the peer after which the newcomer belongs, which
 * accepts it, tells its first predecessor, and hands the newcomer its new
 * successors.
 */
import type { PeerRef } from '../net/peer-ref.js';
import type { RequestOf } from '../protocol/types.js';
import { lookupTrail, nextTrail, type PeerNode } from './peer-node.js';

/** Sends this peer's join request to `known`; rejects with ERR_UNREACHABLE. */
export async function startJoin(node: PeerNode, known: PeerRef): Promise<void> {
  node.joining = true;
  await node.sendTo(known, 'join', {
    _nodeID: String(node.id),
    _origin: node.selfRef,
    _hops: '0',
    _path: String(node.id),
  });
  node.note('join-sent', { fields: { via: known.id } });
}

/** A join request arrives: accept it here or pass it on. */
export async function onJoin(node: PeerNode, req: RequestOf<'join'>): Promise<void> {
  const n = Number(req.content._nodeID);
  const newcomer = node.refFrom(req.content._origin, n);
  const trail = lookupTrail(req.content);
  const first = node.successors[0];
  if (n === node.id || node.successors.some((s) => s.id === n)) {
    node.say('join-refused', `Peer ${n} Join request refused: Peer ${n} is already in the network`, {
      stream: 'stderr',
      fields: { peer: n },
    });
    await node.sendTo(newcomer, 'update', { reason: 'join-refused', error: 'ERR_DUPLICATE_ID' });
    return;
  }
  if (first === undefined) {
    node.say('join-refused', `Peer ${n} Join request refused: this peer has not joined a ring yet`, {
      stream: 'stderr',
    });
    await node.sendTo(newcomer, 'update', { reason: 'join-refused', error: 'ERR_NOT_RUNNING' });
    return;
  }
  const hop = node.route(n);
  if (hop.kind === 'forward' && hop.final && hop.to === first.id) {
    await accept(node, req, newcomer, trail);
    return;
  }
  // Not ours to accept. A local answer means our predecessor should have
  // taken it: let it come round the ring again.
  const to = node.refFor(hop.kind === 'forward' ? hop.to : first.id);
  node.say('join-forwarded', `Peer ${n} Join request forwarded to my successor`, {
    fields: { peer: n, to: to.id },
    ...trail,
  });
  await node.forward(req, to, nextTrail(req.content, to.id, false));
}

async function accept(
  node: PeerNode,
  req: RequestOf<'join'>,
  newcomer: PeerRef,
  trail: { hops: number; path: number[] },
): Promise<void> {
  node.say('join-received', `Peer ${newcomer.id} Join request received`, { fields: { peer: newcomer.id }, ...trail });
  const old = node.successors;
  node.setSuccessors([newcomer, ...old]);
  node.announceSuccessors();
  // Our first predecessor, as pings taught us; failing that, the peer that
  // forwarded the join to us (it is our predecessor on the ring walk).
  const fromRing = req.source !== newcomer.id && req.source !== node.id ? node.refFor(req.source) : undefined;
  const pred = node.predecessors[0] ?? fromRing;
  const sends = [node.sendTo(newcomer, 'update', { reason: 'join-accepted', ...node.successorContent(old) })];
  if (pred !== undefined && pred.id !== newcomer.id) {
    sends.push(
      node.sendTo(pred, 'update', {
        reason: 'successor-change',
        ...node.successorContent([node.config.self, ...node.successors]),
      }),
    );
  }
  const results = await Promise.allSettled(sends);
  for (const r of results) if (r.status === 'rejected') node.warn('join-notify-failed', r.reason, 'Join');
}
