/**
 * A tiny seeded pseudo-random generator for simulations and tests: sfc32
 * ("Small Fast Counting", Chris Doty-Humphrey's PractRand), as ported to
 * JavaScript by bryc (github.com/bryc/code, jshash/PRNGs.md). 128-bit state,
 * period at least 2^32, passes PractRand; not for cryptography.
 */

/** A source of pseudo-random numbers. */
export interface Prng {
  /** Next unsigned 32-bit integer, uniform in [0, 2^32). */
  nextU32(): number;
  /** Uniform integer in [0, maxExclusive), maxExclusive an integer in 1..2^32. Unbiased. */
  nextInt(maxExclusive: number): number;
  /** Uniform float in [0, 1), with 32 random bits. */
  float(): number;
}

const TWO_32 = 2 ** 32;

/** An sfc32 generator seeded from `seed` (any number; it is reduced to 32 bits). */
export function createPrng(seed: number): Prng {
  // Constant words as bryc suggests, the seed in d, then 15 rounds to mix it in.
  let a = 0x9e3779b9;
  let b = 0x243f6a88;
  let c = 0xb7e15162;
  let d = (seed ^ 0xdeadbeef) | 0;
  const nextU32 = (): number => {
    const t = (((a + b) | 0) + d) | 0;
    d = (d + 1) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    c = (c + t) | 0;
    return t >>> 0;
  };
  for (let i = 0; i < 15; i++) nextU32();
  return {
    nextU32,
    nextInt(maxExclusive: number): number {
      if (!Number.isInteger(maxExclusive) || maxExclusive < 1 || maxExclusive > TWO_32) {
        throw new RangeError(`nextInt bound must be an integer in 1..2^32, got ${String(maxExclusive)}`);
      }
      // Rejection sampling: drop the top partial block of 2^32 so every residue is equally likely.
      const limit = TWO_32 - (TWO_32 % maxExclusive);
      for (;;) {
        const x = nextU32();
        if (x < limit) return x % maxExclusive;
      }
    },
    float: (): number => nextU32() / TWO_32,
  };
}

/** A fresh 32-bit seed from Math.random, for runs that print the seed they used. */
export function randomSeed(): number {
  return Math.floor(Math.random() * TWO_32);
}
