/**
 * Store: the request walks to the owner of NNNN mod 2^m. The typing peer
 * must have the file: the owner pulls its bytes through the transfer pool
 * when it keeps another data directory. A Store of a file the typing peer
 * does not have is refused where it is typed, and nothing is sent.
 */
import path from 'node:path';
import type { Content, Request, RequestOf } from '../protocol/types.js';
import { validateFilename } from '../protocol/commands.js';
import { findLocalFile } from '../node/files.js';
import { keyOf } from '../routing/ids.js';
import { lookupTrail, type PeerNode } from '../node/peer-node.js';
import { onSyncOffer, replicate } from '../upkeep/replication.js';
import { pullBytes } from '../transfer/pull.js';

/** `Store NNNN` typed at this peer. */
export async function storeCommand(node: PeerNode, filename: string): Promise<void> {
  const file = await findLocalFile(node.config.dataDir, filename);
  if (file === undefined) {
    // Nothing could be served from an accepted Store without bytes: say so
    // here, where it was typed, instead of walking the ring for nothing.
    node.say('store-no-file', `File ${filename} is not in this peer's data directory, so it cannot be stored`, {
      fields: { filename },
    });
    return;
  }
  const content: Content = {
    filename,
    _nodeID: String(node.id),
    _origin: node.selfRef,
    _hops: '0',
    _path: String(node.id),
    _dir: path.resolve(node.config.dataDir),
    _ext: file.ext,
    _size: String(file.size),
  };
  await routeStore(node, node.request('store', node.id, content), true);
}

/** A store request arrives from another peer. */
export async function onStore(node: PeerNode, req: RequestOf<'store'>): Promise<void> {
  await routeStore(node, req, false);
}

async function routeStore(node: PeerNode, req: Request, atOrigin: boolean): Promise<void> {
  const filename = validateFilename(req.content.filename ?? '');
  if (req.content._sync !== undefined) {
    await onSyncOffer(node, req as RequestOf<'store'>, filename); // replication: no course lines
    return;
  }
  const key = keyOf(filename, node.config.idBits);
  const trail = lookupTrail(req.content);
  const hop = req.content._final === '1' ? ({ kind: 'local' } as const) : node.route(key);
  if (hop.kind === 'forward') {
    node.say('store-forwarded', `Store ${filename} request forwarded to my successor`, {
      fields: { filename, key, to: hop.to },
      ...trail,
    });
    if ((await node.forwardToward(req, key, hop)) === 'sent') return;
  }
  node.say('store-accepted', `Store ${filename} request accepted`, {
    fields: { filename, key, origin: Number(req.content._nodeID) },
    ...trail,
  });
  if (atOrigin || req.content._size === undefined || sameDirectory(node, req.content)) {
    // The bytes are already here (or there are none): replicate what we have.
    await replicate(node, filename);
  } else {
    await pullBytes(node, req.content, filename);
  }
}

/** The origin keeps its files where we keep ours (the course's shared working directory). */
function sameDirectory(node: PeerNode, content: Content): boolean {
  const origin = node.refFrom(content._origin, Number(content._nodeID));
  return content._dir === path.resolve(node.config.dataDir) && origin.host === node.config.self.host;
}
