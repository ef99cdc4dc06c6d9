/**
 * The successor list beyond the course's two (upkeep/successor-list.ts):
 * the pure merge, then, in process, the quiet push and pull, and the one
 * correction that prints the course's lines.
 */
import { describe, expect, it, vi } from 'vitest';
import { newSuccessors, SUCCESSOR_CHANGE } from '../../src/model/lines.js';
import { mergeTail, pullFromLastLive, startSuccessorListUpkeep, type MergeRules } from '../../src/upkeep/successor-list.js';
import { config, deliver, knowPredecessors, printed, recorded, refText, sentSummary, succText, turns, update } from '../fixtures/peer-node.js';

const refs = (...ids: number[]): { id: number }[] => ids.map((id) => ({ id }));
const idsOf = (list: readonly { id: number }[] | undefined): number[] | undefined => list?.map((p) => p.id);
const rules = (over: Partial<MergeRules> = {}): MergeRules => ({ self: 10, r: 4, skip: () => false, ...over });

describe('the quiet merge of a successor list (entries from the third on)', () => {
  it('fills a short list from the first successor', () => {
    expect(idsOf(mergeTail(refs(20, 30), 20, refs(30, 40, 50, 60), rules()))).toEqual([20, 30, 40, 50]);
  });

  it('takes a newcomer two peers back (a join the course only tells the first predecessor of)', () => {
    // 25 joined after 20: our first successor's list now starts 25.
    expect(idsOf(mergeTail(refs(15, 20, 30, 40), 15, refs(20, 25, 30, 40), rules()))).toEqual([15, 20, 25, 30]);
  });

  it('drops a departed third successor', () => {
    expect(idsOf(mergeTail(refs(20, 30, 40), 20, refs(30, 50, 60), rules({ r: 3 })))).toEqual([20, 30, 50]);
  });

  it('never changes the first two successors: those belong to the lines the course prints', () => {
    // A push that overtakes a successor-change (25 joined after 20).
    expect(mergeTail(refs(20, 30, 40), 20, refs(25, 30, 40), rules({ r: 3 }))).toBeUndefined();
    // An answer too short to keep our second successor.
    expect(mergeTail(refs(20, 30, 40), 20, [], rules({ r: 3 }))).toBeUndefined();
  });

  it('lets a list shorter than two grow', () => {
    expect(idsOf(mergeTail(refs(20), 20, refs(30, 40), rules({ r: 3 })))).toEqual([20, 30, 40]);
  });

  it('leaves out itself, skipped (dead or departed) peers and repeats, and wraps in a small ring', () => {
    expect(idsOf(mergeTail(refs(20, 30, 45), 20, refs(30, 35, 40, 10, 20), rules({ skip: (id) => id === 35 })))).toEqual([20, 30, 40]);
    expect(mergeTail(refs(20, 30), 20, refs(30, 10), rules())).toBeUndefined(); // a ring of three
  });

  it('ignores a list from a peer that is not a successor, and one that changes nothing', () => {
    expect(mergeTail(refs(20, 30, 40), 99, refs(1, 2, 3), rules({ r: 3 }))).toBeUndefined();
    expect(mergeTail(refs(20, 30, 40), 20, refs(30, 40, 50), rules({ r: 3 }))).toBeUndefined();
  });

  it('merges after a later successor too, keeping the entries before it', () => {
    expect(idsOf(mergeTail(refs(20, 30, 40, 50), 30, refs(45, 50, 60), rules()))).toEqual([20, 30, 45, 50]);
  });
});

