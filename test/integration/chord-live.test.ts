/**
 * A live Chord network of 16 peer processes, started by joins through one
 * peer: it stabilizes (every finger correct) within a bounded number of ping
 * intervals and routes all 256 keys to their owners; after two non-adjacent
 * peers are killed it stabilizes again and still routes every key.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { PeerNetwork } from '../../src/testnet/network.js';
import { ownerOf } from '../../src/routing/ids.js';
import { createPrng } from '../../src/routing/prng.js';
import { randomMembership } from '../../src/routing/simulator.js';
import { growRing } from '../fixtures/network.js';

// This file's ports: 19000..19299.
const PORT_BASE = 19000;
/** A join is accepted, and a founder is up, within this long (generous: other test files load the same two cores). */
const JOIN_WITHIN_MS = 45_000;
const PING_S = 0.5;
/** Stabilization must finish within this many ping intervals. */
const STABLE_WITHIN_INTERVALS = 60;
const SEED = 20261125;

let net: PeerNetwork | undefined;
let dir = '';

afterAll(async () => {
  await net?.stopAll();
  if (dir !== '') await rm(dir, { recursive: true, force: true });
});

async function routeEveryKey(network: PeerNetwork): Promise<{ wrong: string[]; maxHops: number }> {
  const ring = network.ring();
  const wrong: string[] = [];
  let maxHops = 0;
  // Spread the 256 lookups over every peer, 16 at a time per peer.
  await Promise.all(
    ring.map(async (origin, i) => {
      const peer = network.get(origin);
      for (let key = i; key < 256; key += ring.length) {
        const since = peer.mark();
        peer.type(`lookup ${key}`);
        const ev = await peer.waitForKind('lookup', 20_000, since, { key });
        const owner = ev.fields?.owner;
        maxHops = Math.max(maxHops, ev.hops ?? 0);
        if (owner !== ownerOf(ring, key)) wrong.push(`key ${key} from ${origin}: got ${String(owner)}, owner is ${ownerOf(ring, key)}`);
      }
    }),
  );
  return { wrong, maxHops };
}

describe('a live Chord network of 16 peers', () => {
  it('stabilizes, routes every key, and does so again after two peers are killed', { timeout: 240_000 }, async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'p2p-chord-'));
    const ids = randomMembership(createPrng(SEED), 16, 8);
    const live = new PeerNetwork({ dir, portBase: PORT_BASE, pingSeconds: PING_S, extraArgs: ['--routing', 'chord'] });
    net = live; // for afterAll to stop, should this test fail
    await growRing(live, ids, JOIN_WITHIN_MS);
    const started = Date.now();
    await live.settleFingers(STABLE_WITHIN_INTERVALS * PING_S * 1000);
    expect(Date.now() - started).toBeLessThan(STABLE_WITHIN_INTERVALS * PING_S * 1000);

    const before = await routeEveryKey(live);
    expect(before.wrong, `seed ${SEED}`).toEqual([]);
    expect(before.maxHops).toBeLessThanOrEqual(8 + 1);

    // Two non-adjacent peers die abruptly.
    const ring = live.ring();
    const victims = [ring[3] as number, ring[10] as number];
    const marks = live.marks();
    for (const v of victims) {
      live.get(v).kill('SIGKILL');
      await live.get(v).exited;
      live.forget(v);
    }
    // Each victim's predecessor notices and repairs.
    const preds = victims.map((v) => ring[(ring.indexOf(v) - 1 + ring.length) % ring.length] as number);
    await Promise.all(preds.map((p, i) => live.get(p).waitForKind('peer-dead', 30_000, marks.get(p) ?? 0, { peer: victims[i] })));
    await live.settleFingers(STABLE_WITHIN_INTERVALS * PING_S * 1000);
    const after = await routeEveryKey(live);
    expect(after.wrong, `seed ${SEED}`).toEqual([]);
  });
});
