/**
 * The options of bench:costs (bench/costs.bench.ts) and bench:latency: the
 * quick preset, the flags over the defaults, bad values named, and the spread
 * of the start-up IDs. No peer is started here.
 */
import { describe, expect, it } from 'vitest';
import { costsOptionsFromArgs, DEFAULT_COSTS_OPTIONS, QUICK_COSTS_OPTIONS, spreadIds } from '../../bench/costs.bench.js';
import { DEFAULT_LIVE } from '../../bench/hops.bench.js';
import { DEFAULT_HOP_FLOOR, latencyOptionsFromArgs } from '../../bench/latency.bench.js';

describe('costsOptionsFromArgs', () => {
  it('is the defaults without flags, the quick preset with --quick', () => {
    expect(costsOptionsFromArgs([])).toEqual(DEFAULT_COSTS_OPTIONS);
    expect(costsOptionsFromArgs(['--quick'])).toEqual(QUICK_COSTS_OPTIONS);
    expect(DEFAULT_COSTS_OPTIONS.startupPeers).toBe(64);
    expect(DEFAULT_COSTS_OPTIONS.pingSeconds).toBe(1);
  });

  it('takes --peers, --window, --requests and --startup-runs over either', () => {
    const o = costsOptionsFromArgs(['--quick', '--peers', '32', '--window', '30', '--requests', '50', '--startup-runs', '3']);
    expect(o).toMatchObject({
      startupPeers: 32,
      idleWindowSeconds: 30,
      requests: 50,
      startupRuns: 3,
      idleWarmupSeconds: QUICK_COSTS_OPTIONS.idleWarmupSeconds,
    });
  });

  it('names a bad value', () => {
    expect(() => costsOptionsFromArgs(['--peers', '2'])).toThrow(/--peers/);
    expect(() => costsOptionsFromArgs(['--window', 'x'])).toThrow(RangeError);
  });
});

describe('spreadIds', () => {
  it('spreads distinct IDs over 0..255, ascending', () => {
    for (const n of [3, 4, 16, 64, 100, 256]) {
      const ids = spreadIds(n);
      expect(ids).toHaveLength(n);
      expect(new Set(ids).size).toBe(n);
      expect(ids.every((id, i) => id >= 0 && id <= 255 && (i === 0 || id > (ids[i - 1] ?? -1)))).toBe(true);
    }
    expect(spreadIds(4)).toEqual([32, 96, 160, 224]);
  });

  it('refuses fewer than 3 or more than 256', () => {
    expect(() => spreadIds(2)).toThrow(RangeError);
    expect(() => spreadIds(257)).toThrow(RangeError);
  });
});

describe('latencyOptionsFromArgs', () => {
  it('is the defaults without flags, and takes sizes, lookups, repeats and round trips', () => {
    expect(latencyOptionsFromArgs([])).toEqual({ live: DEFAULT_LIVE, floor: DEFAULT_HOP_FLOOR });
    const o = latencyOptionsFromArgs(['--sizes', '8,16', '--lookups', '8', '--repeats', '2', '--round-trips', '500']);
    expect(o.live).toMatchObject({ sizes: [8, 16], lookups: 8, repeats: 2, routings: DEFAULT_LIVE.routings });
    expect(o.floor?.roundTrips).toBe(500);
  });

  it('names a bad size', () => {
    expect(() => latencyOptionsFromArgs(['--sizes', '8,2'])).toThrow(/--sizes/);
  });
});
