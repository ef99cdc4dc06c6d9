import { describe, expect, it } from 'vitest';
import { parseCommand } from '../../src/protocol/commands.js';

describe('typed commands', () => {
  it('parses the course commands case-insensitively', () => {
    expect(parseCommand('Store 2067')).toEqual({ kind: 'store', filename: '2067' });
    expect(parseCommand('  REQUEST   4103 ')).toEqual({ kind: 'request', filename: '4103' });
    expect(parseCommand('quit')).toEqual({ kind: 'quit' });
    expect(parseCommand('status --json')).toEqual({ kind: 'status', json: true });
    expect(parseCommand('lookup 77')).toEqual({ kind: 'lookup', key: 77 });
  });

  it.each([
    ['Store a912', 'ERR_BAD_FILENAME'],
    ['Store 32134', 'ERR_BAD_FILENAME'],
    ['Store', 'ERR_BAD_COMMAND'],
    ['Request 1 2', 'ERR_BAD_COMMAND'],
    ['Quit now', 'ERR_BAD_COMMAND'],
    ['dance', 'ERR_BAD_COMMAND'],
    ['status --yaml', 'ERR_BAD_COMMAND'],
    ['lookup -1', 'ERR_BAD_COMMAND'],
  ])('refuses %j with %s and a one-line explanation', (line, code) => {
    let caught: unknown;
    try {
      parseCommand(line);
    } catch (err) {
      caught = err;
    }
    expect(caught).toMatchObject({ code });
    expect((caught as Error).message).not.toContain('\n');
  });
});
