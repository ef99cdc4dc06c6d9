/**
 * The model-based random test on live peers: a few seeded scenarios
 * (src/model/generate.ts: a random ring of 6 to 12 peers, 8 to 12 random
 * joins, Quits, kills, Stores and Requests) played on real peers, each step
 * typed as soon as the previous one has printed its lines, every peer's
 * lines and every received file compared with the reference model
 * (src/fuzz/live-runner.ts). `npm run fuzz:live` runs many more seeds.
 *
 * SEEDS run in `npm test`: three plain ones, and two of each routing that
 * failed before membership was told rather than guessed (issue 10). The
 * other seeds that failed then (MORE_SEEDS) pass since; they run with
 * P2P_MODEL_ALL_SEEDS=1.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { diagnosis, failureReport, replayCommand } from '../../src/fuzz/main.js';
import { generateScenario } from '../../src/model/generate.js';
import { runLive } from '../../src/fuzz/live-runner.js';
import { describeStep } from '../../src/model/step.js';
import { ROUTINGS, stopNetworks, tempDir } from '../fixtures/network.js';

// This file's ports: 29000..29599 (ring) and 29600..30199 (Chord).
const PORT_BASES = { ring: 29000, chord: 29600 } as const;

const PING_SECONDS = 0.5;

/**
 * Seeds run in `npm test`, per routing: 225, 334 and 28 (6 or 7 peers;
 * joins, Quits, a kill, Stores and Requests), then 6 (a Quit right after a
 * neighbour quit) and 34 (a Quit right after the quitter's own join) under
 * the ring, 6 and 36 (a peer not listening yet at the start) under Chord.
 */
const SEEDS: Readonly<Record<(typeof ROUTINGS)[number], readonly number[]>> = {
  ring: [225, 334, 28, 6, 34],
  chord: [225, 334, 28, 6, 36],
};

/**
 * Seeds that failed before predecessors were told (found by `npm run
 * fuzz:live` over seeds 1..45) and pass since, run with
 * P2P_MODEL_ALL_SEEDS=1:
 * - a Quit typed right after a neighbour joined, quit or died: the quitter
 *   learnt its predecessors from pings only and they never expired, so it
 *   told a departed peer (or missed a newcomer) and its real second
 *   predecessor, never told, declared it dead (ring 14, 22; Chord 8, 22);
 * - a Quit typed right after the quitter's own join printed "Waiting for a
 *   ping from a predecessor before departing" (Chord 34);
 * - a Store or Request of a key a newcomer now owns, typed at it right after
 *   its join: it did not know its predecessor until pinged, so the request
 *   went round the ring and came back (ring 43, 54);
 * - Chord 15: a Quit typed right after a repair's lines reached the dead peer
 *   instead of the repairer (found after the fix, and fixed).
 */
const MORE_SEEDS: Readonly<Record<(typeof ROUTINGS)[number], readonly number[]>> = {
  ring: [14, 22, 43, 54],
  chord: [8, 15, 22, 34],
};

const ALL = process.env['P2P_MODEL_ALL_SEEDS'] === '1';

afterAll(stopNetworks);

for (const routing of ROUTINGS) {
  describe(`random scenarios on live peers against the model, ${routing} routing`, () => {
    const cases = [...SEEDS[routing].map((seed) => [seed, true] as const), ...MORE_SEEDS[routing].map((seed) => [seed, ALL] as const)];
    for (const [seed, on] of cases) {
      const scenario = generateScenario(seed);
      const title = `seed ${seed}: ${scenario.ring.length} peers, ${scenario.steps.map(describeStep).join('; ')}`;
      it.runIf(on)(
        title,
        async () => {
          const replay = replayCommand(seed, { routing, pingSeconds: PING_SECONDS });
          const result = await runLive({ scenario, routing, portBase: PORT_BASES[routing], pingSeconds: PING_SECONDS, dir: await tempDir() });
          const problems = result.ok ? '' : `${diagnosis(result)}\n${failureReport(result, replay)}`;
          expect(problems, problems).toBe('');
          expect(result.steps.length).toBe(scenario.steps.length);
        },
        180_000,
      );
    }
  });
}
