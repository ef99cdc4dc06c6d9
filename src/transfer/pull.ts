/**
 * Pulling a file's bytes: a peer that takes on a file (a Store's owner, a
 * replica holder, a quitter's heir) asks the peer that offered it to send
 * the bytes to a listener of this peer's transfer pool.
 */
import type { PeerNode } from '../node/peer-node.js';
import type { Content } from '../protocol/types.js';

/**
 * Pulls in flight, by peer: file names whose bytes are on their way here.
 * A quitting peer waits for them (pullsSettled) before it lists what to
 * hand over, or a replica arriving during the Quit would leave with it.
 */
const inFlight = new WeakMap<PeerNode, { files: Set<string>; waiters: (() => void)[] }>();

function flightsOf(node: PeerNode): { files: Set<string>; waiters: (() => void)[] } {
  let f = inFlight.get(node);
  if (f === undefined) inFlight.set(node, (f = { files: new Set<string>(), waiters: [] }));
  return f;
}

/** The bytes of `filename` were written here, or will not come: its pull is over. */
export function pullEnded(node: PeerNode, filename: string): void {
  const f = inFlight.get(node);
  if (f === undefined || !f.files.delete(filename) || f.files.size > 0) return;
  for (const wake of f.waiters.splice(0)) wake();
}

/** Resolves true once no pull is in flight here, or false after `ms`. */
export function pullsSettled(node: PeerNode, ms: number): Promise<boolean> {
  const f = flightsOf(node);
  if (f.files.size === 0) return Promise.resolve(true);
  return new Promise((resolve) => {
    const wake = (): void => {
      clearTimeout(timer);
      resolve(true);
    };
    const timer = setTimeout(() => {
      f.waiters = f.waiters.filter((w) => w !== wake);
      resolve(false);
    }, ms);
    f.waiters.push(wake);
  });
}

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
    flightsOf(node).files.add(filename);
    node.note('store-pull', { fields: { filename, from: origin.id } });
    return true;
  } catch (err) {
    node.warn('store-pull-failed', err, `Fetching the bytes of ${filename} from Peer ${origin.id}`);
    return false;
  }
}
