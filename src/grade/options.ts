/**
 * `p2p grade`'s options, its allowances (what it waits for, and how long a
 * line may be late before it counts as missing), and the command template
 * that starts a submission's peer.
 */
import { DEFAULT_PORT_BASE } from '../constants.js';
import { badArgument } from '../errors.js';
import { readArgs, ROUTING_MODE_LIST, type OptionTypes } from '../cli/args.js';
import { isRoutingMode, type RoutingMode } from '../routing/types.js';
import type { Order } from '../model/walkthrough.js';
import { MODEL_ID_BITS, ringOf, type Ring } from '../model/ring-model.js';

/** How long the grader waits, derived from the ping interval unless set. */
export interface Allowances {
  /** From a peer's first ping request to its first response from each successor. */
  readonly pingResponseMs: number;
  /** From the ring's start to every ping line of the ping check (start-up included). */
  readonly startMs: number;
  /** From a command (or a join's start) to the last line it causes. */
  readonly stepMs: number;
  /** From a kill to its predecessors' repair lines (the course: within a ping interval plus a few seconds). */
  readonly detectMs: number;
  /** Under chord or ring-list routing, how long the ring is left to settle its fingers and lists after a join or departure. */
  readonly settleMs: number;
}

/** Everything `p2p grade` was asked. */
export interface GradeOptions {
  /** The command template, `{mode}` and `{args}` and the rest to fill in; undefined: each submission's `commandFile` gives it. */
  readonly peer: string | undefined;
  /** A file in a submission's directory whose first line is that submission's own template (overrides `peer`). */
  readonly commandFile: string | undefined;
  readonly portBase: number;
  /** Port bases of successive submissions (and runs) are this far apart. */
  readonly portStride: number;
  /** The submission's directory (copied for each run), or undefined with `each`. */
  readonly dir: string | undefined;
  /** A glob of submission directories, graded one after another. */
  readonly each: string | undefined;
  readonly orders: readonly Order[];
  /** Seeds of random sequences (src/model/generate.ts), each one more run. */
  readonly seeds: readonly number[];
  /** Rings the seeded sequences start from; empty: each seed's own random ring. */
  readonly rings: readonly Ring[];
  readonly routing: RoutingMode;
  readonly pingSeconds: number;
  readonly tolerant: boolean;
  readonly allowances: Allowances;
  /** The limit of one submission's grading, all runs together. */
  readonly timeoutMs: number;
  readonly json: boolean;
  /** Where HTML reports go (one per submission); undefined: none. */
  readonly htmlDir: string | undefined;
  /** The CSV of marks (`--each`); undefined: none. */
  readonly csv: string | undefined;
  /** Keep each run's working directory (else removed). */
  readonly keep: boolean;
  readonly quiet: boolean;
}

/** The options of `p2p grade`. */
export const GRADE_OPTIONS = {
  peer: { type: 'string' },
  'command-file': { type: 'string' },
  seeds: { type: 'string' },
  ring: { type: 'string' },
  'port-base': { type: 'string' },
  'port-stride': { type: 'string' },
  dir: { type: 'string' },
  each: { type: 'string' },
  order: { type: 'string' },
  routing: { type: 'string' },
  ping: { type: 'string' },
  tolerant: { type: 'boolean' },
  'ping-allowance': { type: 'string' },
  'start-allowance': { type: 'string' },
  'step-allowance': { type: 'string' },
  'detect-allowance': { type: 'string' },
  settle: { type: 'string' },
  timeout: { type: 'string' },
  json: { type: 'boolean' },
  html: { type: 'string' },
  csv: { type: 'string' },
  keep: { type: 'boolean' },
  quiet: { type: 'boolean' },
} as const satisfies OptionTypes;

