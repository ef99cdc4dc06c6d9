/** `ping` records from the ping listener: the sender is one of our predecessors. */
import type { RequestOf } from '../protocol/types.js';
import type { PeerNode } from './peer-node.js';

/** Learns a predecessor from a ping request and prints the course's line. */
export function onPing(node: PeerNode, req: RequestOf<'ping'>): void {
  const slot = Number(req.content.slot ?? '0');
  node.setPredecessor(slot, node.refFrom(req.content._addr, req.source));
  node.say('ping-request', `Ping request message received from Peer ${req.source}`, {
    fields: { from: req.source, slot },
  });
}
