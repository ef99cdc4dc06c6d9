/**
 * Join (handlers/join.ts): the peer after which the newcomer belongs accepts
 * it with the course's lines, tells its first predecessor and its old
 * successors, then hands the newcomer its successors; any other peer passes
 * the join on with "Peer N Join request forwarded to my successor". Bad and
 * duplicate IDs are refused, a retry is answered again, and the newcomer's
 * own join is retried a few times, then given up loudly. In-process: no
 * sockets, fake timers only where time matters.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { JOIN_TRIES } from '../../src/constants.js';
import { P2PError } from '../../src/errors.js';
import { startJoin } from '../../src/handlers/join.js';
import { joinAccepted, joinForwarded, joinReceived, newSuccessors } from '../../src/model/lines.js';
import type { RequestOf } from '../../src/protocol/types.js';
import { joinRetryMs, membershipWaitMs } from '../../src/timing.js';
import {
  config,
  deliver,
  knowPredecessors,
  printed,
  recorded,
  refOf,
  refText,
  sentSummary,
  succText,
  turns,
  update,
} from '../fixtures/peer-node.js';

/** A join of `newcomer`, arriving at `at` from `from` after `hops` hops. */
function join(newcomer: number, from: number, at: number, origin = refText(newcomer)): RequestOf<'join'> {
  return {
    type: 'join',
    source: from,
    destination: at,
    stamp: `${newcomer}-1`,
    content: { _nodeID: String(newcomer), _origin: origin, _hops: '1', _path: `${newcomer}.${at}` },
  };
}

afterEach(() => {
  vi.useRealTimers();
});

describe('a join this peer accepts', () => {
  // The course's step: 14 (successors 19, 2; predecessors 9, 8) accepts 15.
  it("prints the course's lines, takes the newcomer first, and tells everyone before the newcomer", async () => {
    const { node, events, sent } = recorded(config(14, [19, 2]));
    knowPredecessors(node, 9, 8);
    await deliver(node, join(15, 9, 14));
    expect(printed(events)).toEqual([joinReceived(15), ...newSuccessors(15, 19)]);
    expect(node.successors.map((s) => s.id)).toEqual([15, 19]);
    expect(sentSummary(sent).at(-1)).toBe('15 update:join-accepted');
    expect(sentSummary(sent).slice(0, -1).sort()).toEqual(['19 update:predecessors', '2 update:predecessors', '9 update:successor-change']);
    // 9 learns its new second successor: 9 -> 14 -> 15.
    const change = sent.find((s) => s.to === 9)?.req.content;
    expect([change?._firstID, change?._secondID, change?._succ]).toEqual(['14', '15', succText([14, 15, 19])]);
    // 15's successors are 14's old ones, its predecessors 14 and 9.
    const accepted = sent.at(-1)?.req.content;
    expect([accepted?._succ, accepted?._pred, accepted?._pred2]).toEqual([succText([19, 2]), refText(14), refText(9)]);
    expect(events.find((e) => e.kind === 'join-received')?.fields).toEqual({ peer: 15 });
  });

  it('waits for its first predecessor to be known before accepting, so that it can be told', async () => {
    const { node, sent } = recorded(config(14, [19, 2]));
    const done = deliver(node, join(15, 9, 14));
    await turns();
    expect(sent).toEqual([]);
    knowPredecessors(node, 9); // 9's first ping arrives
    await done;
    expect(sentSummary(sent)).toContain('9 update:successor-change');
    expect(sentSummary(sent).at(-1)).toBe('15 update:join-accepted');
  });

  it('accepts without telling a predecessor when none pings within the bounded wait', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    const { node, events, sent } = recorded(config(14, [19, 2]));
    const done = deliver(node, join(15, 9, 14));
    await vi.advanceTimersByTimeAsync(membershipWaitMs(node.config) - 1);
    expect(sent).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    await done;
    expect(events.find((e) => e.kind === 'join-pred-unknown')?.fields).toEqual({ peer: 15 });
    expect(sentSummary(sent).sort()).toEqual(['15 update:join-accepted', '19 update:predecessors', '2 update:predecessors']);
  });
});

