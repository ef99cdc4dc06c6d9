/**
 * The successor list beyond the course's two.
 *
 * `--successors R` promises a list of R successors. The course's own
 * messages already keep the first two right and print every change to them:
 * `init` names them, a join's `successor-change`, a `quit` and the answer to
 * a repair each carry the sender's whole list. What those messages cannot
 * reach are the peers further back: a newcomer after P changes the third
 * entry of P's second predecessor, and a departing peer never hears of the
 * peers that hold it third. A user who asks for R successors expects R true
 * ones, kept up to date without being asked, and without the course's
 * transcript growing new lines; so the entries from the third on are kept
 * the way Chord's stabilize keeps its list (src/upkeep/stabilize.ts), quietly:
 *
 * - push: whenever a peer's list (or its first predecessor) changes, it sends
 *   the list to its first predecessor, whose list becomes its own first
 *   entries up to that successor followed by the successor's list. A change
 *   travels back one peer per message and stops where it falls off the end
 *   of a list, at most R - 2 peers back. This is what makes a join or a
 *   departure visible at once: to routing through the list (`ring-list`),
 *   which would otherwise send a newcomer's keys past it, and to the ping
 *   sender of a peer that holds a departing peer third, which would
 *   otherwise take the departure for a death.
 * - pull: every ping interval, a peer asks its first successor for its list.
 *   That heals a push that was lost (no predecessor known yet, a peer that
 *   was briefly unreachable) or overtaken by a later one, fills a list that
 *   `init` started shorter than R, and drops a dead peer that a repair
 *   answer brought in before its own predecessors had noticed.
 *
 * Only entries from the third on change here. A merge that would change the
 * first two is refused: those belong to the course's messages, which print
 * ("My new first successor ..."), and a push that overtakes such a message
 * must not pre-empt its lines. (A list shorter than two, the remains of a
 * repair that found too few live peers, may grow, and then says so with the
 * course's two lines.) With R <= 2 none of this runs, so the course's
 * transcript is exactly what it was. Under Chord the push runs too (a Quit
 * reaches only two predecessors: the third learns of it from the push, not
 * from a failure detection that would call the departure a death), and the
 * pull is stabilize's. (A third or later
 * successor that dies is likewise dropped quietly by the peer that pings it:
 * see abrupt.ts.)
 */
import { PRINTED_SUCCESSORS } from '../constants.js';
import { formatPeerRefs, type PeerRef } from '../protocol/peer-ref.js';
import type { RequestOf } from '../protocol/types.js';
import type { PeerNode } from '../node/peer-node.js';
import { secondDisagreementMs } from '../timing.js';
import { UpkeepClock } from './upkeep-clock.js';

/**
 * True when this peer keeps successors beyond the course's two quietly (by
 * push, and outside Chord by pull: Chord's stabilize pulls every round).
 */
export function keepsLongList(node: PeerNode): boolean {
  return node.config.successors > PRINTED_SUCCESSORS;
}

/** What a merge is allowed to take. */
export interface MergeRules {
  /** This peer's ID: never its own successor. */
  readonly self: number;
  /** List length R. */
  readonly r: number;
  /** Peers not taken (declared dead or departed here just now: the sender's view is stale). */
  readonly skip: (id: number) => boolean;
}

const ids = (list: readonly { readonly id: number }[]): string => list.map((p) => p.id).join(',');

/**
 * The list a peer holding `current` should hold once peer `from` (one of its
 * successors) says its own successors are `theirs`: `current` up to `from`,
 * then `theirs`, without self, skipped peers or repeats, cut to R. Undefined
 * when nothing changes, when `from` is not in `current` (a stale message),
 * or when the first two successors would change (see the file comment); a
 * list shorter than two may grow.
 */
export function mergeTail<T extends { readonly id: number }>(
  current: readonly T[],
  from: number,
  theirs: readonly T[],
  rules: MergeRules,
): T[] | undefined {
  const at = current.findIndex((p) => p.id === from);
  if (at < 0) return undefined;
  const seen = new Set<number>();
  const merged = [...current.slice(0, at + 1), ...theirs.filter((p) => p.id !== rules.self && !rules.skip(p.id))]
    .filter((p) => {
      if (seen.has(p.id)) return false;
      seen.add(p.id);
      return true;
    })
    .slice(0, rules.r);
  if (ids(merged) === ids(current)) return undefined;
  const fixed = Math.min(PRINTED_SUCCESSORS, current.length);
  return ids(merged.slice(0, fixed)) === ids(current.slice(0, fixed)) ? merged : undefined;
}

/** `get-successors`: a predecessor pulls our list; answer with `successor-list`. */
export async function onSuccessorsQuery(node: PeerNode, req: RequestOf<'update'>): Promise<void> {
  if (node.successors.length === 0) return; // nothing worth taking yet
  const asker = node.refFrom(req.content._origin, req.source);
  await node.answer(asker, { reason: 'successor-list', ...node.successorContent() });
}

