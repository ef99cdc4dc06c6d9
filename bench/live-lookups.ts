/**
 * Lookups on live rings, checked against the simulator: for each size N one
 * seeded membership (8-bit IDs) and one fixed list of (origin, key) pairs,
 * used by every routing; each lookup typed `repeats` times. Every answer must
 * name the owner (ownerOf) and take exactly the hops, along exactly the path,
 * that simulateLookup takes on the same membership with perfect views. A
 * lookup that differs is repeated once the ring is perfect again: differing
 * again breaks the invariant; matching is reported as a transient mismatch,
 * with the events that disturbed the ring.
 * Shared by the hop benchmark (the counts) and the latency benchmark (the ms).
 */
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { buildViews, createPrng, ownerOf, randomMembership, ringSize, simulateLookup } from '../src/routing/index.js';
import type { RoutingMode } from '../src/routing/types.js';
import type { Invariants, Progress } from './common.js';
import { HostedRing } from './live-host.js';
import { LiveRing, type LiveLookup, type LiveRingOptions, type LiveRingSetup, type LookupRing } from './live-network.js';

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
  /** Larger rings, each run with all its peers in one `p2p host` process; omitted: none. */
  readonly hosted?: HostedLiveOptions | undefined;
}

/** Rings of hundreds to thousands of peers, each in one `p2p host` process. */
export interface HostedLiveOptions {
  readonly sizes: readonly number[];
  /** ID width of every hosted ring (default hostedIdBits(N)); past the ports below 32768, each peer gets its own address (`p2p host --ip-per-peer`). */
  readonly idBits?: number | undefined;
  /** Peers listen on portBase + ID, IDs of hostedIdBits(N) bits. */
  readonly portBase: number;
  readonly pingSeconds: number;
}

/**
 * ID width of a hosted ring of n peers: one bit more than n needs, so that
 * half the IDs are free and the ring is not the full ID space (where every
 * finger is exact and every arc equal): 256 -> 9 bits, 1024 -> 11, 4096 -> 13.
 */
export function hostedIdBits(n: number): number {
  return Math.max(8, Math.ceil(Math.log2(n)) + 1);
}

/** Peers per host process in a hosted ring: 4,096 peers run in 4 hosts, 1,024 or fewer in one. */
export const PEERS_PER_HOST = 1024;

