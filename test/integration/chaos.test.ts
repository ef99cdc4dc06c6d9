/**
 * A short chaos run (src/chaos): eight Chord peers with their own data
 * directories store files of seeded random bytes, then for 25 s take
 * freezes, kills and restarts, Quits and bursts of joins, one at a time
 * (r = 2), while Requests and lookups run. After the ring settles: no peer
 * crashed, every peer's lookups name the true owners, every file comes back
 * byte for byte. On failure the message holds the summary, the one command
 * that replays the run, and the directory that keeps every transcript.
 * Longer runs: `npm run chaos -- --routing chord --peers 24 --seconds 120`.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULT_CHAOS_OPTIONS, type ChaosOptions } from '../../src/chaos/options.js';
import { summarize } from '../../src/chaos/report.js';
import { runChaos } from '../../src/chaos/run.js';

// This file's ports: 31000..31299.
const PORT_BASE = 31000;
const SEED = 20261211;

describe('chaos', () => {
  it(`a short run of faults (seed ${SEED}) crashes nothing, answers every lookup right and loses no file`, { timeout: 900_000 }, async () => {
    const out = await mkdtemp(path.join(os.tmpdir(), 'p2p-chaos-test-'));
    const opts: ChaosOptions = {
      ...DEFAULT_CHAOS_OPTIONS,
      routing: 'chord',
      peers: 8,
      seconds: 25,
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
      crashed: r.crashed.map((c) => `${c.id}: ${c.stderr.at(-1) ?? ''}`),
      wrongLookups: r.lookups?.wrong.map((w) => `lookup ${w.key} at ${w.at}: ${w.owner ?? 'none'} (want ${w.want})`),
      lost: r.files?.lost.map((f) => `${f.name}: ${f.outcome}`),
      corrupted: [...(r.files?.corrupted ?? []), ...(r.traffic?.corrupted ?? [])].map((f) => `${f.name} at ${f.at}`),
    };
    const message = `${summarize(r)}\nReplay: ${r.replay}\nTranscripts: ${path.join(out, 'transcripts')}`;
    expect(found, message).toEqual({ error: undefined, crashed: [], wrongLookups: [], lost: [], corrupted: [] });
    expect(r.faults.length, message).toBeGreaterThan(0);
    expect(r.files?.ok, message).toBe(opts.files);
    await rm(out, { recursive: true, force: true });
  });
});
