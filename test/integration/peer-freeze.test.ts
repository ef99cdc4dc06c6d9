/**
 * A peer of a 16-peer ring frozen with SIGSTOP for several ping
 * intervals, then continued (issue 11). While it is frozen its kernel still
 * accepts connections and never reads them, so every send to it waits out
 * TCP_CONNECT_TIMEOUT_MS: lookups and offers through it must fail at their
 * own deadlines, and no other peer may exit (1 to 6 did, their consumer
 * threads killed by an unhandled rejection). Its two predecessors declare it
 * dead. Once continued it is alive again and the protocol should let it
 * back in: within a bound scaled by the ping interval and N, every peer's
 * `lookup` of a sample of keys names the true owner of the live membership,
 * the thawed peer included.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { ChildPeer } from '../../src/testnet/child-peer.js';
import { PeerNetwork } from '../../src/testnet/network.js';
import { ownerOf } from '../../src/routing/ids.js';
import { createPrng } from '../../src/routing/prng.js';
import { predecessorOf } from '../../src/routing/ring.js';
import { randomMembership } from '../../src/routing/simulator.js';
import { detectionMs, GONE_INTERVALS, pingTiming } from '../../src/timing.js';
import { growRing, settleMembership } from '../fixtures/network.js';
import type { PeerEvent } from '../../src/runtime/events.js';

// This file's ports: 30500..30799 (Chord), 31400..31699 (ring-list) and 31700..31999 (ring).
const PORT_BASES = { chord: 30500, 'ring-list': 31400, ring: 31700 } as const;
const PING_S = 0.5;
const PING_MS = PING_S * 1000;
const N = 16;
const SEED = 20261201;
/** The ring stabilizes within this many ping intervals (as in chord-live.test.ts). */
const STABLE_WITHIN_INTERVALS = 60;
/** How long the peer stays frozen, in ping intervals. */
const FREEZE_INTERVALS = 8;
/** Detection (timing.ts), with room for two loaded cores. */
const DEAD_WITHIN_MS = 3 * detectionMs(pingTiming(PING_MS)) + 5000;
/**
 * After SIGCONT, lookups are right again within this many ping intervals:
 * the predecessors keep a peer they declared dead out for GONE_INTERVALS
 * (timing.ts), then stabilization takes it back and fix-fingers spreads
 * it, O(log N) rounds each, with a margin for two loaded cores. (Without
 * fingers, its successor lets it back in at its first ping: sooner.)
 */
const RECOVER_WITHIN_INTERVALS = GONE_INTERVALS + 8 * Math.log2(N) + 20;
const KEYS_PER_PEER = 6;
/** A join is accepted within this long (generous: other test files load the same two cores). */
const JOIN_WITHIN_MS = 45_000;

let net: PeerNetwork | undefined;
let frozen: ChildPeer | undefined;
let dir = '';

afterEach(async () => {
  // A stopped process handles no SIGTERM: continue it first, whatever happened.
  const pid = frozen?.pid;
  if (pid !== undefined && frozen?.running === true) {
    try {
      process.kill(pid, 'SIGCONT');
    } catch {
      // gone already
    }
  }
  frozen = undefined;
  await net?.stopAll();
  net = undefined;
  if (dir !== '') await rm(dir, { recursive: true, force: true });
  dir = '';
});

/** `lookup KEY` typed at `peer`: the owner it prints, or undefined when the lookup failed. */
async function lookupFrom(peer: ChildPeer, key: number): Promise<number | undefined> {
  const since = peer.mark();
  peer.type(`lookup ${key}`);
  const ev = await peer.waitFor(
    (e: PeerEvent) => (e.kind === 'lookup' && e.fields?.key === key) || (e.kind === 'command-failed' && e.fields?.input === `lookup ${key}`),
    30_000,
    `the answer to lookup ${key}`,
    since,
  );
  return ev.kind === 'lookup' ? (ev.fields?.owner as number) : undefined;
}

