/**
 * A burst of joins settles: eight peers join at once, each through a random
 * member, into a ring of four. Membership changes only from those who may
 * change it (a successor change from the first successor, predecessors
 * from the acceptor or a current predecessor, a closer ping over a farther
 * one), so the ring converges instead of flipping between two views.
 *
 * The bound: every peer's successor list and two predecessors are the true
 * ones, and under Chord every finger is perfect, within SETTLE_INTERVALS
 * ping intervals after the last newcomer is accepted (plus the start-up
 * allowance of deadlineFor). `BURST_RUNS=20 npx vitest run
 * test/integration/join-burst.test.ts` runs twenty seeds of each; `npm test`
 * runs two.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createPrng } from '../../src/routing/prng.js';
import { successorList } from '../../src/routing/ring.js';
import { randomMembership } from '../../src/routing/simulator.js';
import { deadlineFor, describeNetwork, settleMembership, startNetwork, stopNetworks } from '../fixtures/network.js';

// This file's ports: 21200..21499 (ring-list) and 21500..21799 (Chord).
const PORT_BASES = { ring: 21200, chord: 21500 } as const;
const RUNS = Number(process.env.BURST_RUNS ?? '2');
const SETTLE_INTERVALS = 40;
const PING_S = 0.5;
const SEED = 20261201;

afterEach(stopNetworks);

for (const routing of ['ring-list', 'chord'] as const) {
  describe(`a burst of eight joins, ${routing} routing`, () => {
    for (let run = 0; run < RUNS; run++) {
      it(`run ${run + 1} of ${RUNS} (seed ${SEED + run}) settles within ${SETTLE_INTERVALS} ping intervals`, { timeout: 240_000 }, async () => {
        const prng = createPrng(SEED + run);
        const members = randomMembership(prng, 12, 8);
        const founders = members.filter((_, i) => i % 3 === 0); // four, spread round the ring
        const newcomers = members.filter((id) => !founders.includes(id));
        const r = routing === 'chord' ? 2 : 3;
        const args = routing === 'chord' ? ['--routing', 'chord'] : ['--routing', 'ring-list', '--successors', '3'];
        const tn = await startNetwork({ portBase: PORT_BASES[routing === 'chord' ? 'chord' : 'ring'], pingSeconds: PING_S, extraArgs: args });
        for (const id of founders) {
          const succ = successorList(founders, id, r);
          tn.net.start(id, ['init', String(id), ...succ.map(String), String(PING_S)]);
        }
        await settleMembership(tn.net, r, false, deadlineFor(tn.net));
        // Eight joins at once, each through a random founder.
        for (const id of newcomers) tn.net.join(id, founders[prng.nextInt(founders.length)] as number);
        let accepted: number;
        try {
          await Promise.all(newcomers.map((id) => tn.net.get(id).waitForKind('join-accepted', deadlineFor(tn.net))));
          accepted = Date.now();
          await settleMembership(tn.net, r, routing === 'chord', SETTLE_INTERVALS * PING_S * 1000 + deadlineFor(tn.net) - 20_000);
        } catch (err) {
          throw new Error(`seed ${SEED + run}: ${err instanceof Error ? err.message : String(err)}\n${describeNetwork(tn.net)}`, { cause: err });
        }
        const took = (Date.now() - accepted) / (PING_S * 1000);
        console.log(`${routing} seed ${SEED + run}: settled ${took.toFixed(1)} ping intervals after the last acceptance`);
        // Nobody ended, and nobody took a live peer for dead.
        expect(tn.net.ring()).toEqual([...members].sort((a, b) => a - b));
        for (const id of members)
          expect(
            tn.net.get(id).events.filter((e) => e.kind === 'peer-dead'),
            `peer ${id}`,
          ).toEqual([]);
      });
    }
  });
}
