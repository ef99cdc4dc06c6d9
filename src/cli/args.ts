/**
 * The command line of a peer: the course's `init` and `join`, with our
 * options. Every mistake is a P2PError ERR_BAD_ARGUMENT with a one-line
 * message naming the argument.
 */
import path from 'node:path';
import { DEFAULT_HOST, DEFAULT_ID_BITS, DEFAULT_PORT_BASE, DEFAULT_SUCCESSORS, MAX_SUCCESSORS, PING_TIMEOUT_MS } from '../constants.js';
import { badArgument } from '../errors.js';
import { ipv4ToU32, isPort, type PeerRef } from '../net/peer-ref.js';
import type { LiveRouting, PeerConfig } from '../services/config.js';

/** What `p2p init|join` was asked to do. */
export interface PeerCommand {
  readonly config: PeerConfig;
  readonly eventsFile?: string | undefined;
}

/** Help text of `p2p`. */
export const USAGE = `Usage:
  p2p init PEER FIRST_SUCCESSOR SECOND_SUCCESSOR [MORE_SUCCESSORS...] PING_INTERVAL [options]
  p2p join PEER KNOWN_PEER PING_INTERVAL [options]
  p2p example [--interactive] [--ping SECONDS] [--port-base N] [--dir DIR]

A peer listens on TCP and UDP port PORT_BASE + PEER. PEER and the others are
IDs in 0..2^m-1 (m = --id-bits, 8 by default: 0..255); a peer on another host
is written ID@HOST:PORT. PING_INTERVAL is in seconds (fractions allowed).
init names the peer's successors, closest first: two, as in the course, or up
to R with --successors R (distinct, none of them PEER). A list shorter than R
is filled from the successors' own lists.

Options:
  --port-base N     base of the ports (default 12000, or $P2P_PORT_BASE)
  --host H          IPv4 address to bind and to be reached on (default 127.0.0.1)
  --port N          this peer's port (default PORT_BASE + PEER)
  --data-dir DIR    where files NNNN.<ext> are kept (default: working directory)
  --events FILE     append every event as a JSON line to FILE (or fd:N)
  --routing MODE    ring (the course's, default), ring-list (skip through the
                    successor list) or chord
  --successors R    successors kept, 1 to 8 (default 2); outside Chord, the
                    first two are the course's, the rest kept quietly
  --id-bits M       ID width in bits, 8 to 32 (default 8)
  -h, --help        this text

Once running, type: Store NNNN, Request NNNN, Quit, status [--json], fingers, help.

Examples:
  p2p init 2 4 5 30          the course's first peer
  p2p init 2 4 5 8 30 --successors 3 --routing ring-list
                             peer 2 with three successors, lookups skip through them
  p2p join 15 4 30           join through peer 4
  p2p example                start the course's seven-peer ring and run its walkthrough`;

const VALUE_OPTIONS = new Set([
  '--port-base',
  '--host',
  '--port',
  '--data-dir',
  '--events',
  '--routing',
  '--successors',
  '--id-bits',
]);

/** Splits argv into positionals and `--name value` options. */
export function splitArgs(argv: readonly string[], allowed: ReadonlySet<string>, flags: ReadonlySet<string> = new Set()): {
  positionals: string[];
  options: Map<string, string>;
} {
  const positionals: string[] = [];
  const options = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    if (arg.startsWith('--')) {
      const eq = arg.indexOf('=');
      const name = eq < 0 ? arg : arg.slice(0, eq);
      if (flags.has(name)) {
        options.set(name, 'true');
        continue;
      }
      if (!allowed.has(name)) throw badArgument(`unknown option ${name} (see p2p --help)`);
      const value = eq < 0 ? argv[++i] : arg.slice(eq + 1);
      if (value === undefined) throw badArgument(`option ${name} needs a value`);
      options.set(name, value);
    } else {
      positionals.push(arg);
    }
  }
  return { positionals, options };
}

function integer(text: string | undefined, what: string, min: number, max: number): number {
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
  const { positionals, options } = splitArgs(argv, VALUE_OPTIONS);
  const idBits = integer(options.get('--id-bits') ?? String(DEFAULT_ID_BITS), '--id-bits', 8, 32);
  const maxId = 2 ** idBits - 1;
  const portBase = integer(options.get('--port-base') ?? env.P2P_PORT_BASE ?? String(DEFAULT_PORT_BASE), '--port-base', 1, 65535);
  const host = options.get('--host') ?? DEFAULT_HOST;
  if (ipv4ToU32(host) === undefined) throw badArgument(`--host must be an IPv4 address such as 127.0.0.1, got "${host}"`);
  const successors = integer(options.get('--successors') ?? String(DEFAULT_SUCCESSORS), '--successors', 1, MAX_SUCCESSORS);
  const routingText = options.get('--routing') ?? 'ring';
  if (routingText !== 'ring' && routingText !== 'ring-list' && routingText !== 'chord') {
    throw badArgument(`--routing must be ring, ring-list or chord, got "${routingText}"`);
  }
  const routing: LiveRouting = routingText;
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
    if (!isPort(port)) throw badArgument(`port ${port} of peer ${peer} is out of range: choose --port-base (or --port) so that PORT_BASE + ID <= 65535`);
    return port;
  };
  const selfPort = options.has('--port') ? integer(options.get('--port'), '--port', 1, 65535) : portOf(id);
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
    pingTimeoutMs: Math.min(PING_TIMEOUT_MS, Math.max(200, pingIntervalMs)),
    dataDir: path.resolve(options.get('--data-dir') ?? '.'),
    portBase,
    defaultHost: host,
    idBits,
    successors,
    routing,
  };
  return { config, eventsFile: options.get('--events') };
}
