/**
 * The command line of a peer: the course's `init` and `join`, with our
 * options, and `readArgs`, which reads `p2p example`'s too. Every mistake is
 * a P2PError ERR_BAD_ARGUMENT with a one-line message naming the argument.
 */
import path from 'node:path';
import { parseArgs } from 'node:util';
import { DEFAULT_HOST, DEFAULT_ID_BITS, DEFAULT_PORT_BASE, DEFAULT_SUCCESSORS, MAX_SUCCESSORS } from '../constants.js';
import { badArgument } from '../errors.js';
import { ipv4ToU32, isPort, type PeerRef } from '../protocol/peer-ref.js';
import { isRoutingMode, ROUTING_MODES } from '../routing/types.js';
import type { PeerConfig } from '../node/config.js';
import { pingTimeoutFor } from '../timing.js';
import { COMMAND_HELP } from '../protocol/commands.js';

/** What `p2p init|join` was asked to do. */
export interface PeerCommand {
  readonly config: PeerConfig;
  readonly eventsFile?: string | undefined;
  /** Emit a 'snapshot' event this often (ms); undefined: never. */
  readonly snapshotEveryMs?: number | undefined;
}

/** Help text of `p2p`. */
export const USAGE = `Usage:
  p2p init PEER FIRST_SUCCESSOR SECOND_SUCCESSOR [MORE_SUCCESSORS...] PING_INTERVAL [options]
  p2p join PEER KNOWN_PEER PING_INTERVAL [options]
  p2p example [--routing MODE] [--order ORDER] [--full] [--interactive] [--ping SECONDS] [--port-base N]
              [--dir DIR] [--keep] [--view]
  p2p host --ids LIST | --count N [--ping SECONDS] [--join KNOWN] [options]   (see p2p host --help)
  p2p view [EVENTS_FILE|DIR...] [--port N] [--id-bits M]
  p2p grade --peer 'CMD {mode} {args}' [--dir DIR | --each GLOB] [--seeds LIST] [options]   (see p2p grade --help)
  p2p --help

A peer listens on TCP and UDP port PORT_BASE + PEER. PEER and the others are
IDs in 0..2^m-1 (m = --id-bits, 8 by default: 0..255); a peer on another host
is written ID@HOST:PORT. PING_INTERVAL is in seconds (fractions allowed).
init names the peer's successors, closest first: two, as in the course, or up
to R with --successors R (distinct, none of them PEER). A list shorter than R
is filled from the successors' own lists.

Options of init and join:
  --port-base N     base of the ports (default 12000, or $P2P_PORT_BASE)
  --host H          IPv4 address to bind and to be reached on (default 127.0.0.1)
  --port N          this peer's port (default PORT_BASE + PEER)
  --data-dir DIR    where files NNNN.<ext> are kept (default: working directory)
  --events FILE     append every event as a JSON line to FILE (or fd:N)
  --snapshot-every S  also add the peer's state (a 'snapshot' event) to the
                    events every S seconds, for p2p view (default: never)
  --routing MODE    ring (the course's, default), ring-list (skip through the
                    successor list) or chord
  --successors R    successors kept, 1 to 8 (default 2); outside Chord, the
                    first two are the course's, the rest kept quietly
  --id-bits M       ID width in bits, 8 to 32 (default 8)
  -h, --help        this text

Once running, a peer reads typed commands (case-insensitive):
${COMMAND_HELP.split('\n').slice(1).join('\n')}
Ctrl-C ends the peer abruptly (the course's kill): it tells nobody.
The lines a peer prints, the requests and the options are specified in
docs/protocol.md; docs/by-hand.md runs the course's ring in several terminals.

Options of example:
  --routing MODE    ring (default), ring-list or chord, as above
  --order ORDER     walkthrough (default), or marking: the course's marking sequence
  --full            show the ping lines too (in the transcripts; at the prompt,
                    from the start)
  --interactive     keep the ring up behind a prompt instead of running the
                    walkthrough; its commands: "8> store 2067" (type into a
                    peer), kill 14, start 15 join 4, start 3 init 4 5, peers,
                    ring (each peer's view, and where neighbours disagree),
                    pings on|off, help, exit
  --ping SECONDS    ping interval of every peer, 0.1 to 60 (default 1)
  --port-base N     base of the ports, 1 to 65280 (default 12000, or $P2P_PORT_BASE)
  --dir DIR         the peers' working directory, where the sample files are
                    copied (default: a fresh temporary directory, removed at the end)
  --keep            keep that temporary directory (its path is printed)
  --view            also serve the live ring view (its URL is printed), kept
                    up after the walkthrough until Ctrl-C

p2p view serves the live ring view on 127.0.0.1 (it prints the URL), fed by
the event files of running peers (started with --events FILE and, for the
panels, --snapshot-every 1); a directory means every *.jsonl file in it.
Without files, the page opens a recorded events file itself.
  --port N          the view's port (default: any free one)
  --id-bits M       the peers' ID width, until their snapshots say it

Examples:
  p2p init 2 4 5 30          the course's first peer
  p2p init 2 4 5 8 30 --successors 3 --routing ring-list
                             peer 2 with three successors, lookups skip through them
  p2p join 15 4 30           join through peer 4
  p2p example                start the course's seven-peer ring and run its walkthrough
  p2p example --order marking --routing chord
                             the marking sequence, under Chord routing
  p2p example --interactive  the course's ring behind a prompt`;

