/**
 * `p2p host`: many peers in one process, still five role threads (each
 * serving every peer) around one ring queue (peer/coordinator.ts). The
 * peers talk to each other over their real sockets, with the protocol of
 * single peers, so a host can join a ring of single peers and one ring can
 * span several hosts.
 *
 *   p2p host --ids 0-255 --ping 1 --routing chord
 *   p2p host --count 64 --seed 7 --ping 2
 *   p2p host --ids 100-120 --join 4 --ping 1      (each joins through peer 4)
 *
 * Without --join the hosted peers start as one ring: each is given its true
 * successors among the hosted IDs, or among --ring's IDs when the ring spans
 * several processes (`--ids 0-127 --ring 0-255` here, `--ids 128-255 --ring
 * 0-255` in another). With --join, they start alone and join one after
 * another through the known peer.
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { DEFAULT_HOST, DEFAULT_IP_PER_PEER_BASE, DEFAULT_PORT_BASE, DEFAULT_SUCCESSORS, MAX_SUCCESSORS } from '../constants.js';
import { badArgument } from '../errors.js';
import { isPingLine } from '../model/lines.js';
import { dataDirOf, type PeerConfig } from '../node/config.js';
import { hostLine, startPeer } from '../peer/coordinator.js';
import { defaultRef, ipv4ToU32, isPort, type AddressPlan, type PeerRef } from '../protocol/peer-ref.js';
import { createPrng } from '../routing/prng.js';
import { randomMembership } from '../routing/simulator.js';
import { isRoutingMode } from '../routing/types.js';
import type { PeerEvent } from '../runtime/events.js';
import { pingTimeoutFor } from '../timing.js';
import { integer, readArgs, ROUTING_MODE_LIST, type OptionTypes } from './args.js';

/** Help text of `p2p host`. */
export const HOST_USAGE = `Usage:
  p2p host --ids LIST [options]
  p2p host --count N [--seed S] [options]

Runs many peers in this one process: still five role threads, each serving
every peer (the socket producer accepts on every peer's TCP port, the ping
listener reads every UDP port, one ping sender pings for all, one consumer
holds every peer's state), joined by one ring queue whose records name their
peer. Peers talk over their real sockets, with the protocol of single peers.
Each peer listens on PORT_BASE + ID; each line it prints is prefixed with its
ID ("  15 | Store 2067 request accepted").

Options:
  --ids LIST        the peers: IDs and ranges, e.g. 0-255 or 2,4,5,8,9,14,19
  --count N         N peers with random IDs (seeded by --seed, default 1)
  --seed S          the seed of --count's IDs
  --ping SECONDS    ping interval of every peer (default 1)
  --join KNOWN      start the peers alone and join each, one after another,
                    through KNOWN (an ID, or ID@HOST:PORT); default: the
                    hosted peers start as one ring, each with its true successors
  --ring LIST       the whole ring when it spans several processes, each
                    hosting some of its IDs (--ids, all in LIST): each peer
                    starts with its true successors in LIST, the others'
                    on PORT_BASE + ID of --host
  --routing MODE    ${ROUTING_MODE_LIST} (default ring)
  --successors R    successors kept, 1 to ${MAX_SUCCESSORS} (default ${DEFAULT_SUCCESSORS})
  --id-bits M       ID width in bits, 8 to 16 (default 8); PORT_BASE + ID must stay
                    below 65536, unless --ip-per-peer
  --ip-per-peer     each peer on its own loopback address, --host + ID (default
                    ${DEFAULT_IP_PER_PEER_BASE} + ID: 127.1.2.3 for peer 515), all on port
                    PORT_BASE: for IDs wider than the port range allows
  --port-base N     base of the ports (default ${DEFAULT_PORT_BASE}, or $P2P_PORT_BASE)
  --host H          IPv4 address to bind and to be reached on (default ${DEFAULT_HOST})
  --data-dir DIR    where every peer keeps its files (default: working directory);
                    {id} in DIR gives each peer its own (made when missing),
                    e.g. --data-dir files/{id}
  --events FILE     append every event of every peer as a JSON line (each with its peer)
  --max-peers N     room for peers started later with "start ID join KNOWN"
                    (default: the peers given, plus 64)
  --pings           print the ping lines too (hidden by default: a host of 256
                    peers prints about 1,500 of them a second)

Typed lines: "ID> COMMAND" (15> Store 2067), status ID, fingers ID, quit ID,
kill ID, start ID join KNOWN, peers, help. The host ends with its last peer,
or on Ctrl-C.`;

