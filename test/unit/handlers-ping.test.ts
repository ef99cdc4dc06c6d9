/**
 * A ping request (handlers/ping.ts): the course's line, the predecessor it
 * confirms, fills or replaces, and the one message a ping can cause, to the
 * predecessor a returning peer displaced. In-process, no sockets.
 */
import { describe, expect, it } from 'vitest';
import type { RequestOf } from '../../src/protocol/types.js';
import { config, deliver, knowPredecessors, ping, printed, recorded, refText, sentSummary } from '../fixtures/peer-node.js';

const preds = (node: ReturnType<typeof recorded>['node']): (number | undefined)[] => node.predecessors.map((p) => p?.id);

describe('a ping request', () => {
  it('prints the course line and makes its sender the predecessor of its slot', async () => {
    const { node, events, sent } = recorded(config(10, [20, 30]));
    await deliver(node, ping(5, 10, 0));
    expect(preds(node)).toEqual([5, undefined]);
    await deliver(node, ping(1, 10, 1));
    expect(preds(node)).toEqual([5, 1]);
    expect(printed(events)).toEqual(['Ping request message received from Peer 5', 'Ping request message received from Peer 1']);
    expect(events.filter((e) => e.kind === 'ping-request').map((e) => e.fields)).toEqual([
      { from: 5, slot: 0 },
      { from: 1, slot: 1 },
    ]);
    expect(sent).toEqual([]);
  });

  it("learns the sender's address from the ping, not from the port base", async () => {
    const { node } = recorded(config(10, [20, 30]));
    const far: RequestOf<'ping'> = { ...ping(5, 10, 0), content: { phase: 'req', slot: '0', seq: '0', _addr: '5@10.0.0.9:7005' } };
    await deliver(node, far);
    expect(node.refFor(5)).toEqual({ id: 5, host: '10.0.0.9', port: 7005 });
    expect(node.predecessors[0]).toEqual({ id: 5, host: '10.0.0.9', port: 7005 });
  });

  it('from a slot beyond the second (a longer list) prints the line and changes nothing', async () => {
    const { node, events, sent } = recorded(config(10, [20, 30]));
    knowPredecessors(node, 5, 1);
    await deliver(node, { ...ping(250, 10, 1), content: { phase: 'req', slot: '2', seq: '0', _addr: refText(250) } });
    expect(printed(events)).toEqual(['Ping request message received from Peer 250']);
    expect(preds(node)).toEqual([5, 1]);
    expect(sent).toEqual([]);
  });

  it('from a peer closer than our first predecessor takes it first, and tells the predecessor it displaced', async () => {
    // 5 -> 10 -> 20: 8 comes (back) between 5 and us.
    const { node, events, sent } = recorded(config(10, [20, 30]));
    knowPredecessors(node, 5, 1);
    await deliver(node, ping(8, 10, 0, 'inc-8'));
    expect(preds(node)).toEqual([8, 5]);
    expect(sentSummary(sent)).toEqual(['5 update:successor-rejoined']);
    expect(sent[0]?.req.content._peer).toBe(refText(8));
    expect(events.find((e) => e.kind === 'peer-back')?.fields).toEqual({ peer: 8, displaced: 5 });
  });

  it('in a ring of two, a closer ping from our own successor tells nobody', async () => {
    // 8 and 10 alone; 10 still holds a stale 5 as its predecessor.
    const { node, sent } = recorded(config(10, [8]));
    knowPredecessors(node, 5);
    await deliver(node, ping(8, 10, 0));
    expect(preds(node)).toEqual([8, 5]);
    expect(sent).toEqual([]);
  });

  it('from a farther peer is not taken, starts a stale-view clock, and one it then fills clears it', async () => {
    // 10 -> 15 -> 20, but 10 still pings 20 as its first successor.
    const { node, sent } = recorded(config(20, [30, 40]));
    knowPredecessors(node, 15, 10);
    await deliver(node, ping(10, 20, 0));
    expect(preds(node)).toEqual([15, 10]);
    expect([...node.staleViews.keys()]).toEqual(['0:10']);
    expect(sent).toEqual([]); // a successor change may be on its way: not yet
    // 15 dies: 10 was right after all, and its next ping fills the slot.
    node.markGone(15);
    await deliver(node, ping(10, 20, 0));
    expect(preds(node)).toEqual([10, undefined]);
    expect([...node.staleViews.keys()]).toEqual([]);
    expect(sent).toEqual([]);
  });

  it('from this peer itself changes nothing', async () => {
    const { node } = recorded(config(10, [20, 30]));
    knowPredecessors(node, 5, 1);
    await deliver(node, ping(10, 10, 0));
    expect(preds(node)).toEqual([5, 1]);
  });
});
