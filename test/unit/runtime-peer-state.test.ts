import { describe, expect, it } from 'vitest';
import { PeerState } from '../../src/runtime/peer-state.js';
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
