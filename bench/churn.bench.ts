/**
 * Churn at scale: 10% of a Chord network of 1,024 peers (in one `p2p host`)
 * killed at once, with files kept on r = 2 and r = 3 replicas.
 *
 * Per run: the ring is brought to its perfect state (HostedRing), F files are
 * stored from random peers and replicated until each lies on exactly its
 * owner and the owner's r - 1 successors (the harness removes the origin's
 * own copy, so that only the r replicas hold it). Then k = 10% of the peers,
 * drawn from the seed, are killed at one instant (`kill ID` at the host: the
 * peer's sockets close, nobody is told). From then on, lookups
 * (random live origin, random key) start one every 50 ms; a lookup is correct when
 * it ends at the key's owner among the live peers. Measured:
 *  - the share of failed lookups (no answer, or a wrong owner) among the
 *    first 32 after the kill, beside the share of killed peers (the Chord paper, sec. 6.4:
 *    just after many failures, before stabilization, the share of failed
 *    lookups is about the share of failed nodes, because the keys of the
 *    failed nodes are lost to lookups until the ring heals);
 *  - the time from the kill until every lookup is correct: the start of the
 *    first lookup of the final run of 64 or more correct ones (a lookup
 *    starts every 50 ms, each on its own, so a slow one holds up none);
 *  - files lost: every replica among the killed (read from the data
 *    directories), against the expectation F · C(k, r) / C(N, r);
 *  - the time until every surviving file is back on r live replicas.
 *
 * Run: npm run bench:churn (writes bench/results/churn.json).
 */
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createPrng, ownerOf, successorList } from '../src/routing/index.js';
import { commandLine, intOf, listOf, type BenchCommand } from './cli.js';
import { fmt, Invariants, isEntryPoint, machineInfo, Progress, runAsMain, type BenchResult } from './common.js';
import { HostedRing } from './live-host.js';
import { hostedIdBits, livePlan } from './live-lookups.js';
import { delay } from './live-network.js';
import { writeReport } from './report.js';

/** Options of the churn benchmark. */
export interface ChurnBenchOptions {
  /** Peers in the network. */
  readonly peers: number;
  /** Share of them killed at once. */
  readonly killShare: number;
  /** Replica counts (--successors r), one run each. */
  readonly replicas: readonly number[];
  /** Files stored before the kill. */
  readonly files: number;
  /** The first this many lookups after the kill give the failed share just after it. */
  readonly batch: number;
  readonly pingSeconds: number;
  readonly portBase: number;
  readonly seed: number;
  /** Deadline of every wait (ms). */
  readonly deadlineMs: number;
}

/** One lookup after the kill. */
export interface ChurnProbe {
  /** ms from the kill to the lookup's start. */
  atMs: number;
  /** Ended at the live owner, at another peer (one that was killed, mostly), or not at all within the timeout. */
  outcome: 'correct' | 'wrong-owner' | 'unanswered' | 'pending';
  /** ms to its answer. */
  ms?: number | undefined;
}

/** A lookup starts this often after the kill. */
const LOOKUP_GAP_MS = 50;
/** Lookups in a row, all correct, that end the measurement. */
const STREAK = 64;

/** One run: one replica count. */
export interface ChurnRun {
  r: number;
  peers: number;
  killed: number[];
  files: number;
  /** Files whose every replica was killed. */
  lost: string[];
  /** F · C(k, r) / C(N, r). */
  expectedLost: number;
  /** ms from the kill to the start of the first lookup of the final all-correct run (-1: no such run within the deadline). */
  correctAfterMs: number;
  /** ms from the kill until every surviving file was on r live replicas again (-1: never within the deadline). */
  restoredAfterMs: number;
  /** Failed share of the first `batch` lookups after the kill. */
  firstBatchFailed: number;
  probes: ChurnProbe[];
  settleMs: number;
}

/** What the churn benchmark measured. */
export interface ChurnResults {
  runs: ChurnRun[];
}

/** The result file of the churn benchmark. */
export type ChurnBenchResult = BenchResult<ChurnBenchOptions, ChurnResults>;

/** The defaults: 1,024 Chord peers in one host, 10% killed, r = 2 and 3, ports 1024 + ID (11-bit IDs: 1024..3071, below the hosted hop rings). */
export const DEFAULT_CHURN_OPTIONS: ChurnBenchOptions = {
  peers: 1024,
  killShare: 0.1,
  replicas: [2, 3],
  files: 200,
  batch: 32,
  pingSeconds: 2,
  portBase: 1024,
  seed: 31,
  deadlineMs: 300_000,
};

/** `--quick`: 128 peers, 64 files. */
export const QUICK_CHURN_OPTIONS: ChurnBenchOptions = { ...DEFAULT_CHURN_OPTIONS, peers: 128, files: 64, batch: 16, deadlineMs: 120_000 };

