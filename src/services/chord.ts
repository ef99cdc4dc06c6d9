/**
 * Chord's maintenance on the live runtime (Stoica et al., SIGCOMM 2001,
 * fig. 6), driven by the ping interval: stabilize (ask the first successor
 * for its predecessor and successor list, adopt a closer successor, notify
 * it), notify (a peer that thinks it is our predecessor), fix-fingers (one
 * lookup per distinct finger) and check-predecessor (a predecessor that has
 * stopped pinging is forgotten).
 *
 * One departure from the paper, to keep the course's lines: a successor
 * list entry is removed only by this peer's own failure detection (which
 * prints the repair lines) or by a graceful quit, never silently because a
 * successor's list no longer names it. Entries learnt from the successor
 * are merged in, closest first.
 */
import { LOOKUP_TIMEOUT_MS, PING_MISSES_DEAD } from '../constants.js';
import { isP2PError } from '../errors.js';
import { formatPeerRef, type PeerRef } from '../net/peer-ref.js';
import type { RequestOf } from '../protocol/types.js';
import { distance, inOpen, inOpenClosed } from '../routing/ids.js';
import { fingerStarts } from '../routing/chord.js';
import { lookup } from './lookup.js';
import type { PeerNode } from './peer-node.js';

/** Starts the maintenance rounds; returns a stopper. */
export function startChordMaintenance(node: PeerNode): { stop(): void } {
  let running = false;
  const round = async (): Promise<void> => {
    if (running || node.stopping) return; // a slow round never overlaps the next
    running = true;
    try {
      checkPredecessor(node);
      await stabilize(node);
      await fixFingers(node);
    } catch (err) {
      node.note('chord-round-failed', { fields: { message: err instanceof Error ? err.message : String(err) } });
    } finally {
      running = false;
    }
  };
  const timer = setInterval(() => void round(), node.config.pingIntervalMs);
  const first = setTimeout(() => void round(), Math.min(200, node.config.pingIntervalMs));
  return {
    stop: () => {
      clearInterval(timer);
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
  await node.sendTo(asker, 'update', {
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
  const candidates: PeerRef[] = [...node.successors, ...node.refsFrom(req.content._succ)];
  const pred = req.content._pred ? node.refFrom(req.content._pred, -1) : undefined;
  if (pred !== undefined && inOpen(pred.id, node.id, first.id, m)) candidates.push(pred);
  // A peer we saw die or leave is never taken back from someone's stale view.
  const fresh = candidates.filter((r) => r.id !== node.id && !node.isGone(r.id));
  const merged = [...new Map(fresh.map((r) => [r.id, r])).values()].sort(
    (a, b) => distance(node.id, a.id, m) - distance(node.id, b.id, m),
  );
  // Quietly: the course's lines come from join, quit and repair only; a
  // change made here is in the event stream ('successors-changed').
  node.setSuccessors(merged);
  const successor = node.successors[0];
  if (successor !== undefined) {
    await node.sendTo(successor, 'update', { reason: 'notify', _origin: node.selfRef }).catch(() => undefined);
  }
}

/** A peer thinks it might be our predecessor. */
export function onNotify(node: PeerNode, req: RequestOf<'update'>): void {
  const candidate = node.refFrom(req.content._origin, req.source);
  const pred = node.predecessors[0];
  if (candidate.id === node.id) return;
  if (pred === undefined || inOpen(candidate.id, pred.id, node.id, node.config.idBits)) {
    node.setPredecessor(0, candidate);
    node.note('predecessor-notified', { fields: { peer: candidate.id } });
  }
}

/** Forgets a first predecessor that has not pinged for several intervals. */
export function checkPredecessor(node: PeerNode): void {
  const c = node.config;
  const silentMs = (PING_MISSES_DEAD + 1) * c.pingIntervalMs + PING_MISSES_DEAD * c.pingTimeoutMs;
  for (const slot of [0, 1] as const) {
    const pred = node.predecessors[slot];
    if (pred !== undefined && Date.now() - node.predecessorSeenAt[slot] > silentMs) {
      node.clearPredecessor(slot);
      node.note('predecessor-silent', { fields: { peer: pred.id, slot } });
    }
  }
}

/**
 * Fix-fingers: fingers[i] = successor(self + 2^i). A start within the
 * interval that the previous finger already covers needs no lookup.
 */
export async function fixFingers(node: PeerNode): Promise<void> {
  const m = node.config.idBits;
  const first = node.successors[0];
  if (first === undefined) return;
  let known: PeerRef = first; // successor(start) for every start in (self, known]
  const before = node.fingers.map((f) => f?.id ?? -1).join(',');
  const starts = fingerStarts(node.id, m);
  for (let i = 0; i < m; i++) {
    const start = starts[i] as number;
    if (!inOpenClosed(start, node.id, known.id, m)) {
      try {
        // A lost answer (a peer still starting, one just gone) costs one
        // round, not the whole lookup timeout: the next round asks again.
        const found = await lookup(node, start, Math.min(LOOKUP_TIMEOUT_MS, Math.max(2000, 4 * node.config.pingIntervalMs)));
        known = found.owner;
      } catch (err) {
        node.note('finger-lookup-failed', { fields: { finger: i, message: err instanceof Error ? err.message : String(err) } });
        return; // try again next round
      }
    }
    node.fingers[i] = known;
  }
  if (node.fingers.map((f) => f?.id ?? -1).join(',') !== before) {
    node.note('fingers-changed', { fields: { fingers: node.fingers.map((f) => f?.id ?? -1) } });
  }
}
