/**
 * The role host's last resort in a real worker thread: a role whose code
 * leaves a rejection unhandled and throws from a timer reports both as
 * `internal-error` (ERR_INTERNAL, on stderr), keeps running, and stops
 * cleanly when told to. Before, either error ended the thread (and the
 * coordinator then ended the peer). The misbehaving role is a test fixture
 * hosted by the real hostRole; the peer's own provocation (a next hop that
 * never reads) is in runtime-stalled-hop.test.ts. Binds no port.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { afterEach, describe, expect, it } from 'vitest';
import { RingQueue } from '../../src/queue/ring-queue.js';
import type { PeerEvent, RoleMessage } from '../../src/runtime/events.js';
import { PeerState } from '../../src/runtime/peer-state.js';
import type { RoleWorkerData } from '../../src/roles/role-host.js';
import { initConfig } from '../fixtures/config.js';

// Workers run compiled JS: `npm test` builds first (tsc compiles test/ too).
const WORKER_URL = new URL('../../dist/test/fixtures/faulty-role-worker.js', import.meta.url);
const WAIT_MS = 15_000;

let worker: Worker | undefined;
afterEach(async () => {
  await worker?.terminate();
  worker = undefined;
});

describe('a role thread with an unhandled rejection and an uncaught exception', () => {
  it('reports both with ERR_INTERNAL, keeps serving, and stops cleanly', async () => {
    if (!existsSync(WORKER_URL)) {
      throw new Error(`compiled worker ${fileURLToPath(WORKER_URL)} is missing: run \`npm run build\` (npm test does)`);
    }
    const state = PeerState.create();
    const data: RoleWorkerData = {
      role: 'ping-sender',
      // No socket is bound: the config only names the peer.
      peers: [initConfig(29, [30, 31], 27100, 500)],
      host: false,
      queueBuffer: RingQueue.create(1024).buffer,
      stateBuffer: state.buffer,
    };
    const w = new Worker(WORKER_URL, { workerData: data });
    worker = w;
    const events: PeerEvent[] = [];
    const errors: Error[] = [];
    w.on('error', (err) => errors.push(err));
    const exited = new Promise<number>((resolve) => w.once('exit', resolve));
    const serving = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no still-serving event within ${WAIT_MS} ms`)), WAIT_MS);
      w.on('message', (msg: RoleMessage) => {
        if (msg.kind === 'ready') w.postMessage({ kind: 'go' });
        if (msg.kind !== 'events') return;
        events.push(...msg.events);
        if (msg.events.some((e) => e.kind === 'still-serving')) {
          clearTimeout(timer);
          resolve();
        }
      });
      void exited.then((code) => reject(new Error(`the worker exited (code ${code}) before still-serving`)));
    });
    await serving;

    const reports = events.filter((e) => e.kind === 'internal-error');
    // The first is printed at once; the second, within the same interval, is counted.
    expect(reports).toHaveLength(1);
    expect(reports[0]?.stream).toBe('stderr');
    expect(reports[0]?.fields).toMatchObject({ code: 'ERR_INTERNAL', where: 'unhandled rejection', message: 'a rejection nobody handles' });
    expect(state.roles().find((r) => r.role === 'ping-sender')?.errors).toBe(2);

    // A clean stop prints the count it still holds, then the thread ends normally.
    w.postMessage({ kind: 'stop' });
    expect(await exited).toBe(0);
    expect(errors).toEqual([]);
    const summary = events.filter((e) => e.kind === 'internal-error')[1];
    expect(summary?.fields).toMatchObject({ code: 'ERR_INTERNAL', where: 'uncaught exception', cause: 'TypeError', count: 1 });
  });
});
