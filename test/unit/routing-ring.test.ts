import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { RoutingLoopError, UnknownPeerError } from '../../src/routing/errors.js';
import { lowerBound, ownerOf, ringSize } from '../../src/routing/ids.js';
import { nextHop } from '../../src/routing/next-hop.js';
import { ringListNextHop, ringNextHop } from '../../src/routing/ring.js';
import { buildViews, randomMembership, runLookups, simulateLookup } from '../../src/routing/simulator.js';
import { ROUTING_MODES, type RoutingView } from '../../src/routing/types.js';
import { createPrng, testSeed } from '../fixtures/prng.js';

/** The course's example ring, m = 8, two successors. */
const COURSE = [2, 4, 5, 8, 9, 14, 19];
/** The course's file 2067 hashes to 2067 mod 256 = 19. */
const KEY_2067 = 2067 % 256;

describe('the course ring', () => {
  const views = buildViews(COURSE, 8, 2, 'ring');

  it('walks one successor per hop: Store 2067 from 8 goes 8→9→14→19', () => {
    expect(simulateLookup('ring', views, 8, KEY_2067)).toEqual({ owner: 19, hops: 3, path: [8, 9, 14, 19] });
    expect(simulateLookup('ring', views, 2, 7)).toEqual({ owner: 8, hops: 3, path: [2, 4, 5, 8] });
    expect(simulateLookup('ring', views, 19, 220)).toEqual({ owner: 2, hops: 1, path: [19, 2] });
    expect(simulateLookup('ring', views, 9, 0)).toEqual({ owner: 2, hops: 3, path: [9, 14, 19, 2] });
    expect(simulateLookup('ring', views, 19, 19)).toEqual({ owner: 19, hops: 0, path: [19] });
    expect(simulateLookup('ring', views, 2, 220)).toEqual({ owner: 2, hops: 0, path: [2] });
  });

  it('decides local, final and onward at one peer', () => {
    const at8 = views.get(8) as RoutingView;
    expect(ringNextHop(at8, 8)).toEqual({ kind: 'local' });
    expect(ringNextHop(at8, 6)).toEqual({ kind: 'local' });
    expect(ringNextHop(at8, 9)).toEqual({ kind: 'forward', to: 9, final: true });
    expect(ringNextHop(at8, 10)).toEqual({ kind: 'forward', to: 9, final: false });
    expect(ringNextHop(at8, 5)).toEqual({ kind: 'forward', to: 9, final: false });
  });

  it('skips through the successor list with ring-list: 8→14→19 and 2→5→8', () => {
    const listViews = buildViews(COURSE, 8, 2, 'ring-list');
    expect(simulateLookup('ring-list', listViews, 8, KEY_2067)).toEqual({ owner: 19, hops: 2, path: [8, 14, 19] });
    expect(simulateLookup('ring-list', listViews, 2, 7)).toEqual({ owner: 8, hops: 2, path: [2, 5, 8] });
    const at8 = listViews.get(8) as RoutingView;
    expect(ringListNextHop(at8, 12)).toEqual({ kind: 'forward', to: 14, final: true });
    expect(ringListNextHop(at8, 15)).toEqual({ kind: 'forward', to: 14, final: false });
  });

  it('goes all the way round when the origin owns the key but does not know its predecessor', () => {
    const blind = new Map(views);
    blind.set(8, { self: 8, idBits: 8, successors: [9, 14] });
    expect(simulateLookup('ring', blind, 8, 7)).toEqual({ owner: 8, hops: 7, path: [8, 9, 14, 19, 2, 4, 5, 8] });
    expect(simulateLookup('ring', blind, 8, 8)).toMatchObject({ owner: 8, hops: 0 });
  });
});

describe('small and odd views', () => {
  it('a lone peer owns every key in every mode', () => {
    for (const mode of ROUTING_MODES) {
      const views = buildViews([42], 8, 2, mode);
      for (const key of [0, 41, 42, 43, 255]) {
        expect(simulateLookup(mode, views, 42, key)).toEqual({ owner: 42, hops: 0, path: [42] });
      }
      expect(nextHop(mode, { self: 42, idBits: 8, successors: [] }, 7)).toEqual({ kind: 'local' });
    }
  });

  it('ignores a successor list that wraps back to self', () => {
    const view: RoutingView = { self: 10, idBits: 8, successors: [20, 30, 10, 20] };
    expect(ringListNextHop(view, 25)).toEqual({ kind: 'forward', to: 30, final: true });
    expect(ringListNextHop(view, 5)).toEqual({ kind: 'forward', to: 30, final: false });
  });

  it('names a loop beyond maxHops and a hop to a peer without a view', () => {
    const views = buildViews(COURSE, 8, 2, 'ring');
    expect(() => simulateLookup('ring', views, 8, KEY_2067, 2)).toThrow(RoutingLoopError);
    const partial = new Map(views);
    partial.delete(14);
    expect(() => simulateLookup('ring', partial, 8, KEY_2067)).toThrow(UnknownPeerError);
    expect(() => simulateLookup('ring', partial, 9, 12)).toThrow(UnknownPeerError);
  });
});

/** Clockwise count of peers from the origin to the owner of `key` in `ids`. */
function peerSteps(ids: readonly number[], origin: number, key: number): number {
  const n = ids.length;
  return (lowerBound(ids, ownerOf(ids, key)) - lowerBound(ids, origin) + n) % n;
}

describe('ring properties on random memberships', () => {
  it('ring takes exactly the peer steps, ring-list ceil(steps / r), both ending at the owner', () => {
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
          const views = buildViews(ids, idBits, r, 'ring-list');
          const skip = Math.min(r, Math.max(1, n - 1));
          for (let i = 0; i < 10; i++) {
            const origin = ids[prng.nextInt(n)] as number;
            const key = prng.nextInt(ringSize(idBits));
            const steps = peerSteps(ids, origin, key);
            const ring = simulateLookup('ring', views, origin, key);
            const list = simulateLookup('ring-list', views, origin, key);
            expect(ring.owner).toBe(ownerOf(ids, key));
            expect(list.owner).toBe(ownerOf(ids, key));
            expect(ring.hops).toBe(steps);
            expect(ring.hops).toBeLessThanOrEqual(n);
            expect(list.hops).toBe(Math.ceil(steps / skip));
          }
        },
      ),
      { numRuns: 60 },
    );
  });
});

describe('mean hops', () => {
  const seed = testSeed(2024);
  for (const n of [256, 1024]) {
    it(`ring ≈ N/2 and ring-list ≈ N/(2r) for N = ${n} (within 15%)`, () => {
      const ring = runLookups({ mode: 'ring', idBits: 32, n, r: 2, keys: 1000, seed });
      expect(Math.abs(ring.mean / (n / 2) - 1), `seed ${seed}: ring mean ${ring.mean}`).toBeLessThan(0.15);
      for (const r of [2, 4, 8]) {
        const list = runLookups({ mode: 'ring-list', idBits: 32, n, r, keys: 1000, seed });
        const why = `seed ${seed}: ring-list r ${r} mean ${list.mean}`;
        expect(Math.abs(list.mean / (n / (2 * r)) - 1), why).toBeLessThan(0.15);
      }
    });
  }
});
