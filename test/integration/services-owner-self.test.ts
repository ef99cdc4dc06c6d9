/**
 * The owner itself types the command, under the ring and under Chord (no
 * routing happens, and no other peer may print anything). Store: only the
 * accepted line (spec 3, Store). Request: the owner serves itself through
 * its own transfer listener, printing both halves of the exchange, and saves
 * received_NNNN.<ext> byte-identical.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { courseLines, errorLines, linesAfter, networkForTests, ROUTINGS, startCourseRing } from '../fixtures/network.js';
import { noFile } from '../fixtures/lines.js';

// This file's ports: 14600..14899 (ring) and 23600..23899 (Chord).
const PORT_BASES = { ring: 14600, chord: 23600 } as const;

for (const routing of ROUTINGS) {
  describe(`the owner of a key typing the command itself, ${routing} routing`, () => {
    const tn = networkForTests({ portBase: PORT_BASES[routing], routing, courseFiles: true }, async ({ net }) => {
      await startCourseRing(net);
    });

    it('Store 2067 at Peer 19 (key 19) prints only "Store 2067 request accepted", and no other peer prints anything', async () => {
      const marks = tn.net.marks();
      const owner = tn.net.get(19);
      owner.type('Store 2067');
      expect(await linesAfter(owner, marks.get(19) ?? 0, 1)).toEqual(['Store 2067 request accepted']);
      // The next command's line follows straight on: nothing else was printed in
      // between. 0019 is in no directory: refused where typed, even by its owner.
      owner.type('Store 0019');
      expect(await linesAfter(owner, marks.get(19) ?? 0, 2)).toEqual(['Store 2067 request accepted', noFile('0019')]);
      for (const id of [2, 4, 5, 8, 9, 14]) expect(courseLines(tn.net.get(id), marks.get(id)), `peer ${id}`).toEqual([]);
    });

    it('Request 4103 at Peer 8 (key 7, its own) sends the file to itself and saves received_4103.pdf identical', async () => {
      const since = tn.net.get(8).mark();
      const owner = tn.net.get(8);
      owner.type('Request 4103');
      const printed = await linesAfter(owner, since, 6);
      // Both halves, each in the spec's order; "The file has been sent" (the
      // sender's end) and "File 4103 received" (the receiver's end) are told by
      // two threads, so their relative order is not fixed.
      expect([...printed].sort()).toEqual(
        [
          'File 4103 is stored here',
          'Sending file 4103 to Peer 8',
          'The file has been sent',
          'Peer 8 had File 4103',
          'Receiving File 4103 from Peer 8',
          'File 4103 received',
        ].sort(),
      );
      expect(printed.slice(0, 2)).toEqual(['File 4103 is stored here', 'Sending file 4103 to Peer 8']);
      const receiving = printed.filter((l) => l !== 'The file has been sent').slice(2);
      expect(receiving).toEqual(['Peer 8 had File 4103', 'Receiving File 4103 from Peer 8', 'File 4103 received']);
      expect(errorLines(owner, since)).toEqual([]);
      const [original, copy] = await Promise.all([
        fs.readFile(path.join(tn.dir, '4103.pdf')),
        fs.readFile(path.join(tn.dir, 'received_4103.pdf')),
      ]);
      expect(copy.equals(original)).toBe(true);
    });
  });
}