/** Every running peer looks up `keys`; returns what was wrong. */
async function wrongLookups(network: PeerNetwork, keys: readonly number[]): Promise<string[]> {
  const ring = network.ring();
  const wrong: string[] = [];
  await Promise.all(
    ring.map(async (origin) => {
      for (const key of keys) {
        const got = await lookupFrom(network.get(origin), key);
        const want = ownerOf(ring, key);
        if (got !== want) wrong.push(`key ${key} from ${origin}: got ${got ?? 'no answer'}, owner is ${want}`);
      }
    }),
  );
  return wrong;
}

for (const routing of ['chord', 'ring-list', 'ring'] as const)
  describe(`a ${routing} ring of 16 peers, one frozen with SIGSTOP`, () => {
    it('loses no other peer, declares the frozen one dead, and routes every key right once it is continued', { timeout: 300_000 }, async () => {
      dir = await mkdtemp(path.join(os.tmpdir(), 'p2p-freeze-'));
      const ids = randomMembership(createPrng(SEED), N, 8);
      const args = routing === 'ring' ? [] : routing === 'chord' ? ['--routing', 'chord'] : ['--routing', 'ring-list', '--successors', '3'];
      const live = new PeerNetwork({ dir, portBase: PORT_BASES[routing], pingSeconds: PING_S, extraArgs: args });
      net = live; // for afterEach to stop, should this test fail
      await growRing(live, ids, JOIN_WITHIN_MS);
      if (routing === 'chord') await live.settleFingers(STABLE_WITHIN_INTERVALS * PING_MS);
      else await settleMembership(live, routing === 'ring' ? 2 : 3, false, STABLE_WITHIN_INTERVALS * PING_MS);

      const ring = live.ring();
      const victim = ring[5] as number;
      const pred1 = predecessorOf(ring, victim);
      const pred2 = predecessorOf(ring, pred1);
      const prng = createPrng(SEED + 1);
      // Keys the victim owns, and keys anywhere.
      const keys = [victim, (pred1 + 1) % 256, ...Array.from({ length: KEYS_PER_PEER - 2 }, () => prng.nextInt(256))];
      const others = ring.filter((id) => id !== victim);
      const marks = live.marks();

      frozen = live.get(victim);
      const pid = frozen.pid;
      if (pid === undefined) throw new Error(`peer ${victim} has no pid`);
      process.kill(pid, 'SIGSTOP');
      // Both predecessors declare it dead ("Peer X is no longer alive").
      const declared = await Promise.all(
        [pred1, pred2].map((p) => live.get(p).waitForKind('peer-dead', DEAD_WITHIN_MS, marks.get(p) ?? 0, { peer: victim })),
      );
      // The event carries the printed line (stdout is another pipe: it may come later).
      for (const ev of declared) expect(ev.line).toBe(`Peer ${victim} is no longer alive`);
      // Frozen for FREEZE_INTERVALS intervals in all, counted on a live peer's ping ticks (no sleep).
      const clock = live.get(pred1);
      const tick0 = marks.get(pred1) ?? 0;
      let ticks = 0;
      await clock.waitFor(
        (e) => e.kind === 'ping-sent' && ++ticks >= FREEZE_INTERVALS,
        FREEZE_INTERVALS * PING_MS * 4,
        'the freeze to last',
        tick0,
      );
      process.kill(pid, 'SIGCONT');
      const thawedAt = Date.now();

      // Lookups until every peer names the true owner of every sample key, within the bound.
      const deadline = thawedAt + RECOVER_WITHIN_INTERVALS * PING_MS;
      let wrong = await wrongLookups(live, keys);
      while (wrong.length > 0 && Date.now() < deadline) {
        // Pace the rounds by the ring's own clock: one ping interval.
        const since = clock.mark();
        await clock.waitForKind('ping-sent', 4 * PING_MS, since);
        wrong = await wrongLookups(live, keys);
      }
      expect(wrong, `${routing}: seed ${SEED}, victim ${victim}, ${Date.now() - thawedAt} ms after SIGCONT`).toEqual([]);

      // No other peer exited, and none lost a thread.
      const exited = others.filter((id) => !live.get(id).running);
      expect(exited, `seed ${SEED}`).toEqual([]);
      const died = ring.flatMap((id) =>
        live
          .get(id)
          .events.filter((e) => e.kind === 'worker-died')
          .map((e) => `${id}: ${e.line ?? ''}`),
      );
      expect(died).toEqual([]);
      expect(frozen.running).toBe(true);
    });
  });
