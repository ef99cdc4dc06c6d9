/**
 * Nothing lost: files follow ownership and are replicated.
 *
 * Each file is kept by its owner and the owner's next r-1 successors
 * (r = `--successors`). A peer reconciles whenever its successors or
 * predecessors change, and every few ping intervals besides: for every file
 * in its data directory, the owner offers it to its r-1 successors; a peer
 * that holds a file it neither owns nor replicates offers it to the owner
 * (so a joining peer takes over its keys from its successor, and a repaired
 * ring moves files whose owner changed). A quitting peer hands everything it
 * holds, owned or replicated, to its successor before it leaves.
 *
 * An offer is a `store` with `_sync` (`replica` or `handover`) sent straight
 * to the target; the target answers `have` at once when it holds a file of
 * that name and size, or pulls the bytes through the transfer pool (the same
 * path as Store) and answers `pulled` when they are written. Offers print no
 * course lines; each appears in the event stream. Copies are never deleted:
 * an extra replica costs disk, a missing one loses data.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { HANDOVER_TRIES, RECONCILE_EVERY_INTERVALS, RECONCILE_PARALLEL, SYNC_TIMEOUT_MS } from '../constants.js';
import { isP2PError } from '../errors.js';
import type { PeerRef } from '../protocol/peer-ref.js';
import type { RequestOf } from '../protocol/types.js';
import { inOpenClosed, keyOf } from '../routing/ids.js';
import { findLocalFile, type LocalFile } from '../node/files.js';
import { lookup } from './lookup.js';
import type { PeerNode } from '../node/peer-node.js';
import { pullBytes, pullEnded, pullsSettled } from '../transfer/pull.js';
import { UpkeepClock } from './upkeep-clock.js';

/** The outcome of an offer. */
export type OfferOutcome = 'have' | 'pulled' | 'failed';

/** A stored file, `NNNN` or `NNNN.<ext>`: never a `received_` copy nor a transfer's temporary file (those start with a dot). */
const STORED_NAME = /^(\d{4})(\.[A-Za-z0-9_-]{1,16})?$/;

/**
 * Files handed over and acknowledged, by name, until our neighbours change:
 * the owner that has them will pass them on itself if ownership moves on.
 */
const handedOver = new WeakMap<PeerNode, Set<string>>();

/** Offers waiting for their bytes to land here: filename -> who to answer. */
const pendingPulls = new WeakMap<PeerNode, Map<string, { origin: PeerRef; stamp: string }[]>>();

/** Files held in the data directory, by name. */
export async function localFiles(node: PeerNode): Promise<{ filename: string; file: LocalFile }[]> {
  let names: string[];
  try {
    names = await fs.readdir(node.config.dataDir);
  } catch {
    return [];
  }
  const out: { filename: string; file: LocalFile }[] = [];
  for (const name of names.sort()) {
    const m = STORED_NAME.exec(name);
    if (m === null || m[1] === undefined) continue;
    const file = await findLocalFile(node.config.dataDir, m[1]);
    if (file !== undefined && path.basename(file.path) === name) out.push({ filename: m[1], file });
  }
  return out;
}

/**
 * Starts reconciling on membership changes and periodically (every
 * RECONCILE_EVERY_INTERVALS ticks of `clock`, the consumer's one upkeep
 * timer, by default a clock of its own); returns a stopper.
 */
export function startReplication(node: PeerNode, clock?: UpkeepClock): { stop(): void } {
  let running = false;
  let again = false;
  let debounce: NodeJS.Timeout | undefined;
  const run = async (): Promise<void> => {
    if (running) {
      again = true;
      return;
    }
    running = true;
    try {
      do {
        again = false;
        await reconcile(node);
        // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- run() sets it when called during the await
      } while (again && !node.stopping);
    } catch (err) {
      node.note('reconcile-failed', { fields: { message: err instanceof Error ? err.message : String(err) } });
    } finally {
      running = false;
    }
  };
  let stopped = false;
  const soon = (): void => {
    if (stopped) return; // the membership listener outlives stop(): it must do nothing then
    handedOver.get(node)?.clear();
    clearTimeout(debounce);
    debounce = setTimeout(() => node.detach('reconcile', run), node.config.pingIntervalMs);
  };
  node.onMembershipChange(soon);
  const ticks = clock ?? new UpkeepClock({ intervalMs: node.config.pingIntervalMs });
  const remove = ticks.every('reconcile', RECONCILE_EVERY_INTERVALS, () => node.detach('reconcile', run));
  return {
    stop: () => {
      stopped = true;
      clearTimeout(debounce);
      remove();
      if (clock === undefined) ticks.stop();
    },
  };
}

