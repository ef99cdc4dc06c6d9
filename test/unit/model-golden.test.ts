/**
 * The reference model against the specification's own transcripts: the
 * course walkthrough in both orders of section 4 (written out line by line
 * in src/model/walkthrough.ts) must be exactly what the model derives for
 * the ring, and a few cases worked out by hand elsewhere: Chord's route of
 * the walkthrough's Request, joins at the wrap, a peer requesting its own
 * file, a missing file.
 */
import { describe, expect, it } from 'vitest';
import { COURSE_PEERS, WALKTHROUGHS, type Order } from '../../src/model/walkthrough.js';
import { ringOf } from '../../src/model/ring-model.js';
import { runSteps } from '../../src/model/scenario.js';
import type { ServiceStep } from '../../src/model/step.js';
import { linesOf, rerouteLines, type ModelState } from '../../src/model/step-lines.js';
import { sameLines } from '../../src/model/transcript.js';

const COURSE: ModelState = { ring: ringOf(COURSE_PEERS.map(([id]) => id)), files: new Set(['2067', '4103']) };

describe('the model on the course walkthrough', () => {
  for (const order of ['walkthrough', 'marking'] as const satisfies readonly Order[]) {
    it(`derives every line of the ${order} order, peer by peer, under ring routing`, () => {
      const spec = WALKTHROUGHS[order].filter((s) => s.action.kind !== 'pings');
      const run = runSteps(
        COURSE,
        spec.map((s) => s.action as ServiceStep),
        'ring',
      );
      run.steps.forEach((derived, i) => expect(derived.lines, spec[i]?.title).toEqual(spec[i]?.expect));
      // And the whole transcripts are the steps' lines end to end.
      const whole: Record<number, string[]> = {};
      for (const s of spec) for (const [p, l] of Object.entries(s.expect)) (whole[Number(p)] ??= []).push(...l);
      expect(run.transcripts).toEqual(whole);
    });

    it(`derives the ${order} order under Chord as the ring's lines rerouted`, () => {
      const spec = WALKTHROUGHS[order].filter((s) => s.action.kind !== 'pings');
      let state = COURSE;
      for (const s of spec) {
        const step = s.action as ServiceStep;
        const chord = linesOf(state, step, 'chord');
        expect(chord.lines, s.title).toEqual(rerouteLines(s.expect, state.ring, step, 'chord'));
        state = chord.next;
      }
    });
  }

  it("routes the walkthrough's Request 4103 at 2 under Chord through 5, by its successor list (worked by hand)", () => {
    // Ring 2 4 5 8 15 19 after the walkthrough: Peer 2's fingers are 4 4 8 15 19 2 2 2
    // and its successors 4 5; of those in (2, 7), 5 comes closest to key 7, and
    // 7 is in (5, 8]: 5 forwards finally to the owner 8. Peer 4 is skipped.
    const state: ModelState = { ring: ringOf([2, 4, 5, 8, 15, 19]), files: new Set(['4103']) };
    const { lines, route } = linesOf(state, { kind: 'request', at: 2, file: '4103' }, 'chord');
    expect(route?.path).toEqual([2, 5, 8]);
    expect(lines).toEqual({
      2: [
        'File request for 4103 has been sent to my successor',
        'Peer 8 had File 4103',
        'Receiving File 4103 from Peer 8',
        'File 4103 received',
      ],
      5: ['Request for File 4103 has been received, but the file is not stored here'],
      8: ['File 4103 is stored here', 'Sending file 4103 to Peer 2', 'The file has been sent'],
    });
  });

  it('joins at the wrap as services-join-wrap writes them: 0 via 2 (which owns key 0) and 255 via 9', () => {
    const first = linesOf(COURSE, { kind: 'join', peer: 0, via: 2 }, 'ring');
    const fwd = (p: number): string => `Peer ${p} Join request forwarded to my successor`;
    expect(first.lines).toEqual({
      2: [fwd(0)],
      4: [fwd(0)],
      5: [fwd(0)],
      8: [fwd(0)],
      9: [fwd(0)],
      14: [fwd(0), 'Successor Change request received', 'My new first successor is Peer 19', 'My new second successor is Peer 0'],
      19: ['Peer 0 Join request received', 'My new first successor is Peer 0', 'My new second successor is Peer 2'],
      0: ['Join request has been accepted', 'My first successor is Peer 2', 'My second successor is Peer 4'],
    });
    const second = linesOf(first.next, { kind: 'join', peer: 255, via: 9 }, 'ring');
    expect(second.lines).toEqual({
      9: [fwd(255)],
      14: [fwd(255), 'Successor Change request received', 'My new first successor is Peer 19', 'My new second successor is Peer 255'],
      19: ['Peer 255 Join request received', 'My new first successor is Peer 255', 'My new second successor is Peer 0'],
      255: ['Join request has been accepted', 'My first successor is Peer 0', 'My second successor is Peer 2'],
    });
    expect(second.next.ring).toEqual([0, 2, 4, 5, 8, 9, 14, 19, 255]);
  });

  it('a peer requesting a file it owns prints both halves; "The file has been sent" may come later, never earlier', () => {
    const { lines } = linesOf(COURSE, { kind: 'request', at: 8, file: '4103' }, 'chord');
    const modelled = lines[8] ?? [];
    expect(Object.keys(lines)).toEqual(['8']);
    expect(modelled).toEqual([
      'File 4103 is stored here',
      'Sending file 4103 to Peer 8',
      'The file has been sent',
      'Peer 8 had File 4103',
      'Receiving File 4103 from Peer 8',
      'File 4103 received',
    ]);
    const later = [modelled[0], modelled[1], modelled[3], modelled[4], modelled[2], modelled[5]] as string[];
    expect(sameLines(modelled, later)).toBe(true);
    const earlier = [modelled[0], modelled[2], modelled[1], ...modelled.slice(3)] as string[];
    expect(sameLines(modelled, earlier)).toBe(false);
  });

  it('a Request for a file nobody has: one line at the owner, one at the requester', () => {
    const { lines } = linesOf(COURSE, { kind: 'request', at: 2, file: '0777' }, 'ring');
    // key 777 mod 256 = 9: 2 -> 4 -> 5 -> 8 -> 9
    expect(lines).toEqual({
      2: ['File request for 0777 has been sent to my successor', 'File 0777 is not stored in the network: its owner, Peer 9, does not have it'],
      4: ['Request for File 0777 has been received, but the file is not stored here'],
      5: ['Request for File 0777 has been received, but the file is not stored here'],
      8: ['Request for File 0777 has been received, but the file is not stored here'],
      9: ['File 0777 is not stored here either; Peer 2 has been told'],
    });
  });

  it('refuses steps that cannot be run, by name', () => {
    expect(() => linesOf(COURSE, { kind: 'join', peer: 8, via: 2 }, 'ring')).toThrow(/already in the ring/);
    expect(() => linesOf(COURSE, { kind: 'join', peer: 7, via: 3 }, 'ring')).toThrow(/not in the ring/);
    expect(() => linesOf(COURSE, { kind: 'store', at: 2, file: '12345' }, 'ring')).toThrow(/four digits/);
    const two: ModelState = { ring: ringOf([1, 2]), files: new Set() };
    expect(() => linesOf(two, { kind: 'kill', peer: 1 }, 'ring')).toThrow(/alone/);
  });
});
