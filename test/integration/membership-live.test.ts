/**
 * Membership is told, not guessed: live rings other than the course's, with
 * each command typed as soon as the previous one has printed its lines.
 * Each case failed before predecessors were pushed at each change
 * (upkeep/membership.ts) and expired when silent.
 *
 * - A Request and a Store typed at the joiner's successor the moment the
 *   joiner says it is in go to the joiner, not to the successor that owned
 *   its keys a moment before.
 * - A Quit after the peer's second predecessor was killed reaches only the
 *   live predecessor, which prints the departure lines (never "no longer
 *   alive"), and nothing is sent to the dead one.
 * - A peer killed, declared dead, and started again with `init` is let back
 *   in: the predecessors it had print the successor-change lines, it is
 *   pinged by both, and it owns its keys again.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { COURSE_PEERS } from '../../src/model/walkthrough.js';
import {
  courseLines,
  deadlineFor,
  errorLines,
  placeFile,
  printedBy,
  ROUTINGS,
  settled,
  startNetwork,
  startRing,
  statusOf,
  stopNetworks,
  type TestNetwork,
} from '../fixtures/network.js';
import { fwdJoin, fwdStore, newSucc, notHere } from '../fixtures/lines.js';

// This file's ports: 20600..20899 (ring) and 20900..21199 (Chord); its tests run one after another on them.
const PORT_BASES = { ring: 20600, chord: 20900 } as const;

/** A file of `size` seeded bytes named `name` in the network's shared directory. */
async function makeFile(tn: TestNetwork, name: string, size: number): Promise<Buffer> {
  const bytes = Buffer.alloc(size);
  let x = 0x2545f491;
  for (let i = 0; i < size; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    bytes[i] = x & 0xff;
  }
  await fs.writeFile(path.join(tn.dir, name), bytes);
  return bytes;
}

afterEach(stopNetworks);

