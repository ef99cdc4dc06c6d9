/**
 * The view's model, rebuilt from events alone: peers and their status,
 * successor arcs, trails hop by hop, repairs, replicas and handovers,
 * snapshots; and the timeline that replays them. Events are written as the
 * peers emit them (see src/handlers, src/upkeep).
 */
import { describe, expect, it } from 'vitest';
import type { EventKind, FieldValue, PeerEvent } from '../../src/runtime/events.js';
import { successorArcs, TRAIL_LINGER_MS, ViewModel } from '../../src/view/model.js';
import { parseEventLines, Timeline } from '../../src/view/timeline.js';

const T0 = Date.parse('2026-12-01T10:00:00.000Z');

/** An event of `peer` at T0 + `ms`. */
function ev(ms: number, peer: number, kind: EventKind, fields?: Record<string, FieldValue>, path?: number[]): PeerEvent {
  return {
    peer,
    role: 'consumer',
    kind,
    fields,
    path,
    hops: path === undefined ? undefined : path.length - 1,
    time: new Date(T0 + ms).toISOString(),
  };
}

/** The ring 2 -> 4 -> 8 -> 2 as its peers report it at start. */
const RING = [
  ev(0, 2, 'successors-changed', { successors: [4, 8] }),
  ev(1, 4, 'successors-changed', { successors: [8, 2] }),
  ev(2, 8, 'successors-changed', { successors: [2, 4] }),
];

const modelOf = (events: readonly PeerEvent[]): ViewModel => {
  const m = new ViewModel();
  for (const e of events) m.apply(e);
  return m;
};

