import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { inOpen } from '../../src/routing/ids.js';
import {
  applyPing,
  applyTold,
  emptyPredecessors,
  expirePredecessors,
  predecessorRefs,
  type PredecessorTable,
} from '../../src/routing/predecessors.js';

type Ref = { readonly id: number };
const r = (id: number): Ref => ({ id });
const ctx = (now = 0) => ({ self: 100, idBits: 8, now });
const ids = (t: PredecessorTable<Ref>): (number | undefined)[] => predecessorRefs(t).map((x) => x?.id);
const table = (p0?: number, p1?: number, seenAt = 0): PredecessorTable<Ref> => [
  p0 === undefined ? undefined : { ref: r(p0), seenAt },
  p1 === undefined ? undefined : { ref: r(p1), seenAt },
];

describe('predecessors from pings', () => {
  it('fills empty slots', () => {
    let t = emptyPredecessors<Ref>();
    t = applyPing(t, r(90), 0, ctx()).table;
    expect(ids(t)).toEqual([90, undefined]);
    const out = applyPing(t, r(80), 1, ctx());
    expect(out.verdict).toBe('filled');
    expect(ids(out.table)).toEqual([90, 80]);
  });

  it('a closer first predecessor (a join) displaces the old one into the second slot', () => {
    const out = applyPing(table(90, 80), r(95), 0, ctx());
    expect(out.verdict).toBe('closer');
    expect(out.displaced?.id).toBe(90);
    expect(ids(out.table)).toEqual([95, 90]);
  });

  it('a farther peer never displaces a closer one that still pings (no flip-flop)', () => {
    // 90 has not heard that 95 joined between us: its pings still say slot 0.
    const out = applyPing(table(95, 90), r(90), 0, ctx(5));
    expect(out.verdict).toBe('ignored');
    expect(ids(out.table)).toEqual([95, 90]);
    expect(out.table[1]?.seenAt).toBe(5); // but it is alive
  });

  it('wraps round zero', () => {
    const c = { self: 3, idBits: 8, now: 0 };
    const out = applyPing(table(250, 240), r(1), 0, c);
    expect(out.verdict).toBe('closer');
    expect(ids(out.table)).toEqual([1, 250]);
    expect(applyPing(table(1, 250), r(250), 0, c).verdict).toBe('ignored');
  });

  it('a second predecessor must precede the first', () => {
    expect(applyPing(table(90, 80), r(95), 1, ctx()).verdict).toBe('ignored');
    expect(ids(applyPing(table(90, 80), r(85), 1, ctx()).table)).toEqual([90, 85]);
    expect(applyPing(table(90, 85), r(80), 1, ctx()).verdict).toBe('ignored');
  });

  it('never takes itself', () => {
    expect(applyPing(emptyPredecessors<Ref>(), r(100), 0, ctx()).verdict).toBe('ignored');
  });

  it('property: slot 0 always holds the closest peer that pinged it, and the table stays ordered', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.integer({ min: 0, max: 255 }), fc.constantFrom<0 | 1>(0, 1)), { maxLength: 30 }), (pings) => {
        let t = emptyPredecessors<Ref>();
        for (const [id, slot] of pings) t = applyPing(t, r(id), slot, ctx()).table;
        const firsts = pings.filter(([id, slot]) => slot === 0 && id !== 100).map(([id]) => id);
        const [p0, p1] = ids(t);
        if (firsts.length > 0) {
          const closest = firsts.reduce((a, b) => (inOpen(b, a, 100, 8) ? b : a));
          expect(p0).toBe(closest);
        }
        if (p0 !== undefined && p1 !== undefined) expect(inOpen(p1, 100, p0, 8)).toBe(true);
      }),
    );
  });
});

describe('predecessors told', () => {
  it('is taken from a current predecessor', () => {
    expect(ids(applyTold(table(90, 80), [r(95), r(90)], 90, [], ctx()) ?? table())).toEqual([95, 90]);
  });

  it('is taken when it names a current predecessor as gone', () => {
    expect(ids(applyTold(table(90, 80), [r(80), r(70)], 80, [90], ctx()) ?? table())).toEqual([80, 70]);
    expect(ids(applyTold(table(90, 80), [r(80), r(70)], 60, [90], ctx()) ?? table())).toEqual([80, 70]);
  });

  it('two neighbours dead together: a list naming either as gone is taken, without both', () => {
    // 130 -> 170, 170's second predecessor 90 and 90's predecessor 60 died; 40 tells.
    expect(ids(applyTold(table(130, 90), [r(130), r(40)], 40, [60, 90], { self: 170, idBits: 8, now: 0 }) ?? table())).toEqual([130, 40]);
  });

  it('is taken from the peer that accepted our join, over a second predecessor a ping brought first', () => {
    // 50 joined between 254 and 72; 253's ping (its new second successor) arrived before 254's acceptance.
    const pinged = applyTold(table(), [undefined, r(253)], 253, [], { self: 50, idBits: 8, now: 0 }) ?? table();
    expect(applyTold(pinged, [r(254), r(253)], 254, [], { self: 50, idBits: 8, now: 0 })).toBeUndefined();
    expect(ids(applyTold(pinged, [r(254), r(253)], 254, [], { self: 50, idBits: 8, now: 0 }, true) ?? table())).toEqual([254, 253]);
  });

  it('is refused from a stranger', () => {
    expect(applyTold(table(90, 80), [r(50), r(40)], 50, [], ctx())).toBeUndefined();
    expect(applyTold(table(90, 80), [r(50), r(40)], 50, [45], ctx())).toBeUndefined();
  });

  it('is taken by a peer that knows none (a newcomer), without itself or the gone peer', () => {
    expect(ids(applyTold(emptyPredecessors<Ref>(), [r(100), r(70)], 70, [], ctx()) ?? table())).toEqual([undefined, 70]);
    expect(ids(applyTold(table(90), [r(90), r(90)], 90, [], ctx()) ?? table())).toEqual([90, undefined]);
  });
});

describe('predecessor expiry', () => {
  it('drops exactly the entries silent for longer than the bound', () => {
    const t: PredecessorTable<Ref> = [
      { ref: r(90), seenAt: 1000 },
      { ref: r(80), seenAt: 3000 },
    ];
    expect(expirePredecessors(t, 2500, 3500).dropped).toEqual([]);
    const out = expirePredecessors(t, 2500, 3600);
    expect(out.dropped.map((x) => x.id)).toEqual([90]);
    expect(ids(out.table)).toEqual([undefined, 80]);
  });
});
