/** `update`: a peer is told its new successors (join accepted, successor change, or a repair answer). */
import { P2PError } from '../errors.js';
import type { RequestOf } from '../protocol/types.js';
import { completeRepair } from './abrupt.js';
import type { PeerNode } from './peer-node.js';

/** Applies an update. */
export function onUpdate(node: PeerNode, req: RequestOf<'update'>): void {
  switch (req.content.reason) {
    case 'join-accepted':
      node.setSuccessors(node.refsFrom(req.content._succ));
      node.say('join-accepted', 'Join request has been accepted', { fields: { by: req.source } });
      node.announceSuccessors('My');
      return;
    case 'successor-change':
      node.say('successor-change', 'Successor Change request received', { fields: { from: req.source } });
      node.setSuccessors(node.refsFrom(req.content._succ));
      node.announceSuccessors();
      return;
    case 'successors':
      completeRepair(node, req);
      return;
    case 'join-refused': {
      const err = new P2PError('ERR_DUPLICATE_ID', `Peer ${req.source} refused our join (${req.content.error ?? 'no reason'})`);
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
