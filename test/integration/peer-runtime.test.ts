/**
 * The runtime of one peer: five role threads around the ring queue, driven
 * through the control API (comlink) in-process, and through stdin as a
 * child process; clean stops, Ctrl-C, and a worker that dies.
 */
import { isMainThread, threadId } from 'node:worker_threads';
import { afterEach, describe, expect, it } from 'vitest';
import { ChildPeer } from '../../src/testnet/child-peer.js';
import { startPeer, type Peer } from '../../src/peer/coordinator.js';
import { ROLES } from '../../src/runtime/peer-state.js';
import type { PeerSnapshot } from '../../src/handlers/snapshot.js';
import { EventRecorder, initConfig } from '../fixtures/config.js';
import { portsFree } from '../fixtures/ports.js';

// This file's ports: 18000..18299.
const PORT_BASE = 18000;
const running: Peer[] = [];
const children: ChildPeer[] = [];

afterEach(async () => {
  await Promise.all(running.splice(0).map((p) => p.stop()));
  for (const c of children.splice(0)) c.kill('SIGKILL');
});

describe('an in-process peer', () => {
  it('runs its five roles on five distinct threads and answers the control API', async () => {
    const rec = new EventRecorder();
    const peer = await startPeer({ config: initConfig(2, [4, 5], PORT_BASE, 500), onEvent: rec.onEvent });
    running.push(peer);
    const ids = Object.values(peer.threadIds);
    expect(isMainThread).toBe(true);
    expect(new Set(ids).size).toBe(5);
    for (const id of ids) expect(id).not.toBe(threadId);

    const snap = await peer.control.snapshot();
    expect(snap.peer).toBe(2);
    expect(snap.successors.map((s) => s.id)).toEqual([4, 5]);
    expect(snap.roles.map((r) => r.role)).toEqual([...ROLES]);
    // Each role recorded the thread it really runs on.
    for (const r of snap.roles) expect(r.threadId).toBe(peer.threadIds[r.role]);
    expect(snap.queue.capacityBytes).toBeGreaterThan(0);
  });

  it('takes typed lines through its stdin reader and prints status with the five roles', async () => {
    const rec = new EventRecorder();
    const peer = await startPeer({ config: initConfig(3, [4, 5], PORT_BASE, 500), onEvent: rec.onEvent });
    running.push(peer);
    peer.input('status --json');
    const ev = await rec.waitFor((e) => e.kind === 'status', 'status event');
    const snap = JSON.parse(ev.line ?? '') as PeerSnapshot;
    expect(snap.roles.map((r) => r.threadId).sort()).toEqual(Object.values(peer.threadIds).sort());
    // The reader counts a line once its push returns, which may be after the
    // consumer took this snapshot: the next snapshot sees the first line counted.
    const seen = rec.events.length;
    peer.input('status --json');
    const again = await rec.waitFor((e) => e.kind === 'status', 'second status event', 15_000, seen);
    const later = JSON.parse(again.line ?? '') as PeerSnapshot;
    expect(later.roles.find((r) => r.role === 'stdin-reader')?.handled).toBeGreaterThanOrEqual(1);

    peer.input('status');
    const text = await rec.waitFor((e) => e.kind === 'status' && !(e.line ?? '').startsWith('{'), 'status text');
    for (const role of ROLES) expect(text.line).toContain(role);

    peer.input('Store a912');
    const bad = await rec.waitFor((e) => e.kind === 'bad-command', 'bad-command event');
    expect(bad.line).toBe('Invalid file name "a912": a file name is exactly four digits, 0000 to 9999');
    await peer.control.run('help'); // still running after the bad line
    await rec.waitFor((e) => e.kind === 'help', 'help event');
  });

  it('stops every thread and closes every socket', async () => {
    const peer = await startPeer({ config: initConfig(6, [4, 5], PORT_BASE, 500), onEvent: () => undefined });
    expect(await portsFree(PORT_BASE + 6)).toBe(false);
    const exit = await peer.stop();
    expect(exit.code).toBe(0);
    expect(await portsFree(PORT_BASE + 6)).toBe(true);
  });

  it('ends with a non-zero code, saying which role died, when a worker dies', async () => {
    const rec = new EventRecorder();
    const peer = await startPeer({ config: initConfig(7, [4, 5], PORT_BASE, 500), onEvent: rec.onEvent });
    running.push(peer);
    await peer.worker('ping-sender')?.terminate();
    const exit = await peer.exited;
    expect(exit.code).toBe(1);
    const died = rec.events.find((e) => e.kind === 'worker-died');
    expect(died?.stream).toBe('stderr');
    expect(died?.line).toContain('ping-sender');
    expect(await portsFree(PORT_BASE + 7)).toBe(true);
  });

  it('refuses to start on a port already taken, with ERR_PORT_IN_USE', async () => {
    const first = await startPeer({ config: initConfig(8, [4, 5], PORT_BASE, 500), onEvent: () => undefined });
    running.push(first);
    await expect(startPeer({ config: initConfig(8, [4, 5], PORT_BASE, 500), onEvent: () => undefined })).rejects.toMatchObject({
      code: 'ERR_PORT_IN_USE',
    });
  });

  it('departs with Quit and exits 0 even when nobody has pinged it yet', async () => {
    const rec = new EventRecorder();
    const peer = await startPeer({ config: initConfig(9, [4, 5], PORT_BASE, 200), onEvent: rec.onEvent });
    running.push(peer);
    peer.input('Quit');
    const exit = await peer.exited;
    expect(exit).toEqual({ code: 0, reason: 'quit' });
    expect(rec.events.some((e) => e.kind === 'quit-waiting')).toBe(true);
  });
});

describe('a peer as a child process', () => {
  it('shows five distinct threads in status and ends at once on Ctrl-C', async () => {
    const child = new ChildPeer(2, ['init', '2', '4', '5', '0.5', '--port-base', String(PORT_BASE + 100)], { cwd: process.cwd() });
    children.push(child);
    child.type('status --json');
    const ev = await child.waitForKind('status', 20_000);
    const snap = JSON.parse(ev.line ?? '') as PeerSnapshot;
    expect(new Set(snap.roles.map((r) => r.threadId)).size).toBe(5);
    child.kill('SIGINT');
    expect(await child.exited).toBe(130);
  });

  it('prints one line and exits non-zero on bad arguments', async () => {
    const child = new ChildPeer(2, ['init', '2', '2', '5', '30'], { cwd: process.cwd() });
    children.push(child);
    expect(await child.exited).toBe(2);
    const errors = child.transcript.filter((l) => l.stream === 'stderr');
    expect(errors).toHaveLength(1);
    expect(errors[0]?.text).toContain('its own successor');
  });
});
