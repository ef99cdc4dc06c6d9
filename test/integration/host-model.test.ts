/**
 * The model-based random test with every peer in one `p2p host`: seeded
 * scenarios (src/model/generate.ts: a random ring of 6 to 12 peers, then
 * random joins, Quits, kills, Stores and Requests) typed at the host's
 * prompt, each step as soon as the previous one has printed its lines, every
 * peer's lines (behind its ID) compared with the reference model's and every
 * received file with the scenario's bytes. The same scenarios run on a
 * process per peer in model-random.test.ts.
 */
// This file's ports: 11300..11811 (ring 11300 + ID, Chord 11556 + ID).
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { describeStep, fileContent, generateScenario, type ModelState } from '../../src/model/index.js';
import { fileReceived } from '../../src/model/lines.js';
import { expectSame, fingersSettled, hostStep, killHosts, lineWhere, PING_SECONDS, predecessorsKnown, start } from '../fixtures/host.js';
import { ROUTINGS, tempDir } from '../fixtures/network.js';

const PORT_BASES = { ring: 11300, chord: 11556 } as const;

/** The seeds model-random.test.ts runs on a process per peer (see there what each exercises). */
const SEEDS = { ring: [225, 334, 28, 6, 34], chord: [225, 334, 28, 6, 36] } as const;

afterEach(killHosts);

describe.each(ROUTINGS)('random scenarios in one host against the model, %s routing', (routing) => {
  for (const seed of SEEDS[routing]) {
    const scenario = generateScenario(seed);
    it(`seed ${seed}: ${scenario.ring.length} peers, ${scenario.steps.map(describeStep).join('; ')}`, { timeout: 240_000 }, async () => {
      const dir = await tempDir('p2p-host-model-');
      const args = ['host', '--ids', scenario.ring.join(','), '--ping', String(PING_SECONDS), '--routing', routing];
      const host = start([...args, '--port-base', String(PORT_BASES[routing])], dir);
      await lineWhere(host, (t) => t.startsWith('Hosting '), 'the host started');
      await predecessorsKnown(host, scenario.ring); // as the live runner waits for the first pings
      const files = new Map(scenario.files.map((f) => [f.name, f]));
      let state: ModelState = { ring: [...scenario.ring], files: new Set() };
      for (const step of scenario.steps) {
        if (routing === 'chord' && step.kind !== 'quit' && step.kind !== 'kill') await fingersSettled(host, state.ring);
        const file = step.kind === 'store' || step.kind === 'request' ? files.get(step.file) : undefined;
        if (step.kind === 'store' && file !== undefined && !state.files.has(step.file)) {
          // Written right before the first Store that names it, as the model has it (src/model/scenario.ts).
          await fs.writeFile(path.join(dir, `${file.name}${file.ext}`), fileContent(seed, file));
          state = { ...state, files: new Set([...state.files, step.file]) };
        }
        const { printed, expected, next } = await hostStep(host, state, step, routing);
        expectSame(printed, expected);
        if (step.kind === 'request' && file !== undefined && (expected[step.at] ?? []).includes(fileReceived(step.file))) {
          const got = await fs.readFile(path.join(dir, `received_${file.name}${file.ext}`));
          expect(got.equals(Buffer.from(fileContent(seed, file))), `received_${file.name}${file.ext}`).toBe(true);
        }
        state = next;
      }
    });
  }
});