/** The command line of `npm run bench:churn`. */
export const CHURN_COMMAND: BenchCommand<ChurnBenchOptions> = {
  command: 'npm run bench:churn --',
  summary:
    '10% of a Chord network of 1,024 peers (one host) killed at once: failed lookups just after, the time until every lookup\n' +
    'is correct again, and the files lost with r = 2 and r = 3 replicas. Writes bench/results/churn.json, the report and the summary.',
  options: {
    peers: { kind: 'int', arg: 'N', min: 16, max: 1024, help: `peers (default ${DEFAULT_CHURN_OPTIONS.peers})` },
    replicas: {
      kind: 'ints',
      arg: 'R,R',
      min: 1,
      max: 8,
      help: `replica counts, a run each (default ${DEFAULT_CHURN_OPTIONS.replicas.join(',')})`,
    },
    files: { kind: 'int', arg: 'F', min: 1, max: 5000, help: `files stored before the kill (default ${DEFAULT_CHURN_OPTIONS.files})` },
  },
  configure: (values) => {
    const base = values.quick === true ? QUICK_CHURN_OPTIONS : DEFAULT_CHURN_OPTIONS;
    return {
      ...base,
      peers: intOf(values, 'peers', base.peers),
      replicas: listOf(values, 'replicas', base.replicas),
      files: intOf(values, 'files', base.files),
      portBase: intOf(values, 'port-base', base.portBase),
    };
  },
};

/** C(n, k) as a float. */
function choose(n: number, k: number): number {
  let c = 1;
  for (let i = 0; i < k; i++) c = (c * (n - i)) / (i + 1);
  return c;
}

/** Which of `dirs` (peer -> data directory) hold `name`. */
async function holders(dirs: ReadonlyMap<number, string>, name: string, among: readonly number[]): Promise<number[]> {
  const found = await Promise.all(
    among.map((id) =>
      fs.access(path.join(dirs.get(id) ?? '', name)).then(
        () => id,
        () => -1,
      ),
    ),
  );
  return found.filter((id) => id >= 0);
}

/** Polls `check` every 250 ms until true; false at the deadline. */
async function until(check: () => Promise<boolean>, deadline: number): Promise<boolean> {
  for (;;) {
    if (await check()) return true;
    if (Date.now() > deadline) return false;
    await delay(250);
  }
}

async function runOne(o: ChurnBenchOptions, r: number, invariants: Invariants, progress: Progress): Promise<ChurnRun | undefined> {
  const idBits = hostedIdBits(o.peers);
  const { ids } = livePlan(o.seed, o.peers, idBits, 0);
  const prng = createPrng(o.seed * 1000 + r);
  const root = await fs.mkdtemp(path.join(os.tmpdir(), 'p2p-churn-'));
  const dirs = new Map(ids.map((id) => [id, path.join(root, String(id))]));
  const label = `r=${r} N=${o.peers}`;
  let ring: HostedRing | undefined;
  try {
    const t0 = performance.now();
    ring = await HostedRing.start(
      {
        ids,
        mode: 'chord',
        r,
        idBits,
        pingSeconds: o.pingSeconds,
        portBase: o.portBase,
        dir: root,
        deadlineMs: o.deadlineMs,
        onNote: (w) => progress.note(`${label}: ${w}`),
      },
      1,
      ['--data-dir', path.join(root, '{id}')],
    );
    const settleMs = performance.now() - t0;
    // Files: distinct 4-digit names, each stored from a random peer.
    const names = new Set<string>();
    while (names.size < o.files) names.add(String(prng.nextInt(10_000)).padStart(4, '0'));
    const files = [...names].map((n) => ({ name: `${n}.bin`, key: Number(n) % 2 ** idBits, origin: ids[prng.nextInt(ids.length)] as number }));
    const replicasOf = (key: number, alive: readonly number[]): number[] => {
      const owner = ownerOf(alive, key);
      return [owner, ...successorList(alive, owner, r - 1)].slice(0, r);
    };
    for (const f of files) await fs.writeFile(path.join(dirs.get(f.origin) ?? '', f.name), `file ${f.name}\n`);
    for (const f of files) ring.typeAt(f.origin, `Store ${f.name.slice(0, 4)}`);
    progress.note(`${label}: storing ${files.length} files`);
    const placed = await until(async () => {
      for (const f of files) {
        const want = replicasOf(f.key, ids);
        if ((await holders(dirs, f.name, want)).length < want.length) return false;
      }
      return true;
    }, Date.now() + o.deadlineMs);
    invariants.check(placed, () => `churn ${label}: files not on their ${r} replicas within ${o.deadlineMs} ms`);
    if (!placed) return undefined;
    // Exactly the r replicas hold each file: the origin's own copy goes.
    for (const f of files) if (!replicasOf(f.key, ids).includes(f.origin)) await fs.rm(path.join(dirs.get(f.origin) ?? '', f.name));

    const k = Math.round(o.killShare * o.peers);
    const pool = [...ids];
    const killed: number[] = [];
    while (killed.length < k) killed.push(pool.splice(prng.nextInt(pool.length), 1)[0] as number);
    killed.sort((a, b) => a - b);
    const alive = ids.filter((id) => !killed.includes(id));
    const lost: string[] = [];
    for (const f of files) if ((await holders(dirs, f.name, alive)).length === 0) lost.push(f.name);
    progress.note(`${label}: killing ${k} peers`);
    const killedAt = performance.now();
    ring.kill(killed);
    const deadline = Date.now() + o.deadlineMs;

    // Lookups started every LOOKUP_GAP_MS, each on its own (a slow one holds
    // up nobody), until the last STREAK started are all answered correctly.
    const probes: ChurnProbe[] = [];
    const pending: Promise<void>[] = [];
    const lookupMs = Math.max(10_000, 4 * o.pingSeconds * 1000);
    const streakHeld = (): boolean => {
      const tail = probes.slice(-STREAK);
      return tail.length === STREAK && tail.every((p) => p.outcome === 'correct');
    };
    while (Date.now() < deadline && !streakHeld()) {
      const origin = alive[prng.nextInt(alive.length)] as number;
      const key = prng.nextInt(2 ** idBits);
      const probe: ChurnProbe = { atMs: performance.now() - killedAt, outcome: 'pending' };
      probes.push(probe);
      pending.push(
        ring.tryLookup(origin, key, lookupMs).then((a) => {
          probe.outcome = a === undefined ? 'unanswered' : a.owner === ownerOf(alive, key) ? 'correct' : 'wrong-owner';
          probe.ms = a?.ms;
        }),
      );
      if (probes.length % 20 === 0) progress.note(`${label}: ${probes.length} lookups since the kill`);
      await delay(LOOKUP_GAP_MS);
    }
    await Promise.all(pending);
    // From the first lookup of the final all-correct run of lookups on.
    let from = probes.length;
    while (from > 0 && probes[from - 1]?.outcome === 'correct') from -= 1;
    const correctAfterMs = probes.length - from >= STREAK ? (probes[from]?.atMs ?? -1) : -1;
    invariants.check(correctAfterMs >= 0, () => `churn ${label}: lookups still failing ${o.deadlineMs} ms after the kill`);
    const early = probes.slice(0, o.batch);

    // Every surviving file back on its r live replicas.
    const surviving = files.filter((f) => !lost.includes(f.name));
    const restored = await until(async () => {
      for (const f of surviving) {
        const want = replicasOf(f.key, alive);
        if ((await holders(dirs, f.name, want)).length < want.length) return false;
      }
      return true;
    }, deadline);
    const restoredAfterMs = restored ? performance.now() - killedAt : -1;
    invariants.check(restored, () => `churn ${label}: surviving files not back on ${r} live replicas within ${o.deadlineMs} ms`);
    return {
      r,
      peers: o.peers,
      killed,
      files: files.length,
      lost,
      expectedLost: (files.length * choose(k, r)) / choose(o.peers, r),
      correctAfterMs,
      restoredAfterMs,
      firstBatchFailed: early.filter((p) => p.outcome !== 'correct').length / Math.max(1, early.length),
      probes,
      settleMs,
    };
  } catch (err) {
    invariants.check(false, () => `churn ${label}: ${err instanceof Error ? err.message : String(err)}`);
    return undefined;
  } finally {
    await ring?.stop();
    await fs.rm(root, { recursive: true, force: true });
    progress.tick();
  }
}

