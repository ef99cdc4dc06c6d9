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

/** Help of a host's own commands (`p2p host`), beside every peer's. */
export const HOST_COMMAND_HELP = [
  'Host commands (a host runs many peers; each line of a peer is prefixed with its ID):',
  '  ID> COMMAND              a peer command typed at peer ID (e.g. 15> Store 2067)',
  '  status ID, fingers ID    the same as ID> status, ID> fingers',
  '  quit ID                  peer ID leaves gracefully (ID> Quit)',
  '  kill ID                  peer ID ends at once, telling nobody (as Ctrl-C or SIGKILL would)',
  '  start ID join KNOWN      start peer ID in this host, joining through peer KNOWN',
  '  peers                    the peers running in this host',
  '  help                     this text and the peer commands',
].join('\n');

/** A line typed at a host: for one of its peers, or for the host itself. */
export type HostLine =
  | { readonly kind: 'peer'; readonly peer: number; readonly line: string }
  | { readonly kind: 'host'; readonly line: string; readonly verb: 'kill' | 'start' | 'peers' | 'help' };

/**
 * Reads a line typed at a host: `ID> COMMAND` (the command is checked as a
 * peer's), `status ID`, `fingers ID` and `quit ID` (a peer's command, at
 * that peer), or one of the host's own (`kill ID`, `start ID join KNOWN`,
 * `peers`, `help`). Throws ERR_BAD_COMMAND with a one-line explanation.
 */
export function parseHostLine(line: string): HostLine {
  const text = line.trim();
  const addressed = /^(\d{1,5})\s*>\s*(.*)$/.exec(text);
  if (addressed !== null) {
    const rest = addressed[2] ?? '';
    parseCommand(rest);
    return { kind: 'peer', peer: Number(addressed[1]), line: rest };
  }
  const [verb = '', ...args] = text.split(/\s+/);
  const id = (usage: string): number => {
    if (args.length !== 1 || !/^\d{1,5}$/.test(args[0] ?? ''))
      throw new P2PError('ERR_BAD_COMMAND', `Invalid command "${text}": usage is ${usage}`);
    return Number(args[0]);
  };
  switch (verb.toLowerCase()) {
    case 'status':
    case 'fingers':
      return { kind: 'peer', peer: id(`${verb.toLowerCase()} ID`), line: verb.toLowerCase() };
    case 'quit':
      return { kind: 'peer', peer: id('quit ID'), line: 'Quit' };
    case 'kill':
      id('kill ID');
      return { kind: 'host', verb: 'kill', line: text };
    case 'start':
      if (args.length !== 3 || args[1]?.toLowerCase() !== 'join' || !/^\d{1,5}$/.test(args[0] ?? '') || !/^\d{1,5}$/.test(args[2] ?? ''))
        throw new P2PError('ERR_BAD_COMMAND', `Invalid command "${text}": usage is start ID join KNOWN`);
      return { kind: 'host', verb: 'start', line: text };
    case 'peers':
    case 'help':
      if (args.length > 0) throw new P2PError('ERR_BAD_COMMAND', `Invalid command "${text}": usage is ${verb.toLowerCase()}`);
      return { kind: 'host', verb: verb.toLowerCase() as 'peers' | 'help', line: text };
    default:
      throw new P2PError(
        'ERR_BAD_COMMAND',
        `Invalid command "${text}": in a host, type ID> COMMAND (e.g. 15> Store 2067), or kill ID, quit ID, status ID, start ID join KNOWN, peers, help`,
      );
  }
}
