import { describe, expect, it } from 'vitest';
import { defaultRef } from '../../src/protocol/peer-ref.js';
import { parseHostCommand, parseIds } from '../../src/cli/host.js';
import { hostLine } from '../../src/peer/coordinator.js';
import { addressTo, decodeQueueRecord, decodeRequest, encodeCommandRecord, encodeRequest, recordPeer } from '../../src/protocol/codec.js';
import { parseHostLine } from '../../src/protocol/commands.js';
import { PeerState } from '../../src/runtime/peer-state.js';

const codeOf = (f: () => unknown): unknown => {
  try {
    f();
  } catch (err) {
    return (err as { code?: unknown }).code;
  }
  return undefined;
};

describe('lines typed at a host', () => {
  it('sends ID> COMMAND to that peer, checked as a peer command', () => {
    expect(parseHostLine('15> Store 2067')).toEqual({ kind: 'peer', peer: 15, line: 'Store 2067' });
    expect(parseHostLine('  4 >  Request 2012 ')).toEqual({ kind: 'peer', peer: 4, line: 'Request 2012' });
    expect(codeOf(() => parseHostLine('15> Store a912'))).toBe('ERR_BAD_FILENAME');
    expect(codeOf(() => parseHostLine('15> dance'))).toBe('ERR_BAD_COMMAND');
  });

  it('reads status, fingers and quit with an ID as that peer’s command', () => {
    expect(parseHostLine('status 9')).toEqual({ kind: 'peer', peer: 9, line: 'status' });
    expect(parseHostLine('FINGERS 200')).toEqual({ kind: 'peer', peer: 200, line: 'fingers' });
    expect(parseHostLine('quit 14')).toEqual({ kind: 'peer', peer: 14, line: 'Quit' });
  });

  it('keeps kill, start, peers and help for the host', () => {
    expect(parseHostLine('kill 14')).toMatchObject({ kind: 'host', verb: 'kill' });
    expect(parseHostLine('start 15 join 4')).toMatchObject({ kind: 'host', verb: 'start', line: 'start 15 join 4' });
    expect(parseHostLine('peers')).toMatchObject({ kind: 'host', verb: 'peers' });
    expect(parseHostLine('help')).toMatchObject({ kind: 'host', verb: 'help' });
  });

  it.each(['quit', 'status', 'kill', 'kill x', 'start 15', 'start 15 via 4', 'peers 3', 'Store 2067', ''])(
    'refuses %j with ERR_BAD_COMMAND and a one-line explanation',
    (line) => {
      let caught: unknown;
      try {
        parseHostLine(line);
      } catch (err) {
        caught = err;
      }
      expect(caught).toMatchObject({ code: 'ERR_BAD_COMMAND' });
      expect((caught as Error).message).not.toContain('\n');
    },
  );

  it('prefixes every line of a peer’s answer with its ID', () => {
    const said = (peer: number, line: string): string | undefined =>
      hostLine({ peer, role: 'consumer', kind: 'store-accepted', line, time: '' });
    expect(said(15, 'Store 2067 request accepted')).toBe(' 15 | Store 2067 request accepted');
    expect(said(4, 'a\nb')).toBe('  4 | a\n  4 | b');
    expect(hostLine({ peer: 4, role: 'consumer', kind: 'host-said', line: 'peers: 4', time: '' })).toBe('peers: 4');
    expect(hostLine({ peer: 4, role: 'consumer', kind: 'ping-response', time: '' })).toBeUndefined();
  });
});

