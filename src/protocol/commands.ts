/**
 * The commands a person types into a running peer. The course's three
 * (`Store NNNN`, `Request NNNN`, `Quit`, case-insensitive) plus our own
 * `status [--json]`, `fingers` and `help`.
 */
import { P2PError } from '../errors.js';

/** A parsed command line. */
export type Command =
  | { readonly kind: 'store'; readonly filename: string }
  | { readonly kind: 'request'; readonly filename: string }
  | { readonly kind: 'quit' }
  | { readonly kind: 'status'; readonly json: boolean }
  | { readonly kind: 'fingers' }
  | { readonly kind: 'lookup'; readonly key: number }
  | { readonly kind: 'help' };

/** Help shown by the `help` command. */
export const COMMAND_HELP = [
  'Commands (case-insensitive):',
  '  Store NNNN     store file NNNN (four digits) at the peer that owns key NNNN mod 2^m',
  '  Request NNNN   fetch file NNNN from its owner; saved as received_NNNN.<ext>',
  '  Quit           leave the network gracefully',
  '  status [--json] this peer: ID, successors, predecessors, keys, queue, threads',
  '  fingers        routing table: fingers, successor list, predecessor',
  '  lookup KEY     find the owner of a key (0..2^m-1), with its hops and path',
  '  help           this text',
].join('\n');

const FILENAME = /^\d{4}$/;

/** Checks a file name: exactly four digits. Throws ERR_BAD_FILENAME. */
export function validateFilename(name: string): string {
  if (!FILENAME.test(name)) {
    throw new P2PError('ERR_BAD_FILENAME', `Invalid file name "${name}": a file name is exactly four digits, 0000 to 9999`);
  }
  return name;
}

/** Parses one typed line. Throws ERR_BAD_COMMAND or ERR_BAD_FILENAME with a one-line explanation. */
export function parseCommand(line: string): Command {
  const words = line
    .trim()
    .split(/\s+/)
    .filter((w) => w !== '');
  const [verb = '', ...args] = words;
  const arity = (n: number, usage: string): void => {
    if (args.length !== n) {
      throw new P2PError('ERR_BAD_COMMAND', `Invalid command "${line.trim()}": usage is ${usage}`);
    }
  };
  switch (verb.toLowerCase()) {
    case 'store':
      arity(1, 'Store NNNN');
      return { kind: 'store', filename: validateFilename(args[0] ?? '') };
    case 'request':
      arity(1, 'Request NNNN');
      return { kind: 'request', filename: validateFilename(args[0] ?? '') };
    case 'quit':
      arity(0, 'Quit');
      return { kind: 'quit' };
    case 'status':
      if (args.length > 1 || (args.length === 1 && args[0] !== '--json')) {
        throw new P2PError('ERR_BAD_COMMAND', `Invalid command "${line.trim()}": usage is status [--json]`);
      }
      return { kind: 'status', json: args.length === 1 };
    case 'fingers':
      arity(0, 'fingers');
      return { kind: 'fingers' };
    case 'lookup': {
      arity(1, 'lookup KEY');
      const key = args[0] ?? '';
      if (!/^\d{1,10}$/.test(key)) {
        throw new P2PError('ERR_BAD_COMMAND', `Invalid key "${key}": a key is a non-negative integer`);
      }
      return { kind: 'lookup', key: Number(key) };
    }
    case 'help':
      return { kind: 'help' };
    default:
      throw new P2PError(
        'ERR_BAD_COMMAND',
        `Invalid command "${truncate(line.trim())}": type Store NNNN, Request NNNN, Quit, status, fingers, lookup KEY or help`,
      );
  }
}

function truncate(text: string): string {
  const printable = text.replace(/[^\x20-\x7e]/g, '?');
  return printable.length > 40 ? `${printable.slice(0, 40)}...` : printable;
}
