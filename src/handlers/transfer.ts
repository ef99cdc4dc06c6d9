/**
 * `transfer` records. Over the network: a store owner asking the origin to
 * send a file's bytes (`_pull`). From our own transfer pool, through the
 * queue: the header, the end, or the failure of a file being received.
 */
import { ERROR_CODES, P2PError, type ErrorCode } from '../errors.js';
import type { RequestOf } from '../protocol/types.js';
import { findLocalFile } from '../node/files.js';
import type { PeerNode } from '../node/peer-node.js';
import { onBytesStored } from '../upkeep/replication.js';

/** Handles one transfer record. */
export async function onTransfer(node: PeerNode, req: RequestOf<'transfer'>): Promise<void> {
  const filename = req.content.filename ?? '????';
  const mode = req.content._mode;
  const from = req.source;
  if (req.content._pull === '1') {
    await sendStoreBytes(node, req, filename);
    return;
  }
  switch (req.content._phase) {
    case 'header':
      if (mode !== 'request') {
        node.note('store-bytes-incoming', { fields: { filename, from } });
      } else if (req.content.status === 'found') {
        node.say('file-found', `Peer ${from} had File ${filename}`, { fields: { filename, from } });
        node.say('file-receiving', `Receiving File ${filename} from Peer ${from}`, {
          fields: { filename, from, bytes: Number(req.content._size ?? 0) },
        });
      } else {
        node.say('file-missing', `File ${filename} is not stored in the network: its owner, Peer ${from}, does not have it`, {
          fields: { filename, owner: from },
        });
      }
      return;
    case 'done': {
      const fields = { filename, from, bytes: Number(req.content._bytes ?? 0), path: req.content._file ?? '' };
      if (mode === 'request') node.say('file-received', `File ${filename} received`, { fields });
      else {
        node.note('store-bytes-received', { fields });
        await onBytesStored(node, filename, true);
      }
      return;
    }
    case 'failed': {
      // The pool thread reports "CODE: message": keep its code rather than wrap it in a second one.
      const reported = /^(ERR_[A-Z_]+): (.*)$/s.exec(req.content._error ?? '');
      const code =
        reported !== null && (ERROR_CODES as readonly string[]).includes(reported[1] ?? '') ? (reported[1] as ErrorCode) : 'ERR_TRANSFER';
      const err = new P2PError(code, reported?.[2] ?? req.content._error ?? 'unknown failure');
      node.warn('transfer-failed', err, `File ${filename} was not received`, { filename });
      if (mode === 'store') await onBytesStored(node, filename, false);
      return;
    }
    default:
      throw new P2PError('ERR_MISSING_FIELD', `transfer from Peer ${from} is neither a pull nor a transfer record`);
  }
}

async function sendStoreBytes(node: PeerNode, req: RequestOf<'transfer'>, filename: string): Promise<void> {
  const host = req.content._replyHost;
  const port = Number(req.content._replyPort);
  if (host === undefined || !Number.isInteger(port)) {
    throw new P2PError('ERR_MISSING_FIELD', `transfer pull for ${filename} without a reply address`);
  }
  const file = await findLocalFile(node.config.dataDir, filename);
  const header = node.request('transfer', req.source, {
    filename,
    status: file === undefined ? 'missing' : 'found',
    _mode: 'store',
    _nodeID: String(node.id),
    _ext: file?.ext ?? '',
    _size: String(file?.size ?? 0),
  });
  const sent = await node.deps.transfers.send({ host, port }, header, file?.path);
  node.note('store-bytes-sent', { fields: { filename, to: req.source, bytes: sent.bytes } });
}
