/** `npm run fuzz:live` arguments: seeds, routing, ports, ping, and the replay command of a seed. */
import { describe, expect, it } from 'vitest';
import { FUZZ_PORT_BASE, parseFuzzArgs, replayCommand } from '../../src/fuzz/main.js';

describe('fuzz:live arguments', () => {
  it('defaults: seeds 1..20 under the ring, ping 0.5 s, its own ports', () => {
    const o = parseFuzzArgs([]);
    expect(o.seeds).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    expect(o).toMatchObject({ routing: 'ring', pingSeconds: 0.5, portBase: FUZZ_PORT_BASE, verbose: false });
  });

  it('--seeds N --from S, --seed S and --seed S,T,U', () => {
    expect(parseFuzzArgs(['--seeds', '3', '--from', '100', '--routing', 'chord']).seeds).toEqual([100, 101, 102]);
    expect(parseFuzzArgs(['--seed', '1234']).seeds).toEqual([1234]);
    expect(parseFuzzArgs(['--seed', '3,14,15']).seeds).toEqual([3, 14, 15]);
  });

  it('names the bad option', () => {
    expect(() => parseFuzzArgs(['--routing', 'kademlia'])).toThrow(/--routing/);
    expect(() => parseFuzzArgs(['--seeds', '0'])).toThrow(/--seeds/);
    expect(() => parseFuzzArgs(['--port-base', '65500'])).toThrow(/--port-base/);
    expect(() => parseFuzzArgs(['--ping', '0'])).toThrow(/--ping/);
    expect(() => parseFuzzArgs(['--seed', '4', '--seeds', '2'])).toThrow(/--seed/);
    expect(() => parseFuzzArgs(['--bogus'])).toThrow();
  });

  it('replays a seed with one command, naming the ping interval only when it is not the default', () => {
    expect(replayCommand(1234, { routing: 'chord', pingSeconds: 0.5 })).toBe('npm run fuzz:live -- --seed 1234 --routing chord');
    expect(replayCommand(7, { routing: 'ring', pingSeconds: 1 })).toBe('npm run fuzz:live -- --seed 7 --routing ring --ping 1');
  });
});
