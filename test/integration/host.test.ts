/**
 * `p2p host`: many peers in one process, driven at its prompt as a person
 * would (`14> Store 2067`, `kill 14`, `start 15 join 4`), every line compared
 * with the reference model's lines for that peer, prefixed by its ID. Then a
 * ring that spans two hosts and a lone peer, all joined over their sockets.
 */
// This file's ports: 13720..13839 (ring 13720 + ID, Chord 13760 + ID, two hosts and a lone peer 13800 + ID).
import { afterEach, describe, expect, it } from 'vitest';
import { ChildPeer } from '../../src/testnet/child-peer.js';
import { linesOf, sameLines, type ModelState, type ServiceStep } from '../../src/model/index.js';
import { perfectViews } from '../../src/model/ring-model.js';
import { isPingLine } from '../../src/model/lines.js';
import type { RoutingMode } from '../../src/routing/types.js';
import type { PeerEvent } from '../../src/runtime/events.js';
import { DEADLINE_MS, placeFile, ROUTINGS, tempDir, within } from '../fixtures/network.js';

const PING_SECONDS = 0.5;
/** A wait on a step of a small host: DEADLINE_MS, plus the pings a repair takes (20 intervals). */
const STEP_MS = DEADLINE_MS + 20 * PING_SECONDS * 1000;

const running: ChildPeer[] = [];
afterEach(async () => {
  for (const p of running.splice(0)) {
    p.kill('SIGKILL');
    await p.exited;
  }
});

function start(args: readonly string[], cwd: string): ChildPeer {
  const p = new ChildPeer(-1, args, { cwd });
  running.push(p);
  return p;
}

/** A host line `" 15 | text"` as [15, text]; undefined for the host's own lines. */
function peerLine(text: string): [number, string] | undefined {
  const m = /^\s*(\d+) \| (.*)$/.exec(text);
  return m === null ? undefined : [Number(m[1]), m[2] ?? ''];
}

/** Course lines each peer printed on stdout after transcript index `since`. */
function printedSince(p: ChildPeer, since: number): Record<number, string[]> {
  const out: Record<number, string[]> = {};
  for (const l of p.transcript.slice(since)) {
    const parsed = l.stream === 'stdout' ? peerLine(l.text) : undefined;
    if (parsed === undefined || isPingLine(parsed[1])) continue;
    (out[parsed[0]] ??= []).push(parsed[1]);
  }
  return out;
}

/** Waits until a line passes `test` (looking from transcript index `since`). */
async function lineWhere(p: ChildPeer, test: (text: string) => boolean, what: string, since = 0, ms = STEP_MS): Promise<string> {
  const seen = p.transcript.slice(since).find((l) => test(l.text));
  if (seen !== undefined) return seen.text;
  return within(
    new Promise<string>((resolve) => {
      p.onLine((l) => {
        if (test(l.text)) resolve(l.text);
      });
    }),
    ms,
    `${what}; printed: ${p.lines().slice(-12).join(' / ')}`,
  );
}

/**
 * Types what `step` needs at the host, then waits until every peer the model
 * names has printed as many lines as it should, and returns the printed and
 * expected lines (every other hosted peer must print nothing).
 */
async function hostStep(
  host: ChildPeer,
  state: ModelState,
  step: ServiceStep,
  routing: RoutingMode,
): Promise<{ printed: Record<number, string[]>; expected: Record<number, readonly string[]>; next: ModelState }> {
  const { lines, next } = linesOf(state, step, routing);
  const expected: Record<number, readonly string[]> = Object.fromEntries(state.ring.map((id) => [id, []]));
  Object.assign(expected, lines);
  const since = host.transcript.length;
  const typed: Record<ServiceStep['kind'], () => string> = {
    store: () => (step.kind === 'store' ? `${step.at}> Store ${step.file}` : ''),
    request: () => (step.kind === 'request' ? `${step.at}> Request ${step.file}` : ''),
    kill: () => (step.kind === 'kill' ? `kill ${step.peer}` : ''),
    quit: () => (step.kind === 'quit' ? `quit ${step.peer}` : ''),
    join: () => (step.kind === 'join' ? `start ${step.peer} join ${step.via}` : ''),
  };
  host.type(typed[step.kind]());
  const complete = (): boolean => {
    const printed = printedSince(host, since);
    return Object.entries(expected).every(([peer, want]) => (printed[Number(peer)]?.length ?? 0) >= want.length);
  };
  if (!complete()) {
    await within(
      new Promise<void>((resolve) => {
        host.onLine(() => {
          if (complete()) resolve();
        });
      }),
      STEP_MS,
      `every line of "${typed[step.kind]()}"; expected ${JSON.stringify(lines)}, printed ${JSON.stringify(printedSince(host, since))}; stderr ${JSON.stringify(
        host.transcript
          .slice(since)
          .filter((l) => l.stream === 'stderr')
          .map((l) => l.text),
      )}`,
    );
  }
  return { printed: printedSince(host, since), expected, next };
}