/** Help text of `p2p grade`. */
export const GRADE_USAGE = `Usage:
  p2p grade --peer 'CMD {mode} {args}' --dir DIR [options]
  p2p grade --peer 'CMD {mode} {args}' --each 'submissions/*/' --csv marks.csv [options]
  p2p grade --command-file run.txt --each 'submissions/*/' [options]

Runs the course walkthrough on another implementation's peers and marks it
against the rubric (ping 24, graceful departure 17, file insertion 11, join 14,
abrupt departure 12, retrieval 12: out of 90), with the evidence.

The template is run by /bin/sh in a copy of the submission's directory, one
process group per peer: {mode} is init or join, {args} the course's arguments
(init: PEER S1 S2 PING, join: PEER KNOWN PING), {id} the peer, {port_base}
and {port} its ports (also in $P2P_PORT_BASE). Commands are typed on stdin,
lines read from stdout; a kill is SIGKILL to the peer's process group.

Options:
  --peer TEMPLATE         the command that starts one peer (required unless
                          every submission has a --command-file)
  --command-file NAME     a submission whose directory holds NAME is started by
                          the template on its first line instead of --peer
  --dir DIR               the submission's directory (default: .)
  --each GLOB             grade every directory matching GLOB, one after another
  --port-base N           first port base (default 12000); each run gets its own
  --port-stride N         distance between port bases (default 256)
  --order ORDERS          walkthrough, marking, both (default) or none (only
                          the seeded runs; a check they never test scores 0)
  --seeds LIST            also run seeded random sequences: joins, departures,
                          Stores and Requests on 5 to 8 peers, every line from
                          the reference model (e.g. 1,2,3 or 1-5)
  --ring IDS[/IDS...]     start the seeded sequences from these rings instead of
                          each seed's random one (e.g. 0,37,90,128,200,255 or
                          1,2,3,250/0,100,200,255); seed 1 without --seeds
  --routing MODE          ring (default), ring-list or chord: the routes expected
  --ping SECONDS          ping interval given to the peers (default 2)
  --tolerant              accept differences of case and spacing (reported)
  --ping-allowance S      first ping request to its response (default PING + 2)
  --start-allowance S     start to every line of the ping check (default 2 PING + 10)
  --step-allowance S      command to the last line it causes (default PING + 8)
  --detect-allowance S    kill to its repair lines (default 3 PING + 8)
  --settle S              chord/ring-list: settling time after each change (default 4 PING)
  --timeout S             limit of one submission, all runs (default 600)
  --json                  print the result as JSON instead of the summary
  --html DIR              write an HTML report per submission into DIR
  --csv FILE              write one CSV of marks (with --each)
  --keep                  keep each run's working directory
  --quiet                 no progress lines`;

/** Reads a number of seconds, as milliseconds. */
function seconds(value: string | undefined, name: string, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0 || n > 3600) throw badArgument(`--${name} must be a number of seconds from 0 to 3600`);
  return n * 1000;
}

/** Parses `p2p grade` arguments. */
export function parseGradeArgs(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): GradeOptions {
  const { positionals, values: o } = readArgs(argv, GRADE_OPTIONS);
  if (positionals.length > 0) throw badArgument(`grade takes no arguments, got "${positionals.join(' ')}"`);
  if ((o.peer === undefined || o.peer.trim() === '') && o['command-file'] === undefined)
    throw badArgument("--peer is required: the command that starts a peer, e.g. 'python3 p2p.py {mode} {args}'");
  if (o.peer !== undefined) checkTemplate(o.peer, '--peer');
  if (o['command-file'] !== undefined && (o['command-file'] === '' || o['command-file'].includes('/')))
    throw badArgument('--command-file must be a file name inside each submission, without a /');
  const rings = o.ring === undefined ? [] : o.ring.split('/').map(parseRing);
  const seeds = o.seeds === undefined ? (rings.length > 0 ? [1] : []) : parseSeeds(o.seeds);
  if (o.dir !== undefined && o.each !== undefined) throw badArgument('--dir and --each cannot be used together');
  const portBase = Number(o['port-base'] ?? env.P2P_PORT_BASE ?? DEFAULT_PORT_BASE);
  if (!Number.isInteger(portBase) || portBase < 1 || portBase + 255 > 65535) throw badArgument('--port-base must be an integer from 1 to 65280');
  const portStride = Number(o['port-stride'] ?? '256');
  if (!Number.isInteger(portStride) || portStride < 20 || portStride > 10_000)
    throw badArgument('--port-stride must be an integer from 20 to 10000');
  const order = o.order ?? 'both';
  if (order !== 'walkthrough' && order !== 'marking' && order !== 'both' && order !== 'none')
    throw badArgument('--order must be walkthrough, marking, both or none');
  if (order === 'none' && seeds.length === 0) throw badArgument('--order none leaves nothing to run: give --seeds or --ring');

  const routing = o.routing ?? 'ring';
  if (!isRoutingMode(routing)) throw badArgument(`--routing must be ${ROUTING_MODE_LIST}`);
  const pingSeconds = Number(o.ping ?? '2');
  if (!Number.isFinite(pingSeconds) || pingSeconds < 0.1 || pingSeconds > 60)
    throw badArgument('--ping must be a number of seconds from 0.1 to 60');
  const ping = pingSeconds * 1000;
  const allowances: Allowances = {
    pingResponseMs: seconds(o['ping-allowance'], 'ping-allowance', ping + 2000),
    startMs: seconds(o['start-allowance'], 'start-allowance', 2 * ping + 10_000),
    stepMs: seconds(o['step-allowance'], 'step-allowance', ping + 8000),
    detectMs: seconds(o['detect-allowance'], 'detect-allowance', 3 * ping + 8000),
    settleMs: routing === 'ring' ? 0 : seconds(o.settle, 'settle', 4 * ping),
  };
  return {
    peer: o.peer,
    commandFile: o['command-file'],
    seeds,
    rings,
    portBase,
    portStride,
    dir: o.each === undefined ? (o.dir ?? '.') : undefined,
    each: o.each,
    orders: order === 'both' ? ['walkthrough', 'marking'] : order === 'none' ? [] : [order],
    routing,
    pingSeconds,
    tolerant: o.tolerant === true,
    allowances,
    timeoutMs: seconds(o.timeout, 'timeout', 600_000),
    json: o.json === true,
    htmlDir: o.html,
    csv: o.csv,
    keep: o.keep === true,
    quiet: o.quiet === true,
  };
}

