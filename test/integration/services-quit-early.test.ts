/**
 * A Quit typed before the peer has learnt its predecessors: Peer 15 joins
 * the course ring through Peer 4 and types Quit as soon as its join is
 * accepted, before its predecessors' pings (every 2 s here) have reached it.
 * It must still tell both predecessors (14 and 9), exit with status 0, and
 * leave the ring as it was before it came. Under the ring and under Chord
 * (where the join takes the finger route).
 */
import { describe, expect, it } from 'vitest';
import {
  DEADLINE_MS,
  describeNetwork,
  eventOf,
  networkForTests,
  printedBy,
  routedLines,
  ROUTINGS,
  settled,
  startCourseRing,
  statusOf,
  within,
} from '../fixtures/network.js';
import { newSucc } from '../fixtures/lines.js';

// This file's ports: 16400..16699 (ring) and 25400..25699 (Chord).
const PORT_BASES = { ring: 16400, chord: 25400 } as const;

for (const routing of ROUTINGS) {
  describe(`Quit before the predecessors are known, ${routing} routing`, () => {
    // A long interval (2 s) so that Quit surely comes before the pings.
    const tn = networkForTests({ portBase: PORT_BASES[routing], routing, pingSeconds: 2 }, async ({ net }) => {
      await startCourseRing(net);
    });

    it('Peer 15 quits right after joining: exit status 0, Peers 14 and 9 take its successors', async () => {
      const expected = await routedLines(
        tn,
        { kind: 'join', peer: 15, via: 4 },
        {
          4: ['Peer 15 Join request forwarded to my successor'],
          5: ['Peer 15 Join request forwarded to my successor'],
          8: ['Peer 15 Join request forwarded to my successor'],
          14: ['Peer 15 Join request received', ...newSucc(15, 19), 'Peer 15 will depart from the network', ...newSucc(19, 2)],
          9: [
            'Peer 15 Join request forwarded to my successor',
            'Successor Change request received',
            ...newSucc(14, 15),
            'Peer 15 will depart from the network',
            ...newSucc(14, 19),
          ],
        },
      );
      const marks = tn.net.marks();
      const newcomer = tn.net.join(15, 4);
      await eventOf(tn.net, newcomer, 'join-accepted');
      newcomer.type('Quit');
      expect(await within(newcomer.exited, DEADLINE_MS, 'exit of Peer 15 after Quit')).toBe(0);
      tn.net.forget(15);
      expect(await printedBy(tn.net, marks, expected), describeNetwork(tn.net)).toEqual(expected);
      // Nobody took the departure for a death.
      for (const peer of tn.net.history) {
        expect(
          peer.events.slice(marks.get(peer.id) ?? 0).filter((e) => e.kind === 'peer-dead'),
          `peer ${peer.id}`,
        ).toEqual([]);
      }
    });

    it('the ring is the course ring again: successors and predecessors as before the join', async () => {
      await settled(tn.net, tn.net.marks());
      expect((await statusOf(tn.net.get(14))).successors.map((s) => s.id)).toEqual([19, 2]);
      expect((await statusOf(tn.net.get(9))).successors.map((s) => s.id)).toEqual([14, 19]);
      const at19 = await statusOf(tn.net.get(19));
      expect(at19.predecessors.map((p) => p?.id)).toEqual([14, 9]);
      const at2 = await statusOf(tn.net.get(2));
      expect(at2.predecessors.map((p) => p?.id)).toEqual([19, 14]);
    });
  });
}