/** The options a command takes, as parseArgs declares them: a `string` one takes a value, a `boolean` one is a flag. */
export type OptionTypes = Readonly<Record<string, { readonly type: 'string' | 'boolean' }>>;

/** A command line read against its OptionTypes: positionals in order, the value of each option given. */
export interface ReadArgs<T extends OptionTypes> {
  readonly positionals: readonly string[];
  readonly values: { readonly [K in keyof T]?: T[K]['type'] extends 'string' ? string : true };
}

/**
 * Reads argv with node:util's parseArgs, then checks its tokens here, in
 * order, so that the first mistake is named in our one-line message. Not in
 * strict mode: that would refuse what a peer's arguments may hold, a word
 * starting with one dash (`-1`, a negative number that the check of PEER or
 * PING_INTERVAL must name) and a value starting with one (`--port-base -5`),
 * and its messages span several lines.
 */
export function readArgs<T extends OptionTypes>(argv: readonly string[], types: T): ReadArgs<T> {
  const { tokens } = parseArgs({ args: [...argv], options: types, strict: false, allowPositionals: true, tokens: true });
  const positionals: string[] = [];
  const values: Record<string, string | true> = {};
  let lastShortIndex = -1;
  for (const token of tokens) {
    if (token.kind === 'positional') {
      positionals.push(token.value);
    } else if (token.kind === 'option-terminator') {
      // No argument of ours needs `--` to escape it (a word with one dash is
      // already an argument), so it is refused like any unknown option.
      throw badArgument('unknown option -- (see p2p --help)');
    } else if (!token.rawName.startsWith('--')) {
      // We declare no short options, so -x is a positional word; parseArgs
      // splits -xyz into one token per letter, all at the word's index.
      if (token.index !== lastShortIndex) positionals.push(argv[token.index] ?? '');
      lastShortIndex = token.index;
    } else if (!Object.hasOwn(types, token.name)) {
      throw badArgument(`unknown option ${token.rawName} (see p2p --help)`);
    } else if (types[token.name]?.type === 'boolean') {
      // A flag is set by its presence: a value written after it (--full=no) is not read.
      values[token.name] = true;
    } else if (token.value === undefined) {
      throw badArgument(`option ${token.rawName} needs a value`);
    } else {
      values[token.name] = token.value;
    }
  }
  return { positionals, values: values as ReadArgs<T>['values'] };
}

/** The routing modes as a sentence lists them: `ring, ring-list or chord`. */
export const ROUTING_MODE_LIST = `${ROUTING_MODES.slice(0, -1).join(', ')} or ${ROUTING_MODES.slice(-1).join('')}`;

/** The options of `p2p init` and `p2p join`. */
export const PEER_OPTIONS = {
  'port-base': { type: 'string' },
  host: { type: 'string' },
  port: { type: 'string' },
  'data-dir': { type: 'string' },
  events: { type: 'string' },
  routing: { type: 'string' },
  successors: { type: 'string' },
  'id-bits': { type: 'string' },
  'snapshot-every': { type: 'string' },
} as const satisfies OptionTypes;

/** `text` as an integer in min..max, or ERR_BAD_ARGUMENT naming `what`. */
export function integer(text: string | undefined, what: string, min: number, max: number): number {
  const n = Number(text);
  if (text === undefined || !/^\d+$/.test(text) || !Number.isSafeInteger(n) || n < min || n > max) {
    throw badArgument(`${what} must be an integer from ${min} to ${max}, got "${text ?? ''}"`);
  }
  return n;
}

const ORDINAL_NAMES = ['FIRST', 'SECOND', 'THIRD', 'FOURTH', 'FIFTH', 'SIXTH', 'SEVENTH', 'EIGHTH', 'NINTH'];

/** `FIRST_SUCCESSOR`, `SECOND_SUCCESSOR`, ... for the successor at index `i`. */
function successorArgName(i: number): string {
  return `${ORDINAL_NAMES[i] ?? `#${i + 1}`}_SUCCESSOR`;
}

