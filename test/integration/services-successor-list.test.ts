/**
 * Successor lists longer than the course's two, outside Chord mode.
 *
 * 1. Eight peers, `--successors 3` (ring routing), each started by `init`
 *    naming its three successors. Two adjacent peers are killed at once
 *    (SIGKILL): every survivor ends with its three true successors, is pinged
 *    by its two true predecessors, and a Store whose key the dead peers owned
 *    walks to the new owner with the specification's lines. Only the peers
 *    that held a victim first or second print repair lines, and those name
 *    first and second successors only. One victim then joins again and is
 *    taken back into every list.
 * 2. Eight peers, `--routing ring-list --successors 4`, started by the
 *    course's `init` (two successors each): the lists fill up to four on
 *    their own, and every lookup takes exactly the simulator's route through
 *    the lists; so it does again after a join and after a quit, which reach
 *    the peers three and four places back quietly (no course line, and no
 *    peer takes the departure for a death).
 */
import { describe, expect, it } from 'vitest';
import type { ChildPeer } from '../../src/testnet/child-peer.js';
import type { PeerNetwork } from '../../src/testnet/network.js';
import { successorList, predecessorOf } from '../../src/routing/ring.js';
import { buildViews, simulateLookup } from '../../src/routing/simulator.js';
import type { PeerEvent } from '../../src/runtime/events.js';
import {
  DEADLINE_MS,
  describeNetwork,
  errorLines,
  eventOf,
  isCourseLine,
  networkForTests,
  placeFile,
  printedBy,
  settled,
  statusOf,
} from '../fixtures/network.js';
import { fwdJoin, fwdStore, newSucc, storeAccepted } from '../fixtures/lines.js';

// This file's ports: 26000..26599 (first network 26000..26255, second 26300..26555).
const PORT_BASE = 26000;
const LIST_PORT_BASE = 26300;
const PING_S = 0.5;

const ids = (refs: readonly { readonly id: number }[]): number[] => refs.map((r) => r.id);

/**
 * Resolves once peer `id`'s successor list is `want`: every change of the
 * list is a 'successors-changed' event, so the latest one is the list now.
 */
async function listBecomes(net: PeerNetwork, id: number, want: readonly number[]): Promise<void> {
  const peer = net.get(id);
  const listOf = (e: PeerEvent | undefined): string => ((e?.fields?.['successors'] as number[] | undefined) ?? []).join(',');
  const isWanted = (e: PeerEvent): boolean => e.kind === 'successors-changed' && listOf(e) === want.join(',');
  const last = peer.events.findLastIndex((e) => e.kind === 'successors-changed');
  try {
    // From the latest change on: an older event with the wanted list is no longer the list.
    await peer.waitFor(isWanted, DEADLINE_MS, `successors ${want.join(',')}`, Math.max(0, last));
  } catch (err) {
    throw new Error(`${err instanceof Error ? err.message : String(err)}\n${describeNetwork(net)}`, { cause: err });
  }
}

/** The course lines a peer printed since `since`, without the answers to `status` and `lookup` typed by this test. */
function spoken(peer: ChildPeer, since = 0): string[] {
  return peer.events
    .slice(since)
    .filter((e) => isCourseLine(e) && e.kind !== 'status' && e.kind !== 'lookup')
    .map((e) => e.line ?? '');
}

/** Waits until every running peer holds its true list of `r` successors. */
async function listsSettle(net: PeerNetwork, r: number): Promise<void> {
  const ring = net.ring();
  await Promise.all(ring.map((id) => listBecomes(net, id, successorList(ring, id, r))));
}

/** Every running peer's two true predecessors, as `status --json` shows them. */
async function predecessorsOf(net: PeerNetwork): Promise<{ actual: Record<number, number[]>; truth: Record<number, number[]> }> {
  const ring = net.ring();
  const actual: Record<number, number[]> = {};
  const truth: Record<number, number[]> = {};
  for (const id of ring) {
    actual[id] = (await statusOf(net.get(id))).predecessors.map((p) => p?.id ?? -1);
    const p1 = predecessorOf(ring, id);
    truth[id] = [p1, predecessorOf(ring, p1)];
  }
  return { actual, truth };
}

/** Starts `init ID S1..Sk PING` for every peer, its first `named` true successors named. */
function initRing(net: PeerNetwork, ring: readonly number[], named: number): void {
  for (const id of ring) {
    net.start(id, ['init', String(id), ...successorList(ring, id, named).map(String), String(PING_S)]);
  }
}

/** The "My new first/second successor" and "...is no longer alive" lines a repair may print. */
const REPAIR_LINE = /^(Peer \d+ is no longer alive|My new (first|second) successor is Peer \d+)$/;

