import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { WrongOwnerError } from '../../src/routing/errors.js';
import { buildAllFingers, buildFingers, chordNextHop, closestPrecedingNode } from '../../src/routing/chord.js';
import { ownerOf, ringSize } from '../../src/routing/ids.js';
import { nextHop } from '../../src/routing/next-hop.js';
import { ringListNextHop, ringNextHop } from '../../src/routing/ring.js';
import { buildViews, randomMembership, runLookups, simulateLookup } from '../../src/routing/simulator.js';
import type { RoutingView } from '../../src/routing/types.js';
import { createPrng, testSeed } from '../fixtures/prng.js';

/** The course's example ring, m = 8, two successors. */
const COURSE = [2, 4, 5, 8, 9, 14, 19];

describe('chord on the course ring', () => {
  const views = buildViews(COURSE, 8, 2, 'chord');

  it('jumps by fingers, then takes the successor step', () => {
    expect(simulateLookup('chord', views, 8, 2067 % 256)).toEqual({ owner: 19, hops: 2, path: [8, 14, 19] });
    // Fingers of 2 reach 4 at best below 7; the successor list offers 5.
    expect(simulateLookup('chord', views, 2, 7)).toEqual({ owner: 8, hops: 2, path: [2, 5, 8] });
    expect(simulateLookup('chord', views, 4, 220)).toEqual({ owner: 2, hops: 3, path: [4, 14, 19, 2] });
    expect(simulateLookup('chord', views, 19, 0)).toEqual({ owner: 2, hops: 1, path: [19, 2] });
    expect(simulateLookup('chord', views, 5, 5)).toEqual({ owner: 5, hops: 0, path: [5] });
  });

  it('picks the closest preceding node among fingers and successors, skipping unknown fingers', () => {
    const at8 = views.get(8) as RoutingView;
    expect(closestPrecedingNode(at8, 19)).toBe(14);
    expect(closestPrecedingNode(at8, 100)).toBe(19);
    expect(closestPrecedingNode(at8, 9)).toBeUndefined();
    const fingers = [9, undefined, undefined, 19, undefined];
    const sparse: RoutingView = { self: 8, idBits: 8, successors: [9], fingers };
    expect(closestPrecedingNode(sparse, 18)).toBe(9);
    expect(chordNextHop(sparse, 100)).toEqual({ kind: 'forward', to: 19, final: false });
    expect(chordNextHop(sparse, 9)).toEqual({ kind: 'forward', to: 9, final: true });
    expect(chordNextHop(sparse, 8)).toEqual({ kind: 'local' });
  });

  it('nextHop dispatches to the function of each mode', () => {
    for (const view of views.values()) {
      for (const key of [0, 3, 7, 8, 19, 100, 255]) {
        expect(nextHop('ring', view, key)).toEqual(ringNextHop(view, key));
        expect(nextHop('ring-list', view, key)).toEqual(ringListNextHop(view, key));
        expect(nextHop('chord', view, key)).toEqual(chordNextHop(view, key));
      }
    }
  });
});

