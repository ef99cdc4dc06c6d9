/** The prompt of `p2p example --interactive`: every command read from its line, every mistake named. */
import { describe, expect, it } from 'vitest';
import { parsePromptLine } from '../../src/example/prompt.js';
import { parseExampleArgs } from '../../src/example/example.js';
import { errorLine, errorLineOf, P2PError } from '../../src/errors.js';

describe('parsePromptLine', () => {
  it.each([
    ['8> store 2067', { kind: 'type', peer: 8, line: 'store 2067' }],
    ['  2>Request 4103 ', { kind: 'type', peer: 2, line: 'Request 4103' }],
    ['kill 14', { kind: 'kill', peer: 14 }],
    ['start 15 join 4', { kind: 'join', peer: 15, via: 4 }],
    ['start 3 init 4 5', { kind: 'init', peer: 3, first: 4, second: 5 }],
    ['peers', { kind: 'peers' }],
    ['ring', { kind: 'ring' }],
    ['pings on', { kind: 'pings', on: true }],
    ['pings off', { kind: 'pings', on: false }],
    ['help', { kind: 'help' }],
    ['exit', { kind: 'exit' }],
    ['', { kind: 'empty' }],
  ])('reads %j', (line, command) => {
    expect(parsePromptLine(line)).toEqual(command);
  });

  it.each([
    ['kill', /kill takes one peer/],
    ['kill x', /kill takes one peer/],
    ['start 15 join', /start takes/],
    ['start 15 init 4', /start takes/],
    ['start x join 4', /start takes/],
    ['pings maybe', /pings takes on or off/],
    ['ring 3', /ring takes no arguments/],
    ['8>', /nothing to type into peer 8/],
    ['store 2067', /unknown command "store" \(type help\)/],
  ])('names what is wrong with %j', (line, why) => {
    const cmd = parsePromptLine(line);
    expect(cmd.kind).toBe('bad');
    if (cmd.kind === 'bad') expect(cmd.why).toMatch(why);
  });
});

describe('p2p example options', () => {
  it('--keep and --full are flags, off by default', () => {
    expect(parseExampleArgs([], {})).toMatchObject({ keep: false, full: false, interactive: false });
    expect(parseExampleArgs(['--keep', '--full', '--interactive'], {})).toMatchObject({ keep: true, full: true, interactive: true });
  });
});

describe('errorLine: the one format of an error line', () => {
  it('is p2p: <what> (<CODE>), with the code once', () => {
    expect(errorLine('TCP port 12002 is already in use', 'ERR_PORT_IN_USE')).toBe('p2p: TCP port 12002 is already in use (ERR_PORT_IN_USE)');
    expect(errorLine('p2p: TCP port 12002 is already in use (ERR_PORT_IN_USE)', 'ERR_PORT_IN_USE')).toBe(
      'p2p: TCP port 12002 is already in use (ERR_PORT_IN_USE)',
    );
  });

  it('takes the code of a P2PError, of a system error, or ERR_UNKNOWN', () => {
    expect(errorLineOf(new P2PError('ERR_DUPLICATE_ID', 'peer 15 is already running'))).toBe(
      'p2p: peer 15 is already running (ERR_DUPLICATE_ID)',
    );
    expect(errorLineOf(Object.assign(new Error("EACCES: permission denied, mkdir '/x'"), { code: 'EACCES' }))).toBe(
      "p2p: EACCES: permission denied, mkdir '/x' (EACCES)",
    );
    expect(errorLineOf('boom', 'starting')).toBe('p2p: starting: boom (ERR_UNKNOWN)');
  });
});
