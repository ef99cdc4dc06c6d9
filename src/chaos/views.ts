/**
 * What each peer believes of the ring, read from its latest events
 * (`successors-changed`, `predecessor-changed`, `fingers-changed`), beside
 * the truth of the running membership; and the waits a fault ends with: its
 * neighbours back to the truth and reconciled twice (a reconcile pass that
 * began before the change does not count), or, at the end, every peer.
 */
import type { ChildPeer } from '../testnet/child-peer.js';
import { predecessorsIn } from '../model/ring-model.js';
import { buildFingers } from '../routing/chord.js';
import { successorList } from '../routing/ring.js';
import type { EventKind, PeerEvent } from '../runtime/events.js';
import { ID_BITS } from './constants.js';
import type { ChaosNetwork } from './peers.js';
import { waitForState } from './wait.js';

/** One peer's view that differs from the truth. */
export interface WrongView {
  readonly peer: number;
  readonly what: 'successors' | 'predecessors' | 'fingers';
  readonly want: string;
  readonly got: string;
}

const list = (v: unknown): string => (Array.isArray(v) ? v.join(',') : '(none)');

/** The last value of `field` on events of `kind`, as "a,b,c". */
export function latestOf(events: readonly PeerEvent[], kind: EventKind, field: string): string {
  return list(events.findLast((e) => e.kind === kind)?.fields?.[field]);
}

/** Where `peer`'s views differ from the truth of `ring` (ascending IDs). */
export function wrongViewsOf(peer: ChildPeer, ring: readonly number[], r: number, fingers: boolean): WrongView[] {
  const out: WrongView[] = [];
  const check = (what: WrongView['what'], want: string, got: string): void => {
    if (want !== got) out.push({ peer: peer.id, what, want, got });
  };
  check('successors', successorList(ring, peer.id, r).join(','), latestOf(peer.events, 'successors-changed', 'successors'));
  const [p0, p1] = predecessorsIn(ring, peer.id);
  check('predecessors', `${p0 ?? -1},${p1 ?? -1}`, latestOf(peer.events, 'predecessor-changed', 'predecessors'));
  if (fingers) check('fingers', buildFingers(ring, peer.id, ID_BITS).join(','), latestOf(peer.events, 'fingers-changed', 'fingers'));
  return out;
}

/** Every wrong view among `ids` (running, unfrozen peers), against the running membership now. */
export function wrongViews(cnet: ChaosNetwork, ids: readonly number[], fingers: boolean): WrongView[] {
  const ring = cnet.ring();
  return ids
    .filter((id) => ring.includes(id) && !cnet.isFrozen(id))
    .flatMap((id) => wrongViewsOf(cnet.get(id), ring, cnet.opts.successors, fingers));
}

/** Running peers within `r` places of each of `around` on the ring (`around` themselves included when running). */
export function neighbourhood(ring: readonly number[], around: readonly number[], r: number): number[] {
  const out = new Set<number>();
  for (const a of around) {
    const withA = [...new Set([...ring, a])].sort((x, y) => x - y);
    const i = withA.indexOf(a);
    for (let k = -r; k <= r; k++) out.add(withA[(i + k + withA.length * (r + 1)) % withA.length] as number);
  }
  return [...out].filter((id) => ring.includes(id)).sort((x, y) => x - y);
}

/** Describes wrong views in one line. */
export function describeWrong(wrong: readonly WrongView[], max = 6): string {
  const shown = wrong.slice(0, max).map((w) => `peer ${w.peer} ${w.what} ${w.got} (want ${w.want})`);
  return `${shown.join('; ')}${wrong.length > max ? `; and ${wrong.length - max} more` : ''}`;
}

/**
 * Waits until the views of the running, unfrozen peers near `around` are
 * true (each re-read against the membership at every event), then until
 * each has reconciled its files twice since. Rejects with ERR_TIMEOUT,
 * naming the wrong views.
 */
export async function settleAround(cnet: ChaosNetwork, around: readonly number[], timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  const near = (): number[] => neighbourhood(cnet.ring(), around, cnet.opts.successors).filter((id) => !cnet.isFrozen(id));
  const peers = (): ChildPeer[] => near().map((id) => cnet.get(id));
  await waitForState(
    peers(),
    () => wrongViews(cnet, near(), false).length === 0,
    timeoutMs,
    `true views around peer${around.length > 1 ? 's' : ''} ${around.join(',')}`,
    () => describeWrong(wrongViews(cnet, near(), false)),
  );
  await reconciledTwice(cnet, near(), Math.max(1, deadline - Date.now()));
}

/** Waits until every one of `ids` (running) has reconciled twice from now on, or ended. */
export async function reconciledTwice(cnet: ChaosNetwork, ids: readonly number[], timeoutMs: number): Promise<void> {
  await Promise.all(
    ids.map(async (id) => {
      const peer = cnet.get(id);
      const twice = async (): Promise<void> => {
        const first = await peer.waitForKind('reconciled', timeoutMs, peer.mark());
        await peer.waitForKind('reconciled', timeoutMs, peer.events.indexOf(first) + 1);
      };
      // A peer that ends meanwhile (another fault's victim) has nothing left to reconcile.
      await Promise.race([twice(), peer.exited]);
    }),
  );
}

/** Waits until every running, unfrozen peer's views are true (fingers too under Chord). */
export async function settleAll(cnet: ChaosNetwork, fingers: boolean, timeoutMs: number): Promise<void> {
  const everyone = (): number[] => cnet.ring().filter((id) => !cnet.isFrozen(id));
  await waitForState(
    everyone().map((id) => cnet.get(id)),
    () => wrongViews(cnet, everyone(), fingers).length === 0,
    timeoutMs,
    'true views at every peer',
    () => describeWrong(wrongViews(cnet, everyone(), fingers)),
  );
}
