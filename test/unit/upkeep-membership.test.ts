/**
 * Membership is told, not guessed (upkeep/membership.ts): each change is
 * pushed, in the exchange that makes it, to the peers whose predecessors it
 * changes, before the line that announces it. In-process: PeerNodes with a
 * recording `send`, no threads or sockets.
 */
import { describe, expect, it, vi } from 'vitest';
import { runCommand } from '../../src/handlers/dispatch.js';
import type { PeerNode } from '../../src/node/peer-node.js';
import { config, deliver, IDLE_DISPATCH, ping, reasonOf, recorded, refOf, refText, update } from '../fixtures/peer-node.js';

const ref = (node: PeerNode, id: number) => node.refFor(id);

describe('a join', () => {
  it('tells the old successors their predecessors before the newcomer is accepted', async () => {
    // Ring 5 -> 10 -> 20 -> 30; 15 joins and 10 accepts it.
    const { node, sent } = recorded(config(10, [20, 30]));
    node.predecessorPinged(0, ref(node, 5), undefined);
    node.predecessorPinged(1, ref(node, 1), undefined);
    await deliver(node, {
      type: 'join',
      source: 5,
      destination: 10,
      stamp: '5-1',
      content: { _nodeID: '15', _origin: refText(15), _hops: '1', _path: '15.10' },
    });
    const order = sent.map((s) => `${s.to} ${reasonOf(s)}`);
    expect(order.at(-1)).toBe('15 update:join-accepted');
    expect(order.slice(0, -1).sort()).toEqual(['20 update:predecessors', '30 update:predecessors', '5 update:successor-change']);
    const told = (to: number) => sent.find((s) => s.to === to && s.req.content.reason === 'predecessors')?.req.content;
    expect([told(20)?._pred, told(20)?._pred2]).toEqual([refText(15), refText(10)]);
    expect([told(30)?._pred, told(30)?._pred2]).toEqual([refText(20), refText(15)]);
    const accepted = sent.at(-1)?.req.content;
    expect([accepted?._pred, accepted?._pred2]).toEqual([refText(10), refText(5)]);
  });

  it('a newcomer owns its keys from its acceptance, and its successor no longer does', async () => {
    const joiner = recorded({ ...config(15, []), knownPeer: refOf(5) });
    joiner.node.beginJoin();
    await deliver(
      joiner.node,
      update(10, 15, { reason: 'join-accepted', _succ: `${refText(20)},${refText(30)}`, _pred: refText(10), _pred2: refText(5) }),
    );
    expect(joiner.node.predecessors.map((p) => p?.id)).toEqual([10, 5]);
    expect(joiner.node.route(12).kind).toBe('local');

    const successor = recorded(config(20, [30, 5]));
    successor.node.predecessorPinged(0, ref(successor.node, 10), undefined);
    successor.node.predecessorPinged(1, ref(successor.node, 5), undefined);
    expect(successor.node.route(12).kind).toBe('local'); // before: 12 is ours
    await deliver(successor.node, update(10, 20, { reason: 'predecessors', _pred: refText(15), _pred2: refText(10) }));
    expect(successor.node.route(12)).toEqual({ kind: 'forward', to: 30, final: false });
    expect(successor.node.route(17).kind).toBe('local');
    // A ping from 10 that left before it heard of 15 changes nothing.
    successor.node.predecessorPinged(0, ref(successor.node, 10), undefined);
    expect(successor.node.predecessors.map((p) => p?.id)).toEqual([15, 10]);
  });

  it('a predecessor list from a peer that is not a predecessor is refused', async () => {
    const { node, events } = recorded(config(20, [30, 5]));
    node.predecessorPinged(0, ref(node, 10), undefined);
    await deliver(node, update(7, 20, { reason: 'predecessors', _pred: refText(7), _pred2: '' }));
    expect(node.predecessors[0]?.id).toBe(10);
    expect(events.some((e) => e.kind === 'predecessors-refused')).toBe(true);
  });

  it('a successor change from a peer that is not the first successor is ignored', async () => {
    const { node, events } = recorded(config(10, [20, 30]));
    await deliver(node, update(5, 10, { reason: 'successor-change', _succ: `${refText(5)},${refText(20)}` }));
    expect(node.successors.map((s) => s.id)).toEqual([20, 30]);
    expect(events.some((e) => e.kind === 'successor-change-ignored')).toBe(true);
    await deliver(node, update(20, 10, { reason: 'successor-change', _succ: `${refText(20)},${refText(25)}` }));
    expect(node.successors.map((s) => s.id)).toEqual([20, 25]);
  });
});

