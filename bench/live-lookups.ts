/**
 * Lookups on live rings, checked against the simulator: for each size N one
 * seeded membership (8-bit IDs) and one fixed list of (origin, key) pairs,
 * used by every routing; each lookup typed `repeats` times. Every answer must
 * name the owner (ownerOf) and take exactly the hops, along exactly the path,
 * that simulateLookup takes on the same membership with perfect views.
 * Shared by the hop benchmark (the counts) and the latency benchmark (the ms).
 */
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { buildViews, createPrng, ownerOf, randomMembership, ringSize, simulateLookup } from '../src/routing/index.js';
import type { RoutingMode } from '../src/routing/types.js';
import type { Invariants, Progress } from './common.js';
import { LiveRing, type LiveRingSetup } from './live-network.js';

/** A routing under test: the mode and its successor list length. */
export interface RoutingSpec {
  readonly mode: RoutingMode;
  readonly r: number;
}

/** The four routings of the benchmarks: the ring (first successor), ring-list r = 2 and 4, Chord (r = 2). */
export const ROUTINGS: readonly RoutingSpec[] = [
  { mode: 'ring', r: 1 },
  { mode: 'ring-list', r: 2 },
  { mode: 'ring-list', r: 4 },
  { mode: 'chord', r: 2 },
];

/** `ring`, `ring-list r=2`, `chord`: how tables name a routing. */
export function routingLabel(spec: RoutingSpec): string {
  return spec.mode === 'ring-list' ? `ring-list r=${spec.r}` : spec.mode;
}

/** Options of a live run. */
export interface LiveLookupOptions {
  /** Ring sizes (each at least 3, at most 2^idBits). */
  readonly sizes: readonly number[];
  readonly routings: readonly RoutingSpec[];
  /** (origin, key) pairs per size. */
  readonly lookups: number;
  /** Times each pair is looked up (timings differ, hops must not). */
  readonly repeats: number;
  readonly seed: number;
  readonly idBits: number;
  readonly pingSeconds: number;
  /** Peers listen on portBase + ID. */
  readonly portBase: number;
  readonly deadlineMs: number;
}

/** One (origin, key) pair on one live ring. */
export interface LiveLookupRecord {
  origin: number;
  key: number;
  owner: number;
  /** Live hops (of the first repeat; every repeat is checked). */
  hops: number;
  /** Simulated hops on the same membership. */
  simHops: number;
  /** ms of each repeat, from typing `lookup` to its event. */
  ms: number[];
}

/** One live ring and its lookups. */
export interface LiveNetworkRun {
  n: number;
  routing: string;
  mode: RoutingMode;
  r: number;
  ids: number[];
  setup: LiveRingSetup;
  /** Successors declared dead while lookups ran (0 in a stable ring). */
  deathsDuring: number;
  /** Every repeat of every lookup matched the simulator and the owner. */
  parity: boolean;
  lookups: LiveLookupRecord[];
}

/** The membership and lookup pairs of size `n`: the same for every routing. */
export function livePlan(seed: number, n: number, idBits: number, lookups: number): { ids: number[]; pairs: [number, number][] } {
  const prng = createPrng(seed + n);
  const ids = randomMembership(prng, n, idBits);
  const pairs: [number, number][] = [];
  for (let i = 0; i < lookups; i++) pairs.push([ids[prng.nextInt(n)] as number, prng.nextInt(ringSize(idBits))]);
  return { ids, pairs };
}

/** Starts a ring, retrying once: on a crowded machine a start-up can fail (a peer that never booted). */
async function startRing(opts: Parameters<typeof LiveRing.start>[0], invariants: Invariants): Promise<LiveRing | undefined> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await LiveRing.start(opts);
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      if (attempt >= 2) {
        invariants.check(false, () => `live ${opts.mode} N=${opts.ids.length}: ring never converged: ${message}`);
        return undefined;
      }
    }
  }
}

/** Runs every routing on every size, one ring at a time; broken parity is recorded in `invariants`. */
export async function runLiveLookups(
  options: LiveLookupOptions,
  invariants: Invariants,
  progress?: Progress,
): Promise<LiveNetworkRun[]> {
  const runs: LiveNetworkRun[] = [];
  for (const n of options.sizes) {
    const { ids, pairs } = livePlan(options.seed, n, options.idBits, options.lookups);
    for (const spec of options.routings) {
      const label = `${routingLabel(spec)} N=${n}`;
      const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'p2p-bench-'));
      const ring = await startRing(
        {
          ids,
          mode: spec.mode,
          r: spec.r,
          idBits: options.idBits,
          pingSeconds: options.pingSeconds,
          portBase: options.portBase,
          dir,
          deadlineMs: options.deadlineMs,
          onNote: (what) => progress?.note(`${label}: ${what}`),
        },
        invariants,
      );
      if (ring === undefined) {
        await fs.rm(dir, { recursive: true, force: true });
        progress?.tick();
        continue;
      }
      try {
        const views = buildViews(ids, options.idBits, spec.r, spec.mode);
        const marks = ring.net.marks();
        const lookups: LiveLookupRecord[] = [];
        let parity = true;
        for (const [i, [origin, key]] of pairs.entries()) {
          progress?.note(`${label}: lookup ${i + 1}/${pairs.length}`);
          const sim = simulateLookup(spec.mode, views, origin, key);
          const owner = ownerOf(ids, key);
          const record: LiveLookupRecord = { origin, key, owner: -1, hops: -1, simHops: sim.hops, ms: [] };
          for (let k = 0; k < options.repeats; k++) {
            let live;
            try {
              live = await ring.lookup(origin, key);
            } catch (err) {
              parity = false;
              invariants.check(false, () => `live ${label}: lookup ${key} from ${origin} failed: ${err instanceof Error ? err.message : String(err)}`);
              break;
            }
            if (k === 0) {
              record.owner = live.owner;
              record.hops = live.hops;
            }
            record.ms.push(live.ms);
            const same = live.owner === owner && live.hops === sim.hops && live.path.join() === sim.path.join();
            parity &&= same;
            invariants.check(
              same,
              () =>
                `live ${label}: lookup ${key} from ${origin} -> owner ${live.owner} in ${live.hops} hops ` +
                `(${live.path.join('>')}); simulator: owner ${sim.owner} (true ${owner}) in ${sim.hops} hops (${sim.path.join('>')})`,
            );
          }
          lookups.push(record);
        }
        runs.push({ n, routing: routingLabel(spec), mode: spec.mode, r: spec.r, ids, setup: { ...ring.setup }, deathsDuring: ring.deathsSince(marks), parity, lookups });
      } finally {
        await ring.stop();
        await fs.rm(dir, { recursive: true, force: true });
        progress?.tick();
      }
    }
  }
  return runs;
}
