import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BURST_MAX, BURST_MIN, MIN_LIVE_PEERS } from '../../src/chaos/constants.js';
import { FaultPlanner, involved, isExclusive, type PlanStep } from '../../src/chaos/plan.js';
import { randomMembership } from '../../src/routing/simulator.js';
import { createPrng, testSeed } from '../fixtures/prng.js';

/** `count` steps of a plan over `peers` random members. */
function plan(seed: number, peers: number, r: number, count: number): { initial: number[]; steps: PlanStep[]; planner: FaultPlanner } {
  const initial = randomMembership(createPrng(seed), peers, 8);
  const planner = new FaultPlanner(createPrng(seed + 1), initial, { peers, successors: r, idBits: 8 });
  return { initial, steps: Array.from({ length: count }, () => planner.next()), planner };
}

const downs = (s: PlanStep): number[] => (s.fault.kind === 'burst' ? [] : [s.fault.peer]);

describe('the fault plan', () => {
  const seed = testSeed(20261211);

  it('draws the same faults from the same seed', () => {
    expect(plan(seed, 24, 2, 200).steps).toEqual(plan(seed, 24, 2, 200).steps);
    expect(plan(seed, 24, 2, 50).steps).not.toEqual(plan(seed + 7, 24, 2, 50).steps);
  });

  it('keeps at most r - 1 faults at once, on distinct peers, with at least four peers up, within floor and cap', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 31 }), fc.integer({ min: 2, max: 4 }), fc.integer({ min: 0, max: 30 }), (s, r, extra) => {
        const peers = MIN_LIVE_PEERS + r + extra;
        const initial = randomMembership(createPrng(s), peers, 8);
        const planner = new FaultPlanner(createPrng(s + 1), initial, { peers, successors: r, idBits: 8 });
        const members = new Set(initial);
        // The faults that may still run beside the next one: the runner's first-in-first-out rule.
        let window: PlanStep[] = [];
        for (let i = 0; i < 150; i++) {
          const step = planner.next();
          const f = step.fault;
          if (isExclusive(f)) {
            window = [];
            if (f.kind === 'burst') {
              expect(f.joins.length).toBeGreaterThanOrEqual(BURST_MIN);
              expect(f.joins.length).toBeLessThanOrEqual(BURST_MAX);
              for (const j of f.joins) {
                expect(members.has(j.peer), `newcomer ${j.peer} seed ${s}`).toBe(false);
                expect(members.has(j.via), `via ${j.via} seed ${s}`).toBe(true);
              }
              for (const j of f.joins) members.add(j.peer);
            }
          } else {
            const busy = window.flatMap((w) => involved(w.fault));
            for (const p of involved(f)) {
              expect(members.has(p), `peer ${p} of step ${i} is a member, seed ${s}`).toBe(true);
              expect(busy, `step ${i} seed ${s}`).not.toContain(p);
            }
            const down = new Set([...window.flatMap(downs), ...downs(step)]);
            expect(down.size).toBeLessThanOrEqual(r - 1);
            expect(members.size - down.size, `peers up at step ${i}, seed ${s}`).toBeGreaterThanOrEqual(MIN_LIVE_PEERS);
            if (f.kind === 'quit' || (f.kind === 'kill' && f.restart === undefined)) members.delete(f.peer);
            window = r - 2 > 0 ? [...window, step].slice(-(r - 2)) : [];
          }
          expect(members.size).toBeGreaterThanOrEqual(planner.floor);
          expect(members.size).toBeLessThanOrEqual(planner.cap);
          expect(planner.membership()).toEqual([...members].sort((a, b) => a - b));
        }
      }),
      { numRuns: 25, seed },
    );
  });

  it('draws every kind of fault, and restarts both ways', () => {
    const { steps } = plan(seed, 24, 2, 400);
    const kinds = new Set(steps.map((s) => (s.fault.kind === 'kill' ? `kill-${s.fault.restart?.how ?? 'gone'}` : s.fault.kind)));
    expect([...kinds].sort()).toEqual(['burst', 'freeze', 'kill-gone', 'kill-init', 'kill-join', 'quit']);
  });
});