function expectSame(printed: Record<number, string[]>, expected: Record<number, readonly string[]>): void {
  for (const [peer, want] of Object.entries(expected)) {
    const got = printed[Number(peer)] ?? [];
    expect(sameLines(want, got), `peer ${peer}: expected ${JSON.stringify(want)}, printed ${JSON.stringify(got)}`).toBe(true);
  }
}

/** Waits until every peer of `ring` has announced the fingers a settled Chord ring gives it. */
async function fingersSettled(host: ChildPeer, ring: readonly number[]): Promise<void> {
  const views = perfectViews(ring, 'chord');
  const last = new Map<number, string>();
  const want = (id: number): string => (views.get(id)?.fingers ?? []).join(',');
  const settled = (): boolean => ring.every((id) => last.get(id) === want(id));
  const see = (e: PeerEvent): void => {
    if (e.kind === 'fingers-changed') last.set(e.peer, ((e.fields?.fingers as readonly number[] | undefined) ?? []).join(','));
  };
  host.events.forEach(see);
  if (settled()) return;
  await within(
    new Promise<void>((resolve) => {
      host.onEvent((e) => {
        see(e);
        if (settled()) resolve();
      });
    }),
    STEP_MS + 40_000 * PING_SECONDS,
    `settled fingers; have ${JSON.stringify([...last])}`,
  );
}

describe.each(ROUTINGS)('a host of the course ring under %s routing', (routing) => {
  it('runs Store, Request, kill, quit and a join at its prompt, each peer printing its course lines behind its ID', async () => {
    const portBase = routing === 'ring' ? 13720 : 13760;
    const dir = await tempDir('p2p-host-');
    await placeFile(dir, '2067');
    const ring = [2, 4, 5, 8, 9, 14, 19];
    const host = start(
      ['host', '--ids', ring.join(','), '--ping', String(PING_SECONDS), '--routing', routing, '--port-base', String(portBase)],
      dir,
    );
    const hosting = await lineWhere(host, (t) => t.startsWith('Hosting '), 'the host started');
    expect(hosting).toMatch(/^Hosting 7 peers \(2\.\.19\) in process \d+, started in \d+ ms; ping lines hidden/);

    let state: ModelState = { ring, files: new Set(['2067']) };
    const steps: ServiceStep[] = [
      { kind: 'store', at: 14, file: '2067' },
      { kind: 'request', at: 4, file: '2067' },
      { kind: 'kill', peer: 14 },
      { kind: 'quit', peer: 9 },
      { kind: 'join', peer: 15, via: 4 },
      { kind: 'request', at: 15, file: '2067' },
    ];
    for (const step of steps) {
      if (routing === 'chord' && (step.kind === 'store' || step.kind === 'request')) await fingersSettled(host, state.ring);
      const { printed, expected, next } = await hostStep(host, state, step, routing);
      expectSame(printed, expected);
      state = next;
    }
    expect(state.ring).toEqual([2, 4, 5, 8, 15, 19]);

    // The prompt refuses what it cannot do, names why, and the host goes on.
    let since = host.transcript.length;
    host.type('start 15 join 4');
    expect(await lineWhere(host, (t) => t.includes('(ERR_DUPLICATE_ID)'), 'a refused start', since)).toContain('peer 15 is already running');
    host.type('99> status');
    expect(await lineWhere(host, (t) => t.includes('peer 99 is not running in this host'), 'a refused command', since)).toBe(
      'Invalid command "99> status": peer 99 is not running in this host (peers lists them)',
    );
    host.type('kill 14');
    await lineWhere(host, (t) => t.includes('kill: peer 14 is not running in this host'), 'a refused kill', since);
    since = host.transcript.length;
    host.type('peers');
    expect(await lineWhere(host, (t) => t.startsWith('Peers running here'), 'the peers', since)).toBe('Peers running here (6): 2 4 5 8 15 19');
    since = host.transcript.length;
    host.type('status 15');
    await lineWhere(host, (t) => /^ 15 \| .*successor/i.test(t), 'status 15 behind its ID', since);

    // Every peer quits: the host ends with its last one, with code 0.
    for (const id of state.ring) host.type(`quit ${id}`);
    expect(await within(host.exited, STEP_MS, 'the host to end after every Quit')).toBe(0);
    // Neighbours that quit at once may fail to reach each other (ERR_UNREACHABLE warnings), but no thread fails.
    expect(host.transcript.filter((l) => /ERR_(INTERNAL|WORKER_DIED)/.test(l.text))).toEqual([]);
  });
});