describe('p2p host arguments', () => {
  it('reads ID lists and ranges, sorted and distinct', () => {
    expect(parseIds('0-3', 255)).toEqual([0, 1, 2, 3]);
    expect(parseIds('14,2,4-5,4', 255)).toEqual([2, 4, 5, 14]);
    expect(codeOf(() => parseIds('5-3', 255))).toBe('ERR_BAD_ARGUMENT');
    expect(codeOf(() => parseIds('256', 255))).toBe('ERR_BAD_ARGUMENT');
    expect(codeOf(() => parseIds('a', 255))).toBe('ERR_BAD_ARGUMENT');
  });

  it('starts the hosted peers as one ring, each with its true successors', () => {
    const cmd = parseHostCommand(['--ids', '2,4,5,8', '--port-base', '20000', '--ping', '0.5'], {});
    expect(cmd.configs.map((c) => c.self)).toEqual([2, 4, 5, 8].map((id) => ({ id, host: '127.0.0.1', port: 20000 + id })));
    expect(cmd.configs.map((c) => c.initialSuccessors.map((s) => s.id))).toEqual([
      [4, 5],
      [5, 8],
      [8, 2],
      [2, 4],
    ]);
    expect(cmd.configs.every((c) => c.knownPeer === undefined && c.pingIntervalMs === 500)).toBe(true);
    expect(cmd.maxPeers).toBe(4 + 64);
    expect(cmd.showPings).toBe(false);
  });

  it('starts part of a ring that spans processes with --ring: successors among the whole ring', () => {
    const cmd = parseHostCommand(['--ids', '4,8', '--ring', '2,4,5,8,9', '--port-base', '20000', '--successors', '3'], {});
    expect(cmd.configs.map((c) => c.self.id)).toEqual([4, 8]);
    expect(cmd.configs.map((c) => c.initialSuccessors.map((s) => s.id))).toEqual([
      [5, 8, 9],
      [9, 2, 4],
    ]);
    expect(cmd.configs[1]?.initialSuccessors[1]).toEqual({ id: 2, host: '127.0.0.1', port: 20002 });
    // One hosted peer is enough when the ring has others.
    expect(parseHostCommand(['--ids', '9', '--ring', '2,9'], {}).configs[0]?.initialSuccessors.map((s) => s.id)).toEqual([2]);
  });

  it('puts each peer on its own loopback address with --ip-per-peer, for 16-bit IDs, all on port PORT_BASE', () => {
    const cmd = parseHostCommand(['--ids', '0,515,65535', '--id-bits', '16', '--ip-per-peer', '--port-base', '4000'], {});
    expect(cmd.configs.map((c) => c.self)).toEqual([
      { id: 0, host: '127.1.0.0', port: 4000 },
      { id: 515, host: '127.1.2.3', port: 4000 },
      { id: 65535, host: '127.1.255.255', port: 4000 },
    ]);
    expect(cmd.configs[0]?.initialSuccessors[0]).toEqual({ id: 515, host: '127.1.2.3', port: 4000 });
    expect(cmd.configs.every((c) => c.addressPlan === 'ip' && c.defaultHost === '127.1.0.0')).toBe(true);
    // A peer known only by ID is found the same way.
    expect(defaultRef(770, '127.1.0.0', 4000, 'ip')).toEqual({ id: 770, host: '127.1.3.2', port: 4000 });
    expect(defaultRef(770, '127.0.0.1', 4000)).toEqual({ id: 770, host: '127.0.0.1', port: 4770 });
    // Without it, 16-bit IDs overflow the ports; with it, the addresses must stay on loopback.
    expect(codeOf(() => parseHostCommand(['--ids', '65000', '--id-bits', '16', '--port-base', '4000'], {}))).toBe('ERR_BAD_ARGUMENT');
    expect(
      codeOf(() => parseHostCommand(['--ids', '1', '--ip-per-peer', '--host', '127.255.255.0', '--id-bits', '16', '--join', '2'], {})),
    ).toBe('ERR_BAD_ARGUMENT');
  });

  it('gives each peer a data directory of its own when --data-dir names {id}, one shared without', () => {
    const own = parseHostCommand(['--ids', '4,8', '--data-dir', '/srv/p2p/{id}/files'], {});
    expect(own.configs.map((c) => c.dataDir)).toEqual(['/srv/p2p/4/files', '/srv/p2p/8/files']);
    expect(own.configs[0]?.dataDirPattern).toBe('/srv/p2p/{id}/files');
    const shared = parseHostCommand(['--ids', '4,8', '--data-dir', '/srv/p2p'], {});
    expect(shared.configs.map((c) => c.dataDir)).toEqual(['/srv/p2p', '/srv/p2p']);
  });

  it('starts them alone, each joining through the known peer, with --join', () => {
    const cmd = parseHostCommand(['--ids', '100-102', '--join', '4', '--port-base', '20000'], {});
    expect(cmd.configs.map((c) => [c.initialSuccessors.length, c.knownPeer])).toEqual(
      [100, 101, 102].map(() => [0, { id: 4, host: '127.0.0.1', port: 20004 }]),
    );
    const far = parseHostCommand(['--ids', '7', '--join', '3@127.0.0.9:15003'], {});
    expect(far.configs[0]?.knownPeer).toEqual({ id: 3, host: '127.0.0.9', port: 15003 });
  });

  it('draws --count IDs from the seed, the same for the same seed, in a wider ID space', () => {
    const a = parseHostCommand(['--count', '50', '--seed', '7', '--id-bits', '12', '--port-base', '1000'], {});
    const b = parseHostCommand(['--count', '50', '--seed', '7', '--id-bits', '12', '--port-base', '1000'], {});
    const ids = a.configs.map((c) => c.self.id);
    expect(new Set(ids).size).toBe(50);
    expect(ids).toEqual(b.configs.map((c) => c.self.id));
    expect(Math.max(...ids)).toBeLessThan(4096);
    expect(a.configs.every((c) => c.idBits === 12)).toBe(true);
  });

  it.each([
    [[], 'no peers'],
    [['--ids', '1', '--count', '3'], 'both'],
    [['--ids', '1', '--seed', '3'], '--seed without --count'],
    [['--ids', '1', '--join', '1'], 'joining through itself'],
    [['--ids', '300'], 'an ID beyond 8 bits'],
    [['--ids', '65000', '--id-bits', '16', '--port-base', '12000'], 'a port beyond 65535'],
    [['--ids', '1', '--ping', '0'], 'a zero ping'],
    [['--ids', '1', '--routing', 'kademlia'], 'an unknown routing'],
    [['--ids', '1', 'extra'], 'a positional argument'],
    [['--ids', '1,7', '--ring', '1,2,3'], 'a hosted peer outside --ring'],
    [['--ids', '1,2', '--ring', '1,2', '--join', '5'], '--ring with --join'],
    [['--ids', '1', '--ring', '1'], 'a ring of one'],
  ])('refuses %j (%s) with ERR_BAD_ARGUMENT', (argv) => {
    expect(codeOf(() => parseHostCommand(argv, {}))).toBe('ERR_BAD_ARGUMENT');
  });
});

