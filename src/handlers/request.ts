/**
 * Request: the request walks to the owner; the owner connects straight to
 * the requester's transfer listener and sends a `transfer` header followed
 * by the file's bytes (or a header saying it does not have the file).
 */
import { P2PError } from '../errors.js';
import type { Request, RequestOf } from '../protocol/types.js';
import { validateFilename } from '../protocol/commands.js';
import { findLocalFile } from '../node/files.js';
import { keyOf } from '../routing/ids.js';
import { lookupTrail, type PeerNode } from '../node/peer-node.js';

/** `Request NNNN` typed at this peer. */
export async function requestCommand(node: PeerNode, filename: string): Promise<void> {
  // Listen first, so the owner can always reach us.
  const at = await node.deps.transfers.receive({ filename, mode: 'request' });
  const req = node.request('request', node.id, {
    filename,
    _nodeID: String(node.id),
    _origin: node.selfRef,
    _hops: '0',
    _path: String(node.id),
    _replyHost: at.host,
    _replyPort: String(at.port),
  });
  await routeRequest(node, req, true);
}

/** A file request arrives from another peer. */
export async function onRequest(node: PeerNode, req: RequestOf<'request'>): Promise<void> {
  await routeRequest(node, req, false);
}

async function routeRequest(node: PeerNode, req: Request, atOrigin: boolean): Promise<void> {
  const filename = validateFilename(req.content.filename ?? '');
  const key = keyOf(filename, node.config.idBits);
  const trail = lookupTrail(req.content);
  const hop = req.content._final === '1' ? ({ kind: 'local' } as const) : node.route(key);
  if (hop.kind === 'local') {
    await serve(node, req, filename, trail);
    return;
  }
  const details = { fields: { filename, key, to: hop.to }, ...trail };
  if (atOrigin) node.say('request-sent', `File request for ${filename} has been sent to my successor`, details);
  else {
    node.say('request-forwarded', `Request for File ${filename} has been received, but the file is not stored here`, details);
  }
  // Around a dead owner, its successor holds a replica and now owns the key.
  if ((await node.forwardToward(req, key, hop)) === 'local') await serve(node, req, filename, trail);
}

async function serve(node: PeerNode, req: Request, filename: string, trail: { hops: number; path: number[] }): Promise<void> {
  const origin = Number(req.content._nodeID);
  const port = Number(req.content._replyPort);
  const host = req.content._replyHost;
  if (host === undefined || !Number.isInteger(port)) {
    throw new P2PError('ERR_MISSING_FIELD', `request for ${filename} without a reply address`);
  }
  const file = await findLocalFile(node.config.dataDir, filename);
  const header = (status: 'found' | 'missing'): Request =>
    node.request('transfer', origin, {
      filename,
      status,
      _mode: 'request',
      _nodeID: String(node.id),
      _ext: file?.ext ?? '',
      _size: String(file?.size ?? 0),
    });
  if (file === undefined) {
    node.say('request-missing', `File ${filename} is not stored here either; Peer ${origin} has been told`, {
      fields: { filename, origin },
      ...trail,
    });
    await node.deps.transfers.send({ host, port }, header('missing'));
    return;
  }
  node.say('request-found', `File ${filename} is stored here`, { fields: { filename, origin }, ...trail });
  node.say('file-sending', `Sending file ${filename} to Peer ${origin}`, { fields: { filename, to: origin, bytes: file.size } });
  const sent = await node.deps.transfers.send({ host, port }, header('found'), file.path);
  node.say('file-sent', 'The file has been sent', { fields: { filename, to: origin, bytes: sent.bytes } });
}
