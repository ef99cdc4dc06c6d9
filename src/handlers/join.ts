/**
 * Join: the newcomer asks any known peer; the request walks the ring (or
 * Chord's fingers) to the peer after which the newcomer belongs, which
 * accepts it, tells its first predecessor, and hands the newcomer its new
 * successors.
 */
import { JOIN_TRIES, MAX_REROUTES, REMEMBERED_ACCEPTANCES } from '../constants.js';
import { isP2PError, P2PError, type ErrorCode } from '../errors.js';
import { formatPeerRef, parsePeerRef, type PeerRef } from '../protocol/peer-ref.js';
import type { RequestOf } from '../protocol/types.js';
import { predecessorContent, tellPredecessors } from '../upkeep/membership.js';
import { lookupTrail, nextTrail, type PeerNode } from '../node/peer-node.js';
import { joinRetryMs, membershipWaitMs } from '../timing.js';

/** Sends this peer's join request to `known`; rejects with ERR_UNREACHABLE. */
export async function startJoin(node: PeerNode, known: PeerRef): Promise<void> {
  node.beginJoin();
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
  const waitMs = joinRetryMs(c);
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
  const live = node.successors;
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
    // The newcomer asking again (its retry crossed our acceptance) is not a
    // second peer with its ID: same address, and we accepted it. Answer it
    // again once our acceptance is out, instead of refusing it.
    const known = node.successors.find((r) => r.id === n);
    const again = known !== undefined && req.content._origin !== undefined && formatPeerRef(known) === req.content._origin;
    if (again) {
      if (accepting(node).has(n)) {
        node.note('join-retry-ignored', { fields: { peer: n, reason: 'being accepted' } });
        return;
      }
      node.note('join-accepted-again', { fields: { peer: n } });
      // The same successors as the first answer: the list we had before it cut ours short.
      await node.sendTo(known, 'update', acceptance(node, known, acceptedBefore(node).get(n) ?? []));
      return;
    }
    await refuse(`Peer ${n} is already in the network`, 'ERR_DUPLICATE_ID');
    return;
  }
  if (first === undefined && node.joining) {
    // We are being accepted ourselves (a burst of joins: the peer that
    // accepted us already routes this one to us). Hold it until we are in,
    // rather than refuse a newcomer that did nothing wrong.
    const c = node.config;
    if (await node.waitForMembership(() => node.successors.length > 0, membershipWaitMs(c))) {
      await onJoin(node, req);
      return;
    }
  }
  if (first === undefined) {
    await refuse('this peer has not joined a ring yet', 'ERR_NOT_RUNNING');
    return;
  }
  const newcomer = node.refFrom(req.content._origin, n);
  for (let reroutes = 0; ; reroutes++) {
    const hop = node.route(n);
    if (hop.kind === 'forward' && hop.final && hop.to === first.id) {
      await accept(node, newcomer, trail);
      return;
    }
    // Not ours to accept. A local answer means our predecessor should have
    // taken it: let it come round the ring again. A final hop past our first
    // successor (ring-list's jumps) goes to the owner's predecessor in our
    // list, which accepts it: the owner itself would only send it round.
    let toId = hop.kind === 'forward' ? hop.to : first.id;
    if (hop.kind === 'forward' && hop.final) {
      const at = node.successors.findIndex((r) => r.id === hop.to);
      if (at > 0) toId = (node.successors[at - 1] as PeerRef).id;
    }
    const to = node.refFor(toId);
    // The course's line once, however many times the join is routed around a gone peer.
    if (reroutes === 0) {
      node.say('join-forwarded', `Peer ${n} Join request forwarded to my successor`, {
        fields: { peer: n, to: to.id },
        ...trail,
      });
    }
    try {
      await node.forward(req, to, nextTrail(req.content, to.id, false));
      return;
    } catch (err) {
      // A finger at a peer that died and that only its neighbours have
      // noticed yet (Chord): route around it, as lookups, Stores and
      // Requests do, instead of losing the join until the newcomer's retry.
      // A successor that does not answer is left to our failure detection.
      if (!isP2PError(err, 'ERR_UNREACHABLE') || reroutes >= MAX_REROUTES || node.successors.some((s) => s.id === to.id)) throw err;
      node.forgetFinger(to.id);
      node.note('rerouted', { fields: { unreachable: to.id, key: n, request: 'join' }, ...trail });
    }
  }
}

