/**
 * A next hop that accepts TCP connections and never reads them, like a peer
 * stopped with SIGSTOP (its kernel still completes the handshake): a
 * fix-fingers lookup forwarded to it gives up at its own deadline, shorter
 * than the send's (TCP_CONNECT_TIMEOUT_MS), and the peer keeps serving. Its
 * consumer thread used to die here, on the unhandled rejection of the
 * lookup's answer timer (issue 11). One in-process peer on real sockets,
 * Chord routing, ping 0.5 s; its two successors are fake peers that answer
 * pings, the first never reading TCP.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { TCP_CONNECT_TIMEOUT_MS } from '../../src/constants.js';
import { startPeer, type Peer } from '../../src/peer/coordinator.js';
import { EventRecorder, initConfig } from '../fixtures/config.js';
import { FakePeer } from '../fixtures/fake-peer.js';

// This file's ports: 30200..30499.
const PORT_BASE = 30200;
const SELF = 10;
/** First successor: never reads TCP. Finger start 10 + 16 = 26 is forwarded to it (not final: 26 > 20). */
const STALLED = 20;
const SECOND = 30;
const PING_MS = 500;
/** Fix-fingers' lookup deadline at this ping interval (chord.ts: max(2 s, 4 intervals)). */
const LOOKUP_DEADLINE_MS = Math.max(2000, 4 * PING_MS);
/** Generous bound on any one wait (two test files run at once on two cores). */
const WAIT_MS = 3 * (TCP_CONNECT_TIMEOUT_MS + LOOKUP_DEADLINE_MS);

let peer: Peer | undefined;
const fakes: FakePeer[] = [];
let dir = '';

afterEach(async () => {
  await peer?.stop();
  peer = undefined;
  await Promise.all(fakes.splice(0).map((f) => f.close()));
  if (dir !== '') await rm(dir, { recursive: true, force: true });
  dir = '';
});

describe('a peer whose next hop accepts connections but never reads them', () => {
  it('fails the lookup at its deadline with ERR_TIMEOUT, observes the late send failure, and keeps serving', { timeout: 60_000 }, async () => {
    expect(LOOKUP_DEADLINE_MS).toBeLessThan(TCP_CONNECT_TIMEOUT_MS); // the race this test is about
    dir = await mkdtemp(path.join(os.tmpdir(), 'p2p-stalled-'));
    fakes.push(await FakePeer.start({ id: STALLED, port: PORT_BASE + STALLED, readTcp: false }));
    fakes.push(await FakePeer.start({ id: SECOND, port: PORT_BASE + SECOND }));
    const rec = new EventRecorder();
    const config = { ...initConfig(SELF, [STALLED, SECOND], PORT_BASE, PING_MS, dir), routing: 'chord' as const };
    peer = await startPeer({ config, onEvent: rec.onEvent });
    const exited = { done: false };
    void peer.exited.then(() => (exited.done = true));

    const failed = await rec.waitFor((e) => e.kind === 'finger-lookup-failed', 'a failed fix-fingers lookup', WAIT_MS);
    expect(failed.fields).toMatchObject({ code: 'ERR_TIMEOUT' });
    // The forward to the stalled peer fails later, once its socket gives up;
    // nobody waits for that lookup any more.
    const abandoned = await rec.waitFor((e) => e.kind === 'lookup-abandoned', 'the late failure of the forward', WAIT_MS);
    expect(abandoned.fields).toMatchObject({ unreachable: STALLED, code: 'ERR_UNREACHABLE' });

    // Still serving: the control API answers, and the ping sender goes on.
    const seen = rec.events.length;
    const snap = await peer.control.snapshot();
    expect(snap.peer).toBe(SELF);
    await rec.waitFor((e) => e.kind === 'ping-sent', 'a ping after the failure', WAIT_MS, seen);
    expect(exited.done).toBe(false);
    expect(rec.events.filter((e) => e.kind === 'worker-died')).toEqual([]);
    // An ordinary fault, handled where it happens: the last-resort handler never fired.
    expect(rec.events.filter((e) => e.kind === 'internal-error')).toEqual([]);
  });
});
