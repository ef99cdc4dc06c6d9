/**
 * Graceful departure (handlers/quit.ts): a `quit` from one of our first two
 * successors replaces it with its successors, with the course's lines; the
 * quitting peer tells its successors and predecessors, then sends itself an
 * `exit` that only it can forge. In-process, no sockets.
 */
import { describe, expect, it } from 'vitest';
import { quitCommand } from '../../src/handlers/quit.js';
import { departing, newSuccessors } from '../../src/model/lines.js';
import type { RequestOf } from '../../src/protocol/types.js';
import { config, deliver, knowPredecessors, printed, recorded, refText, sentSummary, succText, turns } from '../fixtures/peer-node.js';

/** Peer `leaving`'s quit, naming its successors `succ`, as it reaches `at`. */
function quit(leaving: number, at: number, succ: readonly number[]): RequestOf<'quit'> {
  return {
    type: 'quit',
    source: leaving,
    destination: at,
    stamp: `${leaving}-q`,
    content: {
      _nodeID: String(leaving),
      _origin: refText(leaving),
      _firstID: String(succ[0]),
      _secondID: String(succ[1]),
      _succ: succText(succ),
    },
  };
}

describe('a quit from a successor', () => {
  // The course's step: 9 (successors 14, 19) quits; its predecessors are 8 and 5.
  it("from our first successor: its successors take its place, with the course's lines", async () => {
    const { node, events, sent } = recorded(config(8, [9, 14]));
    await deliver(node, quit(9, 8, [14, 19]));
    expect(printed(events)).toEqual([departing(9), ...newSuccessors(14, 19)]);
    expect(node.successors.map((s) => s.id)).toEqual([14, 19]);
    expect(node.isGone(9)).toBe(true);
    expect(sent).toEqual([]);
  });

  it('from our second successor: the first stays, the quitter’s first follows it', async () => {
    const { node, events } = recorded(config(5, [8, 9]));
    await deliver(node, quit(9, 5, [14, 19]));
    expect(printed(events)).toEqual([departing(9), ...newSuccessors(8, 14)]);
    expect(node.successors.map((s) => s.id)).toEqual([8, 14]);
  });

  it('leaves out ourselves and the quitter from the list it hands us (a small ring)', async () => {
    // Ring 2 -> 4 -> 5: 4 quits, and its list names 5 and 2.
    const { node, events } = recorded(config(2, [4, 5]));
    await deliver(node, quit(4, 2, [5, 2]));
    expect(node.successors.map((s) => s.id)).toEqual([5]);
    expect(printed(events)).toEqual([departing(4), 'My new first successor is Peer 5']);
  });

  it('from a peer that is not our successor is ignored, with a note and no line', async () => {
    const { node, events } = recorded(config(8, [9, 14]));
    await deliver(node, quit(19, 8, [2, 4]));
    expect(node.successors.map((s) => s.id)).toEqual([9, 14]);
    expect(printed(events)).toEqual([]);
    expect(events.find((e) => e.kind === 'quit-ignored')?.fields).toEqual({ peer: 19, reason: 'not a successor' });
    expect(node.isGone(19)).toBe(false);
  });
});

describe('Quit typed at this peer', () => {
  it('tells both predecessors with its successors, and ends by sending itself its exit token', async () => {
    const { node, sent } = recorded(config(9, [14, 19]));
    knowPredecessors(node, 8, 5);
    await quitCommand(node);
    expect(sentSummary(sent).slice(0, 2).sort()).toEqual(['14 update:predecessors', '19 update:predecessors']);
    expect(sentSummary(sent).slice(2, 4).sort()).toEqual(['5 quit:', '8 quit:']);
    const q = sent.find((s) => s.req.type === 'quit')?.req.content;
    expect(q).toMatchObject({ _nodeID: '9', _origin: refText(9), _firstID: '14', _secondID: '19', _succ: succText([14, 19]) });
    expect(sentSummary(sent).at(-1)).toBe('9 exit:');
    expect(sent.at(-1)?.req.content).toEqual({ _nodeID: '9', _token: node.exitToken });
  });

  it('waits for its predecessors to be known before telling them, and says so', async () => {
    const { node, events, sent } = recorded(config(9, [14, 19]));
    const done = quitCommand(node);
    await turns();
    expect(printed(events)).toEqual(['Waiting for a ping from a predecessor before departing']);
    expect(sent).toEqual([]);
    knowPredecessors(node, 8);
    await turns();
    expect(sent).toEqual([]); // one of two
    knowPredecessors(node, 8, 5);
    await done;
    expect(
      sent
        .filter((s) => s.req.type === 'quit')
        .map((s) => s.to)
        .sort(),
    ).toEqual([5, 8]);
  });

  it('a predecessor that cannot be told is reported, and the exit still follows', async () => {
    const { node, events, sent } = recorded(config(9, [14, 19]), (to, req) =>
      to === 5 && req.type === 'quit' ? Promise.reject(new Error('connection refused')) : Promise.resolve(),
    );
    knowPredecessors(node, 8, 5);
    await quitCommand(node);
    expect(events.find((e) => e.kind === 'quit-notify-failed')).toMatchObject({ stream: 'stderr' });
    expect(sentSummary(sent).at(-1)).toBe('9 exit:');
  });
});

describe('exit', () => {
  it('from this peer with its token ends it with status 0', async () => {
    const { node, exits } = recorded(config(9, [14, 19]));
    await deliver(node, { type: 'exit', source: 9, destination: 9, stamp: '9-e', content: { _nodeID: '9', _token: node.exitToken } });
    expect(exits).toEqual([{ code: 0, reason: 'quit' }]);
    expect(node.stopping).toBe(true);
  });

  it('forged (another source, or a wrong token) is refused on stderr and ends nothing', async () => {
    const { node, events, exits } = recorded(config(9, [14, 19]));
    await deliver(node, { type: 'exit', source: 8, destination: 9, stamp: '8-e', content: { _nodeID: '8', _token: node.exitToken } });
    await deliver(node, { type: 'exit', source: 9, destination: 9, stamp: '9-e', content: { _nodeID: '9', _token: 'guess' } });
    expect(exits).toEqual([]);
    expect(node.stopping).toBe(false);
    const refused = events.filter((e) => e.kind === 'bad-request');
    expect(refused.map((e) => [e.stream, e.fields.code])).toEqual([
      ['stderr', 'ERR_UNKNOWN_TYPE'],
      ['stderr', 'ERR_UNKNOWN_TYPE'],
    ]);
  });
});
