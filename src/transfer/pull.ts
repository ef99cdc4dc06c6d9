/**
 * Pulling a file's bytes: a peer that takes on a file (a Store's owner, a
 * replica holder, a quitter's heir) asks the peer that offered it to send
 * the bytes to a listener of this peer's transfer pool.
 */
import type { PeerNode } from '../node/peer-node.js';
import type { Content } from '../protocol/types.js';

/** Asks the peer that offered `filename` to send its bytes to a listener of our transfer pool. */
export async function pullBytes(node: PeerNode, content: Content, filename: string): Promise<boolean> {
  const origin = node.refFrom(content._origin, Number(content._nodeID));
  try {
    const at = await node.deps.transfers.receive({ filename, mode: 'store' });
    await node.sendTo(origin, 'transfer', {
      filename,
      _pull: '1',
      _nodeID: String(node.id),
      _replyHost: at.host,
      _replyPort: String(at.port),
    });
    node.note('store-pull', { fields: { filename, from: origin.id } });
    return true;
  } catch (err) {
    node.warn('store-pull-failed', err, `Fetching the bytes of ${filename} from Peer ${origin.id}`);
    return false;
  }
}