describe('a successor list pushed or pulled (r = 3), in process', () => {
  it('is merged quietly after its sender: no line, a successor-list-merged event', async () => {
    const { node, events } = recorded(config(10, [20, 30, 40], { successors: 3 }));
    await deliver(node, update(20, 10, { reason: 'successor-list', _succ: succText([30, 35, 40]) }));
    expect(node.successors.map((s) => s.id)).toEqual([20, 30, 35]);
    expect(printed(events)).toEqual([]);
    expect(events.find((e) => e.kind === 'successor-list-merged')?.fields).toEqual({ from: 20, successors: [20, 30, 35] });
  });

  it('is ignored with r = 2: the course’s messages keep both successors', async () => {
    const { node, events } = recorded(config(10, [20, 30]));
    await deliver(node, update(20, 10, { reason: 'successor-list', _succ: succText([25, 30]) }));
    expect(node.successors.map((s) => s.id)).toEqual([20, 30]);
    expect(events.map((e) => e.kind)).not.toContain('successor-list-merged');
  });

  it('gives a list that had lost its second successor one, with the course’s two lines', async () => {
    const { node, events } = recorded(config(10, [20], { successors: 3 }));
    await deliver(node, update(20, 10, { reason: 'successor-list', _succ: succText([30, 40]) }));
    expect(node.successors.map((s) => s.id)).toEqual([20, 30, 40]);
    expect(printed(events)).toEqual(newSuccessors(20, 30));
  });

  it('that names another second successor than ours, still a ping interval later, is taken with the course’s lines', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    try {
      // 20 says its successor is 25 (two joins crossed, and the change for 25 never reached us).
      const { node, events } = recorded(config(10, [20, 30, 40], { successors: 3 }));
      const list = update(20, 10, { reason: 'successor-list', _succ: succText([25, 30, 40]) });
      await deliver(node, list);
      expect(node.successors.map((s) => s.id)).toEqual([20, 30, 40]); // a course message may be on its way
      vi.setSystemTime(Date.now() + node.config.pingIntervalMs - 1);
      await deliver(node, list);
      expect(printed(events)).toEqual([]);
      vi.setSystemTime(Date.now() + 1);
      await deliver(node, list);
      expect(node.successors.map((s) => s.id)).toEqual([20, 25, 30]);
      expect(printed(events)).toEqual([SUCCESSOR_CHANGE, ...newSuccessors(20, 25)]);
      expect(events.find((e) => e.kind === 'second-successor-corrected')?.fields).toEqual({ from: 20, was: 30, now: 25 });
    } finally {
      vi.useRealTimers();
    }
  });

  it('from a peer that is not our first successor never changes the second', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    try {
      const { node, events } = recorded(config(10, [20, 30, 40], { successors: 3 }));
      // 30, our second, agrees with our tail (40 after it), but names 40 where we hold 30 second.
      const list = update(30, 10, { reason: 'successor-list', _succ: succText([40, 50]) });
      await deliver(node, list);
      vi.setSystemTime(Date.now() + 10 * node.config.pingIntervalMs);
      await deliver(node, list);
      expect(node.successors.map((s) => s.id)).toEqual([20, 30, 40]);
      expect(events.map((e) => e.kind)).not.toContain('second-successor-corrected');
      expect(printed(events)).toEqual([]);
    } finally {
      vi.useRealTimers();
    }
  });

  it('is asked for with get-successors and answered with ours; not while we have none', async () => {
    const { node, sent } = recorded(config(20, [30, 40, 50], { successors: 3 }));
    await deliver(node, update(10, 20, { reason: 'get-successors', _origin: refText(10) }));
    expect(sentSummary(sent)).toEqual(['10 update:successor-list']);
    expect(sent[0]?.req.content._succ).toBe(succText([30, 40, 50]));
  });
});

describe('pullFromLastLive', () => {
  it('asks the last successor for its list, and the one before when it cannot be reached', async () => {
    const { node, events, sent } = recorded(config(10, [20, 30, 40], { successors: 3 }), (to) =>
      to === 40 ? Promise.reject(new Error('refused')) : Promise.resolve(),
    );
    await pullFromLastLive(node, node.successors);
    expect(sentSummary(sent)).toEqual(['40 update:get-successors', '30 update:get-successors']);
    expect(sent[1]?.req.content._origin).toBe(refText(10));
    expect(events.find((e) => e.kind === 'successor-list-pull-failed')?.fields.from).toBe(40);
  });
});

describe('startSuccessorListUpkeep', () => {
  it('pushes our list to our first predecessor once per change, and pulls our first successor’s every interval', async () => {
    // The pull runs on a tick of the upkeep clock, a setTimeout (upkeep/upkeep-clock.ts).
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const { node, sent } = recorded(config(10, [20, 30, 40], { successors: 3 }));
    const upkeep = startSuccessorListUpkeep(node);
    try {
      knowPredecessors(node, 5);
      await turns();
      expect(sentSummary(sent)).toEqual(['5 update:successor-list']);
      expect(sent[0]?.req.content._succ).toBe(succText([20, 30, 40]));
      knowPredecessors(node, 5, 1); // a change that leaves the push the same
      await turns();
      expect(sent).toHaveLength(1);
      await vi.advanceTimersByTimeAsync(node.config.pingIntervalMs);
      expect(sentSummary(sent).slice(1)).toEqual(['20 update:get-successors']);
    } finally {
      upkeep.stop();
      vi.useRealTimers();
    }
  });

  it('does nothing with r = 2', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const { node, sent } = recorded(config(10, [20, 30]));
    const upkeep = startSuccessorListUpkeep(node);
    try {
      knowPredecessors(node, 5);
      await vi.advanceTimersByTimeAsync(5 * node.config.pingIntervalMs);
      await turns();
      expect(sent).toEqual([]);
    } finally {
      upkeep.stop();
      vi.useRealTimers();
    }
  });
});