describe('a quit', () => {
  it('tells the successors their new predecessors before the predecessors hear of the departure', async () => {
    const { node, sent } = recorded(config(10, [20, 30]));
    node.predecessorPinged(0, ref(node, 5), undefined);
    node.predecessorPinged(1, ref(node, 1), undefined);
    await runCommand(node, IDLE_DISPATCH, 'quit');
    const order = sent.map((s) => `${s.to} ${reasonOf(s)}`);
    expect(order.slice(0, 2).sort()).toEqual(['20 update:predecessors', '30 update:predecessors']);
    expect(order.slice(2, 4).sort()).toEqual(['1 quit:', '5 quit:']);
    const told = (to: number) => sent.find((s) => s.to === to && s.req.content.reason === 'predecessors')?.req.content;
    expect([told(20)?._pred, told(20)?._pred2, told(20)?.gone]).toEqual([refText(5), refText(1), '10']);
    expect([told(30)?._pred, told(30)?._pred2, told(30)?.gone]).toEqual([refText(20), refText(5), '10']);
  });

  it('is sent to the predecessors alive now: one that stopped pinging is forgotten', async () => {
    const { node, sent } = recorded(config(10, [20, 30]));
    node.predecessorPinged(0, ref(node, 5), undefined);
    node.predecessorPinged(1, ref(node, 1), undefined); // 1 is then killed and never pings again
    const c = node.config;
    const bound = 2 * c.pingIntervalMs + 3 * c.pingTimeoutMs;
    node.expirePredecessors(Date.now() + bound / 2);
    expect(node.predecessors.map((p) => p?.id)).toEqual([5, 1]); // still within the bound
    node.expirePredecessors(Date.now() + bound + 1);
    expect(node.predecessors.map((p) => p?.id)).toEqual([undefined, undefined]);
    // 5 keeps pinging; 0, which now has 10 second, pings too.
    node.predecessorPinged(0, ref(node, 5), undefined);
    node.predecessorPinged(1, ref(node, 0), undefined);
    await runCommand(node, IDLE_DISPATCH, 'quit');
    expect(
      sent
        .filter((s) => s.req.type === 'quit')
        .map((s) => s.to)
        .sort(),
    ).toEqual([0, 5]);
  });

  it('a late ping from the peer that left does not make it a predecessor again', async () => {
    const { node } = recorded(config(20, [30, 5]));
    node.predecessorPinged(0, ref(node, 10), 'inc-a');
    node.predecessorPinged(1, ref(node, 5), 'inc-b');
    await deliver(node, update(10, 20, { reason: 'predecessors', _pred: refText(5), _pred2: refText(1), gone: '10' }));
    expect(node.predecessors.map((p) => p?.id)).toEqual([5, 1]);
    node.predecessorPinged(0, ref(node, 10), 'inc-a');
    expect(node.predecessors.map((p) => p?.id)).toEqual([5, 1]);
  });
});

describe('a peer that comes back', () => {
  it('its successor tells the predecessor it displaced, which takes it back and tells its own predecessor', async () => {
    // Ring 5 -> 10 -> 20; 15 was between 10 and 20, died, and was repaired out.
    const s1 = recorded(config(20, [30, 5]));
    s1.node.predecessorPinged(0, ref(s1.node, 15), 'old');
    s1.node.markGone(15);
    s1.node.predecessorPinged(0, ref(s1.node, 10), 'x');
    s1.node.predecessorPinged(1, ref(s1.node, 5), 'y');
    // 15 restarts (`init 15 20 30`): a new incarnation pings 20 as its first successor.
    const verdict = s1.node.predecessorPinged(0, ref(s1.node, 15), 'new');
    expect(verdict.verdict).toBe('closer');
    await deliver(s1.node, ping(15, 20, 0, 'new'));
    expect(s1.node.predecessors.map((p) => p?.id)).toEqual([15, 10]);

    const p = recorded(config(10, [20, 30]));
    p.node.predecessorPinged(0, ref(p.node, 5), undefined);
    p.node.markGone(15);
    await deliver(p.node, update(20, 10, { reason: 'successor-rejoined', _peer: refText(15) }));
    expect(p.node.successors.map((s) => s.id)).toEqual([15, 20]);
    expect(p.sent.map((s) => `${s.to} ${reasonOf(s)}`).sort()).toEqual(['15 update:predecessors', '5 update:successor-change']);
    expect(p.node.isGone(15)).toBe(false);
  });

  it('a ping of the same incarnation soon after its death is not taken for a return', () => {
    const { node } = recorded(config(20, [30, 5]));
    node.predecessorPinged(0, ref(node, 15), 'same');
    node.markGone(15);
    expect(node.predecessorPinged(0, ref(node, 15), 'same').verdict).toBe('ignored');
    expect(node.predecessors[0]).toBeUndefined();
  });
});

