import { describe, expect, it } from 'vitest';
import { DEFAULT_CHAOS_OPTIONS, parseChaosArgs, replayCommand } from '../../src/chaos/options.js';

describe('chaos options', () => {
  it('parses every option and writes it back in the replay command', () => {
    const argv = [
      '--routing',
      'chord',
      '--peers',
      '12',
      '--seconds',
      '30',
      '--seed',
      '7',
      '--ping',
      '0.5',
      '--successors',
      '3',
      '--port-base',
      '31000',
      '--files',
      '9',
    ];
    const o = parseChaosArgs(argv);
    expect(o).toMatchObject({ routing: 'chord', peers: 12, seconds: 30, seed: 7, ping: 0.5, successors: 3, portBase: 31000, files: 9 });
    expect(replayCommand(o)).toBe(`npm run chaos -- ${argv.join(' ')}`);
    expect(parseChaosArgs(replayCommand(o).split(' ').slice(4))).toEqual(o);
    expect(parseChaosArgs([])).toEqual(DEFAULT_CHAOS_OPTIONS);
  });

  it('names the option it refuses', () => {
    expect(() => parseChaosArgs(['--peers', 'many'])).toThrow(TypeError);
    expect(() => parseChaosArgs(['--peers', 'many'])).toThrow(/--peers/);
    expect(() => parseChaosArgs(['--successors', '1'])).toThrow(RangeError);
    expect(() => parseChaosArgs(['--routing', 'kademlia'])).toThrow(/--routing/);
    expect(() => parseChaosArgs(['--peers', '6', '--successors', '3'])).toThrow(/--peers must be at least 7/);
    expect(() => parseChaosArgs(['--frobnicate', '1'])).toThrow(/unknown option --frobnicate/);
    expect(() => parseChaosArgs(['--seed'])).toThrow(/--seed needs a value/);
  });
});