/** Runs one network per replica count. */
export async function runChurnBench(options: ChurnBenchOptions): Promise<ChurnBenchResult> {
  const machine = machineInfo();
  const t0 = performance.now();
  const invariants = new Invariants();
  const progress = new Progress('churn', options.replicas.length);
  const runs: ChurnRun[] = [];
  for (const r of options.replicas) {
    const run = await runOne(options, r, invariants, progress);
    if (run !== undefined) runs.push(run);
  }
  progress.end();
  return {
    ...machine,
    parameters: options,
    results: { runs },
    invariantFailures: invariants.failures,
    seconds: (performance.now() - t0) / 1000,
  };
}

/** The console table. */
export function formatChurn(result: ChurnBenchResult): string {
  const p = result.parameters;
  const lines = [
    `churn: ${Math.round(p.killShare * 100)}% of ${p.peers} Chord peers (one host) killed at once, ${p.files} files`,
    `${'r'.padStart(3)}${'killed'.padStart(8)}${'first batch failed'.padStart(20)}${'all correct after s'.padStart(21)}${'files lost'.padStart(12)}${'expected'.padStart(10)}${'restored after s'.padStart(18)}`,
  ];
  for (const r of result.results.runs) {
    lines.push(
      `${String(r.r).padStart(3)}${String(r.killed.length).padStart(8)}${`${fmt(100 * r.firstBatchFailed, 1)}%`.padStart(20)}` +
        `${(r.correctAfterMs < 0 ? 'never' : fmt(r.correctAfterMs / 1000, 1)).padStart(21)}${String(r.lost.length).padStart(12)}` +
        `${fmt(r.expectedLost, 2).padStart(10)}${(r.restoredAfterMs < 0 ? 'never' : fmt(r.restoredAfterMs / 1000, 1)).padStart(18)}`,
    );
  }
  return lines.join('\n');
}

if (isEntryPoint(import.meta.url)) {
  const options = commandLine(CHURN_COMMAND, process.argv.slice(2));
  if (options !== undefined) void runAsMain('churn', () => runChurnBench(options), formatChurn, writeReport);
}
