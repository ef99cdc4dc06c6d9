/**
 * `update`: a peer is told its new successors (join accepted, successor
 * change, a repair answer, the quiet upkeep of a list longer than two), and
 * Chord's maintenance and lookups.
 */
import { PRINTED_SUCCESSORS } from '../constants.js';
import { ERROR_CODES, P2PError, type ErrorCode } from '../errors.js';
import type { RequestOf } from '../protocol/types.js';
import type { UpdateReason } from '../protocol/vocabulary.js';
import { askSuccessors, completeRepair } from './abrupt.js';
import { onGetPredecessor, onNotify, onPredecessorReply } from '../upkeep/stabilize.js';
import { onFindSuccessor, onFound } from '../upkeep/lookup.js';
import { onSyncAck } from '../upkeep/replication.js';
import { onPredecessors, onRefreshPredecessor, onSuccessorRejoined, predecessorsFrom } from '../upkeep/membership.js';
import { keepsLongList, onSuccessorList, onSuccessorsQuery, pullFromLastLive } from '../upkeep/successor-list.js';
import type { PeerNode } from '../node/peer-node.js';

/** An answer to a join we never sent (or already had answered): ignored, loudly. */
function refuseForged(node: PeerNode, req: RequestOf<'update'>): void {
  node.warn(
    'bad-request',
    new P2PError('ERR_UNKNOWN_TYPE', `a ${req.content.reason ?? ''} answer, but this peer is not joining`),
    `Update from Peer ${req.source}`,
  );
}

/** Our join was accepted: our successors and predecessors come from the acceptor. */
function onJoinAccepted(node: PeerNode, req: RequestOf<'update'>): void | Promise<void> {
  if (!node.joining) {
    // Our join was answered twice (a retry crossed the acceptance): quietly.
    if (node.predecessors[0]?.id === req.source || node.predecessors[1]?.id === req.source) {
      node.note('join-accepted-again', { fields: { by: req.source } });
      return;
    }
    refuseForged(node, req);
    return;
  }
  node.endJoin();
  // Our predecessors come from the peer that accepted us, never from
  // whoever forwarded the join; taken even when a ping from our second
  // predecessor came first (the acceptor told it of us before answering us:
  // in one host, its ping often wins the race, and a Quit typed right after
  // the join then waited for a ping from the first).
  node.predecessorsTold(predecessorsFrom(node, req.content), req.source, [], true);
  node.adoptSuccessors(node.refsFrom(req.content._succ));
  node.say('join-accepted', 'Join request has been accepted', { fields: { by: req.source } });
  node.announceSuccessors('My');
  // Accepted with a short list (during a repair, or in a ring smaller than
  // the list): ask the last successor for the rest. Beyond the first two,
  // quietly, as the rest of a long list is kept (successor-list.ts).
  if (node.successors.length < node.config.successors) {
    if (keepsLongList(node) && node.successors.length >= PRINTED_SUCCESSORS) return pullFromLastLive(node, node.successors);
    return askSuccessors(node, node.successors.at(-1));
  }
}

/** The course's successor change: only from our first successor. */
function onSuccessorChange(node: PeerNode, req: RequestOf<'update'>): void {
  // Only our first successor may change our successors (it accepted a
  // join, or let a peer back in, right after us). A joining peer has no
  // successor yet, so none may: its list comes from its acceptor alone.
  const first = node.successors[0];
  if (node.joining || (first !== undefined && first.id !== req.source)) {
    node.note('successor-change-ignored', { fields: { from: req.source, first: first?.id ?? -1 } });
    return;
  }
  const list = node.refsFrom(req.content._succ);
  for (const r of list) node.readmit(r.id);
  node.say('successor-change', 'Successor Change request received', { fields: { from: req.source } });
  node.adoptSuccessors(list);
  node.announceSuccessors();
}

/** Our join was refused: say why and exit. */
function onJoinRefused(node: PeerNode, req: RequestOf<'update'>): void {
  if (!node.joining) {
    refuseForged(node, req);
    return;
  }
  const code = (ERROR_CODES as readonly string[]).includes(req.content.error ?? '') ? (req.content.error as ErrorCode) : 'ERR_DUPLICATE_ID';
  const err = new P2PError(code, `Peer ${req.source} refused our join (${code})`);
  node.warn('join-refused', err, 'Join');
  node.deps.requestExit(1, err.message);
}

/**
 * The handler of each reason. Typed by UpdateReason: a reason declared in
 * protocol/vocabulary.ts without a handler here fails to compile.
 */
const BY_REASON: { readonly [R in UpdateReason]: (node: PeerNode, req: RequestOf<'update'>) => void | Promise<void> } = {
  'join-accepted': onJoinAccepted,
  'join-refused': onJoinRefused,
  'successor-change': onSuccessorChange,
  predecessors: onPredecessors,
  'successor-rejoined': onSuccessorRejoined,
  'refresh-predecessor': onRefreshPredecessor,
  successors: completeRepair,
  'find-successor': onFindSuccessor,
  found: onFound,
  'get-predecessor': onGetPredecessor,
  predecessor: onPredecessorReply,
  notify: onNotify,
  'get-successors': onSuccessorsQuery,
  'successor-list': onSuccessorList,
  'sync-ack': onSyncAck,
};

/** Applies an update: the handler of its reason, or a named error for an unknown one. */
export function onUpdate(node: PeerNode, req: RequestOf<'update'>): void | Promise<void> {
  const reason: string | undefined = req.content.reason;
  if (reason !== undefined && Object.hasOwn(BY_REASON, reason)) return BY_REASON[reason as UpdateReason](node, req);
  node.warn('bad-request', new P2PError('ERR_MISSING_FIELD', `update with unknown reason "${reason ?? ''}"`), `Update from Peer ${req.source}`);
}