for (const routing of ROUTINGS) {
  describe(`membership at each instant, ${routing} routing`, () => {
    it('a Request and a Store typed at the successor the moment a join is accepted go to the newcomer', { timeout: 180_000 }, async () => {
      const tn = await startNetwork({ portBase: PORT_BASES[routing], routing });
      await startRing(tn.net, COURSE_PEERS); // the course's ring, whose walks the lines below are written for
      const bytes = await makeFile(tn, '0271.bin', 4096); // key 15: Peer 19's until 15 joins
      await makeFile(tn, '0527.bin', 64); // key 15 too
      const marks = tn.net.marks();
      const joiner = tn.net.join(15, 4);
      const accepted = await joiner.waitForKind('join-accepted', deadlineFor(tn.net));
      tn.net.get(19).type('Request 0271');
      // 19 knew its new predecessor before 15 said it was in (not from 15's
      // first ping, which comes after).
      const told = tn.net
        .get(19)
        .events.find((e) => e.kind === 'predecessor-changed' && (e.fields?.predecessors as number[] | undefined)?.[0] === 15);
      expect(told, '19 learnt of 15 before 15 was accepted').toBeDefined();
      expect(Date.parse(told?.time ?? '') <= Date.parse(accepted.time)).toBe(true);
      const requested = await printedBy(tn.net, marks, {
        15: ['Join request has been accepted', 'My first successor is Peer 19', 'My second successor is Peer 2'],
      });
      expect(requested[15]).toEqual(['Join request has been accepted', 'My first successor is Peer 19', 'My second successor is Peer 2']);
      // The owner is 15 now: 19 does not have it "here", and the file comes from 15.
      const owner = await tn.net.get(15).waitForKind('request-found', deadlineFor(tn.net), 0, { filename: '0271' });
      expect(owner.fields?.origin).toBe(19);
      await tn.net.get(19).waitForKind('file-received', deadlineFor(tn.net), 0);
      expect(courseLines(tn.net.get(19), marks.get(19))).not.toContain('File 0271 is stored here');
      expect(courseLines(tn.net.get(19), marks.get(19)).slice(-3)).toEqual([
        'Peer 15 had File 0271',
        'Receiving File 0271 from Peer 15',
        'File 0271 received',
      ]);
      expect(await fs.readFile(path.join(tn.dir, 'received_0271.bin'))).toEqual(bytes);
      if (routing === 'ring') {
        // The whole walk, as the specification prints it, around the ring from 19 to 15.
        const walk = Object.fromEntries(
          [2, 4, 5, 8, 9, 14].map((id) => [id, courseLines(tn.net.get(id), marks.get(id)).filter((l) => l.includes('0271'))]),
        );
        for (const id of [2, 4, 5, 8, 9, 14]) expect(walk[id], `peer ${id}`).toEqual([notHere('0271')]);
        expect(courseLines(tn.net.get(4), marks.get(4))[0]).toBe(fwdJoin(15));
      }

      // A Store typed at once at 19 for key 15 is accepted by 15.
      const before = tn.net.marks();
      tn.net.get(19).type('Store 0527');
      const stored = await tn.net.get(15).waitForKind('store-accepted', deadlineFor(tn.net), before.get(15) ?? 0, { filename: '0527' });
      expect(stored.line).toBe('Store 0527 request accepted');
      expect(courseLines(tn.net.get(19), before.get(19))[0]).toBe(fwdStore('0527'));
      expect(courseLines(tn.net.get(19), before.get(19))).not.toContain('Store 0527 request accepted');
    });

    it('a Quit after the second predecessor was killed reaches the live predecessor only', { timeout: 180_000 }, async () => {
      const tn = await startNetwork({ portBase: PORT_BASES[routing], routing });
      // 40 -> 130 -> 200 -> 40: 40 is 200's second predecessor.
      await startRing(tn.net, [
        [40, 130, 200],
        [130, 200, 40],
        [200, 40, 130],
      ]);
      let marks = tn.net.marks();
      tn.net.get(40).kill();
      tn.net.forget(40);
      await printedBy(tn.net, marks, {
        130: ['Peer 40 is no longer alive', 'My new first successor is Peer 200'],
        200: ['Peer 40 is no longer alive', 'My new first successor is Peer 130'],
      });
      await settled(tn.net, tn.net.marks());
      marks = tn.net.marks();
      tn.net.get(200).type('Quit');
      const printed = await printedBy(tn.net, marks, { 130: ['Peer 200 will depart from the network'] });
      expect(printed[130]).toEqual(['Peer 200 will depart from the network']);
      expect(await tn.net.get(200).exited).toBe(0);
      // Nothing was sent to the dead 40 (no ERR_UNREACHABLE).
      expect(errorLines(tn.net.get(200), marks.get(200))).toEqual([]);
      // 130 was told: it does not take the departure for a death.
      const status = await statusOf(tn.net.get(130));
      expect(status.successors).toEqual([]);
      expect(courseLines(tn.net.get(130), marks.get(130))).not.toContain('Peer 200 is no longer alive');
    });

    it('a peer killed and started again with init is let back in', { timeout: 180_000 }, async () => {
      const tn = await startNetwork({ portBase: PORT_BASES[routing], routing });
      await startRing(tn.net, [
        [30, 90, 160],
        [90, 160, 230],
        [160, 230, 30],
        [230, 30, 90],
      ]);
      let marks = tn.net.marks();
      tn.net.get(90).kill();
      tn.net.forget(90);
      await printedBy(tn.net, marks, {
        30: ['Peer 90 is no longer alive', ...newSucc(160, 230)],
        230: ['Peer 90 is no longer alive', ...newSucc(30, 160)],
      });
      marks = tn.net.marks();
      tn.net.start(90, ['init', '90', '160', '230', String(tn.net.opts.pingSeconds)]);
      const printed = await printedBy(tn.net, marks, {
        30: ['Successor Change request received', ...newSucc(90, 160)],
        230: ['Successor Change request received', ...newSucc(30, 90)],
        160: [],
      });
      expect(printed).toEqual({
        30: ['Successor Change request received', ...newSucc(90, 160)],
        230: ['Successor Change request received', ...newSucc(30, 90)],
        160: [],
      });
      await settled(tn.net, marks);
      expect((await statusOf(tn.net.get(160))).predecessors.map((p) => p?.id)).toEqual([90, 30]);
      expect((await statusOf(tn.net.get(90))).predecessors.map((p) => p?.id)).toEqual([30, 230]);
      // Key 60 is 90's again.
      await placeFile(tn.dir, '0060');
      const before = tn.net.marks();
      tn.net.get(160).type('Store 0060');
      await tn.net.get(90).waitForKind('store-accepted', deadlineFor(tn.net), before.get(90) ?? 0, { filename: '0060' });
    });
  });
}
