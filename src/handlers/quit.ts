/**
 * Graceful departure: the quitting peer hands its successors to both
 * predecessors over TCP, then sends itself `exit` and ends with status 0.
 */
import { P2PError } from '../errors.js';
import type { PeerRef } from '../protocol/peer-ref.js';
import type { RequestOf } from '../protocol/types.js';
import { tellPredecessors } from '../upkeep/membership.js';
import type { PeerNode } from '../node/peer-node.js';
import { handOverAll } from '../upkeep/replication.js';
import { membershipWaitMs } from '../timing.js';

/** `Quit` typed at this peer. */
export async function quitCommand(node: PeerNode): Promise<void> {
  const known = (): PeerRef[] => node.predecessors.filter((p) => p !== undefined);
  // Pings teach us our predecessors, so a peer that has just joined may know
  // one of them or none. Both must be told: a predecessor left out keeps us
  // as a successor and later takes the departure for a death. A ring of two
  // (one successor) has only one predecessor to wait for.
  const wanted = Math.min(2, node.successors.length);
  if (known().length < wanted) {
    node.say('quit-waiting', 'Waiting for a ping from a predecessor before departing');
    const deadline = Date.now() + membershipWaitMs(node.config);
    while (known().length < wanted && Date.now() < deadline) await node.waitForPredecessor(deadline - Date.now());
  }
  // Our files go to our successor before anyone is told we are leaving.
  const moved = await handOverAll(node);
  // Who our predecessors are is read after the handover, which takes time: a
  // repair may have told us new ones meanwhile.
  const preds = known();
  node.note('quit-start', { fields: { predecessors: preds.map((p) => p.id), handedOver: moved } });
  // Our successors learn their new predecessors first (membership.ts): from
  // the moment our predecessors print that we depart, our first successor
  // owns our keys.
  const [p0, p1] = node.predecessors;
  const [s1, s2] = node.successors;
  await Promise.all([
    tellPredecessors(node, s1, [p0, p1], node.id),
    s2 !== undefined && s2.id !== p0?.id ? tellPredecessors(node, s2, [s1, p0], node.id) : Promise.resolve(),
  ]);
  const content = { _nodeID: String(node.id), _origin: node.selfRef, ...node.successorContent() };
  const results = await Promise.allSettled(preds.map((p) => node.sendTo(p, 'quit', content)));
  results.forEach((r, i) => {
    if (r.status === 'rejected') node.warn('quit-notify-failed', r.reason, `Telling Peer ${preds[i]!.id} of our departure`);
  });
  await node.sendTo(node.config.self, 'exit', { _nodeID: String(node.id), _token: node.exitToken });
}

/** A successor tells us it is leaving: take its successors in its place. */
export function onQuit(node: PeerNode, req: RequestOf<'quit'>): void {
  const leaving = Number(req.content._nodeID ?? req.source);
  const at = node.successors.findIndex((s) => s.id === leaving);
  if (at < 0) {
    node.note('quit-ignored', { fields: { peer: leaving, reason: 'not a successor' } });
    return;
  }
  node.say('peer-departing', `Peer ${leaving} will depart from the network`, { fields: { peer: leaving } });
  node.markGone(leaving);
  const theirs = node.refsFrom(req.content._succ).filter((r) => r.id !== node.id && r.id !== leaving);
  node.adoptSuccessors([...node.successors.slice(0, at), ...theirs]);
  node.announceSuccessors();
}

/** `exit`, sent by this peer to itself once its predecessors know: end with status 0. */
export function onExit(node: PeerNode, req: RequestOf<'exit'>): void {
  if (req.source !== node.id || req.content._token !== node.exitToken) {
    node.warn('bad-request', new P2PError('ERR_UNKNOWN_TYPE', 'exit is only accepted from this peer itself'), `Exit from Peer ${req.source}`);
    return;
  }
  node.beginStop();
  node.deps.requestExit(0, 'quit');
}
