/**
 * Peers started one after another, as in the course (each in its own
 * terminal, by hand): the first peer pings successors that are not running
 * yet. Those are not departures; once the successors start, the ring must
 * form. Ring 2 -> 4 -> 5 -> 2, Peer 2 started alone first.
 * A successor that has never answered is given a grace period after start
 * (src/roles/ping-sender.ts), so Peer 2 does not declare 4 and 5 dead.
 * Under ring and under Chord routing (whose stabilization also asks the
 * missing successor).
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { PeerEvent } from '../../src/runtime/events.js';
import { DEADLINE_MS, describeNetwork, ROUTINGS, settled, startNetwork, stopNetworks } from '../fixtures/network.js';

// This file's ports: 17600..17899 (ring) and 28600..28899 (Chord).
const PORT_BASES = { ring: 17600, chord: 28600 } as const;
/** Ping rounds Peer 2 runs alone: 4 s at 0.5 s, many more than the three ping timeouts that mark a known successor dead. */
const ROUNDS_ALONE = 8;

for (const routing of ROUTINGS) {
  describe(`successors that start after their predecessor, ${routing} routing`, () => {
    afterEach(stopNetworks);

    it('Peer 2 started 4 s before Peers 4 and 5 does not declare them dead, and the ring forms', async () => {
      const { net } = await startNetwork({ portBase: PORT_BASES[routing], routing });
      const first = net.init(2, 4, 5);
      let rounds = 0;
      // Whichever comes first: a death declared, or enough rounds alone.
      const outcome: PeerEvent = await first.waitFor(
        (e) => e.kind === 'ping-dead' || (e.kind === 'ping-sent' && ++rounds >= ROUNDS_ALONE),
        DEADLINE_MS,
        `a death or ${ROUNDS_ALONE} ping rounds`,
      );
      expect(outcome.kind, describeNetwork(net)).toBe('ping-sent');
      net.init(4, 5, 2);
      net.init(5, 2, 4);
      await settled(net, new Map());
      expect(first.events.filter((e) => e.kind === 'ping-dead' || e.kind === 'peer-dead')).toEqual([]);
    });
  });
}