describe('the view model', () => {
  it('puts every peer heard of on the ring, with its successor arc', () => {
    const m = modelOf(RING);
    expect(m.livePeers().map((p) => p.id)).toEqual([2, 4, 8]);
    expect(successorArcs(m)).toEqual(['2>4', '4>8', '8>2']);
  });

  it('follows a join: joining, then alive once accepted, with the join path and a mark', () => {
    const m = modelOf([
      ...RING,
      ev(10, 5, 'join-sent', { via: 2 }),
      ev(11, 2, 'join-forwarded', { peer: 5, to: 4 }, [5]),
      ev(12, 4, 'join-received', { peer: 5 }, [5, 2]),
    ]);
    expect(m.peer(5).status).toBe('joining');
    m.apply(ev(13, 5, 'join-accepted', { by: 4 }));
    expect(m.peer(5).status).toBe('alive');
    expect(m.trails.map((t) => [t.kind, t.subject, t.path, t.done])).toEqual([['join', '5', [5, 2, 4], true]]);
    expect(m.marks.map((x) => x.kind)).toEqual(['join']);
  });

  it('draws a Request hop by hop to its owner, with its hop count and outcome', () => {
    const m = modelOf([
      ...RING,
      ev(20, 2, 'request-sent', { filename: '4103', key: 7, to: 4 }, [2]),
      ev(21, 4, 'request-forwarded', { filename: '4103', key: 7, to: 8 }, [2, 4]),
    ]);
    const [open] = m.visibleTrails();
    expect(open).toMatchObject({ kind: 'request', subject: '4103', path: [2, 4], hops: 1, done: false });
    m.apply(ev(22, 8, 'request-found', { filename: '4103', origin: 2 }, [2, 4, 8]));
    expect(m.trails).toHaveLength(1);
    expect(m.trails[0]).toMatchObject({ path: [2, 4, 8], hops: 2, done: true, outcome: 'found' });
    expect(m.trails[0]?.times).toEqual([T0 + 20, T0 + 21, T0 + 22]);
    // Shown for TRAIL_LINGER_MS after its last hop, then gone.
    expect(m.visibleTrails(T0 + 22 + TRAIL_LINGER_MS)).toHaveLength(1);
    expect(m.visibleTrails(T0 + 23 + TRAIL_LINGER_MS)).toHaveLength(0);
  });

  it('starts a new trail for the same lookup once the last one is done', () => {
    const lookup = (ms: number): PeerEvent[] => [
      ev(ms, 2, 'lookup-forwarded', { key: 7, to: 4 }, [2]),
      ev(ms + 1, 2, 'lookup-done', { key: 7, owner: 8 }, [2, 4, 8]),
    ];
    const m = modelOf([...RING, ...lookup(30), ...lookup(40)]);
    expect(m.trails.map((t) => [t.kind, t.path, t.hops, t.outcome])).toEqual([
      ['lookup', [2, 4, 8], 2, 'owner 8'],
      ['lookup', [2, 4, 8], 2, 'owner 8'],
    ]);
  });

  it('marks a killed peer dead and the repair of its predecessors, completed when the list fills up', () => {
    const m = modelOf([
      ...RING,
      ev(50, 2, 'peer-dead', { peer: 4 }),
      ev(51, 2, 'successors-changed', { successors: [8] }),
      ev(52, 2, 'successors-changed', { successors: [8, 2] }),
    ]);
    expect(m.peer(4).status).toBe('dead');
    expect(m.livePeers().map((p) => p.id)).toEqual([2, 8]);
    expect(m.repairs).toEqual([{ time: T0 + 51, peer: 2, lost: 4, cause: 'dead', successors: [8, 2], noticed: T0 + 50 }]);
    expect(m.marks.map((x) => [x.kind, x.text])).toEqual([
      ['kill', 'Peer 4 is no longer alive (seen by 2)'],
      ['repair', 'Peer 2 repaired its successors: 8, 2 (Peer 4 died)'],
    ]);
  });

  it('follows a Quit: leaving, off the ring, and its predecessor repaired', () => {
    const m = modelOf([
      ...RING,
      ev(60, 4, 'quit-start', { predecessors: [2, 8], handedOver: 0 }),
      ev(61, 2, 'peer-departing', { peer: 4 }),
      ev(62, 2, 'successors-changed', { successors: [8, 2] }),
    ]);
    expect(m.peer(4).status).toBe('leaving');
    expect(m.livePeers().map((p) => p.id)).toEqual([2, 8]);
    expect(m.repairs.map((r) => [r.peer, r.lost, r.cause])).toEqual([[2, 4, 'quit']]);
    m.apply(ev(63, 4, 'process-exited', { code: 0 }));
    expect(m.peer(4).status).toBe('quit');
  });

  it('marks replicas and handovers once, and keeps their holders keys', () => {
    const m = modelOf([
      ...RING,
      ev(70, 8, 'replica-offered', { filename: '4103', to: 2, outcome: 'pulled' }),
      ev(71, 8, 'replica-offered', { filename: '4103', to: 2, outcome: 'have' }),
      ev(72, 4, 'handover-offered', { filename: '2067', to: 8, outcome: 'have' }),
      ev(73, 4, 'handover-offered', { filename: '2067', to: 8, outcome: 'have' }),
    ]);
    expect(m.marks.map((x) => [x.kind, x.peer, x.other])).toEqual([
      ['replica', 8, 2],
      ['handover', 4, 8],
    ]);
    expect(m.peer(2).keys).toEqual([{ filename: '4103', key: 7, role: 'replica' }]);
    expect(m.peer(8).keys).toEqual([{ filename: '2067', key: 19, role: 'owner' }]);
  });

  it('takes roles, queue, keys and links from snapshots, a role busy when it handled more since the last', () => {
    const snap = (ms: number, handled: number[]): PeerEvent => ({
      ...ev(ms, 8, 'snapshot', {
        idBits: 10,
        routing: 'chord',
        successors: [2, 4],
        predecessors: [4, -1],
        fingers: [2, 2, 4],
        roles: ['socket-producer', 'consumer'],
        roleAlive: [1, 1],
        roleHandled: handled,
        roleErrors: [0, 0],
        queueDepthBytes: 64,
        queueHighWaterBytes: 128,
        queueCapacityBytes: 1024,
        recordsPopped: 9,
        files: ['4103'],
        fileKeys: [7],
        fileRoles: ['owner'],
        transfersActive: 1,
        rssBytes: 1,
      }),
      role: 'coordinator',
    });
    const m = modelOf([snap(0, [3, 5]), snap(1000, [3, 9])]);
    const p = m.peer(8);
    expect(m.idBits).toBe(10);
    expect(p.roles.map((r) => [r.name, r.alive, r.busy])).toEqual([
      ['socket-producer', true, false],
      ['consumer', true, true],
    ]);
    expect(p.queue).toEqual({ depthBytes: 64, highWaterBytes: 128, capacityBytes: 1024, recordsPopped: 9 });
    expect(p.keys).toEqual([{ filename: '4103', key: 7, role: 'owner' }]);
    expect([p.fingers, p.predecessors, p.transfersActive]).toEqual([[2, 2, 4], [4, -1], 1]);
    m.apply(ev(2000, 2, 'peer-dead', { peer: 8 }));
    expect(p.roles.every((r) => !r.alive)).toBe(true);
  });

  it('follows a transfer from its start to its end', () => {
    const m = modelOf([
      ev(0, 8, 'file-sending', { filename: '4103', to: 2, bytes: 857 }),
      ev(1, 2, 'file-receiving', { filename: '4103', from: 8, bytes: 857 }),
    ]);
    expect([...m.transfers.values()].map((t) => [t.from, t.to, t.bytes, t.ended])).toEqual([[8, 2, 857, undefined]]);
    expect(m.peer(2).transfers.size).toBe(1);
    m.apply(ev(5, 2, 'file-received', { filename: '4103', from: 8, bytes: 857 }));
    expect([...m.transfers.values()].map((t) => [t.outcome, t.ended])).toEqual([['done', T0 + 5]]);
  });

  it('applies 64 peers x 10,000 events in well under a second', () => {
    const m = new ViewModel();
    const started = performance.now();
    for (let i = 0; i < 10_000; i++) {
      const peer = (i % 64) * 4;
      m.apply(ev(i, peer, 'lookup-forwarded', { key: i % 256, to: (peer + 4) % 256 }, [peer]));
      if (i % 3 === 0) m.apply(ev(i, peer, 'successors-changed', { successors: [(peer + 4) % 256, (peer + 8) % 256] }));
    }
    expect(performance.now() - started).toBeLessThan(1000);
    expect(m.livePeers()).toHaveLength(64);
  });
});

