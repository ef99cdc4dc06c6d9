/**
 * Test files run in parallel, so each binds its own ports: every
 * integration test file that starts peers declares its ranges in a
 * "This file's ports: A..B" comment, its port bases lie inside them, and no
 * two files' ranges overlap. (Two files once shared 19400..19699 unnoticed.) Bases are written
 * `PORT_BASE = N` or `PORT_BASES = { ring: N, chord: M, ... }`. The
 * benchmarks' default ports (peer ID i on base + i, IDs below 256) lie below
 * the ephemeral range too, apart from each other and from every test file's,
 * so a benchmark can run beside the tests.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULT_CHURN_OPTIONS } from '../../bench/churn.bench.js';
import { DEFAULT_COSTS_OPTIONS } from '../../bench/costs.bench.js';
import { DEFAULT_HOST_OPTIONS } from '../../bench/host.bench.js';
import { DEFAULT_FAILURE_OPTIONS } from '../../bench/failure.bench.js';
import { DEFAULT_STARTUP_OPTIONS } from '../../bench/startup.bench.js';
import { DEFAULT_HOSTED, DEFAULT_LIVE } from '../../bench/hops.bench.js';
import { hostedIdBits } from '../../bench/live-lookups.js';
import { DEFAULT_HOP_FLOOR } from '../../bench/latency.bench.js';
import { DEFAULT_TRANSFER_OPTIONS } from '../../bench/transfer.bench.js';
import { FUZZ_PORT_BASE } from '../../src/fuzz/main.js';
import { packageRoot } from '../../src/runtime/worker-path.js';

const DIR = path.join(packageRoot(), 'test', 'integration');

interface Declared {
  readonly file: string;
  readonly from: number;
  readonly to: number;
}

/** Ranges declared by each file, and the port-base literals it uses. */
function scan(): { ranges: Declared[]; bases: Map<string, number[]>; starters: string[] } {
  const ranges: Declared[] = [];
  const bases = new Map<string, number[]>();
  const starters: string[] = [];
  for (const file of readdirSync(DIR).filter((f) => f.endsWith('.test.ts'))) {
    const text = readFileSync(path.join(DIR, file), 'utf8');
    if (/portBase|PORT_BASE/.test(text)) starters.push(file);
    for (const line of text.split('\n').filter((l) => l.includes("This file's ports:"))) {
      for (const m of line.matchAll(/(\d{4,5})\.\.(\d{4,5})/g)) ranges.push({ file, from: Number(m[1]), to: Number(m[2]) });
    }
    const literals = [
      ...[...text.matchAll(/PORT_BASE = (\d+)|runChurn\('\w+', (\d+)/g)].map((m) => Number(m[1] ?? m[2])),
      ...[...text.matchAll(/PORT_BASES = \{([^}]*)\}/g)].flatMap((m) => [...(m[1] ?? '').matchAll(/:\s*(\d+)/g)].map((n) => Number(n[1]))),
    ];
    bases.set(file, literals);
  }
  return { ranges, bases, starters };
}

describe('the port plan of the integration tests', () => {
  const { ranges, bases, starters } = scan();

  it('every file that starts peers declares its ports, below the ephemeral range', () => {
    const declaring = new Set(ranges.map((r) => r.file));
    expect(starters.filter((f) => !declaring.has(f))).toEqual([]);
    for (const r of ranges) {
      expect(r.from, r.file).toBeLessThan(r.to);
      expect(r.to, r.file).toBeLessThan(32768);
    }
  });

  it("each file's port bases lie in its declared ranges", () => {
    for (const [file, literals] of bases) {
      const own = ranges.filter((r) => r.file === file);
      for (const base of literals)
        expect(
          own.some((r) => base >= r.from && base <= r.to),
          `${file}: ${base}`,
        ).toBe(true);
    }
  });

  it('no two files share a port', () => {
    const clashes: string[] = [];
    ranges.forEach((a, i) => {
      for (const b of ranges.slice(i + 1)) {
        if (a.file !== b.file && a.from <= b.to && b.from <= a.to) clashes.push(`${a.file} ${a.from}..${a.to} / ${b.file} ${b.from}..${b.to}`);
      }
    });
    expect(clashes).toEqual([]);
  });

  it("the benchmarks' default ports lie below the ephemeral range, apart from each other and from the tests'", () => {
    const benches = [
      { file: 'bench:hops / bench:latency', from: DEFAULT_LIVE.portBase, to: DEFAULT_LIVE.portBase + 2 ** DEFAULT_LIVE.idBits - 1 },
      // The hosted rings, up to --large's 4,096 peers.
      { file: 'bench:hops (hosts)', from: DEFAULT_HOSTED.portBase, to: DEFAULT_HOSTED.portBase + 2 ** hostedIdBits(4096) - 1 },
      { file: 'bench:host', from: DEFAULT_HOST_OPTIONS.portBase, to: DEFAULT_HOST_OPTIONS.portBase + 255 },
      {
        file: 'bench:churn',
        from: DEFAULT_CHURN_OPTIONS.portBase,
        to: DEFAULT_CHURN_OPTIONS.portBase + 2 ** hostedIdBits(DEFAULT_CHURN_OPTIONS.peers) - 1,
      },
      { file: 'bench:failure', from: DEFAULT_FAILURE_OPTIONS.portBase, to: DEFAULT_FAILURE_OPTIONS.portBase + 255 },
      { file: 'bench:transfer', from: DEFAULT_TRANSFER_OPTIONS.portBase, to: DEFAULT_TRANSFER_OPTIONS.portBase + 255 },
      { file: 'bench:startup', from: DEFAULT_STARTUP_OPTIONS.portBase, to: DEFAULT_STARTUP_OPTIONS.portBase + 255 },
      { file: 'fuzz:live', from: FUZZ_PORT_BASE, to: FUZZ_PORT_BASE + 255 },
      { file: 'bench:latency (hop floor)', from: DEFAULT_HOP_FLOOR.port, to: DEFAULT_HOP_FLOOR.port + 2 },
      { file: 'bench:costs (rings)', from: DEFAULT_COSTS_OPTIONS.portBase, to: DEFAULT_COSTS_OPTIONS.portBase + 255 },
      { file: 'bench:costs (start-up)', from: DEFAULT_COSTS_OPTIONS.startupPortBase, to: DEFAULT_COSTS_OPTIONS.startupPortBase + 255 },
      { file: 'bench:costs (file floor)', from: DEFAULT_COSTS_OPTIONS.floorPort, to: DEFAULT_COSTS_OPTIONS.floorPort },
    ];
    const clashes: string[] = [];
    benches.forEach((a, i) => {
      expect(a.to, a.file).toBeLessThan(32768);
      expect(a.from, a.file).toBeGreaterThanOrEqual(1024); // no privileged port
      for (const b of [...benches.slice(i + 1), ...ranges]) {
        if (a.from <= b.to && b.from <= a.to) clashes.push(`${a.file} ${a.from}..${a.to} / ${b.file} ${b.from}..${b.to}`);
      }
    });
    expect(clashes).toEqual([]);
  });
});
