/**
 * `ping` records from the ping listener: the sender is one of our
 * predecessors. A ping confirms, fills or (from a closer peer) replaces a
 * predecessor slot (routing/predecessors.ts). A closer first predecessor
 * that nobody told us about is a peer that came back under its old ID (it
 * restarted with `init`, or resumed after a freeze, after its neighbours
 * had declared it dead): the predecessor it displaced still has us as its
 * first successor, so we tell it (membership.ts, letBackIn). A ping that
 * is not taken because a closer predecessor sits between its sender and us
 * comes from a peer that missed a change: if it persists, the sender is
 * told (membership.ts, staleViewSeen).
 */
import type { RequestOf } from '../protocol/types.js';
import { letBackIn, staleViewCleared, staleViewSeen } from '../upkeep/membership.js';
import type { PeerNode } from '../node/peer-node.js';

/** Learns a predecessor from a ping request and prints the course's line. */
export async function onPing(node: PeerNode, req: RequestOf<'ping'>): Promise<void> {
  const slot = Number(req.content.slot ?? '0');
  const ref = node.refFrom(req.content._addr, req.source);
  const seen = slot === 0 || slot === 1 ? node.predecessorPinged(slot, ref, req.content.inc) : undefined;
  node.say('ping-request', `Ping request message received from Peer ${req.source}`, {
    fields: { from: req.source, slot },
  });
  if (seen === undefined || (slot !== 0 && slot !== 1)) return;
  if (seen.verdict === 'closer' && slot === 0 && seen.displaced !== undefined) await letBackIn(node, ref, seen.displaced);
  // A ping that was not taken may come from a peer with a stale view.
  else if (seen.verdict === 'ignored') await staleViewSeen(node, ref, slot);
  else staleViewCleared(node, slot, ref.id);
}
