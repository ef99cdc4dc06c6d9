/**
 * `update` (handlers/update.ts): a newcomer's acceptance and refusal, the
 * course's successor change, and the dispatch of every other reason to the
 * module that owns it; an answer to a join we never sent, or a reason
 * nobody knows, is refused on stderr. In-process, no sockets.
 */
import { describe, expect, it } from 'vitest';
import { joinAccepted, newSuccessors, SUCCESSOR_CHANGE } from '../../src/model/lines.js';
import type { Content } from '../../src/protocol/types.js';
import { config, deliver, knowPredecessors, printed, recorded, refOf, refText, sentSummary, succText, update } from '../fixtures/peer-node.js';

const ids = (list: readonly ({ id: number } | undefined)[]): (number | undefined)[] => list.map((r) => r?.id);

/** Peer 15, joining through 4. */
function newcomer(): ReturnType<typeof recorded> {
  const t = recorded({ ...config(15, []), knownPeer: refOf(4) });
  t.node.beginJoin();
  return t;
}

const acceptance = (succ: readonly number[]): Content => ({
  reason: 'join-accepted',
  _succ: succText(succ),
  _pred: refText(14),
  _pred2: refText(9),
});

describe('join-accepted', () => {
  it("while joining: takes its successors and predecessors from the acceptor, with the course's three lines", async () => {
    const { node, events, sent } = newcomer();
    await deliver(node, update(14, 15, acceptance([19, 2])));
    expect(node.joining).toBe(false);
    expect(printed(events)).toEqual(joinAccepted(19, 2));
    expect(ids(node.successors)).toEqual([19, 2]);
    expect(ids(node.predecessors)).toEqual([14, 9]);
    expect(sent).toEqual([]);
  });

  it('with a list shorter than r: asks its last successor for the rest', async () => {
    const { node, sent } = newcomer();
    await deliver(node, update(14, 15, acceptance([19])));
    expect(sentSummary(sent)).toEqual(['19 abrupt:']);
    expect(sent[0]?.req.content._query).toBe('successors');
  });

  it('a second time, from the acceptor (a retry crossed the acceptance): quietly nothing', async () => {
    const { node, events } = newcomer();
    await deliver(node, update(14, 15, acceptance([19, 2])));
    const before = events.length;
    await deliver(node, update(14, 15, acceptance([20, 30])));
    expect(events.slice(before).map((e) => e.kind)).toEqual(['join-accepted-again']);
    expect(ids(node.successors)).toEqual([19, 2]);
  });

  it('to a peer that is not joining, from a stranger: refused on stderr, nothing changes', async () => {
    const { node, events } = recorded(config(10, [20, 30]));
    knowPredecessors(node, 5, 1);
    await deliver(node, update(66, 10, acceptance([66, 67])));
    expect(ids(node.successors)).toEqual([20, 30]);
    expect(ids(node.predecessors)).toEqual([5, 1]);
    expect(events.find((e) => e.kind === 'bad-request')).toMatchObject({ stream: 'stderr', fields: { code: 'ERR_UNKNOWN_TYPE' } });
  });
});

describe('join-refused', () => {
  it('while joining: the refusal with its code on stderr, and the peer exits with status 1', async () => {
    const { node, events, exits } = newcomer();
    await deliver(node, update(14, 15, { reason: 'join-refused', error: 'ERR_BAD_ARGUMENT' }));
    expect(events.find((e) => e.kind === 'join-refused')).toMatchObject({ stream: 'stderr', fields: { code: 'ERR_BAD_ARGUMENT' } });
    expect(exits.map((e) => e.code)).toEqual([1]);
  });

  it('with a code that is not ours: taken for a duplicate ID', async () => {
    const { node, events } = newcomer();
    await deliver(node, update(14, 15, { reason: 'join-refused', error: 'ERR_NONSENSE' }));
    expect(events.find((e) => e.kind === 'join-refused')?.fields.code).toBe('ERR_DUPLICATE_ID');
  });

  it('to a peer that is not joining: refused, and the peer does not exit', async () => {
    const { node, events, exits } = recorded(config(10, [20, 30]));
    await deliver(node, update(14, 10, { reason: 'join-refused', error: 'ERR_DUPLICATE_ID' }));
    expect(exits).toEqual([]);
    expect(events.map((e) => e.kind)).toContain('bad-request');
  });
});