async function accept(node: PeerNode, newcomer: PeerRef, trail: { hops: number; path: number[] }): Promise<void> {
  // Our first predecessor must hear of the newcomer (it becomes its second
  // successor). A peer started a moment ago may not have been pinged yet:
  // wait for it, a bounded while, rather than guess it from whoever
  // forwarded the join (with Chord's fingers that is rarely our predecessor).
  if (node.predecessors[0] === undefined) {
    const c = node.config;
    const deadline = Date.now() + membershipWaitMs(c);
    // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- a ping may bring one during each await
    while (node.predecessors[0] === undefined && Date.now() < deadline) await node.waitForPredecessor(deadline - Date.now());
    // Meanwhile the newcomer may have been accepted through a retry.
    if (node.successors.some((s) => s.id === newcomer.id)) return;
  }
  const inProgress = accepting(node);
  inProgress.add(newcomer.id);
  try {
    await acceptNow(node, newcomer, trail);
  } finally {
    inProgress.delete(newcomer.id);
  }
}

async function acceptNow(node: PeerNode, newcomer: PeerRef, trail: { hops: number; path: number[] }): Promise<void> {
  node.say('join-received', `Peer ${newcomer.id} Join request received`, { fields: { peer: newcomer.id }, ...trail });
  // A successor that did not answer lately stays: only our failure
  // detection declares a death (with its own lines).
  const old = node.successors;
  rememberAcceptance(node, newcomer.id, old);
  node.readmit(newcomer.id); // it may come back under an ID that died here
  node.adoptSuccessors([newcomer, ...old]);
  node.announceSuccessors();
  const pred = node.predecessors[0];
  const [s1, s2] = old;
  // Before the newcomer is accepted, everyone whose view it changes is
  // told (membership.ts): our old first successor no longer owns the
  // newcomer's keys from the moment the newcomer says it is in.
  const told: Promise<unknown>[] = [
    tellPredecessors(node, s1, [newcomer, node.config.self]),
    s2 !== undefined && s2.id !== newcomer.id ? tellPredecessors(node, s2, [s1, newcomer]) : Promise.resolve(),
  ];
  if (pred !== undefined && pred.id !== newcomer.id) {
    told.push(
      node
        .sendTo(pred, 'update', {
          reason: 'successor-change',
          ...node.successorContent([node.config.self, ...node.successors]),
        })
        .catch((err: unknown) => node.warn('join-notify-failed', err, 'Join')),
    );
  } else if (pred === undefined) {
    node.note('join-pred-unknown', { fields: { peer: newcomer.id } });
  }
  await Promise.all(told);
  await node.sendTo(newcomer, 'update', acceptance(node, newcomer, old)).catch((err: unknown) => node.warn('join-notify-failed', err, 'Join'));
}

/** Newcomers whose acceptance is on its way, by acceptor. */
const inAcceptance = new WeakMap<PeerNode, Set<number>>();
function accepting(node: PeerNode): Set<number> {
  let set = inAcceptance.get(node);
  if (set === undefined) inAcceptance.set(node, (set = new Set()));
  return set;
}

/** Newcomers accepted lately, by acceptor: our list before each cut it short (for an answer sent again). */
const acceptedLists = new WeakMap<PeerNode, Map<number, readonly PeerRef[]>>();
function acceptedBefore(node: PeerNode): Map<number, readonly PeerRef[]> {
  let map = acceptedLists.get(node);
  if (map === undefined) acceptedLists.set(node, (map = new Map<number, readonly PeerRef[]>()));
  return map;
}
function rememberAcceptance(node: PeerNode, newcomer: number, old: readonly PeerRef[]): void {
  const map = acceptedBefore(node);
  map.delete(newcomer);
  map.set(newcomer, old);
  if (map.size > REMEMBERED_ACCEPTANCES) map.delete(map.keys().next().value as number);
}

/**
 * The `join-accepted` for `newcomer`, read now, not when the join came: in
 * a burst of joins another newcomer may have been accepted meanwhile between
 * us and this one, and is then its predecessor (it was told so already).
 * `old` is our list before the newcomer cut it short.
 */
function acceptance(node: PeerNode, newcomer: PeerRef, old: readonly PeerRef[]): Record<string, string> {
  const list = node.successors;
  const at = list.findIndex((r) => r.id === newcomer.id);
  const before = at > 0 ? [list[at - 1], at > 1 ? list[at - 2] : node.config.self] : [node.config.self, node.predecessors[0]];
  // Its successors: ours after it, then the rest of our list before its
  // acceptance cut it short (the course's two lines name two).
  const after = [...new Map([...list.slice(at + 1), ...old].filter((r) => r.id !== newcomer.id).map((r) => [r.id, r])).values()];
  return {
    reason: 'join-accepted',
    ...node.successorContent(after),
    ...predecessorFields(before.map((r) => (r?.id === newcomer.id ? undefined : r))),
  };
}

/** `_pred` and `_pred2` of a predecessor list (the `reason` of predecessorContent left out). */
function predecessorFields(list: readonly (PeerRef | undefined)[]): Record<string, string> {
  const { _pred = '', _pred2 = '' } = predecessorContent(list);
  return { _pred, _pred2 };
}