/** Parses `init` or `join` arguments (everything after the subcommand). */
export function parsePeerCommand(kind: 'init' | 'join', argv: readonly string[], env: NodeJS.ProcessEnv = process.env): PeerCommand {
  const { positionals, values: options } = readArgs(argv, PEER_OPTIONS);
  const idBits = integer(options['id-bits'] ?? String(DEFAULT_ID_BITS), '--id-bits', 8, 32);
  const maxId = 2 ** idBits - 1;
  const portBase = integer(options['port-base'] ?? env.P2P_PORT_BASE ?? String(DEFAULT_PORT_BASE), '--port-base', 1, 65535);
  const host = options.host ?? DEFAULT_HOST;
  if (ipv4ToU32(host) === undefined) throw badArgument(`--host must be an IPv4 address such as 127.0.0.1, got "${host}"`);
  const successors = integer(options.successors ?? String(DEFAULT_SUCCESSORS), '--successors', 1, MAX_SUCCESSORS);
  const routing = options.routing ?? 'ring';
  if (!isRoutingMode(routing)) throw badArgument(`--routing must be ${ROUTING_MODE_LIST}, got "${routing}"`);
  // init: PEER, its successors closest first, PING_INTERVAL last. Two
  // successors (the course's form) are accepted whatever R is; more, up to R.
  const mostSuccessors = Math.max(2, successors);
  const initUsage = 'p2p init PEER FIRST_SUCCESSOR SECOND_SUCCESSOR PING_INTERVAL';
  if (kind === 'join' && positionals.length !== 3) {
    throw badArgument(`join takes 3 arguments, got ${positionals.length}: p2p join PEER KNOWN_PEER PING_INTERVAL`);
  }
  if (kind === 'init' && positionals.length < 4) {
    const takes = mostSuccessors === 2 ? '4' : `4 to ${2 + mostSuccessors}`;
    throw badArgument(`init takes ${takes} arguments, got ${positionals.length}: ${initUsage}`);
  }
  if (kind === 'init' && positionals.length - 2 > mostSuccessors) {
    const named = positionals.length - 2;
    const hint = named <= MAX_SUCCESSORS ? `pass --successors ${named} to keep them all` : `no peer keeps more than ${MAX_SUCCESSORS}`;
    throw badArgument(
      `${successorArgName(mostSuccessors)} "${positionals[1 + mostSuccessors] ?? ''}" is one successor too many: this peer keeps ` +
        `${successors} (--successors ${successors}), so init names at most ${mostSuccessors}; ${hint}`,
    );
  }
  const id = integer(positionals[0], 'PEER', 0, maxId);
  const portOf = (peer: number): number => {
    const port = portBase + peer;
    if (!isPort(port))
      throw badArgument(`port ${port} of peer ${peer} is out of range: choose --port-base (or --port) so that PORT_BASE + ID <= 65535`);
    return port;
  };
  const selfPort = options.port !== undefined ? integer(options.port, '--port', 1, 65535) : portOf(id);
  const refArg = (text: string | undefined, what: string): PeerRef => {
    const at = text?.indexOf('@') ?? -1;
    if (text !== undefined && at > 0) {
      const peer = integer(text.slice(0, at), what, 0, maxId);
      const [h = '', p] = text.slice(at + 1).split(':');
      if (ipv4ToU32(h) === undefined) throw badArgument(`${what} host must be an IPv4 address, got "${h}"`);
      return { id: peer, host: h, port: integer(p, `${what} port`, 1, 65535) };
    }
    const peer = integer(text, what, 0, maxId);
    return { id: peer, host, port: portOf(peer) };
  };
  const intervalText = positionals[positionals.length - 1];
  const interval = Number(intervalText);
  if (!Number.isFinite(interval) || interval < 0.05 || interval > 3600) {
    throw badArgument(`PING_INTERVAL must be a number of seconds from 0.05 to 3600, got "${intervalText ?? ''}"`);
  }
  const pingIntervalMs = Math.round(interval * 1000);
  let initialSuccessors: PeerRef[] = [];
  let knownPeer: PeerRef | undefined;
  if (kind === 'init') {
    const texts = positionals.slice(1, -1);
    initialSuccessors = texts.map((text, i) => refArg(text, successorArgName(i)));
    initialSuccessors.forEach((ref, i) => {
      if (ref.id === id) throw badArgument(`a peer cannot be its own successor (peer ${id} is ${successorArgName(i)})`);
      const earlier = initialSuccessors.findIndex((r) => r.id === ref.id);
      if (earlier < i) {
        throw badArgument(
          texts.length === 2
            ? `the two successors must differ (both are ${ref.id})`
            : `the successors must differ (peer ${ref.id} is both ${successorArgName(earlier)} and ${successorArgName(i)})`,
        );
      }
    });
  } else {
    knownPeer = refArg(positionals[1], 'KNOWN_PEER');
    if (knownPeer.id === id) throw badArgument(`a peer cannot join through itself (peer ${id})`);
  }
  const config: PeerConfig = {
    self: { id, host, port: selfPort },
    initialSuccessors,
    knownPeer,
    pingIntervalMs,
    pingTimeoutMs: pingTimeoutFor(pingIntervalMs),
    dataDir: path.resolve(options['data-dir'] ?? '.'),
    portBase,
    defaultHost: host,
    idBits,
    successors,
    routing,
  };
  const snapshotEvery = options['snapshot-every'];
  const snapshotSeconds = Number(snapshotEvery);
  if (snapshotEvery !== undefined && (!Number.isFinite(snapshotSeconds) || snapshotSeconds < 0.1 || snapshotSeconds > 3600)) {
    throw badArgument(`--snapshot-every must be a number of seconds from 0.1 to 3600, got "${snapshotEvery}"`);
  }
  return { config, eventsFile: options.events, snapshotEveryMs: snapshotEvery === undefined ? undefined : Math.round(snapshotSeconds * 1000) };
}
