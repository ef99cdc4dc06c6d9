/**
 * The pure side of the floor comparisons (bench/floor-math.ts): ratios and
 * verdicts against the targets, summaries, the floor's frames split
 * anywhere, and the lines of the costs table. No timing.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { CostsResults } from '../../bench/costs.bench.js';
import {
  compareToFloor,
  costLines,
  encodeFrame,
  FrameCounter,
  ISSUE_13_TARGETS,
  ratioText,
  summarize,
  verdict,
} from '../../bench/floor-math.js';

describe('compareToFloor', () => {
  it('gives the ratio to the floor and whether the target is met', () => {
    expect(compareToFloor(1.5, 0.5, 3)).toEqual({ value: 1.5, floor: 0.5, ratio: 3, target: 3, met: true });
    expect(compareToFloor(4, 2, 3).met).toBe(false);
    expect(compareToFloor(3, 2, 3).met).toBe(true); // at the target is within it
  });

  it('has no verdict without a target, and no ratio without a positive floor', () => {
    const c = compareToFloor(90, 0);
    expect(c.ratio).toBeNaN();
    expect(c.met).toBeUndefined();
    expect(verdict(c)).toBe('—');
    expect(compareToFloor(Number.NaN, 1, 3).met).toBeUndefined();
  });

  it('shows a ratio over a floor of nothing as infinite, and none as a dash', () => {
    expect(ratioText(compareToFloor(0.4, 0))).toBe('∞ (floor 0)');
    expect(ratioText(compareToFloor(0, 0))).toBe('—');
    expect(ratioText(compareToFloor(3, 2))).toBe('1.5');
  });

  it('says met or not met', () => {
    expect(verdict(compareToFloor(0.1, 0.01, ISSUE_13_TARGETS.idleCpuPercent))).toBe('met');
    expect(verdict(compareToFloor(0.9, 0.01, ISSUE_13_TARGETS.idleCpuPercent))).toBe('not met');
  });
});

describe('summarize', () => {
  it('gives count, median, p90 and range', () => {
    expect(summarize([5, 1, 4, 2, 3, 6, 7, 8, 9, 10])).toEqual({ n: 10, median: 5.5, p90: 9, min: 1, max: 10 });
  });

  it('is NaN for nothing', () => {
    const s = summarize([]);
    expect(s.n).toBe(0);
    expect([s.median, s.p90, s.min, s.max].every(Number.isNaN)).toBe(true);
  });
});

describe('FrameCounter', () => {
  it('counts frames of any length, the stream cut anywhere', () => {
    fc.assert(
      fc.property(
        fc.array(fc.nat({ max: 300 }), { minLength: 1, maxLength: 20 }),
        fc.array(fc.integer({ min: 1, max: 64 }), { minLength: 1, maxLength: 50 }),
        (lengths, cuts) => {
          const stream = Buffer.concat(lengths.map((n) => encodeFrame(Buffer.alloc(n, 7))));
          const counter = new FrameCounter();
          let frames = 0;
          let at = 0;
          for (let i = 0; at < stream.length; i++) {
            const step = cuts[i % cuts.length] ?? 1;
            frames += counter.push(stream.subarray(at, at + step));
            at += step;
          }
          expect(frames).toBe(lengths.length);
        },
      ),
      { seed: 13 },
    );
  });

  it('writes the length big-endian in front', () => {
    expect([...encodeFrame(Buffer.from([9, 8]))]).toEqual([0, 0, 0, 2, 9, 8]);
  });
});

describe('costLines', () => {
  it('lists idle CPU and RSS per routing, start-up and the small file, in that order', () => {
    const c = compareToFloor(1, 1);
    const results = {
      idle: [
        { routing: 'ring', peers: 4, cpu: c, rss: c },
        { routing: 'chord', peers: 4, cpu: c, rss: c },
      ],
      startup: { peers: 64, startup: c },
      smallFile: { bytes: 1024, hops: 2, median: c, p90: c },
    } as unknown as CostsResults;
    expect(costLines(results).map((l) => l.metric)).toEqual([
      'idle CPU per peer, ring, 4 peers',
      'idle CPU per peer, chord, 4 peers',
      'RSS per peer, ring',
      'RSS per peer, chord',
      'start-up, 64 peers at once until all pinged',
      'Request of a 1024 B file, 2 hops, median',
      'Request of a 1024 B file, 2 hops, p90',
    ]);
  });
});
