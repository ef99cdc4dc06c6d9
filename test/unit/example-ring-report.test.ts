/** `ring` at the prompt: the disagreements between neighbours, read from their snapshots. */
import { describe, expect, it } from 'vitest';
import { formatRing, ringDisagreements, type RingView } from '../../src/example/ring-report.js';

const ref = (id: number): { id: number } => ({ id });
/** The view every peer of a settled ring `ids` (sorted) holds. */
function settled(ids: readonly number[]): RingView[] {
  const at = (i: number): number => ids[(i + ids.length) % ids.length] ?? 0;
  return ids.map((peer, i) => ({
    peer,
    successors: [ref(at(i + 1)), ref(at(i + 2))],
    predecessors: [ref(at(i - 1)), ref(at(i - 2))],
  }));
}
const COURSE = [2, 4, 5, 8, 9, 14, 19];

describe('ringDisagreements', () => {
  it('finds none in a settled ring', () => {
    expect(ringDisagreements(settled(COURSE), COURSE)).toEqual([]);
    expect(formatRing(settled(COURSE), COURSE).at(-1)).toBe('Every neighbour agrees.');
  });

  it('names a dead successor not yet noticed, and the hole it leaves', () => {
    const running = COURSE.filter((id) => id !== 14);
    const views = settled(COURSE).filter((v) => v.peer !== 14);
    const texts = ringDisagreements(views, running).map((d) => d.text);
    expect(texts).toContain('peer 9 names peer 14 as a successor, which is not running');
    expect(texts).toContain("peer 9's first successor is 14, but the next running peer is 19");
    expect(texts).toContain('peer 19 names peer 14 as a predecessor, which is not running');
    expect(texts).toContain('peer 8 names peer 14 as a successor, which is not running');
  });

  it('names a successor whose predecessor is another peer, from both sides', () => {
    const views = settled(COURSE).map((v) => (v.peer === 8 ? { ...v, predecessors: [ref(4), ref(2)] } : v));
    const texts = ringDisagreements(views, COURSE).map((d) => d.text);
    expect(texts).toEqual([
      "peer 5's first successor is 8, but peer 8's first predecessor is 4",
      "peer 8's first predecessor is 4, but peer 4's first successor is 5",
    ]);
  });

  it('names a second successor that is not the first successor’s first', () => {
    const views = settled(COURSE).map((v) => (v.peer === 2 ? { ...v, successors: [ref(4), ref(8)] } : v));
    expect(ringDisagreements(views, COURSE).map((d) => d.text)).toEqual([
      "peer 2's second successor is 8, but its first successor 4 has 5 next",
    ]);
  });

  it('names a running peer that did not answer', () => {
    const views = settled(COURSE).filter((v) => v.peer !== 5);
    expect(ringDisagreements(views, COURSE).map((d) => d.text)).toEqual(['peer 5 did not answer']);
  });

  it('prints one line per peer, predecessors on the left, successors on the right', () => {
    const lines = formatRing(settled([2, 4, 5]), [2, 4, 5]);
    expect(lines[0]).toMatch(/^Ring of 3 running peers/);
    expect(lines[1]).toBe('       4 5 <-   2 -> 4 5');
  });
});