describe('a join that is not ours', () => {
  it('is forwarded to our first successor with the course line, one more hop on its trail, its stamp kept', async () => {
    const { node, events, sent } = recorded(config(4, [5, 8]));
    knowPredecessors(node, 2, 19);
    const req = join(15, 2, 4);
    await deliver(node, req);
    expect(printed(events)).toEqual([joinForwarded(15)]);
    expect(sent).toHaveLength(1);
    expect(sent[0]?.to).toBe(5);
    expect(sent[0]?.req).toMatchObject({ type: 'join', source: 4, destination: 5, stamp: req.stamp });
    expect(sent[0]?.req.content).toMatchObject({ _nodeID: '15', _origin: refText(15), _hops: '2', _path: '15.4.5' });
    expect(node.successors.map((s) => s.id)).toEqual([5, 8]);
  });

  it('whose ID this peer owns (our predecessor should have taken it) goes round the ring again', async () => {
    const { node, sent } = recorded(config(14, [19, 2]));
    knowPredecessors(node, 9, 8);
    await deliver(node, join(12, 8, 14));
    expect(sent.map((s) => [s.to, s.req.type])).toEqual([[19, 'join']]);
    expect(node.successors.map((s) => s.id)).toEqual([19, 2]);
  });

  it("with ring-list routing, jumping past our first successor, goes to the owner's predecessor in our list", async () => {
    const { node, events, sent } = recorded(config(10, [20, 30, 40], { routing: 'ring-list', successors: 3 }));
    knowPredecessors(node, 5, 1);
    await deliver(node, join(35, 5, 10));
    expect(sent.map((s) => s.to)).toEqual([30]);
    expect(events.find((e) => e.kind === 'join-forwarded')?.fields).toEqual({ peer: 35, to: 30 });
  });
});

describe('a join routed at a finger that is gone (Chord)', () => {
  it('is routed around it, the finger forgotten, with the course line once', async () => {
    // Ring 2 4 5 8 9 14 19 with 14 just killed: 4's finger still names it.
    const { node, events, sent } = recorded(config(4, [5, 8], { routing: 'chord' }), (to) =>
      to === 14 ? Promise.reject(new P2PError('ERR_UNREACHABLE', 'Peer 14 is down')) : Promise.resolve(),
    );
    knowPredecessors(node, 2, 19);
    [5, 8, 8, 14, 2, 2, 2, 2].forEach((id, i) => node.setFinger(i, refOf(id)));
    await deliver(node, join(15, 2, 4));
    expect(sent.map((s) => [s.to, s.req.type])).toEqual([
      [14, 'join'],
      [8, 'join'],
    ]);
    expect(printed(events)).toEqual([joinForwarded(15)]);
    expect(node.fingers.map((f) => f?.id ?? -1)).not.toContain(14);
    expect(events.find((e) => e.kind === 'rerouted')?.fields).toEqual({ unreachable: 14, key: 15, request: 'join' });
  });

  it('to a successor that does not answer fails as before (our failure detection repairs the ring)', async () => {
    const { node, events } = recorded(config(4, [5, 8]), (to) =>
      to === 5 ? Promise.reject(new P2PError('ERR_UNREACHABLE', 'Peer 5 is down')) : Promise.resolve(),
    );
    knowPredecessors(node, 2, 19);
    await expect(deliver(node, join(15, 2, 4))).rejects.toThrow('Peer 5 is down');
    expect(events.some((e) => e.kind === 'rerouted')).toBe(false);
  });
});

describe('a join that is refused', () => {
  it('for an ID already in the network: one line on stderr and a join-refused to the address it gives', async () => {
    const { node, events, sent } = recorded(config(14, [19, 2]));
    knowPredecessors(node, 9, 8);
    await deliver(node, join(19, 9, 14, '19@127.0.0.1:40900')); // an impostor: not 19's address
    const refused = events.find((e) => e.kind === 'join-refused');
    expect(refused).toMatchObject({ line: 'Peer 19 Join request refused: Peer 19 is already in the network', stream: 'stderr' });
    expect(refused?.fields).toEqual({ peer: 19, code: 'ERR_DUPLICATE_ID' });
    expect(sent.map((s) => [s.to, s.req.type, s.req.content.reason, s.req.content.error])).toEqual([
      [900, 'update', 'join-refused', 'ERR_DUPLICATE_ID'],
    ]);
    // The impostor's address is not learnt: 19 is where it was.
    expect(node.refFor(19)).toEqual(refOf(19));
    expect(node.successors.map((s) => s.id)).toEqual([19, 2]);
  });

  it('for our own ID, and for an ID outside 0..255', async () => {
    const { node, events } = recorded(config(14, [19, 2]));
    knowPredecessors(node, 9, 8);
    await deliver(node, join(14, 9, 14, '14@127.0.0.1:40914'));
    await deliver(node, { ...join(300, 9, 14), content: { _nodeID: '300', _origin: '300@127.0.0.1:40300', _hops: '1', _path: '300.14' } });
    expect(events.filter((e) => e.kind === 'join-refused').map((e) => [e.line, e.fields.code])).toEqual([
      ['Peer 14 Join request refused: Peer 14 is already in the network', 'ERR_DUPLICATE_ID'],
      ['Peer 300 Join request refused: IDs are 0 to 255', 'ERR_BAD_ARGUMENT'],
    ]);
    expect(node.successors.map((s) => s.id)).toEqual([19, 2]);
  });

  it('by a peer that is in no ring yet', async () => {
    const { node, events, sent } = recorded(config(14, []));
    await deliver(node, join(15, 9, 14));
    expect(events.find((e) => e.kind === 'join-refused')?.fields).toEqual({ peer: 15, code: 'ERR_NOT_RUNNING' });
    expect(sentSummary(sent)).toEqual(['15 update:join-refused']);
  });
});

