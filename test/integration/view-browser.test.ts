/**
 * The live view in a real browser: a five-peer ring (10, 60, 110, 160,
 * 210, spread around the 8-bit circle) feeds `p2p view`'s page through
 * the server's event stream, and headless Chromium shows, in turn: the
 * peers on the circle with their successor arcs; Peer 130 joining through
 * 60; Peer 160 killed and the repair of its predecessors (130's arc now
 * goes to 210); and `Request 2200` at Peer 10 drawn hop by hop to its
 * owner, 10 -> 60 -> 110 -> 130 -> 210, 4 hops. Every wait is on what the
 * page shows, with a deadline. The last picture, paused on the request's
 * path, is kept as test-artifacts/view.png (docs/view.png is a copy).
 * Then the page opens the same run as a recorded events file and replays it.
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { DEADLINE_MS, placeFile, startNetwork, stopNetworks, type TestNetwork } from '../fixtures/network.js';
import { browserAvailable, openBrowserPage, type BrowserPage } from '../fixtures/browser.js';
import { EventHub, feedChildPeer } from '../../src/view/feed.js';
import { startViewServer, type ViewServer } from '../../src/view/server.js';
import type { ViewState } from '../../src/view/model.js';
import { packageRoot } from '../../src/runtime/worker-path.js';

// This file's ports: 18300..18599 (peers 18300 + ID); the view's server binds port 0.
const PORT_BASE = 18300;
const RING = [
  [10, 60, 110],
  [60, 110, 160],
  [110, 160, 210],
  [160, 210, 10],
  [210, 10, 60],
] as const;

/** The page's state, read in the browser. */
const stateOf = (page: Page): Promise<ViewState> =>
  page.evaluate(() => (globalThis as unknown as { p2pView: { state: () => ViewState } }).p2pView.state());

/** Waits until `test` (run in the page, on its state, with `arg`) holds; fails after the deadline with the state in the message. */
async function waitForView<A>(page: Page, what: string, test: (s: ViewState, arg: A) => boolean, arg: A): Promise<ViewState> {
  const source = `(arg) => { const s = globalThis.p2pView?.state(); return s !== undefined && (${test.toString()})(s, arg); }`;
  try {
    // The test runs in the page, so it goes there as source, and is made a function there.
    await page.waitForFunction(
      // eslint-disable-next-line @typescript-eslint/no-implied-eval
      ({ src, a }) => (new Function('a', `return (${src})(a);`) as (x: unknown) => boolean)(a),
      { src: source, a: arg },
      { timeout: DEADLINE_MS },
    );
  } catch (err) {
    const s = await stateOf(page).catch(() => undefined);
    const seen =
      s === undefined
        ? 'no state'
        : JSON.stringify({ live: s.live, arcs: s.arcs, repairs: s.repairs, trails: s.trails.filter((t) => t.kind !== 'lookup').slice(-5) });
    throw new Error(`the view never showed ${what} within ${DEADLINE_MS} ms; it showed ${seen}`, { cause: err });
  }
  return stateOf(page);
}