describe('a peer that missed a successor change', () => {
  it('is sent one by its first successor once it has pinged us as its second for two intervals', async () => {
    // 113 -> 156 -> 177 -> 188; 113 took 177 for dead and still names 188 second.
    vi.useFakeTimers({ toFake: ['Date'] });
    try {
      const s = recorded(config(188, [200, 220]));
      s.node.predecessorPinged(0, ref(s.node, 177), undefined);
      s.node.predecessorPinged(1, ref(s.node, 156), undefined);
      const stale = ping(113, 188, 1);
      await deliver(s.node, stale);
      expect(s.sent).toEqual([]); // a successor change may be on its way
      vi.setSystemTime(Date.now() + 1000); // two intervals of 500 ms
      s.node.predecessorPinged(1, ref(s.node, 156), undefined); // 156 lives on
      await deliver(s.node, stale);
      expect(s.sent.map((x) => `${x.to} ${reasonOf(x)} ${x.req.content._peer ?? ''}`)).toEqual([
        `156 update:refresh-predecessor ${refText(113)}`,
      ]);

      const first = recorded(config(156, [177, 188]));
      first.node.predecessorPinged(0, ref(first.node, 113), undefined);
      await deliver(first.node, update(188, 156, { reason: 'refresh-predecessor', _peer: refText(113) }));
      const change = first.sent.find((x) => x.req.content.reason === 'successor-change');
      expect(change?.to).toBe(113);
      expect(change?.req.content._succ).toBe([156, 177, 188].map(refText).join(','));
      // From a stranger, or about a peer that is not our predecessor: nothing.
      const before = first.sent.length;
      await deliver(first.node, update(50, 156, { reason: 'refresh-predecessor', _peer: refText(113) }));
      await deliver(first.node, update(188, 156, { reason: 'refresh-predecessor', _peer: refText(100) }));
      expect(first.sent.length).toBe(before);
    } finally {
      vi.useRealTimers();
    }
  });
});

describe('a peer that missed a join between it and its first successor', () => {
  // 142 -> 153 -> 157 -> 189: 153 accepted 157, but 153's list was then
  // overwritten and it still names 189 first. 189 hears 157 and 153 ping.
  const pingOf = (from: number, slot: 0 | 1) => ping(from, 189, slot);

  it('is told by that successor, once it has pinged past the newcomer for two intervals', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    try {
      const s = recorded(config(189, [198, 206]));
      s.node.predecessorPinged(0, ref(s.node, 157), undefined);
      s.node.predecessorPinged(1, ref(s.node, 153), undefined);
      await deliver(s.node, pingOf(153, 0));
      expect(s.sent).toEqual([]); // a successor change may be on its way
      vi.setSystemTime(Date.now() + 1000); // two intervals of 500 ms
      s.node.predecessorPinged(0, ref(s.node, 157), undefined); // 157 lives on
      await deliver(s.node, pingOf(153, 0));
      expect(s.sent.map((x) => `${x.to} ${reasonOf(x)} ${x.req.content._peer ?? ''}`)).toEqual([
        `153 update:successor-rejoined ${refText(157)}`,
      ]);

      // 153 takes 157 as its first successor with the course's lines, and tells its own predecessor.
      const stale = recorded(config(153, [189, 198]));
      stale.node.predecessorPinged(0, ref(stale.node, 142), undefined);
      await deliver(stale.node, update(189, 153, { reason: 'successor-rejoined', _peer: refText(157) }));
      expect(stale.node.successors.map((r) => r.id).slice(0, 2)).toEqual([157, 189]);
      expect(stale.sent.map((x) => `${x.to} ${reasonOf(x)}`)).toEqual(['157 update:predecessors', '142 update:successor-change']);
    } finally {
      vi.useRealTimers();
    }
  });

  it('is not pressed to take back a peer that stopped pinging (it may be dead)', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    try {
      const s = recorded(config(189, [198, 206]));
      s.node.predecessorPinged(0, ref(s.node, 157), undefined);
      s.node.predecessorPinged(1, ref(s.node, 153), undefined);
      await deliver(s.node, pingOf(153, 0));
      vi.setSystemTime(Date.now() + 1000);
      await deliver(s.node, pingOf(153, 0));
      expect(s.sent).toEqual([]);
    } finally {
      vi.useRealTimers();
    }
  });
});

describe('a joining peer', () => {
  it('takes no successor change before its acceptance: its successors come from its acceptor', async () => {
    const { node, events } = recorded(config(153, []));
    node.beginJoin();
    await deliver(node, update(142, 153, { reason: 'successor-change', _succ: [189, 206].map(refText).join(',') }));
    expect(node.successors).toEqual([]);
    expect(events.map((e) => e.kind)).toContain('successor-change-ignored');
  });
});