describe('successor-change', () => {
  it("from our first successor: the course's three lines and its list", async () => {
    // The course's step: 14 accepted 15 and tells 9.
    const { node, events } = recorded(config(9, [14, 19]));
    await deliver(node, update(14, 9, { reason: 'successor-change', _succ: succText([14, 15, 19]) }));
    expect(printed(events)).toEqual([SUCCESSOR_CHANGE, ...newSuccessors(14, 15)]);
    expect(ids(node.successors)).toEqual([14, 15]);
  });

  it('readmits a peer it names that this peer had declared dead (it joined again)', async () => {
    const { node } = recorded(config(9, [14, 19]));
    node.markGone(15);
    await deliver(node, update(14, 9, { reason: 'successor-change', _succ: succText([14, 15]) }));
    expect(node.isGone(15)).toBe(false);
  });

  it('from a peer that is not our first successor: ignored (successor-change-ignored), no line', async () => {
    const { node, events } = recorded(config(9, [14, 19]));
    await deliver(node, update(19, 9, { reason: 'successor-change', _succ: succText([19, 2]) }));
    expect(ids(node.successors)).toEqual([14, 19]);
    expect(printed(events)).toEqual([]);
    expect(events.find((e) => e.kind === 'successor-change-ignored')?.fields).toEqual({ from: 19, first: 14 });
  });
});

describe('the other reasons', () => {
  it('predecessors, from a predecessor: taken (upkeep/membership.ts)', async () => {
    const { node } = recorded(config(20, [30, 40]));
    knowPredecessors(node, 10, 5);
    await deliver(node, update(10, 20, { reason: 'predecessors', _pred: refText(15), _pred2: refText(10) }));
    expect(ids(node.predecessors)).toEqual([15, 10]);
  });

  it('get-successors: answered with our list (upkeep/successor-list.ts); not while we have none', async () => {
    const { node, sent } = recorded(config(20, [30, 40]));
    await deliver(node, update(10, 20, { reason: 'get-successors', _origin: refText(10) }));
    expect(sentSummary(sent)).toEqual(['10 update:successor-list']);
    expect(sent[0]?.req.content._succ).toBe(succText([30, 40]));
    const lonely = recorded(config(20, []));
    await deliver(lonely.node, update(10, 20, { reason: 'get-successors', _origin: refText(10) }));
    expect(lonely.sent).toEqual([]);
  });

  it('sync-ack and found: settle the exchange that awaits them, by stamp', async () => {
    const { node } = recorded(config(20, [30, 40]));
    const settled: unknown[] = [];
    const offer = node.exchange<string>('20-7', 60_000, () => Promise.resolve()).then((v) => settled.push(v));
    await deliver(node, update(30, 20, { reason: 'sync-ack', status: 'have', _answers: '20-7' }));
    const found = node.exchange<{ owner: { id: number } }>('20-8', 60_000, () => Promise.resolve()).then((v) => settled.push(v.owner.id));
    await deliver(node, update(30, 20, { reason: 'found', key: '35', owner: refText(40), _hops: '2', _path: '20.30.40', _answers: '20-8' }));
    await Promise.all([offer, found]);
    expect(settled).toEqual(['have', 40]);
  });

  it('an unknown reason: refused on stderr with ERR_MISSING_FIELD', async () => {
    const { node, events } = recorded(config(20, [30, 40]));
    const odd = { ...update(10, 20, {}), content: { reason: 'gossip' } } as unknown as Parameters<typeof deliver>[1];
    await deliver(node, odd);
    expect(events.find((e) => e.kind === 'bad-request')).toMatchObject({ stream: 'stderr', fields: { code: 'ERR_MISSING_FIELD' } });
    expect(ids(node.successors)).toEqual([30, 40]);
  });
});