/**
 * Is this peer among the r-1 successors of the owner of `key`? True when
 * key ∈ (second predecessor, first predecessor]: the first predecessor's
 * keys. (With r > 2 the keys of farther predecessors are replicated here
 * too, but a peer knows only two predecessors.) Undefined while either
 * predecessor is unknown.
 */
function replicaOf(node: PeerNode, key: number): boolean | undefined {
  const [first, second] = node.predecessors;
  if (first === undefined || second === undefined) return undefined;
  return inOpenClosed(key, second.id, first.id, node.config.idBits);
}

/** Should this peer keep `key` as a replica? When it cannot tell yet, yes: never hand away blindly. */
function holdsReplica(node: PeerNode, key: number): boolean {
  return replicaOf(node, key) ?? true;
}

/** What this peer is to a key it holds: its owner, or a holder of one of its replicas. */
export type KeyRole = 'owner' | 'replica';

/** A file this peer would serve now (`status`'s stored keys). */
export interface ServedFile {
  readonly filename: string;
  readonly key: number;
  readonly role: KeyRole;
}

/**
 * The files in the data directory that this peer would serve now, by key:
 * those whose key it owns, and, with replication on (r >= 2), those it
 * holds as a replica. Computed from the directory and the ring as they are,
 * so a file handed over or replicated here counts, and a file of the course's
 * shared directory that belongs elsewhere does not. Unlike `holdsReplica`, a
 * peer that does not know its predecessors yet claims no replica.
 */
export async function servedFiles(node: PeerNode): Promise<ServedFile[]> {
  const out: ServedFile[] = [];
  for (const { filename } of await localFiles(node)) {
    const key = keyOf(filename, node.config.idBits);
    if (node.route(key).kind === 'local') out.push({ filename, key, role: 'owner' });
    else if (node.config.successors >= 2 && replicaOf(node, key) === true) out.push({ filename, key, role: 'replica' });
  }
  return out.sort((a, b) => a.key - b.key || a.filename.localeCompare(b.filename));
}

/** One pass over the data directory: replicate what we own, hand over what we should not hold alone. */
export async function reconcile(node: PeerNode): Promise<void> {
  const m = node.config.idBits;
  const files = await localFiles(node);
  let owned = 0;
  let offered = 0;
  const done = handedOver.get(node) ?? new Set<string>();
  handedOver.set(node, done);
  const one = async ({ filename, file }: { filename: string; file: LocalFile }): Promise<void> => {
    const key = keyOf(filename, m);
    if (node.route(key).kind === 'local') {
      owned += 1;
      await replicate(node, filename, file);
    } else if (!holdsReplica(node, key) && !done.has(filename)) {
      const owner = await lookup(node, key).catch(() => undefined);
      if (owner !== undefined && owner.owner.id !== node.id) {
        offered += 1;
        if ((await offer(node, filename, file, owner.owner, 'handover')) !== 'failed') done.add(filename);
      }
    }
  };
  // A few files at a time: one offer to a peer that died meanwhile waits out
  // its timeout without holding up every other file.
  for (let i = 0; i < files.length; i += RECONCILE_PARALLEL) {
    if (node.stopping) return;
    await Promise.all(files.slice(i, i + RECONCILE_PARALLEL).map(one));
  }
  node.note('reconciled', { fields: { files: files.length, owned, handedOver: offered } });
}

/** Offers a file we own to our r-1 successors. */
export async function replicate(node: PeerNode, filename: string, file?: LocalFile): Promise<void> {
  const held = file ?? (await findLocalFile(node.config.dataDir, filename));
  if (held === undefined) return;
  const targets = node.successors.slice(0, Math.max(0, node.config.successors - 1));
  await Promise.all(targets.map((t) => offer(node, filename, held, t, 'replica')));
}

/** Offers a file to a peer; resolves when it has it (or the offer failed). */
export async function offer(
  node: PeerNode,
  filename: string,
  file: LocalFile,
  to: PeerRef,
  kind: 'replica' | 'handover',
): Promise<OfferOutcome> {
  if (to.id === node.id) return 'have';
  const req = node.request('store', to.id, {
    filename,
    _sync: kind,
    _final: '1',
    _nodeID: String(node.id),
    _origin: node.selfRef,
    _dir: path.resolve(node.config.dataDir),
    _ext: file.ext,
    _size: String(file.size),
  });
  try {
    // One deadline for the send and the answer.
    const outcome = await node.exchange<OfferOutcome>(req.stamp, SYNC_TIMEOUT_MS, () => node.deps.send(to, req));
    node.note(`${kind}-offered`, { fields: { filename, to: to.id, outcome } });
    return outcome;
  } catch (err) {
    const code = isP2PError(err) ? err.code : 'ERR_UNKNOWN';
    const message = err instanceof Error ? err.message : String(err);
    node.note(`${kind}-failed`, { fields: { filename, to: to.id, code, message } });
    return 'failed';
  }
}