describe('a join asked again', () => {
  it('by a newcomer already accepted (same address) is answered again, quietly, not refused', async () => {
    const { node, events, sent } = recorded(config(14, [19, 2]));
    knowPredecessors(node, 9, 8);
    await deliver(node, join(15, 9, 14));
    const lines = printed(events).length;
    sent.length = 0;
    await deliver(node, join(15, 9, 14));
    expect(sentSummary(sent)).toEqual(['15 update:join-accepted']);
    expect(sent[0]?.req.content._pred).toBe(refText(14));
    expect(events.map((e) => e.kind)).toContain('join-accepted-again');
    expect(events.map((e) => e.kind)).not.toContain('join-refused');
    expect(printed(events)).toHaveLength(lines);
  });

  // The acceptance sent again was once built with an empty `old` list: with
  // r = 2 it named one successor (19) where the first named two (19, 2).
  it('the acceptance sent again names the same two successors as the first', async () => {
    const acceptor = recorded(config(14, [19, 2]));
    knowPredecessors(acceptor.node, 9, 8);
    await deliver(acceptor.node, join(15, 9, 14));
    const first = acceptor.sent.at(-1)?.req.content;
    await deliver(acceptor.node, join(15, 9, 14));
    const again = acceptor.sent.at(-1)?.req.content;
    expect(again?._succ).toBe(first?._succ);
    // The newcomer whose first acceptance was lost prints the course's three lines from the second.
    const newcomer = recorded({ ...config(15, []), knownPeer: refOf(4) });
    newcomer.node.beginJoin();
    await deliver(newcomer.node, update(14, 15, { ...again }));
    expect(printed(newcomer.events)).toEqual(joinAccepted(19, 2));
  });

  it('while this peer is itself being accepted is held until it is in, then handled', async () => {
    // 15 has asked to join; 17's join reaches it before 15's acceptance does.
    const { node, events, sent } = recorded({ ...config(15, []), knownPeer: refOf(4) });
    node.beginJoin();
    const held = deliver(node, join(17, 14, 15));
    await turns();
    expect(sent).toEqual([]);
    await deliver(node, update(14, 15, { reason: 'join-accepted', _succ: succText([19, 2]), _pred: refText(14), _pred2: refText(9) }));
    await held;
    expect(printed(events)).toContain(joinReceived(17));
    expect(node.successors.map((s) => s.id)).toEqual([17, 19]);
    expect(sentSummary(sent).at(-1)).toBe('17 update:join-accepted');
  });
});

describe("the newcomer's own join", () => {
  it('is sent to the known peer, and sent again until it is accepted', async () => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval', 'Date'] });
    const { node, events, sent, exits } = recorded({ ...config(15, []), knownPeer: refOf(4) });
    await startJoin(node, refOf(4));
    expect(node.joining).toBe(true);
    expect(sent.map((s) => [s.to, s.req.type])).toEqual([[4, 'join']]);
    expect(sent[0]?.req.content).toEqual({ _nodeID: '15', _origin: refText(15), _hops: '0', _path: '15' });
    expect(events.find((e) => e.kind === 'join-sent')?.fields).toEqual({ via: 4 });
    await vi.advanceTimersByTimeAsync(joinRetryMs(node.config));
    expect(sent).toHaveLength(2);
    expect(events.find((e) => e.kind === 'join-retry')?.fields).toEqual({ via: 4, try: 2 });
    // Accepted: no more tries, no exit.
    await deliver(node, update(14, 15, { reason: 'join-accepted', _succ: succText([19, 2]), _pred: refText(14), _pred2: refText(9) }));
    await vi.advanceTimersByTimeAsync(5 * joinRetryMs(node.config));
    expect(sent.filter((s) => s.req.type === 'join')).toHaveLength(2);
    expect(exits).toEqual([]);
  });

  it(`is given up after ${JOIN_TRIES} tries: join-failed with ERR_TIMEOUT, and the peer exits with status 1`, async () => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval', 'Date'] });
    const { node, events, sent, exits } = recorded({ ...config(15, []), knownPeer: refOf(4) });
    await startJoin(node, refOf(4));
    await vi.advanceTimersByTimeAsync((JOIN_TRIES - 1) * joinRetryMs(node.config));
    expect(sent).toHaveLength(JOIN_TRIES);
    expect(exits).toEqual([]);
    await vi.advanceTimersByTimeAsync(joinRetryMs(node.config));
    expect(sent).toHaveLength(JOIN_TRIES);
    expect(events.find((e) => e.kind === 'join-failed')).toMatchObject({ stream: 'stderr', fields: { code: 'ERR_TIMEOUT' } });
    expect(exits.map((e) => e.code)).toEqual([1]);
  });
});
