/**
 * Abrupt departure (handlers/abrupt.ts): our own ping sender's notice that a
 * successor died prints "Peer X is no longer alive", drops it, tells the new
 * first successor its predecessors, and asks the farthest live successor
 * for its list; the answer completes the repair with the course's lines. A
 * notice from anyone else is not obeyed. In-process, no sockets.
 */
import { describe, expect, it } from 'vitest';
import { P2PError } from '../../src/errors.js';
import { askSuccessors } from '../../src/handlers/abrupt.js';
import { contentError } from '../../src/protocol/content.js';
import { newSuccessors, noLongerAlive } from '../../src/model/lines.js';
import type { RequestOf } from '../../src/protocol/types.js';
import { config, deliver, knowPredecessors, printed, recorded, refOf, refText, sentSummary, succText, update } from '../fixtures/peer-node.js';

/** The notice `from`'s ping sender queues when successor `dead` missed its pings. */
function notice(from: number, dead: number): RequestOf<'abrupt'> {
  return { type: 'abrupt', source: from, destination: from, stamp: `${from}-a`, content: { dead: String(dead) } };
}

/** Peer `from`'s answer to a repair's query: its successors. */
const answer = (from: number, to: number, dead: number, succ: readonly number[]) =>
  update(from, to, { reason: 'successors', dead: String(dead), _succ: succText(succ) });

const unreachable = (): P2PError => new P2PError('ERR_UNREACHABLE', 'cannot deliver');

describe('our ping sender says a successor died', () => {
  // The course's step: 14 is killed; 9 held it first, 8 second.
  it("the first: the course's lines, the new first successor told first, then asked for its successors", async () => {
    const { node, events, sent } = recorded(config(9, [14, 19]));
    knowPredecessors(node, 8, 5);
    await deliver(node, notice(9, 14));
    expect(printed(events)).toEqual([noLongerAlive(14)]);
    expect(node.successors.map((s) => s.id)).toEqual([19]);
    expect(node.isGone(14)).toBe(true);
    expect(sentSummary(sent)).toEqual(['19 update:predecessors', '19 abrupt:']);
    expect(sent[0]?.req.content).toMatchObject({ _pred: refText(9), _pred2: refText(8), gone: '14' });
    expect(sent[1]?.req.content).toEqual({ _query: 'successors', _nodeID: '9', _origin: refText(9), dead: '14' });

    sent.length = 0;
    await deliver(node, answer(19, 9, 14, [2, 4]));
    expect(printed(events)).toEqual([noLongerAlive(14), ...newSuccessors(19, 2)]);
    expect(node.successors.map((s) => s.id)).toEqual([19, 2]);
    // Both new successors learn where 9 stands before the lines.
    expect(sentSummary(sent).sort()).toEqual(['19 update:predecessors', '2 update:predecessors']);
    expect(sent.find((s) => s.to === 2)?.req.content).toMatchObject({ _pred: refText(19), _pred2: refText(9) });
  });

  it('the second: the first successor is asked, and the dead peer is left out of an answer that still names it', async () => {
    const { node, events, sent } = recorded(config(8, [9, 14]));
    knowPredecessors(node, 5, 4);
    await deliver(node, notice(8, 14));
    expect(node.successors.map((s) => s.id)).toEqual([9]);
    expect(sentSummary(sent)).toEqual(['9 abrupt:']); // no predecessor changed: 9 is still our first
    // 9 has not repaired yet: its list still names 14 (the course: take 9's second).
    await deliver(node, answer(9, 8, 14, [14, 19]));
    expect(printed(events)).toEqual([noLongerAlive(14), ...newSuccessors(9, 19)]);
    expect(node.successors.map((s) => s.id)).toEqual([9, 19]);
  });

  it('is not obeyed when the notice comes from another peer', async () => {
    const { node, events, sent } = recorded(config(9, [14, 19]));
    await deliver(node, notice(5, 14));
    expect(node.successors.map((s) => s.id)).toEqual([14, 19]);
    expect(printed(events)).toEqual([]);
    expect(sent).toEqual([]);
  });

  it('is ignored for a peer already repaired out of our list', async () => {
    const { node, events, sent } = recorded(config(9, [19, 2]));
    await deliver(node, notice(9, 14));
    expect(printed(events)).toEqual([]);
    expect(sent).toEqual([]);
  });

  it('asks the successor before the farthest when the farthest cannot be reached', async () => {
    const { node, events, sent } = recorded(config(9, [14, 19, 2], { successors: 3 }), (to, req) =>
      to === 2 && req.type === 'abrupt' ? Promise.reject(unreachable()) : Promise.resolve(),
    );
    knowPredecessors(node, 8, 5);
    await deliver(node, notice(9, 14));
    expect(sent.filter((s) => s.req.type === 'abrupt').map((s) => s.to)).toEqual([2, 19]);
    expect(events.find((e) => e.kind === 'repair-rerouted')?.fields).toEqual({ unreachable: 2, dead: 14 });
  });

  it('says the ring is broken when no successor is left', async () => {
    const { node, events } = recorded(config(9, [14]));
    await deliver(node, notice(9, 14));
    expect(events.find((e) => e.kind === 'ring-broken')).toMatchObject({ line: 'No live successor is left', stream: 'stderr' });
  });

  it('a third successor (r = 3) is dropped quietly: no line, and its list is pulled from the last live one', async () => {
    const { node, events, sent } = recorded(config(9, [14, 19, 2], { successors: 3 }));
    knowPredecessors(node, 8, 5);
    await deliver(node, notice(9, 2));
    expect(printed(events)).toEqual([]);
    expect(node.successors.map((s) => s.id)).toEqual([14, 19]);
    expect(events.find((e) => e.kind === 'peer-dead')?.fields).toEqual({ peer: 2, position: 3 });
    expect(sentSummary(sent)).toEqual(['19 update:get-successors']);
  });
});