describe('--successors 3: two adjacent peers die at once', () => {
  const RING = [10, 25, 40, 60, 90, 130, 170, 220];
  const R = 3;
  const tn = networkForTests({ portBase: PORT_BASE, extraArgs: ['--successors', String(R)] }, async ({ net }) => {
    initRing(net, RING, R);
    await settled(net, new Map());
  });

  it('starts every peer with the three successors init named, and prints no course line', async () => {
    for (const id of RING) {
      expect(ids((await statusOf(tn.net.get(id))).successors), `peer ${id}`).toEqual(successorList(RING, id, R));
      expect(spoken(tn.net.get(id)), `peer ${id}`).toEqual([]);
    }
    // The ping line names the whole list: peer 10 watches all three.
    const pings = tn.net
      .get(10)
      .events.filter((e) => e.kind === 'ping-sent')
      .map((e) => e.line);
    expect(pings).toContain('Ping requests sent to Peers 25, 40 and 60');
  });

  it('60 and 90 are killed together: 40, 25 and 10 repair to their true lists; only first and second successors are named', async () => {
    const marks = tn.net.marks();
    const victims = [60, 90].map((id) => tn.net.get(id));
    for (const v of victims) v.kill('SIGKILL');
    for (const v of victims) {
      expect(await v.exited).toBeNull();
      tn.net.forget(v.id);
    }
    const ring = tn.net.ring();
    await listsSettle(tn.net, R);
    // Every survivor is pinged by its two predecessors on the repaired ring,
    // and knows them.
    await settled(tn.net, marks);
    const preds = await predecessorsOf(tn.net);
    expect(preds.actual).toEqual(preds.truth);
    for (const id of ring) {
      expect(ids((await statusOf(tn.net.get(id))).successors), `peer ${id}`).toEqual(successorList(ring, id, R));
    }

    const printed = Object.fromEntries(ring.map((id) => [id, spoken(tn.net.get(id), marks.get(id))]));
    const lastPair = (id: number): string[] => (printed[id] ?? []).slice(-2);
    // The peers that held a victim first or second say so, as with two
    // successors, and their last two lines name their true first and second
    // successors. (Whether 25 also names 90, its third successor, depends on
    // which death it handles first: once 60 is gone, 90 is its second.)
    expect(printed[40]).toEqual(expect.arrayContaining(['Peer 60 is no longer alive', 'Peer 90 is no longer alive']));
    expect(printed[25]).toEqual(expect.arrayContaining(['Peer 60 is no longer alive']));
    expect({ 40: lastPair(40), 25: lastPair(25) }).toEqual({ 40: newSucc(130, 170), 25: newSucc(40, 130) });
    for (const id of ring) {
      for (const line of printed[id] ?? []) expect(line, `peer ${id}`).toMatch(REPAIR_LINE);
      expect(errorLines(tn.net.get(id), marks.get(id)), `peer ${id}`).toEqual([]);
    }
    // 10 held 60 third: it repaired quietly. The others held neither victim.
    expect({ 10: printed[10], 130: printed[130], 170: printed[170], 220: printed[220] }).toEqual({ 10: [], 130: [], 170: [], 220: [] });
  });

  it('Store 0075 (key 75, which 90 owned) at Peer 10 walks 10, 25, 40 and is accepted at Peer 130', async () => {
    await placeFile(tn.dir, '0075');
    const marks = tn.net.marks();
    tn.net.get(10).type('Store 0075');
    const expected = {
      10: [fwdStore('0075')],
      25: [fwdStore('0075')],
      40: [fwdStore('0075')],
      130: [storeAccepted('0075')],
    };
    expect(await printedBy(tn.net, marks, expected), describeNetwork(tn.net)).toEqual(expected);
  });

  it('60 comes back (join via 170): the course lines at 40, 25 and 60, and every list is true again', async () => {
    const marks = tn.net.marks();
    const back = tn.net.join(60, 170);
    await eventOf(tn.net, back, 'join-accepted');
    const expected = {
      170: [fwdJoin(60)],
      220: [fwdJoin(60)],
      10: [fwdJoin(60)],
      25: [fwdJoin(60), 'Successor Change request received', ...newSucc(40, 60)],
      40: ['Peer 60 Join request received', ...newSucc(60, 130)],
      60: ['Join request has been accepted', 'My first successor is Peer 130', 'My second successor is Peer 170'],
    };
    // 40, 25 and 10 declared 60 dead a moment ago; they take it back all the same.
    await listsSettle(tn.net, R);
    await settled(tn.net, marks);
    expect(await printedBy(tn.net, marks, expected), describeNetwork(tn.net)).toEqual(expected);
  });
});

