/**
 * The model-based random test on live peers: a few seeded scenarios
 * (src/model/generate.ts: a random ring of 6 to 12 peers, 8 to 12 random
 * joins, Quits, kills, Stores and Requests) played on real peers, each step
 * typed as soon as the previous one has printed its lines, every peer's
 * lines and every received file compared with the reference model
 * (src/model/live-runner.ts). `npm run fuzz:live` runs many more seeds.
 *
 * Seeds in AWAITING_FIX fail on today's peers (membership learnt from pings
 * only; see the report of issue 10): they are skipped unless
 * P2P_MODEL_ALL_SEEDS=1, and move to SEEDS once the fix lands.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { diagnosis, failureReport, replayCommand } from '../../src/model/fuzz-live.js';
import { generateScenario } from '../../src/model/generate.js';
import { runLive } from '../../src/model/live-runner.js';
import { describeStep } from '../../src/model/step.js';
import { ROUTINGS, stopNetworks, tempDir } from '../fixtures/network.js';

// This file's ports: 29000..29599 (ring) and 29600..30199 (Chord).
const PORT_BASES = { ring: 29000, chord: 29600 } as const;

const PING_SECONDS = 0.5;

/** Seeds that pass on today's peers, per routing: 6 or 7 peers; joins, Quits, a kill, Stores and Requests. */
const SEEDS: Readonly<Record<(typeof ROUTINGS)[number], readonly number[]>> = {
  ring: [225, 334, 28],
  chord: [225, 334, 28],
};

/**
 * Seeds that fail on today's peers (run them with P2P_MODEL_ALL_SEEDS=1),
 * one or two of each kind found by `npm run fuzz:live` over seeds 1..45:
 * - a Quit typed right after a neighbour joined, quit or died: the quitter
 *   learnt its predecessors from pings only and they never expire, so it
 *   tells a departed peer (or misses a newcomer) and its real second
 *   predecessor, never told, declares it dead (ring 6, 14, 22; Chord 6, 8, 22;
 *   also ring 15, 19, 23, 30, 32 and Chord 15, 19, 23, 30, 32);
 * - a Quit typed right after the quitter's own join prints "Waiting for a ping
 *   from a predecessor before departing" (34, both routings);
 * - a Store or Request of a key a newcomer now owns, typed at it right after
 *   its join: it does not know its predecessor until pinged, so the request
 *   goes round the ring and comes back (ring 43, 54; also 129, 261);
 * - Chord, right after the start: a peer that was not listening yet stays a
 *   suspect for four ping intervals, answers routed around it flip a finger
 *   that was already perfect, and a join skips a forwarder (Chord 36).
 */
const AWAITING_FIX: Readonly<Record<(typeof ROUTINGS)[number], readonly number[]>> = {
  ring: [6, 14, 22, 34, 43, 54],
  chord: [6, 8, 22, 34, 36],
};

const ALL = process.env['P2P_MODEL_ALL_SEEDS'] === '1';

afterAll(stopNetworks);

for (const routing of ROUTINGS) {
  describe(`random scenarios on live peers against the model, ${routing} routing`, () => {
    const cases = [...SEEDS[routing].map((seed) => [seed, true] as const), ...AWAITING_FIX[routing].map((seed) => [seed, ALL] as const)];
    for (const [seed, on] of cases) {
      const scenario = generateScenario(seed);
      const title = `seed ${seed}: ${scenario.ring.length} peers, ${scenario.steps.map(describeStep).join('; ')}`;
      it.runIf(on)(title, async () => {
        const replay = replayCommand(seed, { routing, pingSeconds: PING_SECONDS });
        const result = await runLive({ scenario, routing, portBase: PORT_BASES[routing], pingSeconds: PING_SECONDS, dir: await tempDir() });
        const problems = result.ok ? '' : `${diagnosis(result)}\n${failureReport(result, replay)}`;
        expect(problems, problems).toBe('');
        expect(result.steps.length).toBe(scenario.steps.length);
      }, 180_000);
    }
  });
}