describe('an answer nobody asked for', () => {
  // Once taken from any peer: 9, left with 19, took 12's answer [14, 19] as
  // [19, 14] and printed 14 as its second successor.
  it('from a peer that is not our successor changes nothing and prints nothing', async () => {
    const { node, events } = recorded(config(9, [19]));
    await deliver(node, answer(12, 9, 11, [14, 19]));
    expect(node.successors.map((s) => s.id)).toEqual([19]);
    expect(printed(events)).toEqual([]);
    expect(events.map((e) => e.kind)).toContain('repair-answer-ignored');
  });
});

describe("a predecessor's query for our successors", () => {
  it('is answered with our list at the address it gives, naming the dead peer', async () => {
    const { node, sent } = recorded(config(19, [2, 4]));
    await deliver(node, {
      type: 'abrupt',
      source: 9,
      destination: 19,
      stamp: '9-a',
      content: { _query: 'successors', _nodeID: '9', _origin: refText(9), dead: '14' },
    });
    expect(sentSummary(sent)).toEqual(['9 update:successors']);
    expect(sent[0]?.req.content).toMatchObject({ dead: '14', _firstID: '2', _secondID: '4', _succ: succText([2, 4]) });
    expect(node.successors.map((s) => s.id)).toEqual([2, 4]);
  });
});

describe('a query for successors that names no dead peer (a newcomer accepted with a short list)', () => {
  it('is a valid frame without `dead`, and its answer names none either', async () => {
    const { node, sent } = recorded(config(15, [19]));
    await askSuccessors(node, node.successors[0]);
    const query = sent[0]?.req;
    expect(query?.type).toBe('abrupt');
    expect(query?.content).not.toHaveProperty('dead');
    expect(query === undefined ? 'no query' : contentError(query, 'tcp')).toBeUndefined();

    const asked = recorded(config(19, [2, 4]));
    await deliver(asked.node, query as RequestOf<'abrupt'>);
    const answer = asked.sent[0]?.req;
    expect(answer?.content).toMatchObject({ reason: 'successors' });
    expect(answer?.content).not.toHaveProperty('dead');
    expect(answer === undefined ? 'no answer' : contentError(answer, 'tcp')).toBeUndefined();
  });
});

describe('the last successor dies (as many neighbours died at once as we keep successors)', () => {
  it('under Chord: the closest finger that answers becomes the successor and is asked for its list', async () => {
    // 9's successors 14 and 19 died together; 19 already went, now 14. Finger 30 is dead too, 40 answers.
    const { node, events, sent } = recorded(config(9, [14], { routing: 'chord' }), (to) =>
      to === 30 ? Promise.reject(unreachable()) : Promise.resolve(),
    );
    knowPredecessors(node, 8, 5);
    [14, 14, 14, 30, 40, 50, 80, 140].forEach((id, i) => node.setFinger(i, refOf(id)));
    await deliver(node, notice(9, 14));
    expect(events.some((e) => e.kind === 'ring-broken')).toBe(false);
    expect(events.find((e) => e.kind === 'ring-rescued')?.fields).toEqual({ via: 40, dead: 14 });
    expect(node.successors.map((s) => s.id)).toEqual([40]);
    expect(sentSummary(sent).filter((s) => s.endsWith('abrupt:'))).toEqual(['30 abrupt:', '40 abrupt:']);
    expect(node.fingers.map((f) => f?.id ?? -1)).not.toContain(30);
  });

  it('under the ring: the ring is broken, said on stderr', async () => {
    const { node, events } = recorded(config(9, [14]));
    knowPredecessors(node, 8, 5);
    await deliver(node, notice(9, 14));
    expect(events.find((e) => e.kind === 'ring-broken')?.line).toBe('No live successor is left');
    expect(node.successors).toEqual([]);
  });
});
