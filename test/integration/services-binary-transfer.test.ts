/**
 * File transfers of binary files of 0 bytes, 1 byte and 10 MiB (seeded
 * pseudo-random bytes), compared byte for byte with the original. The ring
 * is 2 -> 4 -> 5 -> 2; the files' keys (3 and 4) belong to Peer 4. Under
 * the ring and under Chord.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createPrng, testSeed } from '../fixtures/prng.js';
import { errorLines, networkForTests, printedBy, routedLines, ROUTINGS, startRing, THREE_PEERS } from '../fixtures/network.js';

// This file's ports: 15200..15499 (ring) and 24200..24499 (Chord).
const PORT_BASES = { ring: 15200, chord: 24200 } as const;
const SEED = testSeed(0x5eed_f11e);

/** `size` pseudo-random bytes from `seed`. */
function randomBytes(size: number, seed: number): Buffer {
  const prng = createPrng(seed);
  const out = Buffer.alloc(size);
  let i = 0;
  for (; i + 4 <= size; i += 4) out.writeUInt32LE(prng.nextU32(), i);
  for (; i < size; i++) out[i] = prng.nextU32() & 0xff;
  return out;
}

const FILES = [
  { name: '0003', size: 0, requester: 2 },
  { name: '0004', size: 1, requester: 2 },
  { name: '0260', size: 10 * 1024 * 1024, requester: 5 },
] as const;

for (const routing of ROUTINGS) {
  describe(`binary file transfers, ${routing} routing (seed ${SEED}; replay with TEST_SEED=${SEED})`, () => {
    const originals = new Map<string, Buffer>();
    const tn = networkForTests({ portBase: PORT_BASES[routing], routing }, async ({ net, dir }) => {
      for (const [i, f] of FILES.entries()) {
        const bytes = randomBytes(f.size, SEED + i);
        originals.set(f.name, bytes);
        await fs.writeFile(path.join(dir, `${f.name}.bin`), bytes);
      }
      await startRing(net, THREE_PEERS);
    });

    for (const f of FILES) {
      it(`Request ${f.name} (${f.size} bytes) at Peer ${f.requester} saves received_${f.name}.bin identical`, async () => {
        const ringLines: Record<number, string[]> = {
          [f.requester]: [
            `File request for ${f.name} has been sent to my successor`,
            `Peer 4 had File ${f.name}`,
            `Receiving File ${f.name} from Peer 4`,
            `File ${f.name} received`,
          ],
          4: [`File ${f.name} is stored here`, `Sending file ${f.name} to Peer ${f.requester}`, 'The file has been sent'],
        };
        // On the ring, Peer 5's request passes Peer 2 on its way to Peer 4.
        if (f.requester === 5) ringLines[2] = [`Request for File ${f.name} has been received, but the file is not stored here`];
        const expected = await routedLines(tn, { kind: 'request', at: f.requester, file: f.name }, ringLines);
        const marks = tn.net.marks();
        const requester = tn.net.get(f.requester);
        requester.type(`Request ${f.name}`);
        expect(await printedBy(tn.net, marks, expected)).toEqual(expected);
        const received = requester.events
          .slice(marks.get(f.requester))
          .find((e) => e.kind === 'file-received' && e.fields?.['filename'] === f.name);
        expect(received?.fields?.['bytes']).toBe(f.size);
        const copy = await fs.readFile(path.join(tn.dir, `received_${f.name}.bin`));
        expect(copy.length).toBe(f.size);
        expect(copy.equals(originals.get(f.name) ?? Buffer.alloc(0)), `received_${f.name}.bin differs (seed ${SEED})`).toBe(true);
        expect(errorLines(requester, marks.get(f.requester))).toEqual([]);
        expect(errorLines(tn.net.get(4), marks.get(4))).toEqual([]);
      });
    }

    it('leaves no partial file behind', async () => {
      expect((await fs.readdir(tn.dir)).filter((n) => n.endsWith('.part'))).toEqual([]);
    });
  });
}
