/**
 * `status` tells the truth: `Stored keys` lists exactly the files a peer
 * would serve now, those whose key it owns and (r = 2) those it holds as its
 * first predecessor's replica, whether they came by Store, replication or a
 * Quit's handover. In the course's shared directory a peer does not list
 * every file there, only its own and its replicas. A Store of a file the
 * typing peer does not have is refused there in one line and walks nowhere.
 * Ring 2 -> 4 -> 5 -> 8, under ring and under Chord routing.
 */
import { promises as fs } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { ChildPeer } from '../../src/testnet/child-peer.js';
import type { ServedFile } from '../../src/upkeep/replication.js';
import {
  DEADLINE_MS,
  describeNetwork,
  eventOf,
  networkForTests,
  placeFile,
  printedBy,
  runStep,
  ROUTINGS,
  settled,
  startRing,
  statusOf,
  tempDir,
  within,
  type TestNetwork,
} from '../fixtures/network.js';
import { fwdStore, newSucc, noFile } from '../fixtures/lines.js';

// This file's ports: 27300..27449 (ring) and 27450..27599 (Chord).
// Each routing runs two networks: separate data directories at its base,
// the shared directory at its base + SHARED_OFFSET (peers 2..8 in both).
const PORT_BASES = { ring: 27300, chord: 27450 } as const;
const SHARED_OFFSET = 50;

/** The ring 2 -> 4 -> 5 -> 8 as (id, first, second) triples. */
const FOUR_PEERS: readonly (readonly [number, number, number])[] = [
  [2, 4, 5],
  [4, 5, 8],
  [5, 8, 2],
  [8, 2, 4],
];

const owner = (filename: string, key: number): ServedFile => ({ filename, key, role: 'owner' });
const replica = (filename: string, key: number): ServedFile => ({ filename, key, role: 'replica' });

/** Every running peer's stored keys, by peer. */
async function storedKeys(tn: TestNetwork): Promise<Record<number, readonly ServedFile[]>> {
  const ids = tn.net.ring();
  const snaps = await Promise.all(ids.map((id) => statusOf(tn.net.get(id))));
  return Object.fromEntries(ids.map((id, i) => [id, snaps[i]?.storedKeys ?? []]));
}

/** The `Stored keys:` line of the human `status`. */
async function storedKeysLine(peer: ChildPeer): Promise<string | undefined> {
  const since = peer.mark();
  peer.type('status');
  const e = await peer.waitForKind('status', DEADLINE_MS, since);
  return (e.line ?? '').split('\n').find((l) => l.startsWith('Stored keys:'));
}

