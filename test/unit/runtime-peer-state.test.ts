import { describe, expect, it } from 'vitest';
import { PeerState } from '../../src/runtime/peer-state.js';
import { answerAsks, gatherActivity } from '../../src/runtime/activity.js';
import { formatPeerRef, parsePeerRef } from '../../src/protocol/peer-ref.js';
import { listPeers } from '../../src/roles/ping-sender.js';
import { lookupTrail, nextTrail } from '../../src/node/peer-node.js';

describe('shared peer state', () => {
  it('publishes successors and predecessors to any reader, bumping the epoch only when successors change', () => {
    const writer = PeerState.create();
    const reader = new PeerState(writer.buffer);
    const a = { id: 4, host: '127.0.0.1', port: 12004 };
    const b = { id: 5, host: '10.1.2.3', port: 40000 };
    writer.publish([a, b], [undefined, a]);
    expect(reader.successors()).toEqual([a, b]);
    expect(reader.predecessors()).toEqual([a]);
    const epoch = reader.epoch;
    writer.publish([a, b], [b, a]);
    expect(reader.epoch).toBe(epoch);
    writer.publish([b], [b, a]);
    expect(reader.epoch).toBe(epoch + 1);
    expect(reader.successors()).toEqual([b]);
  });

  it('counts per role', () => {
    const s = PeerState.create();
    s.registerRole('consumer', 7);
    s.count('consumer');
    s.count('consumer', 'errors');
    expect(s.roles().find((r) => r.role === 'consumer')).toEqual({ role: 'consumer', threadId: 7, handled: 1, errors: 1 });
  });
});

describe('activity asks', () => {
  it('each thread answers an ask in its own slot; one that does not answer asks is not waited for', async () => {
    const s = PeerState.create();
    expect(s.activity('ping-sender')).toEqual({ wakeUps: 0, timers: 0 });
    // Two "threads" answering from this one: the coordinator's and the ping sender's slots.
    const asks = [
      answerAsks(s, 'coordinator', (err) => expect.fail(String(err))),
      answerAsks(s, 'ping-sender', (err) => expect.fail(String(err))),
    ];
    const timer = setTimeout(() => undefined, 60_000); // a timer this thread holds
    try {
      const started = Date.now();
      await gatherActivity(s, 'consumer', 5_000);
      expect(Date.now() - started).toBeLessThan(5_000); // the three silent roles were not waited for
      for (const thread of ['consumer', 'coordinator', 'ping-sender'] as const) {
        expect(s.activity(thread).wakeUps).toBeGreaterThan(0);
        expect(s.activity(thread).timers).toBeGreaterThanOrEqual(1);
      }
      expect(s.activity('stdin-reader')).toEqual({ wakeUps: 0, timers: 0 });
      const ask = s.ask();
      expect(await s.waitAnswer('ping-sender', ask, 5_000)).toBe(true);
      expect(await s.waitAnswer('stdin-reader', ask, 20)).toBe(false);
    } finally {
      clearTimeout(timer);
      for (const a of asks) a.stop();
      s.ask(); // lets the stopped answerers' last waits end
    }
  });
});

describe('small helpers', () => {
  it('round-trips peer references and refuses malformed ones', () => {
    const ref = { id: 4_000_000_000, host: '192.168.0.1', port: 65535 };
    expect(parsePeerRef(formatPeerRef(ref))).toEqual(ref);
    expect(() => parsePeerRef('4@localhost:1')).toThrow(expect.objectContaining({ code: 'ERR_FRAME_FIELD' }));
    expect(() => parsePeerRef('x@1.2.3.4:5')).toThrow(expect.objectContaining({ code: 'ERR_FRAME_FIELD' }));
  });

  it('lists peers the way the course prints them', () => {
    expect(listPeers([4, 5])).toBe('Peers 4 and 5');
    expect(listPeers([4])).toBe('Peer 4');
    expect(listPeers([4, 5, 8])).toBe('Peers 4, 5 and 8');
  });

  it('counts hops and extends the path of a forwarded lookup', () => {
    const origin = { _hops: '0', _path: '8', filename: '2067' };
    const one = nextTrail(origin, 9, false);
    const two = nextTrail(one, 14, true);
    expect(lookupTrail(two)).toEqual({ hops: 2, path: [8, 9, 14] });
    expect(two._final).toBe('1');
    expect(nextTrail(two, 19, false)._final).toBeUndefined();
  });
});