/** An offer arrives: answer `have`, or pull the bytes and answer when they land. */
export async function onSyncOffer(node: PeerNode, req: RequestOf<'store'>, filename: string): Promise<void> {
  const origin = node.refFrom(req.content._origin, Number(req.content._nodeID));
  const size = Number(req.content._size);
  const mine = await findLocalFile(node.config.dataDir, filename);
  const sameDir = req.content._dir === path.resolve(node.config.dataDir) && origin.host === node.config.self.host;
  if ((mine !== undefined && mine.size === size) || sameDir) {
    await answer(node, origin, req.stamp, filename, 'have');
    return;
  }
  const pending = pendingPulls.get(node) ?? new Map<string, { origin: PeerRef; stamp: string }[]>();
  pendingPulls.set(node, pending);
  const waiting = pending.get(filename) ?? [];
  waiting.push({ origin, stamp: req.stamp });
  pending.set(filename, waiting);
  // The offerer waits for our answer: when the pull cannot even start, say so now.
  if (waiting.length === 1 && !(await pullBytes(node, req.content, filename))) await onBytesStored(node, filename, false);
  node.note(req.content._sync === 'handover' ? 'handover-pulling' : 'replica-pulling', { fields: { filename, from: origin.id } });
}

/** Bytes pulled for `filename` were written here: answer offers, or replicate a new Store. */
export async function onBytesStored(node: PeerNode, filename: string, ok: boolean): Promise<void> {
  pullEnded(node, filename);
  const waiting = pendingPulls.get(node)?.get(filename);
  if (waiting !== undefined) {
    pendingPulls.get(node)?.delete(filename);
    await Promise.all(waiting.map((w) => answer(node, w.origin, w.stamp, filename, ok ? 'pulled' : 'failed')));
    return;
  }
  if (ok && node.route(keyOf(filename, node.config.idBits)).kind === 'local') await replicate(node, filename);
}

/** The answer to one of our offers. */
export function onSyncAck(node: PeerNode, req: RequestOf<'update'>): void {
  node.settleAnswer(req.content._answers ?? '', req.content.status ?? 'failed');
}

async function answer(node: PeerNode, to: PeerRef, stamp: string, filename: string, status: OfferOutcome): Promise<void> {
  await node.sendTo(to, 'update', { reason: 'sync-ack', filename, status, _answers: stamp }).catch(() => undefined);
}

/**
 * Offers one file to the quitter's successor, again after a failure (a
 * successor too busy to read the offer in time): the quitter leaves for
 * good, and its copy with it. An offer read twice is answered twice,
 * harmlessly ('have' the second time).
 */
async function handOver(node: PeerNode, filename: string, file: LocalFile, to: PeerRef): Promise<OfferOutcome> {
  let outcome: OfferOutcome = 'failed';
  for (let tries = 0; tries < HANDOVER_TRIES && outcome === 'failed'; tries++) outcome = await offer(node, filename, file, to, 'handover');
  return outcome;
}

/**
 * Before a graceful departure: hand every file we hold to our first
 * successor, the replicas we keep for the peers before us as well as the
 * files we own. The successor owns our keys once we are gone; and if the
 * peers before us die just after our Quit, it is the owner of their keys
 * too, so our copies of their files must not leave with us.
 */
export async function handOverAll(node: PeerNode): Promise<number> {
  const first = node.successors[0];
  if (first === undefined) return 0;
  // A file on its way here (a replica, a Store's bytes) is ours to hand over too.
  if (!(await pullsSettled(node, SYNC_TIMEOUT_MS))) node.note('quit-pulls-unfinished', { fields: { to: first.id } });
  let moved = 0;
  const files = await localFiles(node);
  for (let i = 0; i < files.length; i += RECONCILE_PARALLEL) {
    const outcomes = await Promise.all(
      files.slice(i, i + RECONCILE_PARALLEL).map(({ filename, file }) => handOver(node, filename, file, first)),
    );
    moved += outcomes.filter((o) => o !== 'failed').length;
  }
  return moved;
}