describe('one ring over two hosts and a lone peer', () => {
  it('joins them over their sockets and routes a Store and a Request across the processes', async () => {
    const portBase = 13800;
    const dir = await tempDir('p2p-hosts-');
    await placeFile(dir, '2057'); // key 2057 mod 256 = 9: hosted by the second host
    // Three successors each, so that the ring outlives the loss of the whole second host (two neighbours at once).
    const common = ['--ping', String(PING_SECONDS), '--port-base', String(portBase), '--successors', '3'];
    const first = start(['host', '--ids', '2,4,5', ...common], dir);
    await lineWhere(first, (t) => t.startsWith('Hosting '), 'the first host started');
    const second = start(['host', '--ids', '8,9', '--join', '2', ...common], dir);
    await lineWhere(
      second,
      (t) => t.startsWith(' 9 | Join request has been accepted') || t.startsWith('  9 | Join request has been accepted'),
      'peer 9 joined',
    );
    const lone = start(['join', '14', '2', String(PING_SECONDS), ...common.slice(2)], dir);
    await lineWhere(lone, (t) => t === 'Join request has been accepted', 'peer 14 joined');

    let mark = [first, second, lone].map((p) => p.transcript.length);
    lone.type('Store 2057');
    await lineWhere(second, (t) => t === '  9 | Store 2057 request accepted', 'peer 9 accepts the Store', mark[1]);
    expect(lone.lines().slice(mark[2])).toContain('Store 2057 request forwarded to my successor');
    expect(printedSince(first, mark[0] ?? 0)).toEqual({
      2: ['Store 2057 request forwarded to my successor'],
      4: ['Store 2057 request forwarded to my successor'],
      5: ['Store 2057 request forwarded to my successor'],
    });
    expect(printedSince(second, mark[1] ?? 0)).toEqual({
      8: ['Store 2057 request forwarded to my successor'],
      9: ['Store 2057 request accepted'],
    });

    mark = [first, second, lone].map((p) => p.transcript.length);
    first.type('4> Request 2057');
    await lineWhere(first, (t) => t === '  4 | File 2057 received', 'peer 4 receives the file', mark[0]);
    await lineWhere(second, (t) => t === '  9 | The file has been sent', 'peer 9 has sent it', mark[1]);
    expect(printedSince(second, mark[1] ?? 0)[9]).toEqual(['File 2057 is stored here', 'Sending file 2057 to Peer 4', 'The file has been sent']);
    expect(printedSince(first, mark[0] ?? 0)[4]).toEqual([
      'File request for 2057 has been sent to my successor',
      'Peer 9 had File 2057',
      'Receiving File 2057 from Peer 9',
      'File 2057 received',
    ]);

    // Killing the whole second host is two abrupt departures at once: the ring repairs around them.
    second.kill('SIGKILL');
    await lineWhere(first, (t) => t === '  5 | My new first successor is Peer 14', 'peer 5 repairs past 8 and 9', mark[0]);
  });
});
