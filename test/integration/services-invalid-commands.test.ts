/**
 * Invalid commands and file names typed into a running peer (spec 1): each
 * gets a one-line explanation and the peer keeps running, so the next valid
 * command works. Commands are case-insensitive. Ring 2 -> 4 -> 5 -> 2,
 * under ring and under Chord routing.
 */
import { describe, expect, it } from 'vitest';
import {
  courseLines,
  errorLines,
  eventOf,
  networkForTests,
  placeFile,
  printedBy,
  routedLines,
  runStep,
  ROUTINGS,
  startRing,
  THREE_PEERS,
} from '../fixtures/network.js';
import { fwdStore } from '../fixtures/lines.js';

// This file's ports: 16700..16999 (ring) and 25700..25999 (Chord).
const PORT_BASES = { ring: 16700, chord: 25700 } as const;

for (const routing of ROUTINGS) {
  describe(`invalid commands and file names, ${routing} routing`, () => {
    const tn = networkForTests({ portBase: PORT_BASES[routing], routing }, async ({ net, dir }) => {
      // The files the valid Stores below send (a Store of a file the peer lacks is refused where typed).
      for (const name of ['0004', '0005']) await placeFile(dir, name);
      await startRing(net, THREE_PEERS);
    });

    const cases: readonly (readonly [string, (line: string) => boolean])[] = [
      ['Store a912', (l) => l.startsWith('Invalid file name "a912"') && l.includes('four digits')],
      ['Store 32134', (l) => l.startsWith('Invalid file name "32134"') && l.includes('four digits')],
      ['Request 12', (l) => l.startsWith('Invalid file name "12"')],
      ['foo', (l) => l.startsWith('Invalid command "foo"')],
      ['Store', (l) => l.startsWith('Invalid command "Store"') && l.includes('Store NNNN')],
      ['Store 2067 2068', (l) => l.startsWith('Invalid command "Store 2067 2068"')],
      ['Quit now', (l) => l.startsWith('Invalid command "Quit now"')],
    ];

    for (const [typed, explains] of cases) {
      it(`"${typed}" gets exactly one line of explanation and the peer keeps running`, async () => {
        const peer = tn.net.get(2);
        const since = peer.mark();
        peer.type(typed);
        const e = await eventOf(tn.net, peer, 'bad-command', since);
        expect(e.line ?? '').not.toContain('\n');
        expect(explains(e.line ?? ''), `explanation was: ${e.line ?? '(none)'}`).toBe(true);
        expect(courseLines(peer, since)).toEqual([e.line]);
        expect(errorLines(peer, since)).toEqual([]);
        expect(peer.running).toBe(true);
      });
    }

    it('after all of them, a valid Store typed at the same peer works', async () => {
      const { expected, printed } = await runStep(
        tn,
        { kind: 'store', at: 2, file: '0004' },
        {
          2: [fwdStore('0004')],
          4: ['Store 0004 request accepted'],
        },
      );
      expect(printed).toEqual(expected);
    });

    it('commands are case-insensitive: "store 0005" and "REQUEST 0261"', async () => {
      const stored = await routedLines(
        tn,
        { kind: 'store', at: 4, file: '0005' },
        {
          4: [fwdStore('0005')],
          5: ['Store 0005 request accepted'],
        },
      );
      let marks = tn.net.marks();
      tn.net.get(4).type('store 0005');
      expect(await printedBy(tn.net, marks, stored)).toEqual(stored);
      // 0261 (key 5, Peer 5's too) is in no directory: the requester is told in one line.
      const requested = await routedLines(
        tn,
        { kind: 'request', at: 4, file: '0261' },
        {
          4: [
            'File request for 0261 has been sent to my successor',
            'File 0261 is not stored in the network: its owner, Peer 5, does not have it',
          ],
          5: ['File 0261 is not stored here either; Peer 4 has been told'],
        },
      );
      marks = tn.net.marks();
      tn.net.get(4).type('REQUEST 0261');
      expect(await printedBy(tn.net, marks, requested)).toEqual(requested);
    });

    it('a blank line is ignored, and every peer is still running', async () => {
      const peer = tn.net.get(5);
      const since = peer.mark();
      peer.type('');
      peer.type('   ');
      peer.type('status --json');
      await eventOf(tn.net, peer, 'status', since);
      expect(peer.events.slice(since).filter((e) => e.kind === 'bad-command')).toEqual([]);
      expect(tn.net.ring()).toEqual([2, 4, 5]);
      // Nothing went wrong anywhere, the "file missing" exchange of Peer 5 included.
      for (const id of [2, 4, 5]) expect(errorLines(tn.net.get(id)), `peer ${id}`).toEqual([]);
    });
  });
}
