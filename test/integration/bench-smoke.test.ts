/**
 * Every benchmark once, at a tiny size, through the same harness as
 * `npm run bench`, so none rots: results and the report are produced and
 * every invariant holds (lookups at their owners, live hops equal to the
 * simulator's, received files identical). No timing is asserted.
 */
import { existsSync, promises as fs, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { ChurnBenchResult } from '../../bench/churn.bench.js';
import type { CostsBenchResult } from '../../bench/costs.bench.js';
import type { FailureBenchResult } from '../../bench/failure.bench.js';
import type { HopsBenchResult } from '../../bench/hops.bench.js';
import type { LatencyBenchResult } from '../../bench/latency.bench.js';
import { ROUTINGS } from '../../bench/live-lookups.js';
import { runAll } from '../../bench/run-all.js';
import type { TransferBenchResult } from '../../bench/transfer.bench.js';

// This file's ports: 19400..19699 (the benchmarks run one after another, so they share them).
const PORT_BASE = 19400;

describe('the benchmark harness at a tiny size', () => {
  let dir = '';
  afterAll(async () => {
    if (dir !== '') await fs.rm(dir, { recursive: true, force: true });
  });

  it('runs hops (simulated, live and in a host), latency with its floor, transfer, failure, churn, costs, queue and micro, and writes the report', async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'p2p-bench-smoke-'));
    const printed: string[] = [];
    const outcome = await runAll({
      dir,
      hops: {
        simulated: { sizes: [8, 64], keys: 200, seed: 1, idBits: 32 },
        routings: ROUTINGS,
        live: {
          sizes: [8],
          routings: [{ mode: 'chord', r: 2 }],
          lookups: 4,
          repeats: 1,
          seed: 1,
          idBits: 8,
          pingSeconds: 0.5,
          portBase: PORT_BASE,
          deadlineMs: 30_000,
          // A ring of 16 in one host (8-bit IDs: 19400..19655).
          hosted: { sizes: [16], portBase: PORT_BASE, pingSeconds: 0.5 },
        },
      },
      transfer: { sizes: [1024], runs: 1, runsLarge: 1, largeFrom: 2 ** 30, portBase: PORT_BASE, pingSeconds: 0.5, seed: 1 },
      failure: { intervals: [0.5], runs: 1, portBase: PORT_BASE, seed: 1, deadlineMs: 30_000 },
      churn: {
        peers: 16,
        killShare: 0.125,
        replicas: [3],
        files: 8,
        batch: 8,
        pingSeconds: 0.5,
        portBase: PORT_BASE,
        seed: 1,
        deadlineMs: 60_000,
      },
      queue: { records: 10_000, runs: 1 },
      hopFloor: { port: PORT_BASE + 290, roundTrips: 20, warmup: 5, timeoutMs: 30_000 },
      costs: {
        idlePeers: 3,
        idleRoutings: ['chord'],
        idleWarmupSeconds: 0,
        idleSettleSeconds: 0,
        idleWindowSeconds: 1,
        startupPeers: 3,
        startupRuns: 1,
        requests: 1,
        fileBytes: 1024,
        pingSeconds: 0.5,
        portBase: PORT_BASE,
        startupPortBase: PORT_BASE,
        floorPort: PORT_BASE + 295,
        deadlineMs: 30_000,
      },
      micro: { timeMs: 20, peers: 64, seed: 1 },
      log: (text) => printed.push(text),
    });
    expect(outcome.failures).toEqual([]);
    for (const name of ['hops', 'latency', 'transfer', 'failure', 'churn', 'costs', 'queue', 'micro']) {
      expect(existsSync(path.join(dir, `${name}.json`)), name).toBe(true);
    }

    const hops = JSON.parse(readFileSync(path.join(dir, 'hops.json'), 'utf8')) as HopsBenchResult;
    expect(hops.node).toBe(process.version);
    expect(hops.results.simulated).toHaveLength(2 * ROUTINGS.length);
    expect(hops.results.live.map((r) => [r.n, r.hosted, r.parity])).toEqual([
      [8, false, true],
      [16, true, true],
    ]);
    expect(hops.results.liveRuns.every((run) => run.lookups.every((l) => l.hops === l.simHops))).toBe(true);

    const churn = JSON.parse(readFileSync(path.join(dir, 'churn.json'), 'utf8')) as ChurnBenchResult;
    // Two of 16 killed, three successors each: the ring always heals.
    const [run] = churn.results.runs;
    expect(run?.killed).toHaveLength(2);
    expect(run?.correctAfterMs).toBeGreaterThanOrEqual(0);
    expect(run?.restoredAfterMs).toBeGreaterThanOrEqual(0);
    expect(run?.probes.slice(-64).every((p) => p.outcome === 'correct')).toBe(true);

    const transfer = JSON.parse(readFileSync(path.join(dir, 'transfer.json'), 'utf8')) as TransferBenchResult;
    expect(transfer.results.rows.map((r) => r.bytes)).toEqual([1024]);
    expect(transfer.results.rows[0]?.peer.ms).toHaveLength(1);
    expect(transfer.results.rows[0]?.raw.ms).toHaveLength(1);

    const failure = JSON.parse(readFileSync(path.join(dir, 'failure.json'), 'utf8')) as FailureBenchResult;
    expect(failure.results.rows[0]?.runs).toHaveLength(1);

    const latency = JSON.parse(readFileSync(path.join(dir, 'latency.json'), 'utf8')) as LatencyBenchResult;
    expect(latency.results.floor?.framed.n).toBe(20);

    const costs = JSON.parse(readFileSync(path.join(dir, 'costs.json'), 'utf8')) as CostsBenchResult;
    expect(costs.results.idle.map((r) => r.peerCpuPercent.length)).toEqual([3]);
    expect(costs.results.idle[0]?.floorCpuPercent).toHaveLength(3);
    expect(costs.results.startup?.peerFirstPingSeconds).toHaveLength(3);
    expect(costs.results.smallFile?.peerMs).toHaveLength(1);
    expect(costs.results.smallFile?.floorMs).toHaveLength(1);
    expect(costs.loadAvg).toHaveLength(3);

    const html = readFileSync(path.join(dir, 'report.html'), 'utf8');
    expect(html).toContain('<svg');
    expect(html).not.toMatch(/<script|https?:\/\/(?!www\.w3\.org\/2000\/svg)/);
    const summary = readFileSync(path.join(dir, 'summary.md'), 'utf8');
    expect(summary).toContain('### Lookup hops, simulated: mean against theory');
    expect(summary).toContain('### Transfer throughput');
    expect(summary).toContain('### One hop beside its floor');
    expect(summary).toContain('### What a peer costs, beside its floor');
    expect(summary).toContain('### Micro-benchmarks');
    expect(summary).toContain('### Churn at scale');
    expect(printed.length).toBe(8);
  }, 120_000);
});
