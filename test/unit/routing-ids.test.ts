import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { buildFingers, fingerStarts } from '../../src/routing/chord.js';
import { distance, inOpen, inOpenClosed, ownerOf, ringSize, validateIdBits } from '../../src/routing/ids.js';
import { predecessorOf, successorList } from '../../src/routing/ring.js';
import { randomMembership } from '../../src/routing/simulator.js';
import { createPrng } from '../fixtures/prng.js';

/** The course's example ring, m = 8. */
const COURSE = [2, 4, 5, 8, 9, 14, 19];
const TOP32 = 2 ** 32 - 1;

describe('ring arithmetic', () => {
  it('sizes the ring and measures clockwise distance across the wrap', () => {
    expect(ringSize(8)).toBe(256);
    expect(ringSize(32)).toBe(2 ** 32);
    expect(distance(2, 19, 8)).toBe(17);
    expect(distance(250, 3, 8)).toBe(9);
    expect(distance(7, 7, 8)).toBe(0);
    expect(distance(TOP32, 0, 32)).toBe(1);
    expect(distance(0, TOP32, 32)).toBe(TOP32);
  });

  it('(a, b] excludes a, includes b, wraps, and is the whole ring when a == b', () => {
    expect(inOpenClosed(5, 2, 8, 8)).toBe(true);
    expect(inOpenClosed(8, 2, 8, 8)).toBe(true);
    expect(inOpenClosed(2, 2, 8, 8)).toBe(false);
    expect(inOpenClosed(9, 2, 8, 8)).toBe(false);
    expect(inOpenClosed(220, 19, 2, 8)).toBe(true);
    expect(inOpenClosed(0, 19, 2, 8)).toBe(true);
    expect(inOpenClosed(2, 19, 2, 8)).toBe(true);
    expect(inOpenClosed(19, 19, 2, 8)).toBe(false);
    expect(inOpenClosed(10, 19, 2, 8)).toBe(false);
    expect(inOpenClosed(0, TOP32, 5, 32)).toBe(true);
    expect(inOpenClosed(TOP32, TOP32 - 1, 0, 32)).toBe(true);
    for (const x of [0, 7, 8, 255]) expect(inOpenClosed(x, 7, 7, 8)).toBe(true);
  });

  it('(a, b) excludes both ends, wraps, and is the ring minus a when a == b', () => {
    expect(inOpen(5, 2, 8, 8)).toBe(true);
    expect(inOpen(8, 2, 8, 8)).toBe(false);
    expect(inOpen(2, 2, 8, 8)).toBe(false);
    expect(inOpen(255, 250, 3, 8)).toBe(true);
    expect(inOpen(0, 250, 3, 8)).toBe(true);
    expect(inOpen(3, 250, 3, 8)).toBe(false);
    expect(inOpen(100, 250, 3, 8)).toBe(false);
    expect(inOpen(0, TOP32, 1, 32)).toBe(true);
    expect(inOpen(7, 7, 7, 8)).toBe(false);
    for (const x of [0, 6, 8, 255]) expect(inOpen(x, 7, 7, 8)).toBe(true);
  });

  it('agrees with walking the ring, for every a, b and x of a 6-bit ring', () => {
    // The helpers only take the width as a modulus, so a small ring checks every case quickly.
    const bits = 6;
    const size = 2 ** bits;
    for (let a = 0; a < size; a++) {
      for (let b = 0; b < size; b++) {
        // Walk clockwise from a + 1 until b is reached: the members of (a, b].
        const member = new Array<boolean>(size).fill(false);
        let x = a;
        do {
          x = (x + 1) % size;
          member[x] = true;
        } while (x !== b);
        for (let y = 0; y < size; y++) {
          if (inOpenClosed(y, a, b, bits) !== member[y]) expect.fail(`inOpenClosed(${y}, ${a}, ${b})`);
          if (inOpen(y, a, b, bits) !== (member[y] && y !== b)) expect.fail(`inOpen(${y}, ${a}, ${b})`);
        }
      }
    }
  });

  it('on 32-bit rings: (a, b] and (b, a] split the ring, and shifting all three changes nothing', () => {
    const id = fc.nat({ max: TOP32 });
    fc.assert(
      fc.property(id, id, id, id, (x, a, b, shift) => {
        fc.pre(a !== b);
        expect(inOpenClosed(x, a, b, 32)).not.toBe(inOpenClosed(x, b, a, 32));
        expect(inOpenClosed(x, a, b, 32)).toBe(inOpen(x, a, b, 32) || x === b);
        const s = (v: number): number => (v + shift) % 2 ** 32;
        expect(inOpenClosed(s(x), s(a), s(b), 32)).toBe(inOpenClosed(x, a, b, 32));
        expect(inOpen(s(x), s(a), s(b), 32)).toBe(inOpen(x, a, b, 32));
      }),
      { numRuns: 2000 },
    );
  });
});

describe('owners', () => {
  it('finds the closest successor on the course ring, wrapping past the top', () => {
    expect(ownerOf(COURSE, 19)).toBe(19);
    expect(ownerOf(COURSE, 7)).toBe(8);
    expect(ownerOf(COURSE, 220)).toBe(2);
    expect(ownerOf(COURSE, 0)).toBe(2);
    expect(ownerOf(COURSE, 2)).toBe(2);
    expect(ownerOf(COURSE, 3)).toBe(4);
    expect(ownerOf([42], 7)).toBe(42);
    expect(() => ownerOf([], 7)).toThrow(RangeError);
  });

  it('agrees with a linear scan on random memberships', () => {
    fc.assert(
      fc.property(fc.integer({ min: 8, max: 32 }), fc.integer({ min: 1, max: 300 }), fc.nat(), (idBits, n, seed) => {
        const prng = createPrng(seed);
        const ids = randomMembership(prng, Math.min(n, ringSize(idBits)), idBits);
        for (let i = 0; i < 20; i++) {
          const key = prng.nextInt(ringSize(idBits));
          expect(ownerOf(ids, key)).toBe(ids.find((id) => id >= key) ?? ids[0]);
        }
      }),
    );
  });
});

