/**
 * Faults that real networks have, under ring, ring-list and Chord routing:
 *
 * - A Quit is never later taken for a death, even by a peer that holds the
 *   leaver third in its list (`--successors 3`): the Quit reaches two
 *   predecessors, the list push (and Chord's stabilize) the third.
 * - Replicas leave with their holder: with r = 3, Quit at L and then kill at
 *   once the two peers before it. Files whose three copies were on those
 *   three peers survive, because L handed its replicas to its successor.
 * - An owner that does not answer yet (it starts late) is waited for: a Store
 *   of its key is accepted by it once it is up, never by the next peer.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ROUTING_MODES } from '../../src/routing/types.js';
import { createPrng, testSeed } from '../fixtures/prng.js';
import {
  courseLines,
  deadlineFor,
  printedBy,
  describeNetwork,
  settled,
  settleMembership,
  startNetwork,
  stopNetworks,
  tempDir,
  type TestNetwork,
} from '../fixtures/network.js';
import { newSucc } from '../fixtures/lines.js';

// This file's ports: 12300..13199 (ring 12300, ring-list 12600, Chord 12900).
const PORT_BASE = 12300;
const SEED = testSeed(0x0fa0_17);
const PING_S = 0.5;

/** The ring's peers, each with its three successors. */
const SIX = [20, 60, 100, 140, 180, 220] as const;
const withThree = (id: number): [number, number, number, number] => {
  const i = SIX.indexOf(id as (typeof SIX)[number]);
  const at = (k: number): number => SIX[(i + k) % SIX.length] as number;
  return [id, at(1), at(2), at(3)];
};

afterEach(stopNetworks);

