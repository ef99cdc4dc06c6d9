/**
 * Fix-fingers' schedule on one in-process peer, its lookups answered from a
 * membership the test controls: full sweeps until nothing changes, then one
 * lookup per round, round-robin; a change found far away, an unknown finger
 * or a new neighbour brings the sweeps back. Then stabilize's messages:
 * get-predecessor and its answer (a closer successor taken quietly and
 * notified), and notify, weighed as a first-slot ping.
 */
import { describe, expect, it } from 'vitest';
import { P2PError } from '../../src/errors.js';
import { buildFingers, fingerStarts } from '../../src/routing/chord.js';
import { inOpenClosed, ownerOf } from '../../src/routing/ids.js';
import { predecessorOf, successorList } from '../../src/routing/ring.js';
import { randomMembership } from '../../src/routing/simulator.js';
import { FINGER_REST_ROUNDS, fixFingers, newFingerSchedule, stabilize } from '../../src/upkeep/stabilize.js';
import type { PeerNode } from '../../src/node/peer-node.js';
import {
  config,
  deliver,
  knowPredecessors,
  printed,
  recorded,
  refText,
  sentSummary,
  succText,
  testNode,
  update,
} from '../fixtures/peer-node.js';
import { createPrng, testSeed } from '../fixtures/prng.js';

const SEED = testSeed(20261126);
const M = 8;
const IDS = randomMembership(createPrng(SEED), 32, M).sort((a, b) => a - b);
const SELF = IDS[5] as number;
const why = `seed ${SEED}, self ${SELF}, ring ${IDS.join(',')}`;

/** Finger starts a full sweep of `ring` looks up at SELF (the previous finger does not cover them). */
function lookedUp(ring: readonly number[]): number[] {
  const fingers = buildFingers(ring, SELF, M);
  return fingerStarts(SELF, M).filter((start, i) => {
    const prev = i === 0 ? (successorList(ring, SELF, 1)[0] as number) : (fingers[i - 1] as number);
    return !inOpenClosed(start, SELF, prev, M);
  });
}

const fingerIds = (node: PeerNode): number[] => node.fingers.map((f) => f?.id ?? -1);

/** SELF on IDS, its successors and predecessor true, its fingers unknown; `round()` runs fix-fingers once and returns the keys it looked up. */
function setup() {
  const { node, events } = testNode(config(SELF, successorList(IDS, SELF, 2), { pingMs: 1000, routing: 'chord' }));
  knowPredecessors(node, predecessorOf(IDS, SELF));
  const world: { ring: number[]; failNext: boolean; onFind?: (key: number) => void } = { ring: [...IDS], failNext: false };
  const schedule = newFingerSchedule();
  const round = async (): Promise<number[]> => {
    const keys: number[] = [];
    await fixFingers(node, schedule, (key) => {
      keys.push(key);
      world.onFind?.(key);
      if (world.failNext) {
        world.failNext = false;
        return Promise.reject(new Error('no answer'));
      }
      return Promise.resolve(node.refFor(ownerOf(world.ring, key)));
    });
    return keys;
  };
  /** Runs rounds until the fingers are those of the current ring; returns how many it took. */
  const settle = async (most: number): Promise<number> => {
    for (let n = 1; n <= most; n++) {
      await round();
      if (fingerIds(node).join(',') === buildFingers(world.ring, SELF, M).join(',')) return n;
    }
    throw new Error(`fingers not settled within ${most} rounds (${why})`);
  };
  return { node, events, world, round, settle };
}

