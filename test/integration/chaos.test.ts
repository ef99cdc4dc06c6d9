/**
 * A short chaos run (src/chaos): eight peers with their own data
 * directories store files of seeded random bytes, then for 30 s take
 * freezes, kills and restarts, Quits and bursts of joins, one at a time
 * (r = 2), while Requests and lookups run. After the ring settles: no peer
 * crashed, every peer's lookups name the true owners, every file comes back
 * byte for byte, under ring, ring-list (r = 3: up to two faults at a
 * time) and Chord routing. On failure the message holds the summary, the one command
 * that replays the run, and the directory that keeps every transcript.
 * Longer runs: `npm run chaos -- --routing chord --peers 24 --seconds 120`.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULT_CHAOS_OPTIONS, type ChaosOptions } from '../../src/chaos/options.js';
import { lastWords, summarize } from '../../src/chaos/report.js';
import { runChaos } from '../../src/chaos/run.js';
import type { RoutingMode } from '../../src/routing/types.js';

// This file's ports: 31000..31299.
const PORT_BASE = 31000;
const SEED = 20261211;

/** Runs the short chaos under `routing` and asserts its three checks; the directory goes when they hold. */
async function shortRun(routing: RoutingMode, successors = 2): Promise<void> {
  const out = await mkdtemp(path.join(os.tmpdir(), 'p2p-chaos-test-'));
  const opts: ChaosOptions = {
    ...DEFAULT_CHAOS_OPTIONS,
    routing,
    successors,
    peers: 8,
    seconds: 30,
    seed: SEED,
    ping: 0.5,
    portBase: PORT_BASE,
    files: 12,
    maxFileBytes: 512 * 1024,
    out,
  };
  const r = await runChaos(opts);
  console.log(summarize(r));
  const found = {
    error: r.error,
    crashed: r.crashed.map((c) => `${c.id}: ${lastWords(c)}`),
    wrongLookups: r.lookups?.wrong.map((w) => `lookup ${w.key} at ${w.at}: ${w.owner ?? 'none'} (want ${w.want})`),
    lost: r.files?.lost.map((f) => `${f.name}: ${f.outcome}`),
    corrupted: [...(r.files?.corrupted ?? []), ...(r.traffic?.corrupted ?? [])].map((f) => `${f.name} at ${f.at}`),
  };
  const message = `${summarize(r)}\nReplay: ${r.replay}\nTranscripts: ${path.join(out, 'transcripts')}`;
  expect(found, message).toEqual({ error: undefined, crashed: [], wrongLookups: [], lost: [], corrupted: [] });
  expect(r.faults.length, message).toBeGreaterThan(0);
  expect(r.files?.ok, message).toBe(opts.files);
  await rm(out, { recursive: true, force: true });
}

// The runs take turns on the same ports (tests of one file run one after the other).
describe(`a short chaos run (8 peers, 30 s of faults, seed ${SEED})`, () => {
  it('crashes nothing, answers every lookup right and loses no file under ring routing', { timeout: 900_000 }, () => shortRun('ring'));
  it('crashes nothing, answers every lookup right and loses no file under ring-list routing, 3 successors', { timeout: 900_000 }, () =>
    shortRun('ring-list', 3),
  );
  it('crashes nothing, answers every lookup right and loses no file under Chord routing', { timeout: 900_000 }, () => shortRun('chord'));
});
