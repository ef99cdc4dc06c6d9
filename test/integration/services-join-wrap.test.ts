/**
 * Peers joining at the wrap of the ring: 0 (below every ID) and 255 (above
 * every ID) join the course ring. Both belong after Peer 19, which accepts
 * them and tells its first predecessor (14); keys then route to them.
 * Under the ring (the walks written out below) and under Chord (the same
 * lines, printed by the peers on the finger route).
 */
import { describe, expect, it } from 'vitest';
import { networkForTests, placeFile, printedBy, runStep, ROUTINGS, settled, startCourseRing } from '../fixtures/network.js';
import { fwdJoin, fwdStore, newSucc } from '../fixtures/lines.js';

// This file's ports: 15800..16099 (ring) and 24800..25099 (Chord); peer 255 uses 16055 and 25055.
const PORT_BASES = { ring: 15800, chord: 24800 } as const;

for (const routing of ROUTINGS) {
  describe(`joining at the wrap of the ring, ${routing} routing`, () => {
    const tn = networkForTests({ portBase: PORT_BASES[routing], routing }, async ({ net, dir }) => {
      for (const name of ['0256', '0020', '0255', '0513']) await placeFile(dir, name);
      await startCourseRing(net);
    });

    it('Peer 0 joins through Peer 2 (which owns key 0 but not the ID): accepted by Peer 19', async () => {
      const { expected, printed } = await runStep(
        tn,
        { kind: 'join', peer: 0, via: 2 },
        {
          2: [fwdJoin(0)],
          4: [fwdJoin(0)],
          5: [fwdJoin(0)],
          8: [fwdJoin(0)],
          9: [fwdJoin(0)],
          14: [fwdJoin(0), 'Successor Change request received', ...newSucc(19, 0)],
          19: ['Peer 0 Join request received', ...newSucc(0, 2)],
          0: ['Join request has been accepted', 'My first successor is Peer 2', 'My second successor is Peer 4'],
        },
      );
      expect(printed).toEqual(expected);
      // Peer 0 is pinged by its two predecessors, and pings its successors.
      await settled(tn.net, tn.net.marks());
    });

    it('Peer 255 joins through Peer 9: accepted by Peer 19, between 19 and 0', async () => {
      const { expected, printed } = await runStep(
        tn,
        { kind: 'join', peer: 255, via: 9 },
        {
          9: [fwdJoin(255)],
          14: [fwdJoin(255), 'Successor Change request received', ...newSucc(19, 255)],
          19: ['Peer 255 Join request received', ...newSucc(255, 0)],
          255: ['Join request has been accepted', 'My first successor is Peer 0', 'My second successor is Peer 2'],
        },
      );
      expect(printed).toEqual(expected);
      await settled(tn.net, tn.net.marks());
      expect(tn.net.ring()).toEqual([0, 2, 4, 5, 8, 9, 14, 19, 255]);
    });

    it('Store 0256 (key 0) at Peer 8 is accepted at Peer 0', async () => {
      const { expected, printed } = await runStep(
        tn,
        { kind: 'store', at: 8, file: '0256' },
        {
          8: [fwdStore('0256')],
          9: [fwdStore('0256')],
          14: [fwdStore('0256')],
          19: [fwdStore('0256')],
          255: [fwdStore('0256')],
          0: ['Store 0256 request accepted'],
        },
      );
      expect(printed).toEqual(expected);
    });

    it('Store 0020 (key 20, above 19) at Peer 19 is accepted at Peer 255', async () => {
      const { expected, printed } = await runStep(
        tn,
        { kind: 'store', at: 19, file: '0020' },
        {
          19: [fwdStore('0020')],
          255: ['Store 0020 request accepted'],
        },
      );
      expect(printed).toEqual(expected);
    });

    it('Store 0255 (key 255) at Peer 255 is its own: only the accepted line', async () => {
      const marks = tn.net.marks();
      tn.net.get(255).type('Store 0255');
      const expected = { 255: ['Store 0255 request accepted'] };
      expect(await printedBy(tn.net, marks, expected)).toEqual(expected);
    });

    it('Store 0513 (key 1) at Peer 0 is accepted at Peer 2', async () => {
      const { expected, printed } = await runStep(
        tn,
        { kind: 'store', at: 0, file: '0513' },
        {
          0: [fwdStore('0513')],
          2: ['Store 0513 request accepted'],
        },
      );
      expect(printed).toEqual(expected);
    });
  });
}