describe('fix-fingers', () => {
  const starts = lookedUp(IDS);
  const d = starts.length;

  it('sweeps every finger until a sweep changes nothing, then looks one up per quiet round, round-robin, resting longer between', async () => {
    expect(d, why).toBeGreaterThanOrEqual(3);
    const t = setup();
    expect(await t.round(), why).toEqual(starts);
    expect(fingerIds(t.node), why).toEqual(buildFingers(IDS, SELF, M));
    expect(await t.round(), why).toEqual(starts); // the last round changed the fingers
    const quiet: number[] = [];
    const perRound: number[] = [];
    for (let r = 0; r < 3 * d * (FINGER_REST_ROUNDS + 1); r++) {
      const keys = await t.round();
      perRound.push(keys.length);
      quiet.push(...keys);
    }
    // One lookup, a rest of one round, then rests of FINGER_REST_ROUNDS while nothing changes.
    expect(perRound.slice(0, 6), why).toEqual([1, 0, 1, 0, 0, 1]);
    expect(perRound.slice(5).join(''), why).toMatch(new RegExp(`^(1${'0'.repeat(FINGER_REST_ROUNDS)})+1?0*$`));
    // Every finger that needs a lookup gets one, in turn.
    expect(
      quiet.slice(0, d).sort((a, b) => a - b),
      why,
    ).toEqual([...starts].sort((a, b) => a - b));
    expect(quiet.slice(d, 2 * d), why).toEqual(quiet.slice(0, d));
    const changes = t.events.filter((e) => e.kind === 'fingers-changed');
    expect(
      changes.map((e) => e.fields.fingers),
      why,
    ).toEqual([buildFingers(IDS, SELF, M)]);
  });

  it('finds a peer that joined far away within one cycle, then sweeps until settled', async () => {
    const t = setup();
    await t.settle(2);
    await t.round(); // the sweep that changes nothing
    // A newcomer at the start of the farthest finger that is not exact, far from SELF's neighbours.
    const fingers = buildFingers(IDS, SELF, M);
    const k = [...fingerStarts(SELF, M).keys()].reverse().find((i) => {
      const start = fingerStarts(SELF, M)[i] as number;
      return i >= 3 && fingers[i] !== start && !IDS.includes(start);
    });
    if (k === undefined) throw new Error(`no inexact far finger (${why})`);
    const newcomer = fingerStarts(SELF, M)[k] as number;
    t.world.ring = [...IDS, newcomer].sort((a, b) => a - b);
    // One cycle of quiet lookups, each followed by its rest, then the sweeps.
    const cycle = (FINGER_REST_ROUNDS + 1) * d + 1;
    expect(await t.settle(cycle), `newcomer ${newcomer}; ${why}`).toBeLessThanOrEqual(cycle);
    expect(t.events.filter((e) => e.kind === 'fingers-changed').at(-1)?.fields.fingers, why).toEqual(buildFingers(t.world.ring, SELF, M));
    expect(await t.round(), why).toHaveLength(lookedUp(t.world.ring).length); // one more sweep, which changes nothing
    expect(await t.round(), why).toHaveLength(1);
  });

  it('corrects a finger at a dead peer within one cycle, even when nothing is routed through it', async () => {
    const t = setup();
    await t.settle(2);
    await t.round();
    const near = new Set([SELF, predecessorOf(IDS, SELF), ...successorList(IDS, SELF, 2)]);
    const dead = buildFingers(IDS, SELF, M).find((f) => !near.has(f));
    if (dead === undefined) throw new Error(`every finger is a neighbour (${why})`);
    t.world.ring = IDS.filter((id) => id !== dead);
    const cycle = (FINGER_REST_ROUNDS + 1) * d + 1;
    expect(await t.settle(cycle), `dead ${dead}; ${why}`).toBeLessThanOrEqual(cycle);
    expect(fingerIds(t.node), why).not.toContain(dead);
  });

  it('the last fingers-changed is the table, even when a finger forgotten during a round is found again by it', async () => {
    const t = setup();
    await t.settle(2);
    await t.round();
    const far = buildFingers(IDS, SELF, M).at(-1) as number;
    // A forward through `far` fails while a full round is under way (here, at its first lookup).
    t.node.predecessorsTold([t.node.refFor(IDS[3] as number)], t.node.predecessors[0]?.id ?? -1);
    t.world.onFind = (): void => {
      t.world.onFind = undefined;
      t.node.forgetFinger(far);
    };
    expect(await t.round(), why).toEqual(starts);
    expect(fingerIds(t.node), why).toEqual(buildFingers(IDS, SELF, M)); // found again by the same round
    const noted = t.events.filter((e) => e.kind === 'fingers-changed').map((e) => e.fields.fingers);
    expect(noted.at(-2), why).toContain(-1);
    expect(noted.at(-1), why).toEqual(fingerIds(t.node));
  });

  it('sweeps again after a finger is forgotten or a neighbour changes, and retries a failed lookup', async () => {
    const t = setup();
    await t.settle(2);
    await t.round();
    const far = buildFingers(IDS, SELF, M).at(-1) as number;
    t.node.forgetFinger(far); // a lookup or a request could not reach it
    expect(await t.round(), why).toEqual(starts);
    await t.round();
    expect(await t.round(), why).toHaveLength(1);
    t.node.predecessorsTold([t.node.refFor(IDS[3] as number)], t.node.predecessors[0]?.id ?? -1); // any change of neighbours
    expect(await t.round(), why).toEqual(starts);
    expect(await t.round(), why).toHaveLength(1);
    expect(await t.round(), why).toEqual([]); // it changed nothing: a round of rest
    t.world.failNext = true;
    const [failed] = await t.round();
    expect(t.events.at(-1)?.kind, why).toBe('finger-lookup-failed');
    expect(await t.round(), why).toEqual([failed]);
  });
});