/** Host processes of a hosted ring of n peers. */
export function hostsFor(n: number): number {
  return Math.ceil(n / PEERS_PER_HOST);
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

/** A lookup that differed from the simulator, then matched it once the views were perfect again. */
export interface TransientMismatch {
  origin: number;
  key: number;
  /** Which repeat differed. */
  repeat: number;
  /** What the disturbed lookup reported. */
  live: { owner: number; hops: number; path: number[] };
  /** Non-routine events of every peer from that lookup to the retry, by kind. */
  evidence: Record<string, number>;
}

/** Events of a quiet ring: pings, lookups and periodic file reconciliation. */
const ROUTINE_EVENTS = new Set(['ping-sent', 'ping-request', 'ping-response', 'lookup-forwarded', 'lookup-done', 'lookup', 'reconciled']);

/** Types a lookup; a failure (no answer within the deadline) is recorded and yields undefined. */
async function tryLookup(ring: LookupRing, origin: number, key: number, label: string, invariants: Invariants): Promise<LiveLookup | undefined> {
  try {
    return await ring.lookup(origin, key);
  } catch (err) {
    invariants.check(false, () => `live ${label}: lookup ${key} from ${origin} failed: ${err instanceof Error ? err.message : String(err)}`);
    return undefined;
  }
}

/** One live ring and its lookups. */
export interface LiveNetworkRun {
  n: number;
  routing: string;
  mode: RoutingMode;
  r: number;
  /** Peers in `p2p host` processes (false: one process per peer). */
  hosted: boolean;
  /** Host processes (hosted), or peer processes. */
  processes: number;
  idBits: number;
  ids: number[];
  setup: LiveRingSetup;
  /** Why earlier start-up attempts failed (empty when the first one converged). */
  startErrors: string[];
  /** Successors declared dead while lookups ran (0 in a stable ring). */
  deathsDuring: number;
  /** Every repeat of every lookup matched the simulator and the owner (at once, or after re-settling). */
  parity: boolean;
  /** Lookups that differed once and matched after the ring was re-settled. */
  transient: TransientMismatch[];
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

/**
 * Starts a ring, retrying once: on a crowded machine a start-up can fail (a
 * peer that never booted). `startErrors` collects why an attempt failed.
 */
async function startRing(
  opts: LiveRingOptions,
  hosted: boolean,
  invariants: Invariants,
  startErrors: string[],
): Promise<LookupRing | undefined> {
  for (let attempt = 1; ; attempt++) {
    try {
      return hosted ? await HostedRing.start(opts, hostsFor(opts.ids.length)) : await LiveRing.start(opts);
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      startErrors.push(message);
      if (attempt >= 2) {
        invariants.check(false, () => `live ${opts.mode} N=${opts.ids.length}: ring never converged: ${message}`);
        return undefined;
      }
    }
  }
}

/** Runs every routing on every size, one ring at a time; broken parity is recorded in `invariants`. */
export async function runLiveLookups(options: LiveLookupOptions, invariants: Invariants, progress?: Progress): Promise<LiveNetworkRun[]> {
  const runs: LiveNetworkRun[] = [];
  const plans = [
    ...options.sizes.map((n) => ({ n, hosted: false, idBits: options.idBits, portBase: options.portBase, pingSeconds: options.pingSeconds })),
    ...(options.hosted?.sizes ?? []).map((n) => ({
      n,
      hosted: true,
      idBits: options.hosted?.idBits ?? hostedIdBits(n),
      portBase: options.hosted?.portBase ?? options.portBase,
      pingSeconds: options.hosted?.pingSeconds ?? options.pingSeconds,
    })),
  ];
  for (const { n, hosted, idBits, portBase, pingSeconds } of plans) {
    const { ids, pairs } = livePlan(options.seed, n, idBits, options.lookups);
    for (const spec of options.routings) {
      const label = `${routingLabel(spec)} N=${n}${hosted ? ' (one host)' : ''}`;
      const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'p2p-bench-'));
      const startErrors: string[] = [];
      const ring = await startRing(
        {
          ids,
          mode: spec.mode,
          r: spec.r,
          idBits,
          pingSeconds,
          portBase,
          dir,
          deadlineMs: options.deadlineMs,
          onNote: (what) => progress?.note(`${label}: ${what}`),
        },
        hosted,
        invariants,
        startErrors,
      );
      if (ring === undefined) {
        await fs.rm(dir, { recursive: true, force: true });
        progress?.tick();
        continue;
      }
      try {
        const views = buildViews(ids, idBits, spec.r, spec.mode);
        const marks = ring.marks();
        const lookups: LiveLookupRecord[] = [];
        const transient: TransientMismatch[] = [];
        let parity = true;
        pairsLoop: for (const [i, [origin, key]] of pairs.entries()) {
          progress?.note(`${label}: lookup ${i + 1}/${pairs.length}`);
          const sim = simulateLookup(spec.mode, views, origin, key);
          const owner = ownerOf(ids, key);
          const matches = (l: LiveLookup): boolean => l.owner === owner && l.hops === sim.hops && l.path.join() === sim.path.join();
          const describe = (l: LiveLookup): string => `owner ${l.owner} in ${l.hops} hops (${l.path.join('>')})`;
          const record: LiveLookupRecord = { origin, key, owner: -1, hops: -1, simHops: sim.hops, ms: [] };
          for (let k = 0; k < options.repeats; k++) {
            const before = ring.marks();
            let live = await tryLookup(ring, origin, key, label, invariants);
            if (live !== undefined && !matches(live)) {
              // Re-settle (suspects forgotten, views perfect again) and look up again: a
              // routing bug differs again; a ring disturbed by load (a peer too slow to
              // answer, routed around for a few intervals) does not.
              const first = live;
              progress?.note(`${label}: lookup ${i + 1}: differs, re-settling`);
              const settled = await ring.resettle().then(
                () => true,
                (err: unknown) =>
                  invariants.check(
                    false,
                    () => `live ${label}: the ring never became perfect again: ${err instanceof Error ? err.message : String(err)}`,
                  ),
              );
              if (!settled) {
                parity = false;
                break pairsLoop;
              }
              const retry = await tryLookup(ring, origin, key, label, invariants);
              const evidence = ring.eventKindsSince(before, ROUTINE_EVENTS);
              if (retry !== undefined && matches(retry)) {
                transient.push({ origin, key, repeat: k, live: { owner: first.owner, hops: first.hops, path: first.path }, evidence });
                live = retry;
              } else {
                invariants.check(
                  false,
                  () =>
                    `live ${label}: lookup ${key} from ${origin} -> ${describe(first)}, again ${retry === undefined ? 'failed' : describe(retry)} ` +
                    `after re-settling; simulator: owner ${sim.owner} (true ${owner}) in ${sim.hops} hops (${sim.path.join('>')}); events: ${JSON.stringify(evidence)}`,
                );
                live = undefined;
              }
            }
            if (live === undefined) {
              parity = false;
              break;
            }
            if (record.hops < 0) {
              record.owner = live.owner;
              record.hops = live.hops;
            }
            record.ms.push(live.ms);
          }
          lookups.push(record);
        }
        runs.push({
          n,
          routing: routingLabel(spec),
          mode: spec.mode,
          r: spec.r,
          hosted,
          processes: hosted ? hostsFor(n) : n,
          idBits,
          ids,
          setup: { ...ring.setup },
          startErrors,
          deathsDuring: ring.deathsSince(marks),
          parity,
          transient,
          lookups,
        });
      } finally {
        await ring.stop();
        await fs.rm(dir, { recursive: true, force: true });
        progress?.tick();
      }
    }
  }
  return runs;
}
