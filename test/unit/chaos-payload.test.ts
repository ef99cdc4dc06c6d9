import { describe, expect, it } from 'vitest';
import { sampleKeys } from '../../src/chaos/checks.js';
import { drawNames, drawSize, randomBytes } from '../../src/chaos/payload.js';
import { createPrng, testSeed } from '../fixtures/prng.js';

describe('chaos payload', () => {
  const seed = testSeed(20261211);

  it('draws distinct four-digit names, sizes from 1 B to the maximum, the same bytes from the same seed', () => {
    const prng = createPrng(seed);
    const names = drawNames(prng, 500);
    expect(new Set(names).size, `seed ${seed}`).toBe(500);
    for (const n of names) expect(n).toMatch(/^\d{4}$/);
    const sizes = Array.from({ length: 2000 }, () => drawSize(prng, 3 << 20));
    expect(Math.min(...sizes)).toBeGreaterThanOrEqual(1);
    expect(Math.max(...sizes)).toBeLessThanOrEqual(3 << 20);
    // Log-uniform: about as many below 2 KiB as above 2 KiB (ln 2048 / ln 3 MiB is about half).
    const small = sizes.filter((s) => s < 2048).length / sizes.length;
    expect(small, `seed ${seed}`).toBeGreaterThan(0.4);
    expect(small, `seed ${seed}`).toBeLessThan(0.6);
    expect(randomBytes(createPrng(seed), 13)).toEqual(randomBytes(createPrng(seed), 13));
    expect(randomBytes(createPrng(seed), 13)).toHaveLength(13);
    expect(drawSize(createPrng(seed), 1)).toBe(1);
  });

  it('samples lookup keys at the edges of the ring and at random', () => {
    const ring = [2, 4, 5, 8, 9, 14, 19];
    const keys = sampleKeys(createPrng(seed), ring, 8);
    expect(keys).toHaveLength(8);
    expect(new Set(keys).size).toBe(8);
    expect(
      keys.some((k) => ring.includes(k) || ring.includes((k + 255) % 256)),
      `seed ${seed}`,
    ).toBe(true);
  });
});