describe('queue records of a host', () => {
  it('names the peer a command is typed at, and a frame’s destination is the peer it arrived for', () => {
    const cmd = encodeCommandRecord('Store 2067', 200);
    expect(recordPeer(cmd)).toBe(200);
    expect(decodeQueueRecord(cmd)).toEqual({ kind: 'command', line: 'Store 2067' });
    expect(recordPeer(encodeCommandRecord('Store 2067'))).toBeUndefined();
    const frame = encodeRequest({ type: 'store', source: 9, destination: 0, stamp: '9-1', content: { key: '2067' } });
    addressTo(frame, 14);
    expect(recordPeer(frame)).toBe(14);
    expect(decodeRequest(frame).destination).toBe(14);
  });

  it('gives each peer its own state slot in one shared block', () => {
    const block = PeerState.create(3);
    expect(PeerState.slotsIn(block.buffer)).toBe(3);
    const a = { id: 4, host: '127.0.0.1', port: 12004 };
    const b = { id: 5, host: '127.0.0.1', port: 12005 };
    block.forSlot(1).publish([a], []);
    block.forSlot(2).publish([b, a], [a]);
    const reader = new PeerState(block.buffer, 1);
    expect(reader.successors()).toEqual([a]);
    expect(new PeerState(block.buffer, 2).successors()).toEqual([b, a]);
    expect(block.successors()).toEqual([]);
    expect(() => new PeerState(block.buffer, 3)).toThrow(RangeError);
  });
});
