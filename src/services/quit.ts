/**
 * Graceful departure: the quitting peer hands its successors to both
 * predecessors over TCP, then sends itself `exit` and ends with status 0.
 */
import { P2PError } from '../errors.js';
import type { RequestOf } from '../protocol/types.js';
import type { PeerNode } from './peer-node.js';

/** `Quit` typed at this peer. */
export async function quitCommand(node: PeerNode): Promise<void> {
  let preds = node.predecessors.filter((p) => p !== undefined);
  if (preds.length === 0) {
    // Pings teach us our predecessors; wait for them rather than leave a hole.
    node.say('quit-waiting', 'Waiting for a ping from a predecessor before departing');
    await node.waitForPredecessor(2 * node.config.pingIntervalMs + node.config.pingTimeoutMs);
    preds = node.predecessors.filter((p) => p !== undefined);
  }
  node.note('quit-start', { fields: { predecessors: preds.map((p) => p.id) } });
  const content = { _nodeID: String(node.id), _origin: node.selfRef, ...node.successorContent() };
  const results = await Promise.allSettled(preds.map((p) => node.sendTo(p, 'quit', content)));
  results.forEach((r, i) => {
    if (r.status === 'rejected') node.warn('quit-notify-failed', r.reason, `Telling Peer ${preds[i]?.id} of our departure`);
  });
  await node.sendTo(node.config.self, 'exit', { _nodeID: String(node.id) });
}

/** A successor tells us it is leaving: take its successors in its place. */
export function onQuit(node: PeerNode, req: RequestOf<'quit'>): void {
  const leaving = Number(req.content._nodeID ?? req.source);
  node.say('peer-departing', `Peer ${leaving} will depart from the network`, { fields: { peer: leaving } });
  const at = node.successors.findIndex((s) => s.id === leaving);
  if (at < 0) {
    node.note('quit-ignored', { fields: { peer: leaving, reason: 'not a successor' } });
    return;
  }
  const theirs = node.refsFrom(req.content._succ).filter((r) => r.id !== node.id && r.id !== leaving);
  node.setSuccessors([...node.successors.slice(0, at), ...theirs]);
  node.predecessors = node.predecessors.map((p) => (p?.id === leaving ? undefined : p)) as typeof node.predecessors;
  node.announceSuccessors();
}

/** `exit`, sent by this peer to itself once its predecessors know: end with status 0. */
export function onExit(node: PeerNode, req: RequestOf<'exit'>): void {
  if (req.source !== node.id) {
    node.warn('bad-request', new P2PError('ERR_UNKNOWN_TYPE', 'exit is only accepted from this peer itself'), `Exit from Peer ${req.source}`);
    return;
  }
  node.stopping = true;
  node.deps.requestExit(0, 'quit');
}
