/**
 * The two things the harness asks a peer, typed at its stdin as a person
 * would: `Request NNNN` (the file received is compared byte for byte with
 * the original) and `lookup KEY` (the owner it names is compared with the
 * true owner). Each waits for its answer event with a deadline, and tells
 * an answer from a peer that ended or a deadline that passed.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { ChildPeer } from '../testnet/child-peer.js';
import type { PeerEvent } from '../runtime/events.js';
import { FILE_EXT, sameBytes } from './payload.js';

/** How a Request ended. */
export const FETCH_OUTCOMES = ['ok', 'corrupted', 'missing', 'failed', 'timeout', 'gone'] as const;
export type FetchOutcome = (typeof FETCH_OUTCOMES)[number];

/** One Request. */
export interface Fetch {
  readonly at: number;
  readonly name: string;
  readonly outcome: FetchOutcome;
  /** The answer's line (or why there was none). */
  readonly detail: string;
}

/**
 * Files a peer was asked for and never answered: a late transfer would
 * overwrite a later `received_` copy of the same name, so the harness never
 * asks that peer (that incarnation) for that name again.
 */
const unanswered = new WeakMap<ChildPeer, Set<string>>();

/** False when `peer` once left a Request of `name` unanswered. */
export function mayRequest(peer: ChildPeer, name: string): boolean {
  return unanswered.get(peer)?.has(name) !== true;
}

/** Types `Request name` at `peer` and compares what arrives with `originalPath`. */
export async function fetchFile(peer: ChildPeer, dataDir: string, name: string, originalPath: string, timeoutMs: number): Promise<Fetch> {
  const at = peer.id;
  await fs.rm(path.join(dataDir, `received_${name}${FILE_EXT}`), { force: true });
  const since = peer.mark();
  const answer = peer.waitFor(
    (e) =>
      (['file-received', 'file-missing', 'transfer-failed'].includes(e.kind) && e.fields?.['filename'] === name) ||
      (e.kind === 'command-failed' && e.fields?.['input'] === `Request ${name}`),
    timeoutMs,
    `an answer to Request ${name}`,
    since,
  );
  answer.catch(() => undefined);
  peer.type(`Request ${name}`);
  const ended = peer.exited.then(() => 'gone' as const);
  const e = await Promise.race([answer.catch(() => 'timeout' as const), ended]);
  if (e === 'gone') return { at, name, outcome: 'gone', detail: 'the requester ended' };
  if (e === 'timeout') {
    const set = unanswered.get(peer) ?? new Set<string>();
    set.add(name);
    unanswered.set(peer, set);
    return { at, name, outcome: 'timeout', detail: `no answer within ${timeoutMs} ms` };
  }
  return judge(at, name, e, originalPath, dataDir);
}

async function judge(at: number, name: string, e: PeerEvent, originalPath: string, dataDir: string): Promise<Fetch> {
  const detail = e.line ?? e.kind;
  if (e.kind === 'file-missing') return { at, name, outcome: 'missing', detail };
  if (e.kind !== 'file-received') return { at, name, outcome: 'failed', detail };
  const given = e.fields?.['path'];
  const copy = typeof given === 'string' && given !== '' ? path.resolve(dataDir, given) : path.join(dataDir, `received_${name}${FILE_EXT}`);
  const same = await sameBytes(originalPath, copy).catch(() => false);
  return { at, name, outcome: same ? 'ok' : 'corrupted', detail: same ? detail : `${copy} differs from ${originalPath}` };
}

/** One `lookup KEY`. */
export interface Lookup {
  readonly at: number;
  readonly key: number;
  /** The owner it named; undefined when it named none. */
  readonly owner: number | undefined;
  readonly hops: number | undefined;
  /** Its line, or why there was none. */
  readonly detail: string;
}

/** Types `lookup key` at `peer` and waits for its answer. */
export async function lookupAt(peer: ChildPeer, key: number, timeoutMs: number): Promise<Lookup> {
  const since = peer.mark();
  const answer = peer.waitFor(
    (e) => (e.kind === 'lookup' && e.fields?.['key'] === key) || (e.kind === 'command-failed' && e.fields?.['input'] === `lookup ${key}`),
    timeoutMs,
    `an answer to lookup ${key}`,
    since,
  );
  answer.catch(() => undefined);
  peer.type(`lookup ${key}`);
  const e = await Promise.race([answer, peer.exited.then(() => undefined)]).catch(() => undefined);
  if (e === undefined) {
    const why = peer.running ? `no answer within ${timeoutMs} ms` : 'the peer ended';
    return { at: peer.id, key, owner: undefined, hops: undefined, detail: why };
  }
  if (e.kind !== 'lookup') return { at: peer.id, key, owner: undefined, hops: undefined, detail: e.line ?? e.kind };
  return { at: peer.id, key, owner: Number(e.fields?.['owner']), hops: e.hops, detail: e.line ?? '' };
}
