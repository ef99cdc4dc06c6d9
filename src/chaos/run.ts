/**
 * A chaos run, start to end: boot a ring of child peers with their true
 * successors, store files of seeded random bytes, then for `seconds` inject
 * the planned faults (at most r - 1 at once) while Requests and lookups
 * run; then let the ring settle, check lookups and files, stop every peer,
 * and write the result, the summary and (on failure, or with --keep) every
 * peer's transcript.
 *
 * Seeds: the membership and the files come from `seed`, the fault plan from
 * `seed + 1`, the traffic from `seed + 2`, the final checks from
 * `seed + 3`. The same seed and options draw the same faults in the same
 * order; how many of them fit in `seconds` depends on the machine.
 *
 * Run directory: `originals/` (never touched by a peer), `peers/peer-ID/`
 * (each peer's own data directory, kept across its restarts),
 * `transcripts/peer-ID.N.{events.jsonl,log}` (N: the ID's Nth run),
 * `result.json`, `summary.txt`.
 */
import { copyFile, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { ownerOf } from '../routing/ids.js';
import { createPrng, type Prng } from '../routing/prng.js';
import { successorList } from '../routing/ring.js';
import { randomMembership } from '../routing/simulator.js';
import { checkFiles, checkLookups, sampleKeys } from './checks.js';
import { BOOT_WINDOW, ID_BITS, PROGRESS_EVERY_MS, STORE_BATCH } from './constants.js';
import { runFault, type DownSpan, type FaultRecord } from './faults.js';
import { replayCommand, type ChaosOptions } from './options.js';
import { ChaosNetwork } from './peers.js';
import { FaultPlanner, isExclusive } from './plan.js';
import { FILE_EXT, writeOriginals } from './payload.js';
import { machineInfo } from '../runtime/machine.js';
import { failuresOf, falseDeaths, lastWords, summarize, tallyEvents, tallyStderr, type ChaosResult } from './report.js';
import { ChaosTiming } from './timing.js';
import { Traffic } from './traffic.js';
import { reconciledTwice, settleAll } from './views.js';
import { pause } from './wait.js';

/** What a caller hears during a run. */
export interface ChaosHooks {
  /** A phase begins, or a progress line (every PROGRESS_EVERY_MS during the faults). */
  readonly log?: (line: string) => void;
  /** The network, once it exists (to kill it on Ctrl-C). */
  readonly onNetwork?: (cnet: ChaosNetwork) => void;
}

/** Runs the chaos described by `opts`; never throws for what the peers do (that is in the result). */
export async function runChaos(opts: ChaosOptions, hooks: ChaosHooks = {}): Promise<ChaosResult> {
  const log = hooks.log ?? (() => undefined);
  const t0 = Date.now();
  const runDir = opts.out ?? (await mkdtemp(path.join(os.tmpdir(), `p2p-chaos-${opts.seed}-`)));
  await mkdir(runDir, { recursive: true });
  const originals = path.join(runDir, 'originals');
  const timing = new ChaosTiming(opts.ping);
  const cnet = new ChaosNetwork({
    dir: runDir,
    portBase: opts.portBase,
    pingSeconds: opts.ping,
    routing: opts.routing,
    successors: opts.successors,
    t0,
    onCrash: (c) => log(`[chaos ${c.atS.toFixed(0)}s] peer ${c.id} CRASHED (code ${String(c.code)}): ${lastWords(c)}`),
  });
  hooks.onNetwork?.(cnet);
  const setupPrng = createPrng(opts.seed);
  const ids = randomMembership(setupPrng, opts.peers, ID_BITS);
  const result: ChaosResult = {
    machine: machineInfo(),
    options: opts,
    replay: replayCommand(opts),
    runDir,
    ok: false,
    failures: [],
    phases: {},
    initialPeers: ids,
    finalPeers: [],
    faults: [],
    stores: { total: opts.files, incomplete: [] },
    crashed: [],
    stderr: {},
    events: {},
    falseDeaths: [],
  };
  const downs: DownSpan[] = [];
  let phaseStart = Date.now();
  const phase = (name: string, next?: string): void => {
    result.phases[name] = (Date.now() - phaseStart) / 1000;
    phaseStart = Date.now();
    if (next !== undefined) log(`[chaos ${cnet.elapsedS().toFixed(0)}s] ${next}`);
  };
  let traffic: Traffic | undefined;
  try {
    log(
      `[chaos 0s] writing ${opts.files} files, booting ${opts.peers} peers (${opts.routing}, r = ${opts.successors}, ping ${opts.ping} s) in ${runDir}`,
    );
    const files = await writeOriginals(setupPrng, opts.files, opts.maxFileBytes, originals);
    await boot(cnet, ids, timing);
    phase('boot', `storing ${files.length} files`);
    const stored = await storeAll(
      cnet,
      files.map((f) => f.name),
      originals,
      setupPrng,
      timing,
    );
    result.stores.incomplete = stored.incomplete;
    // Origins' copies go once every peer has reconciled twice: by then no
    // pull or handover from an origin is still on its way.
    await reconciledTwice(cnet, cnet.steady(), timing.repairMs(ids.length));
    await Promise.all(stored.originCopies.map((copy) => rm(copy, { force: true })));
    phase('store', `faults for ${opts.seconds} s`);

    traffic = new Traffic(
      cnet,
      files.map((f) => f.name),
      originals,
      createPrng(opts.seed + 2),
      timing,
    );
    traffic.start();
    result.faults = await injectFaults(cnet, opts, timing, downs, createPrng(opts.seed + 1), ids, traffic, log);
    result.traffic = await traffic.stop();
    traffic = undefined;
    phase('faults', 'settling');

    const settleStart = Date.now();
    try {
      await settleAll(cnet, opts.routing === 'chord', timing.settleMs(cnet.ring().length));
      result.settle = { ok: true, seconds: (Date.now() - settleStart) / 1000 };
    } catch (err) {
      result.settle = { ok: false, seconds: (Date.now() - settleStart) / 1000, wrong: err instanceof Error ? err.message : String(err) };
    }
    phase('settle', 'checking lookups');
    const checkPrng = createPrng(opts.seed + 3);
    const keys = sampleKeys(checkPrng, cnet.ring());
    result.lookups = { keys, ...(await checkLookups(cnet, keys, timing)) };
    phase('lookups', 'checking files');
    const held = files.map((f) => f.name).filter((n) => !result.stores.incomplete.includes(n));
    result.files = { total: held.length, ...(await checkFiles(cnet, held, originals, checkPrng, timing)) };
    phase('files');
  } catch (err) {
    result.error = err instanceof Error ? err.message : String(err);
  } finally {
    if (traffic !== undefined) result.traffic = await traffic.stop().catch(() => undefined);
    result.finalPeers = cnet.ring();
    await cnet.stopAll();
  }
  result.crashed = cnet.crashes;
  result.stderr = tallyStderr(cnet.incarnations);
  result.events = tallyEvents(cnet.incarnations);
  // A crashed peer is down from its crash until its ID runs again.
  for (const c of cnet.crashes) {
    const back = cnet.incarnations.find((i) => i.id === c.id && i.n > c.incarnation);
    downs.push({ peer: c.id, fromMs: t0 + c.atS * 1000, toMs: back === undefined ? Infinity : t0 + back.startedS * 1000 });
  }
  result.falseDeaths = falseDeaths(cnet.incarnations, downs, timing.deathSlackMs());
  result.failures = failuresOf(result);
  result.ok = result.failures.length === 0;
  result.phases['total'] = (Date.now() - t0) / 1000;
  if (!result.ok || opts.keep) await cnet.writeTranscripts(path.join(runDir, 'transcripts'));
  else await Promise.all(['originals', 'peers'].map((d) => rm(path.join(runDir, d), { recursive: true, force: true })));
  await writeFile(path.join(runDir, 'result.json'), `${JSON.stringify(result, null, 2)}\n`);
  await writeFile(path.join(runDir, 'summary.txt'), `${summarize(result)}\n`);
  return result;
}

/** Starts the ring, BOOT_WINDOW peers at a time, each with its true successors; waits until every view is true. */
async function boot(cnet: ChaosNetwork, ids: readonly number[], timing: ChaosTiming): Promise<void> {
  const up = (id: number): Promise<unknown> => cnet.get(id).waitForKind('ping-sent', timing.eventMs(ids.length));
  for (let i = 0; i < ids.length; i++) {
    const behind = ids[i - BOOT_WINDOW];
    if (behind !== undefined) await up(behind);
    const id = ids[i] as number;
    await cnet.initWith(id, successorList(ids, id, cnet.opts.successors));
  }
  await Promise.all(ids.map(up));
  await settleAll(cnet, cnet.opts.routing === 'chord', timing.settleMs(ids.length));
}

/**
 * Stores every file from a random peer and waits until its owner has
 * replicated it to r - 1 successors. Returns the names whose Store did not
 * complete, and the origins' copies to remove (those of origins that are
 * not among the file's holders), so that only the network holds each file.
 */
async function storeAll(
  cnet: ChaosNetwork,
  names: readonly string[],
  originals: string,
  prng: Prng,
  timing: ChaosTiming,
): Promise<{ incomplete: string[]; originCopies: string[] }> {
  const r = cnet.opts.successors;
  const incomplete: string[] = [];
  const originCopies: string[] = [];
  const queue = [...names];
  while (queue.length > 0) {
    await Promise.all(
      queue.splice(0, STORE_BATCH).map(async (name) => {
        const ring = cnet.ring();
        const origin = ring[prng.nextInt(ring.length)] as number;
        const owner = ownerOf(ring, Number(name) % 2 ** ID_BITS);
        const copy = path.join(cnet.dataDir(origin), `${name}${FILE_EXT}`);
        await copyFile(path.join(originals, `${name}${FILE_EXT}`), copy);
        const ownerPeer = cnet.get(owner);
        let offered = 0;
        const replicated = ownerPeer.waitFor(
          (e) => e.kind === 'replica-offered' && e.fields?.['filename'] === name && ++offered >= r - 1,
          timing.eventMs(ring.length),
          `${r - 1} replicas of ${name}`,
          ownerPeer.mark(),
        );
        cnet.get(origin).type(`Store ${name}`);
        if (
          !(await replicated.then(
            () => true,
            () => false,
          ))
        )
          incomplete.push(name);
        if (![owner, ...successorList(ring, owner, r - 1)].includes(origin)) originCopies.push(copy);
      }),
    );
  }
  return { incomplete, originCopies };
}

/** The fault phase: planned faults, each started once a slot is free, until `seconds` have passed; then every fault's end. */
async function injectFaults(
  cnet: ChaosNetwork,
  opts: ChaosOptions,
  timing: ChaosTiming,
  downs: DownSpan[],
  prng: Prng,
  ids: readonly number[],
  traffic: Traffic,
  log: (line: string) => void,
): Promise<FaultRecord[]> {
  const planner = new FaultPlanner(prng, ids, { peers: opts.peers, successors: opts.successors, idBits: ID_BITS });
  const ctx = { cnet, timing, downs };
  const started: { detail: string; done: boolean }[] = [];
  const running: Promise<FaultRecord>[] = [];
  const endAt = Date.now() + opts.seconds * 1000;
  const progress = setInterval(() => {
    const now = started.filter((s) => !s.done).map((s) => s.detail);
    const req = traffic.stats.requests;
    const lk = traffic.stats.lookups;
    log(
      `[chaos ${cnet.elapsedS().toFixed(0)}s] faults ${started.length}, live ${cnet.steady().length}/${cnet.ring().length}` +
        ` | now: ${now.join('; ') || 'none'} | requests ok ${req.ok}, missing ${req.missing}, failed ${req.failed + req.timeout}` +
        ` | lookups ${lk.agreed + lk.disagreed + lk.unanswered} | crashed ${cnet.crashes.length}`,
    );
  }, PROGRESS_EVERY_MS);
  try {
    while (Date.now() < endAt) {
      const step = planner.next();
      await pause(timing.intervals(step.gapIntervals));
      // First in, first out: all but the last slots - 1 faults must have ended (all of them before a burst).
      const keep = isExclusive(step.fault) ? 0 : planner.slots - 1;
      await Promise.all(running.slice(0, Math.max(0, running.length - keep)));
      if (Date.now() >= endAt) break;
      const entry = { detail: '', done: false };
      started.push(entry);
      const p = runFault(ctx, step).then((rec) => {
        entry.done = true;
        log(
          `[chaos ${cnet.elapsedS().toFixed(0)}s] fault #${rec.index} ${rec.detail}: ${rec.settled === true ? 'settled' : 'NOT settled'} after ${((rec.endedS ?? 0) - rec.startedS).toFixed(1)} s${rec.problem === undefined ? '' : ` (${rec.problem})`}`,
        );
        return rec;
      });
      entry.detail = `#${step.index} ${describeStep(step.fault)}`;
      running.push(p);
      if (isExclusive(step.fault)) await p;
    }
    return await Promise.all(running);
  } finally {
    clearInterval(progress);
  }
}

function describeStep(f: Parameters<typeof isExclusive>[0]): string {
  return f.kind === 'burst' ? `burst of ${f.joins.length}` : `${f.kind} ${f.peer}`;
}
