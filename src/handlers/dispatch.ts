/**
 * The consumer's dispatch: a table from request type to handler, and the
 * typed commands. A failing handler is reported with its error's code and
 * the peer carries on.
 */
import { isP2PError, P2PError } from '../errors.js';
import { COMMAND_HELP, parseCommand } from '../protocol/commands.js';
import { decodeQueueRecord } from '../protocol/codec.js';
import type { Request, RequestOf, RequestType } from '../protocol/types.js';
import { onAbrupt } from './abrupt.js';
import { formatFingers } from './fingers.js';
import { onJoin } from './join.js';
import { lookup } from '../upkeep/lookup.js';
import type { PeerNode } from '../node/peer-node.js';
import { onPing } from './ping.js';
import { onExit, onQuit, quitCommand } from './quit.js';
import { onRequest, requestCommand } from './request.js';
import { formatSnapshot, snapshotOf, type QueueStats } from './snapshot.js';
import { onStore, storeCommand } from './store.js';
import { onTransfer } from './transfer.js';
import { onUpdate } from './update.js';

type Handler<T extends RequestType> = (node: PeerNode, req: RequestOf<T>) => void | Promise<void>;

/** One handler per request type. */
export const HANDLERS: { readonly [T in RequestType]: Handler<T> } = {
  store: onStore,
  request: onRequest,
  transfer: onTransfer,
  join: onJoin,
  quit: onQuit,
  abrupt: onAbrupt,
  update: onUpdate,
  exit: onExit,
  ping: onPing,
};

/** Everything the dispatcher needs besides the node. */
export interface DispatchContext {
  readonly queueStats: () => QueueStats;
}

/** Handles one record drained from the ring queue. Never throws. */
export function dispatchRecord(node: PeerNode, ctx: DispatchContext, view: Uint8Array): void {
  let record;
  try {
    record = decodeQueueRecord(view);
  } catch (err) {
    node.warn('record-error', err, 'A queue record could not be read');
    return;
  }
  if (record.kind === 'command') node.detach('command', () => runCommand(node, ctx, record.line));
  else dispatchRequest(node, record.request);
}

/** Runs the handler of a request; errors are reported, never thrown. */
export function dispatchRequest(node: PeerNode, req: Request): void {
  const handler = HANDLERS[req.type] as Handler<RequestType> | undefined;
  if (handler === undefined) {
    node.warn('bad-request', new P2PError('ERR_UNKNOWN_TYPE', `no handler for ${req.type}`), 'Request');
    return;
  }
  node.deps.state.count('consumer');
  Promise.resolve()
    .then(() => handler(node, req))
    .catch((err: unknown) => node.warn('request-failed', err, `Handling ${req.type} from Peer ${req.source}`));
}

/** Runs one typed command line; resolves when its work is done. Bad lines get a one-line explanation. */
export async function runCommand(node: PeerNode, ctx: DispatchContext, line: string): Promise<void> {
  try {
    const cmd = parseCommand(line);
    node.deps.state.count('consumer');
    switch (cmd.kind) {
      case 'store':
        await storeCommand(node, cmd.filename);
        return;
      case 'request':
        await requestCommand(node, cmd.filename);
        return;
      case 'quit':
        await quitCommand(node);
        return;
      case 'status': {
        const snap = await snapshotOf(node, ctx.queueStats());
        node.say('status', cmd.json ? JSON.stringify(snap) : formatSnapshot(snap));
        return;
      }
      case 'fingers':
        node.say('fingers', formatFingers(node));
        return;
      case 'lookup': {
        const r = await lookup(node, cmd.key);
        node.say('lookup', `Key ${r.key} is owned by Peer ${r.owner.id} (${r.hops} hops: ${r.path.join(' -> ')})`, {
          fields: { key: r.key, owner: r.owner.id },
          hops: r.hops,
          path: r.path,
        });
        return;
      }
      case 'help':
        node.say('help', COMMAND_HELP);
        return;
    }
  } catch (err) {
    if (isP2PError(err, 'ERR_BAD_COMMAND') || isP2PError(err, 'ERR_BAD_FILENAME')) {
      node.say('bad-command', err.message, { fields: { code: err.code } });
      return;
    }
    node.warn('command-failed', err, `"${line}" failed`, { input: line });
  }
}
