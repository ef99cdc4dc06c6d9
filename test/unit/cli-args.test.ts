import { describe, expect, it } from 'vitest';
import { PEER_OPTIONS, USAGE, parsePeerCommand } from '../../src/cli/args.js';
import { COMMAND_HELP } from '../../src/protocol/commands.js';
import { EXAMPLE_OPTIONS, parseExampleArgs } from '../../src/example/example.js';
import { ROUTING_MODES } from '../../src/routing/types.js';

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

  it('takes the course form (two successors) whatever --successors is', () => {
    for (const r of ['1', '2', '3', '8']) {
      const { config } = parsePeerCommand('init', ['2', '4', '5', '30', '--successors', r], {});
      expect(config.initialSuccessors.map((s) => s.id)).toEqual([4, 5]);
      expect(config.successors).toBe(Number(r));
      expect(config.pingIntervalMs).toBe(30_000);
    }
  });

  it('takes up to R successors, closest first, with PING_INTERVAL last', () => {
    const { config } = parsePeerCommand('init', ['2', '4', '5', '8', '9@10.0.0.9:13009', '0.5', '--successors', '4'], {});
    expect(config.initialSuccessors).toEqual([
      { id: 4, host: '127.0.0.1', port: 12004 },
      { id: 5, host: '127.0.0.1', port: 12005 },
      { id: 8, host: '127.0.0.1', port: 12008 },
      { id: 9, host: '10.0.0.9', port: 13009 },
    ]);
    expect(config.pingIntervalMs).toBe(500);
    // Fewer than R is fine: the list is filled from the successors' own lists.
    expect(parsePeerCommand('init', ['2', '4', '5', '8', '1', '--successors', '8'], {}).config.initialSuccessors).toHaveLength(3);
  });

  it.each([
    [['2', '4', '5', '8', '30'], 'THIRD_SUCCESSOR "8" is one successor too many', 'pass --successors 3'],
    [['2', '4', '5', '8', '30', '--successors', '1'], 'THIRD_SUCCESSOR "8"', 'keeps 1 (--successors 1)'],
    [['2', '4', '5', '8', '9', '30', '--successors', '3'], 'FOURTH_SUCCESSOR "9"', 'init names at most 3'],
    [['2', '1', '3', '4', '5', '6', '7', '8', '9', '10', '30', '--successors', '8'], 'NINTH_SUCCESSOR "10"', 'no peer keeps more than 8'],
  ])('refuses more successors than R: init %j', (argv, names, explains) => {
    for (const words of [names, explains]) {
      expect(() => parsePeerCommand('init', argv, {})).toThrow(
        expect.objectContaining({ code: 'ERR_BAD_ARGUMENT', message: expect.stringContaining(words) as unknown }),
      );
    }
  });

  it.each([
    [['2', '4', '5', '2', '30', '--successors', '3'], 'a peer cannot be its own successor (peer 2 is THIRD_SUCCESSOR)'],
    [['2', '4', '5', '4', '30', '--successors', '3'], 'the successors must differ (peer 4 is both FIRST_SUCCESSOR and THIRD_SUCCESSOR)'],
    [['2', '4', '5', '8', '5@10.0.0.5:1', '30', '--successors', '4'], 'peer 5 is both SECOND_SUCCESSOR and FOURTH_SUCCESSOR'],
    [['2', '4', '5', 'x', '30', '--successors', '3'], 'THIRD_SUCCESSOR must be an integer from 0 to 255, got "x"'],
    [['2', '4', '5', '256', '30', '--successors', '3'], 'THIRD_SUCCESSOR must be an integer from 0 to 255, got "256"'],
    [['2', '4', '5', '8', 'soon', '--successors', '3'], 'PING_INTERVAL must be a number of seconds'],
    [['2', '4', '30', '--successors', '3'], 'init takes 4 to 5 arguments, got 3'],
  ])('refuses a bad list of successors: init %j', (argv, words) => {
    expect(() => parsePeerCommand('init', argv, {})).toThrow(
      expect.objectContaining({ code: 'ERR_BAD_ARGUMENT', message: expect.stringContaining(words) as unknown }),
    );
  });

  it('keeps the course-form messages unchanged with the default of two successors', () => {
    expect(() => parsePeerCommand('init', ['2', '4', '5'], {})).toThrow(
      'init takes 4 arguments, got 3: p2p init PEER FIRST_SUCCESSOR SECOND_SUCCESSOR PING_INTERVAL',
    );
    expect(() => parsePeerCommand('init', ['2', '4', '4', '30'], {})).toThrow('the two successors must differ (both are 4)');
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
    expect(() => parsePeerCommand('init', argv, {})).toThrow(
      expect.objectContaining({ code: 'ERR_BAD_ARGUMENT', message: expect.stringContaining(words) as unknown }),
    );
  });

  it.each([
    [['--bogus', '1'], 'unknown option --bogus (see p2p --help)'],
    [['--bogus=1'], 'unknown option --bogus (see p2p --help)'],
    [['--interactive'], 'unknown option --interactive (see p2p --help)'],
    [['--'], 'unknown option -- (see p2p --help)'],
    [['--routing'], 'option --routing needs a value'],
    [['--routing', 'kademlia'], '--routing must be ring, ring-list or chord, got "kademlia"'],
    [['--port-base', '-5'], '--port-base must be an integer from 1 to 65535, got "-5"'],
    [['--host='], '--host must be an IPv4 address such as 127.0.0.1, got ""'],
  ])('refuses the options %j with exactly one line', (options, message) => {
    expect(() => parsePeerCommand('init', ['2', '4', '5', '30', ...options], {})).toThrow(
      expect.objectContaining({ code: 'ERR_BAD_ARGUMENT', message }),
    );
  });

  it('reads a word with one dash as an argument, for the check that names it', () => {
    expect(() => parsePeerCommand('init', ['2', '4', '5', '-1'], {})).toThrow(
      'PING_INTERVAL must be a number of seconds from 0.05 to 3600, got "-1"',
    );
    expect(() => parsePeerCommand('join', ['-15', '4', '30'], {})).toThrow('PEER must be an integer from 0 to 255, got "-15"');
  });

  it('takes --name=value, and the last of a repeated option', () => {
    const { config, eventsFile } = parsePeerCommand(
      'join',
      ['15', '4', '1', '--routing=chord', '--events', 'fd:3', '--successors', '3', '--successors=4'],
      {},
    );
    expect(config.routing).toBe('chord');
    expect(config.successors).toBe(4);
    expect(eventsFile).toBe('fd:3');
  });

  it('takes --snapshot-every in seconds for the view, none by default, and names a bad one', () => {
    expect(parsePeerCommand('join', ['15', '4', '1', '--snapshot-every', '0.5'], {}).snapshotEveryMs).toBe(500);
    expect(parsePeerCommand('join', ['15', '4', '1'], {}).snapshotEveryMs).toBeUndefined();
    expect(() => parsePeerCommand('join', ['15', '4', '1', '--snapshot-every', '0'], {})).toThrow(/--snapshot-every/);
  });

  it('takes every routing mode', () => {
    for (const mode of ROUTING_MODES) {
      expect(parsePeerCommand('init', ['2', '4', '5', '30', '--routing', mode], {}).config.routing).toBe(mode);
    }
  });
});