describe('--routing ring-list --successors 4, started by the course form of init', () => {
  const RING = [3, 31, 64, 77, 100, 150, 201, 240];
  const R = 4;
  const tn = networkForTests({ portBase: LIST_PORT_BASE, extraArgs: ['--routing', 'ring-list', '--successors', String(R)] }, async ({ net }) => {
    initRing(net, RING, 2);
    await settled(net, new Map());
  });

  /** Looks up every key, spread over every peer, and compares each with the simulator on the same membership. */
  async function lookupsMatchSimulator(net: PeerNetwork): Promise<{ mismatches: string[]; maxHops: number }> {
    const ring = net.ring();
    const views = buildViews(ring, 8, R, 'ring-list');
    const mismatches: string[] = [];
    let maxHops = 0;
    await Promise.all(
      ring.map(async (origin, i) => {
        const peer: ChildPeer = net.get(origin);
        for (let key = i; key < 256; key += ring.length) {
          const since = peer.mark();
          peer.type(`lookup ${key}`);
          const e = await eventOf(net, peer, 'lookup', since, { key });
          const live = { owner: e.fields?.['owner'], hops: e.hops, path: e.path };
          const sim = simulateLookup('ring-list', views, origin, key);
          maxHops = Math.max(maxHops, sim.hops);
          if (JSON.stringify(live) !== JSON.stringify({ owner: sim.owner, hops: sim.hops, path: sim.path })) {
            mismatches.push(`key ${key} from ${origin}: live ${JSON.stringify(live)}, simulated ${JSON.stringify(sim)}`);
          }
        }
      }),
    );
    return { mismatches, maxHops };
  }

  it('fills every list to four quietly, and every lookup skips through the lists as the simulator does', async () => {
    await listsSettle(tn.net, R);
    for (const id of RING) expect(spoken(tn.net.get(id)), `peer ${id}`).toEqual([]);
    const { mismatches, maxHops } = await lookupsMatchSimulator(tn.net);
    expect(mismatches).toEqual([]);
    // Through lists of four, eight peers are at most two hops apart (the ring walk takes up to seven).
    expect(maxHops).toBe(2);
  });

  it('Peer 120 joins via 3: the course lines at 100, 77 and 120, the lists of 64 and 31 follow quietly, lookups still match', async () => {
    const marks = tn.net.marks();
    const newcomer = tn.net.join(120, 3);
    await eventOf(tn.net, newcomer, 'join-accepted');
    const ring = [...RING, 120].sort((a, b) => a - b);
    // The join travels like a lookup of 120 from 3; the last two on its route
    // are the peer that accepts it and 120's own place.
    const route = simulateLookup('ring-list', buildViews(RING, 8, R, 'ring-list'), 3, 120).path;
    const forwarders = route.slice(0, -2);
    const expected: Record<number, string[]> = {
      100: ['Peer 120 Join request received', ...newSucc(120, 150)],
      77: ['Successor Change request received', ...newSucc(100, 120)],
      120: ['Join request has been accepted', 'My first successor is Peer 150', 'My second successor is Peer 201'],
      64: [],
      31: [],
    };
    for (const f of forwarders) expected[f] = [fwdJoin(120), ...(expected[f] ?? [])];
    await listsSettle(tn.net, R);
    expect(tn.net.ring()).toEqual(ring);
    await settled(tn.net, marks);
    expect(await printedBy(tn.net, marks, expected), describeNetwork(tn.net)).toEqual(expected);
    const { mismatches } = await lookupsMatchSimulator(tn.net);
    expect(mismatches).toEqual([]);
  });

  it('Peer 64 quits: 31 and 3 print the course lines, 240 and 201 follow quietly, nobody declares 64 dead, lookups still match', async () => {
    const marks = tn.net.marks();
    const leaving = tn.net.get(64);
    leaving.type('Quit');
    expect(await leaving.exited).toBe(0);
    tn.net.forget(64);
    const expected = {
      31: ['Peer 64 will depart from the network', ...newSucc(77, 100)],
      3: ['Peer 64 will depart from the network', ...newSucc(31, 77)],
      240: [],
      201: [],
    };
    await listsSettle(tn.net, R);
    await settled(tn.net, marks);
    expect(await printedBy(tn.net, marks, expected), describeNetwork(tn.net)).toEqual(expected);
    for (const id of tn.net.ring()) {
      expect(
        tn.net
          .get(id)
          .events.slice(marks.get(id))
          .filter((e) => e.kind === 'peer-dead'),
        `peer ${id}`,
      ).toEqual([]);
    }
    const { mismatches } = await lookupsMatchSimulator(tn.net);
    expect(mismatches).toEqual([]);
  });
});
