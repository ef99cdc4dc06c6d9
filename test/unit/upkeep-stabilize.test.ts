/**
 * Fix-fingers' schedule on one in-process peer, its lookups answered from a
 * membership the test controls: full sweeps until nothing changes, then one
 * lookup per round, round-robin; a change found far away, an unknown finger
 * or a new neighbour brings the sweeps back.
 */
import { describe, expect, it } from 'vitest';
import { buildFingers, fingerStarts } from '../../src/routing/chord.js';
import { inOpenClosed, ownerOf } from '../../src/routing/ids.js';
import { predecessorOf, successorList } from '../../src/routing/ring.js';
import { randomMembership } from '../../src/routing/simulator.js';
import { fixFingers, newFingerSchedule } from '../../src/upkeep/stabilize.js';
import type { PeerNode } from '../../src/node/peer-node.js';
import { config, knowPredecessors, testNode } from '../fixtures/peer-node.js';
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
  const world = { ring: [...IDS], failNext: false };
  const schedule = newFingerSchedule();
  const round = async (): Promise<number[]> => {
    const keys: number[] = [];
    await fixFingers(node, schedule, (key) => {
      keys.push(key);
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

  it('sweeps every finger until a sweep changes nothing, then looks one up per round, round-robin', async () => {
    expect(d, why).toBeGreaterThanOrEqual(3);
    const t = setup();
    expect(await t.round(), why).toEqual(starts);
    expect(fingerIds(t.node), why).toEqual(buildFingers(IDS, SELF, M));
    expect(await t.round(), why).toEqual(starts); // the last round changed the fingers
    const quiet: number[] = [];
    for (let r = 0; r < 3 * d; r++) {
      const keys = await t.round();
      expect(keys, why).toHaveLength(1);
      quiet.push(...keys);
    }
    // Every finger that needs a lookup gets one, in turn.
    expect(quiet.slice(0, d).sort((a, b) => a - b), why).toEqual([...starts].sort((a, b) => a - b));
    expect(quiet.slice(d, 2 * d), why).toEqual(quiet.slice(0, d));
    const changes = t.events.filter((e) => e.kind === 'fingers-changed');
    expect(changes.map((e) => e.fields.fingers), why).toEqual([buildFingers(IDS, SELF, M)]);
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
    expect(await t.settle(d + 1), `newcomer ${newcomer}; ${why}`).toBeLessThanOrEqual(d + 1);
    expect(t.events.filter((e) => e.kind === 'fingers-changed').at(-1)?.fields.fingers, why).toEqual(
      buildFingers(t.world.ring, SELF, M),
    );
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
    expect(await t.settle(d + 1), `dead ${dead}; ${why}`).toBeLessThanOrEqual(d + 1);
    expect(fingerIds(t.node), why).not.toContain(dead);
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
    t.world.failNext = true;
    const [failed] = await t.round();
    expect(t.events.at(-1)?.kind, why).toBe('finger-lookup-failed');
    expect(await t.round(), why).toEqual([failed]);
  });
});