ROUTING_MODES.forEach((routing, index) => {
  const portBase = PORT_BASE + 300 * index;
  const start = async (dirs?: Map<number, string>): Promise<TestNetwork> => {
    const tn = await startNetwork({ portBase, pingSeconds: PING_S, extraArgs: ['--routing', routing, '--successors', '3'] });
    for (const id of SIX) {
      const [, a, b, c] = withThree(id);
      const own = dirs === undefined ? [] : ['--data-dir', dirs.get(id) ?? ''];
      tn.net.start(id, ['init', String(id), String(a), String(b), String(c), String(PING_S), ...own]);
    }
    await settled(tn.net, new Map());
    return tn;
  };

  describe(`faults, ${routing} routing, three successors`, () => {
    it('a Quit is never later reported as a death, not even by the third predecessor', { timeout: 180_000 }, async () => {
      const tn = await start();
      const marks = tn.net.marks();
      tn.net.get(140).type('Quit');
      const printed = await printedBy(tn.net, marks, {
        100: ['Peer 140 will depart from the network', ...newSucc(180, 220)],
        60: ['Peer 140 will depart from the network', ...newSucc(100, 180)],
        20: [],
      });
      expect(printed[100]).toEqual(['Peer 140 will depart from the network', ...newSucc(180, 220)]);
      expect(printed[60]).toEqual(['Peer 140 will depart from the network', ...newSucc(100, 180)]);
      expect(await tn.net.get(140).exited).toBe(0);
      tn.net.forget(140);
      // The third predecessor drops 140 quietly from its list ...
      const third = tn.net.get(20);
      const dropped = await third.waitFor(
        (e) => e.kind === 'successors-changed' && !(e.fields?.successors as number[] | undefined)?.includes(140),
        deadlineFor(tn.net),
        '20 to drop 140',
        marks.get(20) ?? 0,
      );
      // ... and then pings for longer than a failure detection takes
      // (one interval and three timeouts): nobody declares 140 dead.
      const after = third.events.indexOf(dropped);
      let rounds = 0;
      await third.waitFor((e) => e.kind === 'ping-sent' && ++rounds >= 6, deadlineFor(tn.net), 'six rounds of pings', after);
      await settled(tn.net, tn.net.marks());
      for (const id of tn.net.ring()) {
        expect(courseLines(tn.net.get(id), marks.get(id)), `peer ${id}`).not.toContain('Peer 140 is no longer alive');
        expect(
          tn.net.get(id).events.filter((e) => e.kind === 'ping-dead' && e.fields?.peer === 140),
          `peer ${id}`,
        ).toEqual([]);
      }
    });

    it('Quit at 140, then 60 and 100 killed at once: the files they and 140 held survive', { timeout: 240_000 }, async () => {
      const dirs = new Map<number, string>();
      for (const id of SIX) dirs.set(id, await tempDir(`p2p-faults-${id}-`));
      const tn = await start(dirs);
      const prng = createPrng(SEED + index);
      // One file per owner, stored at its owner: kept there and at its next two successors.
      const files = new Map<string, Buffer>();
      for (const id of SIX) {
        const name = String(id).padStart(4, '0');
        const bytes = Buffer.from(Array.from({ length: 1000 + prng.nextInt(200_000) }, () => prng.nextU32() & 0xff));
        files.set(name, bytes);
        await fs.writeFile(path.join(dirs.get(id) ?? '', `${name}.bin`), bytes);
      }
      const marks = tn.net.marks();
      for (const id of SIX) tn.net.get(id).type(`Store ${String(id).padStart(4, '0')}`);
      // Each owner has both replicas placed (pulled or already there).
      await Promise.all(
        SIX.map((id) => {
          // Two distinct successors hold it (an owner may offer to the same one twice).
          const placed = new Set<unknown>();
          return tn.net
            .get(id)
            .waitFor(
              (e) => e.kind === 'replica-offered' && e.fields?.outcome !== 'failed' && placed.add(e.fields?.to).size >= 2,
              deadlineFor(tn.net),
              'two replicas',
              marks.get(id) ?? 0,
            );
        }),
      );
      // 0060 lives on 60, 100 and 140 only.
      for (const id of [20, 180, 220]) await expect(fs.stat(path.join(dirs.get(id) ?? '', '0060.bin')), `peer ${id}`).rejects.toThrow();
      tn.net.get(140).type('Quit');
      expect(await tn.net.get(140).exited).toBe(0);
      tn.net.get(60).kill();
      tn.net.get(100).kill();
      for (const id of [140, 60, 100]) tn.net.forget(id);
      await settleMembership(tn.net, 3, routing === 'chord');
      // Every file, requested from 220, arrives whole from its owner now.
      for (const [name, bytes] of files) {
        const since = tn.net.get(220).mark();
        tn.net.get(220).type(`Request ${name}`);
        const got = await tn.net
          .get(220)
          .waitFor(
            (e) => (e.kind === 'file-received' || e.kind === 'file-missing' || e.kind === 'transfer-failed') && e.fields?.filename === name,
            deadlineFor(tn.net),
            `the answer to Request ${name}`,
            since,
          );
        if (got.kind !== 'file-received') throw new Error(`file ${name}: ${got.kind} (${got.line ?? ''})\n${describeNetwork(tn.net)}`);
        expect(await fs.readFile(path.join(dirs.get(220) ?? '', `received_${name}.bin`)), `file ${name}`).toEqual(bytes);
      }
    });

    it('a Store for an owner that starts late is accepted by that owner, not by the next peer', { timeout: 180_000 }, async () => {
      const tn = await startNetwork({ portBase: portBase + 200, pingSeconds: PING_S, extraArgs: ['--routing', routing] });
      await fs.writeFile(path.join(tn.dir, '0030.bin'), 'thirty');
      // 10 -> 20 -> 30 -> 40 -> 10, but 30 is not started yet.
      for (const [id, a, b] of [
        [10, 20, 30],
        [20, 30, 40],
        [40, 10, 20],
      ] as const) {
        tn.net.start(id, ['init', String(id), String(a), String(b), String(PING_S)]);
      }
      await tn.net.get(20).waitForKind('ping-sent', deadlineFor(tn.net));
      const marks = tn.net.marks();
      tn.net.get(20).type('Store 0030');
      await tn.net.get(20).waitForKind('owner-unreachable', deadlineFor(tn.net), marks.get(20) ?? 0, { owner: 30 });
      tn.net.start(30, ['init', '30', '40', '10', String(PING_S)]);
      const accepted = await tn.net.get(30).waitForKind('store-accepted', deadlineFor(tn.net), 0, { filename: '0030' });
      expect(accepted.line).toBe('Store 0030 request accepted');
      expect(courseLines(tn.net.get(40), marks.get(40))).not.toContain('Store 0030 request accepted');
      await settled(tn.net, new Map()); // every peer, 30 too, pinged by both its predecessors
    });
  });
});