/** `successor-list`: a successor's list, pushed or pulled; merged in quietly. */
export function onSuccessorList(node: PeerNode, req: RequestOf<'update'>): void {
  if (!keepsLongList(node)) return;
  const theirs = node.refsFrom(req.content._succ);
  const merged = mergeTail(node.successors, req.source, theirs, {
    self: node.id,
    r: node.config.successors,
    skip: (id) => node.recentlyGone(id),
  });
  if (merged === undefined) {
    correctSecond(node, req.source, theirs);
    return;
  }
  secondDisagreement.delete(node);
  const shortBefore = node.successors.length < PRINTED_SUCCESSORS;
  node.adoptSuccessors(merged);
  node.note('successor-list-merged', { fields: { from: req.source, successors: merged.map((p) => p.id) } });
  // A list that had lost its second successor gets one: the course's lines say so.
  if (shortBefore && node.successors.length >= PRINTED_SUCCESSORS) node.announceSuccessors();
}

/** A second successor our first successor's list has contradicted: which one it names, and since when. */
const secondDisagreement = new WeakMap<PeerNode, { id: number; since: number }>();

/**
 * Our first successor's list says our second successor is another peer. A
 * course message (the successor change of a join's acceptor, a quit) may be
 * on its way and must print its own lines, so a first disagreement only
 * starts a clock. One still there a ping interval later is a message that
 * never came (two joins crossed: the acceptor told the predecessor it had
 * before the other newcomer arrived): our first successor may change our
 * successors, so we take its list, with the course's successor-change lines.
 */
function correctSecond(node: PeerNode, from: number, theirs: readonly PeerRef[]): void {
  const first = node.successors[0];
  const want = theirs.find((r) => r.id !== node.id && !node.recentlyGone(r.id));
  if (first === undefined || first.id !== from || want === undefined || node.successors[1]?.id === want.id) {
    secondDisagreement.delete(node);
    return;
  }
  const now = Date.now();
  const seen = secondDisagreement.get(node);
  if (seen === undefined || seen.id !== want.id) {
    secondDisagreement.set(node, { id: want.id, since: now });
    return;
  }
  if (now - seen.since < secondDisagreementMs(node.config)) return;
  secondDisagreement.delete(node);
  const list = [first, ...theirs.filter((r) => r.id !== node.id && !node.recentlyGone(r.id))];
  node.note('second-successor-corrected', { fields: { from, was: node.successors[1]?.id ?? -1, now: want.id } });
  node.say('successor-change', 'Successor Change request received', { fields: { from } });
  node.adoptSuccessors(list);
  node.announceSuccessors();
}

/**
 * Pulls the list of the last of `remaining` (the answer is merged by
 * onSuccessorList); when that peer cannot be reached, of the one before it,
 * and so on, routing around each unreachable one. Used after a quiet repair.
 */
export async function pullFromLastLive(node: PeerNode, remaining: readonly PeerRef[]): Promise<void> {
  for (let i = remaining.length - 1; i >= 0; i--) {
    const ask = remaining[i] as PeerRef;
    try {
      await node.sendTo(ask, 'update', { reason: 'get-successors', _origin: node.selfRef });
      return;
    } catch (err) {
      node.forgetFinger(ask.id);
      node.note('successor-list-pull-failed', { fields: { from: ask.id, message: String(err) } });
    }
  }
}

/**
 * Starts the push and the pull (only with R > 2; the pull outside Chord
 * mode only, on every tick of `clock`, the consumer's one upkeep timer, by
 * default a clock of its own); returns a stopper.
 */
export function startSuccessorListUpkeep(node: PeerNode, clock?: UpkeepClock): { stop(): void } {
  if (!keepsLongList(node)) return { stop: () => undefined };
  let pushed = '';
  let scheduled = false;
  const push = (): void => {
    scheduled = false;
    const pred = node.predecessors[0];
    if (node.stopping || pred === undefined || pred.id === node.id || node.successors.length === 0) return;
    const key = `${formatPeerRefs([pred])}>${ids(node.successors)}`;
    if (key === pushed) return;
    pushed = key;
    node
      .sendTo(pred, 'update', { reason: 'successor-list', ...node.successorContent() })
      .catch((err: unknown) => node.note('successor-list-push-failed', { fields: { to: pred.id, message: String(err) } }));
  };
  // Several changes in one turn of the event loop (a repair drops one peer,
  // then adds three) make one push.
  node.onMembershipChange(() => {
    if (scheduled) return;
    scheduled = true;
    setImmediate(push);
  });
  const pull = (): void => {
    const first: PeerRef | undefined = node.successors[0];
    if (node.stopping || first === undefined) return;
    node
      .sendTo(first, 'update', { reason: 'get-successors', _origin: node.selfRef })
      .catch((err: unknown) => node.note('successor-list-pull-failed', { fields: { from: first.id, message: String(err) } }));
  };
  // Under Chord, stabilize asks the first successor for its list every round already.
  if (node.config.routing === 'chord') return { stop: () => undefined };
  const ticks = clock ?? new UpkeepClock({ intervalMs: node.config.pingIntervalMs });
  const remove = ticks.every('successor-list pull', 1, pull);
  return {
    stop: () => {
      remove();
      if (clock === undefined) ticks.stop();
    },
  };
}
