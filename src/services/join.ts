/**
 * Join: the newcomer asks any known peer; the request walks the ring (or
 * Chord's fingers) to the peer after which the newcomer belongs, which
 * accepts it, tells its first predecessor, and hands the newcomer its new
 * successors.
 */
import { JOIN_RETRY_SLACK_MS, JOIN_TRIES, PING_MISSES_DEAD } from '../constants.js';
import { P2PError, type ErrorCode } from '../errors.js';
import { parsePeerRef, type PeerRef } from '../net/peer-ref.js';
import type { RequestOf } from '../protocol/types.js';
import { lookupTrail, nextTrail, type PeerNode } from './peer-node.js';

/** Sends this peer's join request to `known`; rejects with ERR_UNREACHABLE. */
export async function startJoin(node: PeerNode, known: PeerRef): Promise<void> {
  node.joining = true;
  const send = (): Promise<void> =>
    node.sendTo(known, 'join', {
      _nodeID: String(node.id),
      _origin: node.selfRef,
      _hops: '0',
      _path: String(node.id),
    });
  await send();
  node.note('join-sent', { fields: { via: known.id } });
  // A join can be lost on its way (it met a peer that had just died, before
  // the ring was repaired): ask again, a few times, then give up loudly.
  const c = node.config;
  const waitMs = 3 * c.pingIntervalMs + PING_MISSES_DEAD * c.pingTimeoutMs + JOIN_RETRY_SLACK_MS;
  let tries = 1;
  const timer = setInterval(() => {
    if (!node.joining || node.stopping) {
      clearInterval(timer);
      return;
    }
    if (tries >= JOIN_TRIES) {
      clearInterval(timer);
      const err = new P2PError('ERR_TIMEOUT', `the join through Peer ${known.id} was not accepted after ${tries} tries`);
      node.warn('join-failed', err, 'Join');
      node.deps.requestExit(1, err.message);
      return;
    }
    tries += 1;
    node.note('join-retry', { fields: { via: known.id, try: tries } });
    send().catch((err: unknown) => node.warn('join-failed', err, `Join through Peer ${known.id}`));
  }, waitMs);
}

/** A join request arrives: accept it here or pass it on. */
export async function onJoin(node: PeerNode, req: RequestOf<'join'>): Promise<void> {
  const n = Number(req.content._nodeID);
  const trail = lookupTrail(req.content);
  // Routing leaves out successors that just proved unreachable; acceptance
  // must see the same list, or a join meant for us circles the ring.
  const live = node.liveSuccessors();
  const first = live[0];
  const duplicate = n === node.id || node.successors.some((s) => s.id === n);
  const refuse = async (why: string, code: ErrorCode): Promise<void> => {
    node.say('join-refused', `Peer ${n} Join request refused: ${why}`, { stream: 'stderr', fields: { peer: n, code } });
    // Answer at the address the request gives without learning it: it may
    // be an impostor's, and must not replace the real peer's.
    if (req.content._origin === undefined) return;
    await node.deps.send(parsePeerRef(req.content._origin), node.request('update', n, { reason: 'join-refused', error: code }));
  };
  if (!Number.isInteger(n) || n < 0 || n >= 2 ** node.config.idBits) {
    await refuse(`IDs are 0 to ${2 ** node.config.idBits - 1}`, 'ERR_BAD_ARGUMENT');
    return;
  }
  if (duplicate) {
    await refuse(`Peer ${n} is already in the network`, 'ERR_DUPLICATE_ID');
    return;
  }
  if (first === undefined) {
    await refuse('this peer has not joined a ring yet', 'ERR_NOT_RUNNING');
    return;
  }
  const newcomer = node.refFrom(req.content._origin, n);
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
  const old = node.liveSuccessors();
  // A successor that just proved unreachable is dropped here, as the
  // repair would drop it (the newcomer completes its list itself).
  for (const gone of node.successors.filter((s) => !old.includes(s))) {
    node.say('peer-dead', `Peer ${gone.id} is no longer alive`, { fields: { peer: gone.id } });
    node.markGone(gone.id);
  }
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