/** Refuses a template without `{args}` (`where` names the option or file it came from). */
export function checkTemplate(template: string, where: string): string {
  if (template.trim() === '') throw badArgument(`${where} is empty: it must give the command that starts a peer`);
  if (!template.includes('{args}')) throw badArgument(`${where} must contain {args}: where the course arguments go`);
  return template;
}

/** `1,2,7` or `1-5` (or both, `1-3,9`): seeds from 0 to 2^31-1, at most 100 of them. */
export function parseSeeds(text: string): number[] {
  const out: number[] = [];
  for (const part of text.split(',')) {
    const m = /^\s*(\d+)\s*(?:-\s*(\d+)\s*)?$/.exec(part);
    const lo = Number(m?.[1]);
    const hi = m?.[2] === undefined ? lo : Number(m[2]);
    if (m === null || lo > hi || hi > 2 ** 31 - 1 || out.length + hi - lo + 1 > 100)
      throw badArgument(`--seeds must list seeds (0 to 2^31-1, at most 100), as 1,2,7 or 1-5; got "${text}"`);
    for (let s = lo; s <= hi; s++) out.push(s);
  }
  return [...new Set(out)];
}

/** A ring written as its IDs, `0,37,90,128,200`: 4 to 32 distinct IDs in 0..255. */
export function parseRing(text: string): Ring {
  const ids = text.split(',').map((t) => Number(t.trim()));
  const max = 2 ** MODEL_ID_BITS - 1;
  if (ids.some((id) => !Number.isInteger(id) || id < 0 || id > max) || new Set(ids).size !== ids.length || ids.length < 4 || ids.length > 32)
    throw badArgument(`--ring must list 4 to 32 distinct peer IDs in 0..${max}, as 0,37,90,128,200; got "${text}"`);
  return ringOf(ids);
}

/**
 * The command that starts one peer: `/bin/sh -c` with the template filled
 * in. `args` are the course's (`init 2 4 5 1`, `join 15 4 1`): all integers
 * and numbers, so nothing needs quoting.
 */
export function expandTemplate(template: string, args: readonly string[], portBase: number): string[] {
  const [mode = '', id = '', ...rest] = args;
  const values: Record<string, string> = {
    mode,
    args: [id, ...rest].join(' '),
    id,
    port_base: String(portBase),
    port: String(portBase + Number(id)),
  };
  const filled = template.replace(/\{(mode|args|id|port_base|port)\}/g, (_, name: string) => values[name] ?? '');
  return ['/bin/sh', '-c', filled];
}
