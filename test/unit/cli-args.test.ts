import { describe, expect, it } from 'vitest';
import { parsePeerCommand } from '../../src/cli/args.js';

describe('peer arguments', () => {
  it('builds the course configuration from init', () => {
    const { config } = parsePeerCommand('init', ['2', '4', '5', '30'], {});
    expect(config.self).toEqual({ id: 2, host: '127.0.0.1', port: 12002 });
    expect(config.initialSuccessors.map((s) => s.port)).toEqual([12004, 12005]);
    expect(config.pingIntervalMs).toBe(30_000);
    expect(config.pingTimeoutMs).toBe(1000);
    expect(config.routing).toBe('ring');
  });

  it('takes the port base from the flag, then the environment', () => {
    expect(parsePeerCommand('join', ['15', '4', '0.5'], { P2P_PORT_BASE: '20000' }).config.self.port).toBe(20015);
    expect(parsePeerCommand('join', ['15', '4', '0.5', '--port-base', '21000'], { P2P_PORT_BASE: '20000' }).config.self.port).toBe(21015);
  });

  it('reads a peer on another host as ID@HOST:PORT', () => {
    const { config } = parsePeerCommand('join', ['15', '4@10.0.0.2:13004', '1', '--host', '10.0.0.1'], {});
    expect(config.knownPeer).toEqual({ id: 4, host: '10.0.0.2', port: 13004 });
    expect(config.self.host).toBe('10.0.0.1');
  });

  it.each([
    [['2', '2', '5', '30'], 'its own successor'],
    [['2', '4', '4', '30'], 'must differ'],
    [['2', '4', 'x', '30'], 'SECOND_SUCCESSOR'],
    [['300', '4', '5', '30'], 'PEER'],
    [['2', '4', '5', '-1'], 'PING_INTERVAL'],
    [['2', '4', '5'], 'takes 4 arguments'],
    [['2', '4', '5', '30', '--bogus', '1'], 'unknown option'],
    [['2', '4', '5', '30', '--routing', 'kademlia'], '--routing'],
    [['2', '4', '5', '30', '--id-bits', '40'], '--id-bits'],
  ])('refuses init %j naming the argument', (argv, words) => {
    expect(() => parsePeerCommand('init', argv, {})).toThrow(expect.objectContaining({ code: 'ERR_BAD_ARGUMENT', message: expect.stringContaining(words) }));
  });
});
