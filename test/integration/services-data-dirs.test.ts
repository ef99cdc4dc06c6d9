/**
 * Peers with separate data directories (`--data-dir` per peer): Store at a
 * peer that has the file sends its bytes to the owner's directory (spec 2,
 * ours), and a Request from a third peer then receives them identical.
 * Ring 2 -> 4 -> 5 -> 2; file 0260 has key 4, owned by Peer 4. Under the
 * ring and under Chord.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createPrng, testSeed } from '../fixtures/prng.js';
import {
  errorLines,
  eventOf,
  networkForTests,
  printedBy,
  routedLines,
  runStep,
  ROUTINGS,
  startRing,
  THREE_PEERS,
  tempDir,
} from '../fixtures/network.js';
import { fwdStore, noFile, notHere } from '../fixtures/lines.js';

// This file's ports: 15500..15799 (ring) and 24500..24799 (Chord).
const PORT_BASES = { ring: 15500, chord: 24500 } as const;
const SEED = testSeed(0xda7a_d125);
const SIZE = 300 * 1024 + 7;

for (const routing of ROUTINGS) {
  describe(`peers with separate data directories, ${routing} routing (seed ${SEED})`, () => {
    const dirs = new Map<number, string>();
    let original: Buffer;
    const tn = networkForTests({ portBase: PORT_BASES[routing], routing }, async ({ net }) => {
      for (const id of [2, 4, 5]) dirs.set(id, await tempDir(`p2p-peer${id}-`));
      const prng = createPrng(SEED);
      original = Buffer.from(Array.from({ length: SIZE }, () => prng.nextU32() & 0xff));
      await startRing(net, THREE_PEERS, (id) => ['--data-dir', dirs.get(id) ?? '']);
    });

    it("Store 0260 at Peer 2 (which has it) is accepted at Peer 4 and the bytes land in Peer 4's directory", async () => {
      const expected = await routedLines(
        tn,
        { kind: 'store', at: 2, file: '0260' },
        {
          2: [fwdStore('0260')],
          4: ['Store 0260 request accepted'],
        },
      );
      // The file appears at Peer 2 just before the Store, so that the bytes
      // the owner gets are the Store's (replication may also offer them later).
      // Written aside and renamed, so no peer ever sees half of it.
      const at2 = dirs.get(2) ?? '';
      await fs.writeFile(path.join(at2, 'incoming'), original);
      await fs.rename(path.join(at2, 'incoming'), path.join(at2, '0260.bin'));
      const marks = tn.net.marks();
      const owner = tn.net.get(4);
      tn.net.get(2).type('Store 0260');
      expect(await printedBy(tn.net, marks, expected)).toEqual(expected);
      await eventOf(tn.net, owner, 'store-pull', marks.get(4), { filename: '0260', from: 2 });
      const got = await eventOf(tn.net, owner, 'store-bytes-received', marks.get(4), { filename: '0260' });
      expect(got.fields?.['bytes']).toBe(SIZE);
      const stored = await fs.readFile(path.join(dirs.get(4) ?? '', '0260.bin'));
      expect(stored.equals(original), `stored copy differs (seed ${SEED})`).toBe(true);
      await eventOf(tn.net, tn.net.get(2), 'store-bytes-sent', marks.get(2), { filename: '0260' });
      expect(errorLines(owner, marks.get(4))).toEqual([]);
      expect(errorLines(tn.net.get(2), marks.get(2))).toEqual([]);
      // Nothing was written into the peers' shared working directory.
      expect(await fs.readdir(tn.dir)).toEqual([]);
    });

    it("Request 0260 at Peer 5 receives the owner's copy into Peer 5's directory, identical", async () => {
      const { expected, printed } = await runStep(
        tn,
        { kind: 'request', at: 5, file: '0260' },
        {
          5: [
            'File request for 0260 has been sent to my successor',
            'Peer 4 had File 0260',
            'Receiving File 0260 from Peer 4',
            'File 0260 received',
          ],
          2: [notHere('0260')],
          4: ['File 0260 is stored here', 'Sending file 0260 to Peer 5', 'The file has been sent'],
        },
      );
      expect(printed).toEqual(expected);
      const copy = await fs.readFile(path.join(dirs.get(5) ?? '', 'received_0260.bin'));
      expect(copy.equals(original), `received copy differs (seed ${SEED})`).toBe(true);
    });

    it('Store at a peer without the file is refused there in one line: nothing walks, the owner gets nothing', async () => {
      let marks = tn.net.marks();
      tn.net.get(5).type('Store 0261'); // key 5: Peer 5's own
      const own = { 5: [noFile('0261')], 2: [], 4: [] };
      expect(await printedBy(tn.net, marks, own)).toEqual(own);
      // Key 2: Peer 2's, by way of Peer 5 on the ring; refused at Peer 4 all the same.
      marks = tn.net.marks();
      tn.net.get(4).type('Store 0258');
      const refused = { 4: [noFile('0258')], 5: [], 2: [] };
      expect(await printedBy(tn.net, marks, refused)).toEqual(refused);
      expect(
        tn.net
          .get(4)
          .events.slice(marks.get(4))
          .map((e) => e.kind),
      ).not.toContain('store-forwarded');
      expect((await fs.readdir(dirs.get(2) ?? '')).filter((n) => n.startsWith('0258'))).toEqual([]);
    });
  });
}