describe('example arguments', () => {
  it('reads its options and flags', () => {
    expect(
      parseExampleArgs(['--full', '--order', 'marking', '--routing=ring-list', '--ping', '0.5', '--port-base', '20000', '--dir', 'd'], {}),
    ).toEqual({
      interactive: false,
      pingSeconds: 0.5,
      portBase: 20000,
      dir: 'd',
      order: 'marking',
      full: true,
      routing: 'ring-list',
      view: false,
    });
    expect(parseExampleArgs(['--view'], {})).toMatchObject({ view: true });
    expect(parseExampleArgs(['--interactive'], { P2P_PORT_BASE: '21000' })).toMatchObject({
      interactive: true,
      full: false,
      portBase: 21000,
      routing: 'ring',
    });
  });

  it.each([
    [['--bogus'], 'unknown option --bogus (see p2p --help)'],
    [['--id-bits', '8'], 'unknown option --id-bits (see p2p --help)'],
    [['--ping'], 'option --ping needs a value'],
    [['--routing', 'kademlia'], '--routing must be ring, ring-list or chord'],
    [['--order', 'random'], '--order must be walkthrough or marking'],
    [['now'], 'example takes no arguments, got "now"'],
  ])('refuses %j with exactly one line', (argv, message) => {
    expect(() => parseExampleArgs(argv, {})).toThrow(expect.objectContaining({ code: 'ERR_BAD_ARGUMENT', message }));
  });
});

describe('p2p --help', () => {
  it('names every option of init, join and example, and every routing mode', () => {
    // Followed by a space or a bracket: --port must be there, not only --port-base.
    for (const name of [...Object.keys(PEER_OPTIONS), ...Object.keys(EXAMPLE_OPTIONS)]) expect(USAGE).toMatch(new RegExp(`--${name}[ \\]]`));
    for (const mode of ROUTING_MODES) expect(USAGE).toContain(mode);
    expect(USAGE).toMatch(/p2p example .*--routing MODE.*--order ORDER.*--full/);
  });

  it('names every command a running peer takes', () => {
    const typed = /Once running, type: ([^.]*)\./.exec(USAGE.replace(/\s+/g, ' '))?.[1] ?? '';
    expect(typed).toContain('lookup KEY');
    for (const line of COMMAND_HELP.split('\n').slice(1)) expect(typed).toContain(line.trim().split(' ')[0]);
  });
});