describe("stabilize's messages, in process (Chord, ring 5 -> 10 -> 20 -> 30)", () => {
  const chord = (id: number, successors: readonly number[]) => recorded(config(id, successors, { routing: 'chord' }));

  it('stabilize asks the first successor for its predecessor; an unreachable one is left to the ping sender', async () => {
    const { node, sent } = chord(10, [20, 30]);
    await stabilize(node);
    expect(sentSummary(sent)).toEqual(['20 update:get-predecessor']);
    expect(sent[0]?.req.content._origin).toBe(refText(10));
    const down = recorded(config(10, [20, 30], { routing: 'chord' }), () => Promise.reject(new P2PError('ERR_UNREACHABLE', 'down')));
    await expect(stabilize(down.node)).resolves.toBeUndefined();
    const broken = recorded(config(10, [20, 30], { routing: 'chord' }), () => Promise.reject(new P2PError('ERR_TRANSFER', 'odd')));
    await expect(stabilize(broken.node)).rejects.toMatchObject({ code: 'ERR_TRANSFER' });
  });

  it('get-predecessor is answered with our first predecessor and our successors', async () => {
    const { node, sent } = chord(20, [30, 5]);
    knowPredecessors(node, 10);
    await deliver(node, update(10, 20, { reason: 'get-predecessor', _origin: refText(10) }));
    expect(sentSummary(sent)).toEqual(['10 update:predecessor']);
    expect(sent[0]?.req.content).toMatchObject({ _pred: refText(10), _succ: succText([30, 5]) });
  });

  it('the answer names a closer successor: taken quietly, first, and notified', async () => {
    // 15 joined between 10 and 20 and 10 missed it: 20 names 15 its predecessor.
    const { node, events, sent } = chord(10, [20, 30]);
    await deliver(node, update(20, 10, { reason: 'predecessor', _pred: refText(15), _succ: succText([30, 5]) }));
    expect(node.successors.map((s) => s.id)).toEqual([15, 20]);
    expect(printed(events)).toEqual([]);
    expect(sentSummary(sent)).toEqual(['15 update:notify']);
  });

  it('an answer from a peer that is not our first successor, or naming a peer that died here, changes nothing', async () => {
    const { node, sent } = chord(10, [20, 30]);
    await deliver(node, update(30, 10, { reason: 'predecessor', _pred: refText(15), _succ: succText([5, 10]) }));
    expect(node.successors.map((s) => s.id)).toEqual([20, 30]);
    expect(sent).toEqual([]);
    node.markGone(15);
    await deliver(node, update(20, 10, { reason: 'predecessor', _pred: refText(15), _succ: succText([30, 5]) }));
    expect(node.successors.map((s) => s.id)).toEqual([20, 30]);
  });

  it('notify fills an empty first predecessor, replaces a farther one, never a closer one', async () => {
    const { node, events } = chord(20, [30, 5]);
    await deliver(node, update(5, 20, { reason: 'notify', _origin: refText(5) }));
    expect(node.predecessors[0]?.id).toBe(5);
    await deliver(node, update(10, 20, { reason: 'notify', _origin: refText(10) }));
    expect(node.predecessors.map((p) => p?.id)).toEqual([10, 5]);
    await deliver(node, update(5, 20, { reason: 'notify', _origin: refText(5) }));
    expect(node.predecessors.map((p) => p?.id)).toEqual([10, 5]);
    expect(events.filter((e) => e.kind === 'predecessor-notified').map((e) => e.fields.peer)).toEqual([5, 10]);
  });
});