describe.skipIf(!browserAvailable())('the live view in a real browser', () => {
  let tn: TestNetwork;
  let hub: EventHub;
  let server: ViewServer;
  let browser: BrowserPage;

  beforeAll(async () => {
    hub = new EventHub();
    server = await startViewServer({ hub, title: 'view-browser test' });
    tn = await startNetwork({ portBase: PORT_BASE, extraArgs: ['--snapshot-every', '0.5'] });
    await placeFile(tn.dir, '2200'); // key 2200 mod 256 = 152: Peer 160's, then 210's once 160 is gone
    browser = await openBrowserPage();
    await browser.page.goto(server.url);
  });

  afterAll(async () => {
    await browser.close();
    await stopNetworks();
    hub.close();
    await server.close();
  });

  it('shows the peers on the circle, a join, a kill and its repair, and a request hop by hop', async () => {
    const { page } = browser;
    const ping = String(tn.net.opts.pingSeconds);
    for (const [id, s1, s2] of RING) feedChildPeer(hub, tn.net.start(id, ['init', String(id), String(s1), String(s2), ping]));

    // The ring: five peers, each one's arc to its first successor.
    let s = await waitForView(
      page,
      'the five peers and their arcs',
      (st, want) => want.arcs.every((a) => st.arcs.includes(a)) && want.live.every((id) => st.live.includes(id)),
      { live: [10, 60, 110, 160, 210], arcs: ['10>60', '60>110', '110>160', '160>210', '210>10'] },
    );
    expect(s.live).toEqual([10, 60, 110, 160, 210]);
    await page.locator('#ring[data-peers="10 60 110 160 210"]').waitFor({ timeout: DEADLINE_MS });
    // Snapshots fill the panels: five roles alive per peer.
    await waitForView(page, "peer 10's roles", (st) => st.peers.some((p) => p.id === 10 && p.successors.length === 2), null);
    await page.locator('.peer[data-peer="10"] .role.alive').nth(4).waitFor({ timeout: DEADLINE_MS });

    // A join: 130 through 60 lands between 110 and 160.
    feedChildPeer(hub, tn.net.join(130, 60));
    s = await waitForView(
      page,
      'Peer 130 joined between 110 and 160',
      (st) =>
        st.live.includes(130) &&
        st.arcs.includes('110>130') &&
        st.arcs.includes('130>160') &&
        st.marks.some((m) => m.kind === 'join' && m.peer === 130),
      null,
    );
    expect(s.trails.some((t) => t.kind === 'join' && t.subject === '130' && t.done)).toBe(true);

    // A kill: 160 ends abruptly; 130 and 110 notice and repair around it.
    const victim = tn.net.get(160);
    victim.kill('SIGKILL');
    await victim.exited;
    tn.net.forget(160);
    s = await waitForView(
      page,
      'Peer 160 dead and the repair of 130 and 110',
      (st) =>
        !st.live.includes(160) &&
        st.peers.some((p) => p.id === 160 && p.status === 'dead') &&
        st.arcs.includes('130>210') &&
        st.repairs.some((r) => r.peer === 130 && r.lost === 160 && r.successors[0] === 210) &&
        st.repairs.some((r) => r.peer === 110 && r.lost === 160 && r.successors.join(',') === '130,210'),
      null,
    );
    expect(s.live).toEqual([10, 60, 110, 130, 210]);
    await page.locator('#ring[data-dead="160"]').waitFor({ timeout: DEADLINE_MS });
    await page.locator('#log li[data-kind="repair"]').nth(1).waitFor({ timeout: DEADLINE_MS });

    // A request: 2200 from Peer 10 to its owner, now 210, hop by hop.
    tn.net.get(10).type('Request 2200');
    s = await waitForView(
      page,
      "Request 2200's path to 210",
      (st) => st.trails.some((t) => t.kind === 'request' && t.subject === '2200' && t.done && t.outcome === 'found'),
      null,
    );
    const request = s.trails.findLast((t) => t.kind === 'request' && t.subject === '2200');
    expect(request?.path).toEqual([10, 60, 110, 130, 210]);
    expect(request?.hops).toBe(4);

    // The picture: paused a second after the request arrived, its path fully drawn.
    await page.evaluate(
      (at) => (globalThis as unknown as { p2pView: { pauseAt: (ms: number) => void } }).p2pView.pauseAt(at),
      (request?.updated ?? 0) + 1000,
    );
    await waitForView(page, 'the request on screen, paused', (st, id) => st.mode === 'paused' && st.visible.includes(id), request?.id ?? '');
    await page.locator('#log li[data-kind="request"]').first().waitFor({ timeout: DEADLINE_MS });
    await page.locator('#ring[data-mode="paused"]').waitFor({ timeout: DEADLINE_MS });
    const dir = path.join(packageRoot(), 'test-artifacts');
    mkdirSync(dir, { recursive: true });
    await page.screenshot({ path: path.join(dir, 'view.png') });
    expect(browser.errors).toEqual([]);
  });

  it('opens the run as a recorded events file and replays it to the same picture', async () => {
    const { page } = browser;
    const recorded = tn.net.history.flatMap((p) => p.events.map((e) => `${JSON.stringify(e)}\n`)).join('');
    await page.setInputFiles('#file', { name: 'run.jsonl', mimeType: 'text/plain', buffer: Buffer.from(recorded) });
    // A recording opens paused at its start: one peer's first event, nothing of the request yet.
    let s = await waitForView(
      page,
      'the recording, paused at its start',
      (st) => st.mode === 'paused' && st.applied <= 2 && st.events > 100,
      null,
    );
    expect(s.trails).toEqual([]);
    await page.selectOption('#speed', '20');
    await page.click('#replay');
    // Replayed to its end, it follows live again (the file has no more to give) and shows what the live run showed.
    s = await waitForView(
      page,
      'the replay reaching the request',
      (st) => st.mode === 'live' && st.trails.some((t) => t.kind === 'request' && t.subject === '2200' && t.outcome === 'found'),
      null,
    );
    expect(s.trails.findLast((t) => t.kind === 'request')?.path).toEqual([10, 60, 110, 130, 210]);
    expect(s.repairs.some((r) => r.peer === 130 && r.lost === 160)).toBe(true);
    expect(browser.errors).toEqual([]);
  });
});
