/**
 * `p2p host`: many peers in one process, driven at its prompt as a person
 * would (`14> Store 2067`, `kill 14`, `start 15 join 4`), every line compared
 * with the reference model's lines for that peer, prefixed by its ID. Then a
 * ring that spans two hosts and a lone peer, all joined over their sockets.
 */
// This file's ports: 13720..13839 (ring 13720 + ID, Chord 13760 + ID, two hosts and a lone peer 13800 + ID).
import { afterEach, describe, expect, it } from 'vitest';
import type { ModelState, ServiceStep } from '../../src/model/index.js';
import { expectSame, fingersSettled, hostStep, killHosts, lineWhere, PING_SECONDS, printedSince, start, STEP_MS } from '../fixtures/host.js';
import { placeFile, ROUTINGS, tempDir, within } from '../fixtures/network.js';

afterEach(killHosts);

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
