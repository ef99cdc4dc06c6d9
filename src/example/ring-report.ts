/**
 * The ring as its peers see it, for the interactive prompt's `ring`: each
 * peer's successors and predecessors, read from its own snapshot, and every
 * place where two neighbours disagree. Pure: the prompt gathers the
 * snapshots, this reads them.
 */

/** What `ring` needs of one peer's snapshot (`status --json`). */
export interface RingView {
  readonly peer: number;
  readonly successors: readonly { readonly id: number }[];
  readonly predecessors: readonly ({ readonly id: number } | null)[];
}

/** One disagreement between neighbours, or with the set of running peers. */
export interface RingDisagreement {
  /** The peer whose view is in question. */
  readonly peer: number;
  readonly text: string;
}

/**
 * Every disagreement between the views of the running peers `running`
 * (IDs; peers without a view are named as silent):
 * - a first successor S whose own first predecessor is not the peer;
 * - a first predecessor P whose own first successor is not the peer;
 * - a second successor that is not the first successor's first successor;
 * - a successor or predecessor that is not running;
 * - a first successor that is not the next running ID clockwise.
 */
export function ringDisagreements(views: readonly RingView[], running: readonly number[]): RingDisagreement[] {
  const byId = new Map(views.map((v) => [v.peer, v]));
  const alive = new Set(running);
  const sorted = [...alive].sort((a, b) => a - b);
  const out: RingDisagreement[] = [];
  for (const id of sorted) {
    if (!byId.has(id)) out.push({ peer: id, text: `peer ${id} did not answer` });
  }
  for (const v of [...views].sort((a, b) => a.peer - b.peer)) {
    const p = v.peer;
    const [s1, s2] = v.successors.map((s) => s.id);
    const pred = v.predecessors[0]?.id;
    for (const s of v.successors) {
      if (!alive.has(s.id)) out.push({ peer: p, text: `peer ${p} names peer ${s.id} as a successor, which is not running` });
    }
    for (const q of v.predecessors) {
      if (q !== null && !alive.has(q.id)) out.push({ peer: p, text: `peer ${p} names peer ${q.id} as a predecessor, which is not running` });
    }
    const next = sorted[(sorted.indexOf(p) + 1) % sorted.length];
    if (sorted.length > 1 && next !== undefined && s1 !== next) {
      out.push({ peer: p, text: `peer ${p}'s first successor is ${s1 ?? 'none'}, but the next running peer is ${next}` });
    }
    const sv = s1 === undefined ? undefined : byId.get(s1);
    if (sv !== undefined) {
      const back = sv.predecessors[0]?.id;
      if (back !== p) {
        const theirs = back === undefined ? `peer ${sv.peer} knows no predecessor yet` : `peer ${sv.peer}'s first predecessor is ${back}`;
        out.push({ peer: p, text: `peer ${p}'s first successor is ${sv.peer}, but ${theirs}` });
      }
      const after = sv.successors[0]?.id;
      if (s2 !== undefined && after !== undefined && s2 !== after) {
        out.push({ peer: p, text: `peer ${p}'s second successor is ${s2}, but its first successor ${sv.peer} has ${after} next` });
      }
    }
    const pv = pred === undefined ? undefined : byId.get(pred);
    if (pv !== undefined && pv.successors[0]?.id !== p) {
      out.push({
        peer: p,
        text: `peer ${p}'s first predecessor is ${pv.peer}, but peer ${pv.peer}'s first successor is ${pv.successors[0]?.id ?? 'none'}`,
      });
    }
  }
  return out;
}

/** `ring`'s table: one line per peer (predecessors ← peer → successors), then the disagreements, or that there are none. */
export function formatRing(views: readonly RingView[], running: readonly number[]): string[] {
  const ids = (xs: readonly ({ readonly id: number } | null)[]): string => xs.map((x) => (x === null ? '-' : String(x.id))).join(' ') || '-';
  const lines = [...views]
    .sort((a, b) => a.peer - b.peer)
    .map((v) => `  ${ids([...v.predecessors].reverse()).padStart(8)} <- ${String(v.peer).padStart(3)} -> ${ids(v.successors)}`);
  const disagreements = ringDisagreements(views, running);
  const head = `Ring of ${running.length} running peer${running.length === 1 ? '' : 's'} (predecessors <- peer -> successors, as each peer sees it):`;
  const tail =
    disagreements.length === 0
      ? ['Every neighbour agrees.']
      : [`${disagreements.length} disagreement${disagreements.length === 1 ? '' : 's'}:`, ...disagreements.map((d) => `  ${d.text}`)];
  return [head, ...lines, ...tail];
}
