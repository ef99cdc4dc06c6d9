/**
 * A newcomer killed just after its join is accepted: Peer 15 joins the
 * course ring through Peer 4 and is killed (SIGKILL, the course's abrupt
 * departure) as soon as it prints "Join request has been accepted". Both of
 * its predecessors (14 and 9) notice over UDP and repair over TCP, and the
 * ring still routes a Store, including a key (15) that was Peer 15's.
 * Under the ring and under Chord (where the join and the Stores take the
 * finger route; every other line is the same).
 */
import { describe, expect, it } from 'vitest';
import {
  describeNetwork,
  eventOf,
  networkForTests,
  placeFile,
  printedBy,
  routedLines,
  runStep,
  ROUTINGS,
  settled,
  startCourseRing,
  statusOf,
} from '../fixtures/network.js';
import { fwdStore, newSucc } from '../fixtures/lines.js';

// This file's ports: 16100..16399 (ring) and 25100..25399 (Chord).
const PORT_BASES = { ring: 16100, chord: 25100 } as const;

for (const routing of ROUTINGS) {
  describe(`a newcomer killed right after its join, ${routing} routing`, () => {
    const tn = networkForTests({ portBase: PORT_BASES[routing], routing, courseFiles: true }, async ({ net, dir }) => {
      await placeFile(dir, '0271');
      await startCourseRing(net);
    });

    it("Peer 15 joins and is killed: Peers 14 and 9 print 'Peer 15 is no longer alive' and their new successors", async () => {
      const expected = await routedLines(
        tn,
        { kind: 'join', peer: 15, via: 4 },
        {
          4: ['Peer 15 Join request forwarded to my successor'],
          5: ['Peer 15 Join request forwarded to my successor'],
          8: ['Peer 15 Join request forwarded to my successor'],
          14: ['Peer 15 Join request received', ...newSucc(15, 19), 'Peer 15 is no longer alive', ...newSucc(19, 2)],
          9: [
            'Peer 15 Join request forwarded to my successor',
            'Successor Change request received',
            ...newSucc(14, 15),
            'Peer 15 is no longer alive',
            ...newSucc(14, 19),
          ],
        },
      );
      const marks = tn.net.marks();
      const newcomer = tn.net.join(15, 4);
      await eventOf(tn.net, newcomer, 'join-accepted');
      newcomer.kill('SIGKILL');
      expect(await newcomer.exited).toBeNull(); // killed by the signal
      tn.net.forget(15);
      const printed = await printedBy(tn.net, marks, expected);
      expect(printed, describeNetwork(tn.net)).toEqual(expected);
      // Every peer is pinged by its two predecessors on the repaired ring.
      await settled(tn.net, tn.net.marks());
      expect((await statusOf(tn.net.get(14))).successors.map((s) => s.id)).toEqual([19, 2]);
      expect((await statusOf(tn.net.get(9))).successors.map((s) => s.id)).toEqual([14, 19]);
      expect((await statusOf(tn.net.get(19))).predecessors.map((p) => p?.id)).toEqual([14, 9]);
    });

    it('Store 2067 at Peer 8 is accepted at Peer 19', async () => {
      const { expected, printed } = await runStep(
        tn,
        { kind: 'store', at: 8, file: '2067' },
        {
          8: [fwdStore('2067')],
          9: [fwdStore('2067')],
          14: [fwdStore('2067')],
          19: ['Store 2067 request accepted'],
        },
      );
      expect(printed).toEqual(expected);
    });

    it("Store 0271 (key 15, the dead peer's) at Peer 14 is accepted at Peer 19", async () => {
      const { expected, printed } = await runStep(
        tn,
        { kind: 'store', at: 14, file: '0271' },
        {
          14: [fwdStore('0271')],
          19: ['Store 0271 request accepted'],
        },
      );
      expect(printed).toEqual(expected);
    });
  });
}
