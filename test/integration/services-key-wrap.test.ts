/**
 * Keys above every peer wrap round to the smallest peer: on the course ring
 * (2 4 5 8 9 14 19) file 2012 (key 220) and file 0256 (key 0) belong to
 * Peer 2. Store and Request reach it with the spec's lines, under the ring
 * (the walks written out below) and under Chord (the same lines, printed by
 * the peers on the finger route).
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { networkForTests, placeFile, runStep, ROUTINGS, startCourseRing } from '../fixtures/network.js';
import { fwdStore, notHere } from '../fixtures/lines.js';

// This file's ports: 14300..14599 (ring) and 23300..23599 (Chord).
const PORT_BASES = { ring: 14300, chord: 23300 } as const;

for (const routing of ROUTINGS) {
  describe(`keys that wrap round the ring, ${routing} routing`, () => {
    const tn = networkForTests({ portBase: PORT_BASES[routing], routing }, async ({ net, dir }) => {
      await fs.writeFile(path.join(dir, '2012.pdf'), 'file 2012, key 220\n');
      for (const name of ['0256', '0020']) await placeFile(dir, name);
      await startCourseRing(net);
    });

    it('Store 2012 (key 220) at Peer 19 is forwarded once and accepted at Peer 2', async () => {
      const { expected, printed } = await runStep(
        tn,
        { kind: 'store', at: 19, file: '2012' },
        {
          19: [fwdStore('2012')],
          2: ['Store 2012 request accepted'],
        },
      );
      expect(printed).toEqual(expected);
    });

    it('Store 0256 (key 0) at Peer 8 is accepted at Peer 2', async () => {
      const { expected, printed } = await runStep(
        tn,
        { kind: 'store', at: 8, file: '0256' },
        {
          8: [fwdStore('0256')],
          9: [fwdStore('0256')],
          14: [fwdStore('0256')],
          19: [fwdStore('0256')],
          2: ['Store 0256 request accepted'],
        },
      );
      expect(printed).toEqual(expected);
    });

    it('Store 0020 (key 20, above every peer) at Peer 19 is accepted at Peer 2', async () => {
      const { expected, printed } = await runStep(
        tn,
        { kind: 'store', at: 19, file: '0020' },
        {
          19: [fwdStore('0020')],
          2: ['Store 0020 request accepted'],
        },
      );
      expect(printed).toEqual(expected);
    });

    it('Request 2012 at Peer 4 reaches Peer 2, which sends the file back to Peer 4', async () => {
      const { expected, printed } = await runStep(
        tn,
        { kind: 'request', at: 4, file: '2012' },
        {
          4: [
            'File request for 2012 has been sent to my successor',
            'Peer 2 had File 2012',
            'Receiving File 2012 from Peer 2',
            'File 2012 received',
          ],
          5: [notHere('2012')],
          8: [notHere('2012')],
          9: [notHere('2012')],
          14: [notHere('2012')],
          19: [notHere('2012')],
          2: ['File 2012 is stored here', 'Sending file 2012 to Peer 4', 'The file has been sent'],
        },
      );
      expect(printed).toEqual(expected);
      const [original, copy] = await Promise.all([
        fs.readFile(path.join(tn.dir, '2012.pdf')),
        fs.readFile(path.join(tn.dir, 'received_2012.pdf')),
      ]);
      expect(copy.equals(original)).toBe(true);
    });
  });
}