describe('--id-bits', () => {
  it('accepts 8 to 32 and rejects the rest with a RangeError naming the option', () => {
    expect(() => validateIdBits(8)).not.toThrow();
    expect(() => validateIdBits(32)).not.toThrow();
    for (const bad of [7, 33, 8.5, Number.NaN, -1]) {
      expect(() => validateIdBits(bad)).toThrow(RangeError);
      expect(() => validateIdBits(bad)).toThrow(/--id-bits/);
    }
  });
});

describe('fingers, successor lists, predecessors', () => {
  it('starts fingers at self + 2^i, wrapping', () => {
    expect(fingerStarts(8, 8)).toEqual([9, 10, 12, 16, 24, 40, 72, 136]);
    expect(fingerStarts(250, 8)).toEqual([251, 252, 254, 2, 10, 26, 58, 122]);
    expect(fingerStarts(TOP32, 32)[0]).toBe(0);
    expect(fingerStarts(0, 32)[31]).toBe(2 ** 31);
  });

  it('builds perfect fingers from full membership', () => {
    expect(buildFingers(COURSE, 8, 8)).toEqual([9, 14, 14, 19, 2, 2, 2, 2]);
    expect(buildFingers(COURSE, 2, 8)).toEqual([4, 4, 8, 14, 19, 2, 2, 2]);
    expect(buildFingers([42], 42, 8)).toEqual(new Array(8).fill(42));
  });

  it('lists successors clockwise, wrapping, never self, and a lone peer as its own', () => {
    expect(successorList(COURSE, 8, 2)).toEqual([9, 14]);
    expect(successorList(COURSE, 19, 2)).toEqual([2, 4]);
    expect(successorList(COURSE, 14, 3)).toEqual([19, 2, 4]);
    expect(successorList([1, 5, 9], 5, 8)).toEqual([9, 1]);
    expect(successorList([42], 42, 2)).toEqual([42]);
    expect(successorList(COURSE, 10, 2)).toEqual([14, 19]); // a joining peer, not yet a member
  });

  it('finds predecessors, wrapping, and a lone peer as its own', () => {
    expect(predecessorOf(COURSE, 8)).toBe(5);
    expect(predecessorOf(COURSE, 2)).toBe(19);
    expect(predecessorOf(COURSE, 10)).toBe(9);
    expect(predecessorOf([42], 42)).toBe(42);
  });
});

describe('seeded PRNG and random memberships', () => {
  it('replays the same sequence from the same seed, and another from another', () => {
    const a = createPrng(7);
    const b = createPrng(7);
    const c = createPrng(8);
    const seqA = Array.from({ length: 10 }, () => a.nextU32());
    expect(Array.from({ length: 10 }, () => b.nextU32())).toEqual(seqA);
    expect(Array.from({ length: 10 }, () => c.nextU32())).not.toEqual(seqA);
  });

  it('draws integers and floats in range, roughly uniform', () => {
    const seed = 12345;
    const prng = createPrng(seed);
    const counts = new Array<number>(10).fill(0);
    let outOfRange = 0;
    for (let i = 0; i < 10_000; i++) {
      const u = prng.nextU32();
      const f = prng.float();
      const w = prng.nextInt(2 ** 32);
      if (!Number.isInteger(u) || u < 0 || u >= 2 ** 32 || f < 0 || f >= 1 || w >= 2 ** 32) outOfRange += 1;
      if (prng.nextInt(1) !== 0) outOfRange += 1;
      const k = prng.nextInt(10);
      counts[k] = (counts[k] ?? 0) + 1;
    }
    expect(outOfRange, `seed ${seed}`).toBe(0);
    for (const count of counts) expect(Math.abs(count - 1000), `seed ${seed}: ${counts.join(',')}`).toBeLessThan(150);
    expect(() => prng.nextInt(0)).toThrow(RangeError);
    expect(() => prng.nextInt(2 ** 32 + 1)).toThrow(RangeError);
  });

  it('builds memberships of n distinct sorted IDs, sparse or dense', () => {
    fc.assert(
      fc.property(fc.integer({ min: 8, max: 32 }), fc.integer({ min: 1, max: 4096 }), fc.nat(), (idBits, n0, seed) => {
        const n = Math.min(n0, ringSize(idBits));
        const ids = randomMembership(createPrng(seed), n, idBits);
        expect(ids).toHaveLength(n);
        const inRange = (id: number): boolean => Number.isInteger(id) && id >= 0 && id < ringSize(idBits);
        const bad = ids.filter((id, i) => !inRange(id) || (i > 0 && id <= (ids[i - 1] as number)));
        expect(bad).toEqual([]);
      }),
      { numRuns: 50 },
    );
    expect(randomMembership(createPrng(1), 256, 8)).toEqual(Array.from({ length: 256 }, (_, i) => i));
    expect(() => randomMembership(createPrng(1), 257, 8)).toThrow(RangeError);
    expect(() => randomMembership(createPrng(1), 0, 8)).toThrow(RangeError);
  });
});
