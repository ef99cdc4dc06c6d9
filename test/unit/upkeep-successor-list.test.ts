import { describe, expect, it } from 'vitest';
import { mergeTail, type MergeRules } from '../../src/upkeep/successor-list.js';

const refs = (...ids: number[]): { id: number }[] => ids.map((id) => ({ id }));
const idsOf = (list: readonly { id: number }[] | undefined): number[] | undefined => list?.map((p) => p.id);
const rules = (over: Partial<MergeRules> = {}): MergeRules => ({ self: 10, r: 4, skip: () => false, ...over });

describe('the quiet merge of a successor list (entries from the third on)', () => {
  it('fills a short list from the first successor', () => {
    expect(idsOf(mergeTail(refs(20, 30), 20, refs(30, 40, 50, 60), rules()))).toEqual([20, 30, 40, 50]);
  });

  it('takes a newcomer two peers back (a join the course only tells the first predecessor of)', () => {
    // 25 joined after 20: our first successor's list now starts 25.
    expect(idsOf(mergeTail(refs(15, 20, 30, 40), 15, refs(20, 25, 30, 40), rules()))).toEqual([15, 20, 25, 30]);
  });

  it('drops a departed third successor', () => {
    expect(idsOf(mergeTail(refs(20, 30, 40), 20, refs(30, 50, 60), rules({ r: 3 })))).toEqual([20, 30, 50]);
  });

  it('never changes the first two successors: those belong to the lines the course prints', () => {
    // A push that overtakes a successor-change (25 joined after 20).
    expect(mergeTail(refs(20, 30, 40), 20, refs(25, 30, 40), rules({ r: 3 }))).toBeUndefined();
    // An answer too short to keep our second successor.
    expect(mergeTail(refs(20, 30, 40), 20, [], rules({ r: 3 }))).toBeUndefined();
  });

  it('lets a list shorter than two grow', () => {
    expect(idsOf(mergeTail(refs(20), 20, refs(30, 40), rules({ r: 3 })))).toEqual([20, 30, 40]);
  });

  it('leaves out itself, skipped (dead or departed) peers and repeats, and wraps in a small ring', () => {
    expect(idsOf(mergeTail(refs(20, 30, 45), 20, refs(30, 35, 40, 10, 20), rules({ skip: (id) => id === 35 })))).toEqual([20, 30, 40]);
    expect(mergeTail(refs(20, 30), 20, refs(30, 10), rules())).toBeUndefined(); // a ring of three
  });

  it('ignores a list from a peer that is not a successor, and one that changes nothing', () => {
    expect(mergeTail(refs(20, 30, 40), 99, refs(1, 2, 3), rules({ r: 3 }))).toBeUndefined();
    expect(mergeTail(refs(20, 30, 40), 20, refs(30, 40, 50), rules({ r: 3 }))).toBeUndefined();
  });

  it('merges after a later successor too, keeping the entries before it', () => {
    expect(idsOf(mergeTail(refs(20, 30, 40, 50), 30, refs(45, 50, 60), rules()))).toEqual([20, 30, 45, 50]);
  });
});
