/**
 * Lookups without files: find the owner of a key, hop by hop, with the same
 * routing as Store and Request. Chord's fix-fingers, the `lookup` command
 * and the benchmarks use it. A lookup is an `update` with reason
 * `find-successor`, forwarded like a Store; the peer that knows the owner
 * (itself, or its first successor when the key falls just after it) answers
 * the origin directly with reason `found`.
 *
 * Hops are counted as for Store: forwarding hops from the origin to the
 * owner, the final one included, 0 when the origin owns the key. The peer
 * that answers for its successor counts the hop it saves.
 */
import { isP2PError, P2PError } from '../errors.js';
import { formatPeerRef, type PeerRef } from '../protocol/peer-ref.js';
import type { Content, RequestOf } from '../protocol/types.js';
import { LOOKUP_TIMEOUT_MS, MAX_LOOKUP_RETRIES } from '../constants.js';
import { lookupTrail, nextTrail, type PeerNode } from '../node/peer-node.js';

/** Where a key lives, and how the lookup got there. */
export interface LookupResult {
  readonly key: number;
  readonly owner: PeerRef;
  readonly hops: number;
  /** Peers visited, origin first, owner last. */
  readonly path: readonly number[];
}

/**
 * Looks up the owner of `key`, starting here. One deadline, `timeoutMs`,
 * covers the whole lookup, the first forward included: rejects once, with
 * ERR_TIMEOUT when no answer has come by then (however long the forward
 * still takes), or with the forward's error when it fails first.
 */
export async function lookup(node: PeerNode, key: number, timeoutMs = LOOKUP_TIMEOUT_MS): Promise<LookupResult> {
  const size = 2 ** node.config.idBits;
  if (!Number.isInteger(key) || key < 0 || key >= size) {
    throw new P2PError('ERR_BAD_COMMAND', `Invalid key ${key}: a key is an integer from 0 to ${size - 1}`);
  }
  const req = node.request('update', node.id, {
    reason: 'find-successor',
    key: String(key),
    _nodeID: String(node.id),
    _origin: node.selfRef,
    _hops: '0',
    _path: String(node.id),
  });
  return node.exchange<LookupResult>(req.stamp, timeoutMs, () => onFindSuccessor(node, req as RequestOf<'update'>));
}

/** One step of a lookup at this peer: answer, or pass it on. */
export async function onFindSuccessor(node: PeerNode, req: RequestOf<'update'>, attempt = 0): Promise<void> {
  const key = Number(req.content.key);
  const trail = lookupTrail(req.content);
  const hop = req.content._final === '1' ? ({ kind: 'local' } as const) : node.route(key);
  if (hop.kind === 'forward' && !hop.final) {
    const to = node.refFor(hop.to);
    node.note('lookup-forwarded', { fields: { key, to: to.id }, ...trail });
    try {
      await node.forward(req, to, nextTrail(req.content, to.id, false));
    } catch (err) {
      // A finger that points at a departed peer: forget it and route again.
      if (!isP2PError(err, 'ERR_UNREACHABLE')) throw err;
      const ours = Number(req.content._nodeID) === node.id;
      if (attempt >= MAX_LOOKUP_RETRIES) {
        if (ours) throw err;
        // Someone else's lookup that cannot go on from here (its next hop is
        // a successor not listening yet, at a ring's start, or gone before
        // the pings tell): its origin's deadline answers for it, and a
        // fix-fingers lookup is asked again at the next round. Not this
        // peer's error to print.
        node.note('lookup-abandoned', { fields: { key, unreachable: to.id, code: err.code, relay: true }, ...trail });
        return;
      }
      node.forgetFinger(to.id);
      if (ours && !node.isAwaiting(req.stamp)) {
        // Our own lookup, already over (its deadline passed while the send
        // waited on a peer that never read it): nobody wants a new route.
        node.note('lookup-abandoned', { fields: { key, unreachable: to.id, code: err.code }, ...trail });
        return;
      }
      // Counted like forwardToward's reroutes of Store and Request.
      node.note('rerouted', { fields: { unreachable: to.id, key, request: 'lookup' }, ...trail });
      await onFindSuccessor(node, req, attempt + 1);
    }
    return;
  }
  const owner = hop.kind === 'local' ? node.config.self : node.refFor(hop.to);
  const done = hop.kind === 'local' ? trail : lookupTrail(nextTrail(req.content, owner.id, true));
  const origin = node.refFrom(req.content._origin, Number(req.content._nodeID));
  const answer: Content = {
    reason: 'found',
    key: String(key),
    owner: formatPeerRef(owner),
    _hops: String(done.hops),
    _path: done.path.join('.'),
    _answers: req.stamp,
  };
  if (origin.id === node.id) {
    onFound(node, node.request('update', node.id, answer) as RequestOf<'update'>);
    return;
  }
  await node.sendTo(origin, 'update', answer);
}

/** The answer to a lookup of ours. */
export function onFound(node: PeerNode, req: RequestOf<'update'>): void {
  const owner = node.refFrom(req.content.owner, -1);
  const { hops, path } = lookupTrail(req.content);
  const result: LookupResult = { key: Number(req.content.key), owner, hops, path };
  node.note('lookup-done', { fields: { key: result.key, owner: owner.id }, hops, path });
  node.settleAnswer(req.content._answers ?? '', result);
}