for (const routing of ROUTINGS) {
  describe(`status in the course's shared directory, ${routing} routing`, () => {
    // 2067.pdf (key 19): Peer 2's, replica at 4. 4103.pdf (key 7): Peer 8's, replica at 2.
    const tn = networkForTests({ portBase: PORT_BASES[routing] + SHARED_OFFSET, routing, courseFiles: true }, async ({ net }) => {
      await startRing(net, FOUR_PEERS);
    });

    const truth = {
      2: [replica('4103', 7), owner('2067', 19)],
      4: [replica('2067', 19)],
      5: [],
      8: [owner('4103', 7)],
    };

    it('each peer lists only its own files and its replicas, though every file is in the directory', async () => {
      expect(await storedKeys(tn)).toEqual(truth);
      expect(await storedKeysLine(tn.net.get(2))).toBe('Stored keys: 4103 (key 7, replica), 2067 (key 19)');
      expect(await storedKeysLine(tn.net.get(5))).toBe('Stored keys: none');
    });

    it('Store 2067 at Peer 5 is accepted at Peer 2; the peers it passed still do not list it', async () => {
      const { expected, printed } = await runStep(
        tn,
        { kind: 'store', at: 5, file: '2067' },
        {
          5: [fwdStore('2067')],
          8: [fwdStore('2067')],
          2: ['Store 2067 request accepted'],
        },
      );
      expect(printed).toEqual(expected);
      expect(await storedKeys(tn)).toEqual(truth);
    });

    it('Store 0777 (in no directory) at Peer 4: one line there, nothing anywhere else, listed nowhere', async () => {
      const marks = tn.net.marks();
      tn.net.get(4).type('Store 0777');
      await eventOf(tn.net, tn.net.get(4), 'store-no-file', marks.get(4), { filename: '0777' });
      const expected = { 4: [noFile('0777')], 2: [], 5: [], 8: [] };
      expect(await printedBy(tn.net, marks, expected)).toEqual(expected);
      // Peer 4 refused it before sending anything: no Store was forwarded or accepted anywhere.
      const kinds = tn.net
        .get(4)
        .events.slice(marks.get(4))
        .map((e) => e.kind);
      expect(kinds.filter((k) => k.startsWith('store-'))).toEqual(['store-no-file']);
      expect(await storedKeys(tn)).toEqual(truth);
      for (const id of tn.net.ring()) {
        expect(
          tn.net
            .get(id)
            .events.slice(marks.get(id))
            .filter((e) => e.kind === 'store-accepted'),
          `peer ${id}`,
        ).toEqual([]);
      }
    });
  });

  describe(`status with separate data directories: Store, replication, Quit, ${routing} routing`, () => {
    const dirs = new Map<number, string>();
    const dirOf = (id: number): string => dirs.get(id) ?? '';
    const tn = networkForTests({ portBase: PORT_BASES[routing], routing }, async ({ net }) => {
      for (const [id] of FOUR_PEERS) dirs.set(id, await tempDir(`p2p-peer${id}-`));
      await startRing(net, FOUR_PEERS, (id) => ['--data-dir', dirOf(id)]);
    });

    it('Store 0004 at Peer 2 (which has it): Peer 4 lists it as owner, Peer 5 as replica, Peers 2 and 8 not at all', async () => {
      await placeFile(dirOf(2), '0004');
      const { expected, printed, marks } = await runStep(
        tn,
        { kind: 'store', at: 2, file: '0004' },
        {
          2: [fwdStore('0004')],
          4: ['Store 0004 request accepted'],
        },
      );
      expect(printed).toEqual(expected);
      // The owner replicates it to its first successor once its bytes are in.
      const offered = await eventOf(tn.net, tn.net.get(4), 'replica-offered', marks.get(4), { filename: '0004', to: 5 });
      expect(offered.fields?.['outcome']).not.toBe('failed');
      expect(await storedKeys(tn)).toEqual({ 2: [], 4: [owner('0004', 4)], 5: [replica('0004', 4)], 8: [] });
      // Peer 2 still has its copy: holding a file is not serving it.
      expect(await fs.readdir(dirOf(2))).toContain('0004.txt');
      expect(await storedKeysLine(tn.net.get(5))).toBe('Stored keys: 0004 (key 4, replica)');
    });

    it('Peer 4 quits, handing 0004 over: Peer 5 lists it as owner, and Peer 8 as replica once Peer 5 replicates it', async () => {
      const marks = tn.net.marks();
      const quitter = tn.net.get(4);
      quitter.type('Quit');
      expect(await within(quitter.exited, DEADLINE_MS, 'exit of Peer 4 after Quit')).toBe(0);
      tn.net.forget(4);
      const expected = {
        2: ['Peer 4 will depart from the network', ...newSucc(5, 8)],
        8: ['Peer 4 will depart from the network', ...newSucc(2, 5)],
        5: [],
      };
      expect(await printedBy(tn.net, marks, expected), describeNetwork(tn.net)).toEqual(expected);
      const handed = quitter.events.slice(marks.get(4)).find((e) => e.kind === 'handover-offered');
      expect(handed?.fields).toMatchObject({ filename: '0004', to: 5 });
      await settled(tn.net, marks);
      // The new owner offers it to its first successor, 8, now that key 4 is its own.
      await eventOf(tn.net, tn.net.get(5), 'replica-offered', marks.get(5), { filename: '0004', to: 8 });
      expect(await storedKeys(tn)).toEqual({ 2: [], 5: [owner('0004', 4)], 8: [replica('0004', 4)] });
      expect(await storedKeysLine(tn.net.get(5))).toBe('Stored keys: 0004 (key 4)');
      expect(await fs.readdir(dirOf(8))).toContain('0004.txt');
    });
  });
}