describe('chord properties on random memberships', () => {
  it('builds all fingers in one sweep exactly as per-peer binary search does', () => {
    fc.assert(
      fc.property(fc.integer({ min: 8, max: 32 }), fc.integer({ min: 1, max: 300 }), fc.nat(), (idBits, n0, seed) => {
        const ids = randomMembership(createPrng(seed), Math.min(n0, ringSize(idBits)), idBits);
        expect(buildAllFingers(ids, idBits)).toEqual(ids.map((id) => buildFingers(ids, id, idBits)));
      }),
      { numRuns: 60 },
    );
    expect(buildAllFingers(COURSE, 8)[3]).toEqual([9, 14, 14, 19, 2, 2, 2, 2]);
  });

  it('ends at the owner within m finger hops plus the successor step', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 8, max: 32 }),
        fc.integer({ min: 1, max: 4096 }),
        fc.integer({ min: 1, max: 8 }),
        fc.nat(),
        (idBits, want, r, seed) => {
          const prng = createPrng(seed);
          const n = Math.min(want, ringSize(idBits));
          const ids = randomMembership(prng, n, idBits);
          const views = buildViews(ids, idBits, r, 'chord');
          for (let i = 0; i < 20; i++) {
            const origin = ids[prng.nextInt(n)] as number;
            const key = prng.nextInt(ringSize(idBits));
            const { owner, hops } = simulateLookup('chord', views, origin, key);
            expect(owner).toBe(ownerOf(ids, key));
            expect(hops).toBeLessThanOrEqual(idBits + 1);
          }
        },
      ),
      { numRuns: 60 },
    );
  });

  it('still ends at the owner when fingers are missing or wrong, as long as successors are right', () => {
    fc.assert(
      fc.property(fc.integer({ min: 8, max: 32 }), fc.integer({ min: 1, max: 512 }), fc.nat(), (idBits, n0, seed) => {
        const prng = createPrng(seed);
        const n = Math.min(n0, ringSize(idBits));
        const ids = randomMembership(prng, n, idBits);
        const views = new Map<number, RoutingView>();
        for (const [id, view] of buildViews(ids, idBits, 1, 'chord')) {
          // Each finger is kept, forgotten, or replaced by any peer at random.
          const fingers = (view.fingers ?? []).map((f) => {
            const roll = prng.nextInt(3);
            return roll === 0 ? f : roll === 1 ? undefined : ids[prng.nextInt(n)];
          });
          views.set(id, { ...view, fingers });
        }
        for (let i = 0; i < 20; i++) {
          const origin = ids[prng.nextInt(n)] as number;
          const key = prng.nextInt(ringSize(idBits));
          const { owner, hops } = simulateLookup('chord', views, origin, key);
          expect(owner).toBe(ownerOf(ids, key));
          expect(hops).toBeLessThanOrEqual(n);
        }
      }),
      { numRuns: 60 },
    );
  });

  it('runLookups reports consistent statistics; its guard error carries a name and code', () => {
    const stats = runLookups({ mode: 'chord', idBits: 16, n: 100, r: 2, keys: 500, seed: 9 });
    expect(stats.hops).toHaveLength(500);
    expect(stats.p50).toBeLessThanOrEqual(stats.p99);
    expect(stats.p99).toBeLessThanOrEqual(stats.max);
    expect(stats.max).toBe(Math.max(...stats.hops));
    expect(new WrongOwnerError('x')).toMatchObject({ name: 'WrongOwnerError', code: 'ERR_ROUTING_WRONG_OWNER' });
  });
});

describe('chord mean hops vs (1/2)·log2(N) + 1', () => {
  const seed = testSeed(2024);
  // The textbook count: about (1/2)·log2(N) finger hops to the key's predecessor, plus the final hop.
  for (const n of [256, 1024, 4096]) {
    it(`N = ${n}: within 10% with one or two successors; a longer list only shortens it`, () => {
      const theory = Math.log2(n) / 2 + 1;
      const means: number[] = [];
      for (const r of [1, 2, 8]) {
        const { mean } = runLookups({ mode: 'chord', idBits: 32, n, r, keys: 2000, seed });
        means.push(mean);
        const why = `seed ${seed}, r ${r}: mean ${mean}, theory ${theory}`;
        if (r <= 2) expect(Math.abs(mean / theory - 1), why).toBeLessThan(0.1);
      }
      // Same membership, origins and keys for every r: more successors, fewer hops.
      const [r1, r2, r8] = means as [number, number, number];
      expect(r2, `seed ${seed}: means ${means.join(', ')}`).toBeLessThanOrEqual(r1);
      expect(r8, `seed ${seed}: means ${means.join(', ')}`).toBeLessThan(r2);
    });
  }
});