const HOST_OPTIONS = {
  ids: { type: 'string' },
  count: { type: 'string' },
  seed: { type: 'string' },
  ping: { type: 'string' },
  join: { type: 'string' },
  ring: { type: 'string' },
  routing: { type: 'string' },
  successors: { type: 'string' },
  'id-bits': { type: 'string' },
  'port-base': { type: 'string' },
  host: { type: 'string' },
  'data-dir': { type: 'string' },
  events: { type: 'string' },
  'max-peers': { type: 'string' },
  pings: { type: 'boolean' },
  'ip-per-peer': { type: 'boolean' },
} as const satisfies OptionTypes;

/** What `p2p host` was asked. */
export interface HostCommand {
  readonly configs: readonly PeerConfig[];
  readonly eventsFile: string | undefined;
  readonly maxPeers: number;
  readonly showPings: boolean;
}

/** `0-255`, `2,4,5,8-19`: distinct IDs in 0..max, sorted. */
export function parseIds(text: string, max: number): number[] {
  const ids = new Set<number>();
  for (const part of text.split(',')) {
    const m = /^\s*(\d+)\s*(?:-\s*(\d+)\s*)?$/.exec(part);
    const lo = Number(m?.[1]);
    const hi = m?.[2] === undefined ? lo : Number(m[2]);
    if (m === null || lo > hi || hi > max)
      throw badArgument(`--ids must list IDs and ranges in 0..${max}, as 0-255 or 2,4,5,8-19; got "${text}"`);
    for (let id = lo; id <= hi; id++) ids.add(id);
  }
  return [...ids].sort((a, b) => a - b);
}

