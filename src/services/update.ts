/**
 * `update`: a peer is told its new successors (join accepted, successor
 * change, a repair answer, the quiet upkeep of a list longer than two), and
 * Chord's maintenance and lookups.
 */
import { PRINTED_SUCCESSORS } from '../constants.js';
import { ERROR_CODES, P2PError, type ErrorCode } from '../errors.js';
import type { RequestOf } from '../protocol/types.js';
import { askSuccessors, completeRepair } from './abrupt.js';
import { onGetPredecessor, onNotify, onPredecessorReply } from './chord.js';
import { onFindSuccessor, onFound } from './lookup.js';
import { onSyncAck } from './replication.js';
import { onPredecessors, onRefreshPredecessor, onSuccessorRejoined, predecessorsFrom } from './membership.js';
import { keepsLongList, onSuccessorList, onSuccessorsQuery, pullFromLastLive } from './successor-list.js';
import type { PeerNode } from './peer-node.js';

/** An answer to a join we never sent (or already had answered): ignored, loudly. */
function refuseForged(node: PeerNode, req: RequestOf<'update'>): void {
  node.warn(
    'bad-request',
    new P2PError('ERR_UNKNOWN_TYPE', `a ${req.content.reason ?? ''} answer, but this peer is not joining`),
    `Update from Peer ${req.source}`,
  );
}

/** Applies an update. */
export function onUpdate(node: PeerNode, req: RequestOf<'update'>): void | Promise<void> {
  switch (req.content.reason) {
    case 'join-accepted':
      if (!node.joining) {
        // Our join was answered twice (a retry crossed the acceptance): quietly.
        if (node.predecessors[0]?.id === req.source || node.predecessors[1]?.id === req.source) {
          node.note('join-accepted-again', { fields: { by: req.source } });
          return;
        }
        refuseForged(node, req);
        return;
      }
      node.joining = false;
      // Our predecessors come from the peer that accepted us, never from
      // whoever forwarded the join.
      node.predecessorsTold(predecessorsFrom(node, req.content), req.source);
      node.setSuccessors(node.refsFrom(req.content._succ));
      node.say('join-accepted', 'Join request has been accepted', { fields: { by: req.source } });
      node.announceSuccessors('My');
      // Accepted with a short list (during a repair, or in a ring smaller than
      // the list): ask the last successor for the rest. Beyond the first two,
      // quietly, as the rest of a long list is kept (successor-list.ts).
      if (node.successors.length < node.config.successors) {
        if (keepsLongList(node) && node.successors.length >= PRINTED_SUCCESSORS) return pullFromLastLive(node, node.successors);
        return askSuccessors(node, node.successors.at(-1));
      }
      return;
    case 'successor-change': {
      // Only our first successor may change our successors (it accepted a
      // join, or let a peer back in, right after us).
      // A joining peer has no successor yet, so none may change them: its
      // list comes from its acceptor alone.
      const first = node.successors[0];
      if (node.joining || (first !== undefined && first.id !== req.source)) {
        node.note('successor-change-ignored', { fields: { from: req.source, first: first?.id ?? -1 } });
        return;
      }
      const list = node.refsFrom(req.content._succ);
      for (const r of list) node.readmit(r.id);
      node.say('successor-change', 'Successor Change request received', { fields: { from: req.source } });
      node.setSuccessors(list);
      node.announceSuccessors();
      return;
    }
    case 'predecessors':
      onPredecessors(node, req);
      return;
    case 'successor-rejoined':
      return onSuccessorRejoined(node, req);
    case 'refresh-predecessor':
      return onRefreshPredecessor(node, req);
    case 'successors':
      return completeRepair(node, req);
    case 'find-successor':
      return onFindSuccessor(node, req);
    case 'found':
      onFound(node, req);
      return;
    case 'get-predecessor':
      return onGetPredecessor(node, req);
    case 'predecessor':
      return onPredecessorReply(node, req);
    case 'notify':
      onNotify(node, req);
      return;
    case 'get-successors':
      return onSuccessorsQuery(node, req);
    case 'successor-list':
      onSuccessorList(node, req);
      return;
    case 'sync-ack':
      onSyncAck(node, req);
      return;
    case 'join-refused': {
      if (!node.joining) {
        refuseForged(node, req);
        return;
      }
      const code = (ERROR_CODES as readonly string[]).includes(req.content.error ?? '') ? (req.content.error as ErrorCode) : 'ERR_DUPLICATE_ID';
      const err = new P2PError(code, `Peer ${req.source} refused our join (${code})`);
      node.warn('join-refused', err, 'Join');
      node.deps.requestExit(1, err.message);
      return;
    }
    default:
      node.warn(
        'bad-request',
        new P2PError('ERR_MISSING_FIELD', `update with unknown reason "${req.content.reason ?? ''}"`),
        `Update from Peer ${req.source}`,
      );
  }
}
