/**
 * A request for a file nobody has: the owner says so in one line and tells
 * the requester, which says so in one clear line instead of waiting forever
 * (spec 3, Request, ours). No received_ copy appears. Under the ring and
 * under Chord (the same lines, the peers on the way being the finger route's).
 */
import { promises as fs } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { errorLines, eventOf, networkForTests, printedBy, routedLines, ROUTINGS, startCourseRing } from '../fixtures/network.js';
import { notHere } from '../fixtures/lines.js';

// This file's ports: 14900..15199 (ring) and 23900..24199 (Chord).
const PORT_BASES = { ring: 14900, chord: 23900 } as const;

for (const routing of ROUTINGS) {
  describe(`a request for a file nobody has, ${routing} routing`, () => {
    const tn = networkForTests({ portBase: PORT_BASES[routing], routing }, async ({ net }) => {
      await startCourseRing(net);
    });

    it('Request 0777 (key 9) at Peer 2: Peer 9 says it does not have it, Peer 2 is told in one line', async () => {
      const expected = await routedLines(
        tn,
        { kind: 'request', at: 2, file: '0777' },
        {
          2: [
            'File request for 0777 has been sent to my successor',
            'File 0777 is not stored in the network: its owner, Peer 9, does not have it',
          ],
          4: [notHere('0777')],
          5: [notHere('0777')],
          8: [notHere('0777')],
          9: ['File 0777 is not stored here either; Peer 2 has been told'],
        },
      );
      const marks = tn.net.marks();
      const requester = tn.net.get(2);
      const owner = tn.net.get(9);
      requester.type('Request 0777');
      const missing = await eventOf(tn.net, requester, 'file-missing', marks.get(2), { filename: '0777' });
      const told = await eventOf(tn.net, owner, 'request-missing', marks.get(9), { filename: '0777' });
      expect(missing.fields?.['owner']).toBe(9);
      expect(told.fields?.['origin']).toBe(2);
      expect(await printedBy(tn.net, marks, expected)).toEqual(expected);
      // Neither side reports a failed transfer, and no copy was written.
      expect(errorLines(requester, marks.get(2))).toEqual([]);
      expect(errorLines(owner, marks.get(9))).toEqual([]);
      expect((await fs.readdir(tn.dir)).filter((f) => f.includes('0777'))).toEqual([]);
    });

    it('the owner typing Request for a file it lacks gets both lines itself', async () => {
      const owner = tn.net.get(14);
      const since = owner.mark();
      owner.type('Request 0014');
      await eventOf(tn.net, owner, 'file-missing', since, { filename: '0014' });
      const lines = (await printedBy(tn.net, new Map([[14, since]]), { 14: ['', ''] }))[14];
      expect(lines).toEqual([
        'File 0014 is not stored here either; Peer 14 has been told',
        'File 0014 is not stored in the network: its owner, Peer 14, does not have it',
      ]);
      expect(errorLines(owner, since)).toEqual([]);
      // Later failures of the first exchange (a reset connection, say) would show by now.
      expect(errorLines(tn.net.get(9))).toEqual([]);
    });
  });
}