/** Parses `p2p host` arguments. */
export function parseHostCommand(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): HostCommand {
  const { positionals, values: o } = readArgs(argv, HOST_OPTIONS);
  if (positionals.length > 0) throw badArgument(`host takes no arguments, got "${positionals.join(' ')}" (see p2p host --help)`);
  const idBits = integer(o['id-bits'] ?? '8', '--id-bits', 8, 16);
  const maxId = 2 ** idBits - 1;
  if ((o.ids === undefined) === (o.count === undefined)) throw badArgument('give the peers with --ids LIST or --count N (one of them)');
  if (o.seed !== undefined && o.count === undefined) throw badArgument('--seed goes with --count');
  const ids =
    o.ids !== undefined
      ? parseIds(o.ids, maxId)
      : randomMembership(createPrng(integer(o.seed ?? '1', '--seed', 0, 2 ** 31 - 1)), integer(o.count, '--count', 1, maxId + 1), idBits).sort(
          (a, b) => a - b,
        );
  const portBase = integer(o['port-base'] ?? env.P2P_PORT_BASE ?? String(DEFAULT_PORT_BASE), '--port-base', 1, 65535);
  const plan: AddressPlan = o['ip-per-peer'] === true ? 'ip' : 'port';
  const last = ids[ids.length - 1] ?? 0;
  if (plan === 'port' && !isPort(portBase + last))
    throw badArgument(
      `port ${portBase + last} of peer ${last} is out of range: choose --port-base so that PORT_BASE + ID <= 65535, or --ip-per-peer`,
    );
  const host = o.host ?? (plan === 'ip' ? DEFAULT_IP_PER_PEER_BASE : DEFAULT_HOST);
  const hostU32 = ipv4ToU32(host);
  if (hostU32 === undefined) throw badArgument(`--host must be an IPv4 address such as 127.0.0.1, got "${host}"`);
  // Every address of the plan on loopback (127.0.0.0/8): Linux answers on all of them without configuration.
  if (plan === 'ip' && (hostU32 >>> 24 !== 127 || (hostU32 + maxId) >>> 24 !== 127))
    throw badArgument(
      `--ip-per-peer: ${host} + ID must stay in 127.0.0.0/8 for IDs up to ${maxId}; choose --host (default ${DEFAULT_IP_PER_PEER_BASE})`,
    );
  const successors = integer(o.successors ?? String(DEFAULT_SUCCESSORS), '--successors', 1, MAX_SUCCESSORS);
  const routing: string = o.routing ?? 'ring';
  if (!isRoutingMode(routing)) throw badArgument(`--routing must be ${ROUTING_MODE_LIST}, got "${routing}"`);
  const pingSeconds = Number(o.ping ?? '1');
  if (!Number.isFinite(pingSeconds) || pingSeconds < 0.05 || pingSeconds > 3600)
    throw badArgument(`--ping must be a number of seconds from 0.05 to 3600, got "${o.ping ?? ''}"`);
  const pingIntervalMs = Math.round(pingSeconds * 1000);
  const ref = (id: number): PeerRef => defaultRef(id, host, portBase, plan);
  let known: PeerRef | undefined;
  if (o.join !== undefined) {
    const at = o.join.indexOf('@');
    if (at > 0) {
      const [h = '', p] = o.join.slice(at + 1).split(':');
      if (ipv4ToU32(h) === undefined) throw badArgument(`--join host must be an IPv4 address, got "${h}"`);
      known = { id: integer(o.join.slice(0, at), '--join', 0, maxId), host: h, port: integer(p, '--join port', 1, 65535) };
    } else known = ref(integer(o.join, '--join', 0, maxId));
    if (ids.includes(known.id)) throw badArgument(`--join ${known.id}: a hosted peer cannot join through itself`);
  }
  if (o.ring !== undefined && known !== undefined)
    throw badArgument('--ring and --join do not go together: the peers either start as a ring or join one');
  const ring = o.ring === undefined ? ids : parseIds(o.ring, maxId);
  const outside = ids.filter((id) => !ring.includes(id));
  if (outside.length > 0) throw badArgument(`--ring must name every hosted peer; it leaves out ${outside.slice(0, 8).join(', ')}`);
  if (known === undefined && ring.length < 2) throw badArgument('a host of one peer needs --join or --ring (a ring needs two peers)');
  const lastInRing = ring[ring.length - 1] ?? 0;
  if (plan === 'port' && !isPort(portBase + lastInRing))
    throw badArgument(`port ${portBase + lastInRing} of ring peer ${lastInRing} is out of range: choose a lower --port-base`);
  const dataDirPattern = path.resolve(o['data-dir'] ?? '.');
  const configs = ids.map((id): PeerConfig => {
    const at = ring.indexOf(id);
    const next: PeerRef[] = [];
    for (let k = 1; known === undefined && k <= Math.min(Math.max(2, successors), ring.length - 1); k++)
      next.push(ref(ring[(at + k) % ring.length] as number));
    return {
      self: ref(id),
      initialSuccessors: next,
      knownPeer: known,
      pingIntervalMs,
      pingTimeoutMs: pingTimeoutFor(pingIntervalMs),
      dataDir: dataDirOf(dataDirPattern, id),
      dataDirPattern,
      portBase,
      defaultHost: host,
      addressPlan: plan,
      idBits,
      successors,
      routing: routing,
    };
  });
  const maxPeers =
    o['max-peers'] === undefined ? Math.min(ids.length + 64, maxId + 1) : integer(o['max-peers'], '--max-peers', ids.length, maxId + 1);
  return { configs, eventsFile: o.events, maxPeers, showPings: o.pings === true };
}

/** Runs `p2p host`; resolves with the exit code. */
export async function runHost(argv: readonly string[]): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(`${HOST_USAGE}\n`);
    return 0;
  }
  const cmd = parseHostCommand(argv);
  const [first] = cmd.configs;
  if (first === undefined) throw badArgument('no peers to host');
  for (const c of cmd.configs) mkdirSync(c.dataDir, { recursive: true });
  const print = (event: PeerEvent): void => {
    if (!cmd.showPings && event.line !== undefined && isPingLine(event.line)) return;
    const line = hostLine(event);
    if (line !== undefined) (event.stream === 'stderr' ? process.stderr : process.stdout).write(`${line}\n`);
  };
  process.once('SIGINT', () => process.exit(130));
  process.once('SIGTERM', () => process.exit(143));
  const started = performance.now();
  const host = await startPeer({
    config: first,
    hosted: cmd.configs,
    maxPeers: cmd.maxPeers,
    eventsFile: cmd.eventsFile,
    stdin: process.stdin,
    onEvent: print,
  });
  const ms = Math.round(performance.now() - started);
  process.stdout.write(
    `Hosting ${host.runningIds.length} peers (${cmd.configs.length === 1 ? first.self.id : `${first.self.id}..${cmd.configs[cmd.configs.length - 1]?.self.id ?? ''}`}) in process ${process.pid}, started in ${ms} ms` +
      `${cmd.showPings ? '' : '; ping lines hidden (--pings shows them)'}; type help for commands\n`,
  );
  return (await host.exited).code;
}