describe('the view timeline', () => {
  it('orders events by time, follows them live, and replays from any time', () => {
    const tl = new Timeline();
    tl.add([RING[0]!, RING[2]!, RING[1]!].slice().reverse(), true);
    expect([tl.at(0)?.peer, tl.at(1)?.peer, tl.at(2)?.peer]).toEqual([2, 4, 8]);
    expect(tl.cursor).toBe(3);
    tl.add([ev(50, 2, 'peer-dead', { peer: 4 })], false); // paused: held, not applied
    expect(tl.cursor).toBe(3);
    expect(tl.model.peer(4).status).toBe('alive');
    tl.seek(T0 + 50);
    expect(tl.model.peer(4).status).toBe('dead');
    tl.seek(T0 + 1); // back: rebuilt from the first event
    expect(tl.cursor).toBe(2);
    expect(tl.model.peers.has(8)).toBe(false);
    expect(tl.step()).toBe(true);
    expect(tl.model.peers.has(8)).toBe(true);
  });

  it('reads a recorded events file, skipping what is not an event', () => {
    const text = [JSON.stringify(RING[0]), 'garbage', '{"not":"an event"}', '', JSON.stringify(RING[1])].join('\n');
    expect(parseEventLines(text).map((e) => e.peer)).toEqual([2, 4]);
  });
});
