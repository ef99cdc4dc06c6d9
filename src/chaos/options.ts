/**
 * Options of a chaos run, their defaults, the parser of `npm run chaos --
 * ...` and the one command that replays a run. Bad options throw TypeError
 * (not a number, unknown flag) or RangeError (out of range), naming the
 * option.
 */
import { DEFAULT_PORT_BASE, MAX_SUCCESSORS } from '../constants.js';
import { isRoutingMode, ROUTING_MODES, type RoutingMode } from '../routing/types.js';
import { DEFAULT_SEED, MIN_LIVE_PEERS } from './constants.js';

/** Everything that decides a run; the same options and seed draw the same faults in the same order. */
export interface ChaosOptions {
  readonly routing: RoutingMode;
  /** Peers at the start (the network grows and shrinks around this). */
  readonly peers: number;
  /** Length of the fault phase, in seconds (setup, settling and checks come on top). */
  readonly seconds: number;
  readonly seed: number;
  /** Ping interval of every peer, in seconds. */
  readonly ping: number;
  /** Successor list length r (`--successors`): r - 1 faults at a time at most. */
  readonly successors: number;
  readonly portBase: number;
  /** Files stored at the start. */
  readonly files: number;
  /** Largest file, in bytes (sizes are log-uniform from 1 B). */
  readonly maxFileBytes: number;
  /** Run directory (data, transcripts, result); undefined: a fresh one under the system's temporary directory. */
  readonly out?: string | undefined;
  /** Keep peer data and transcripts even when the run passes. */
  readonly keep: boolean;
}

/** Defaults of every option. */
export const DEFAULT_CHAOS_OPTIONS: ChaosOptions = {
  routing: 'ring',
  peers: 24,
  seconds: 120,
  seed: DEFAULT_SEED,
  ping: 1,
  successors: 2,
  portBase: DEFAULT_PORT_BASE,
  files: 40,
  maxFileBytes: 3 * 1024 * 1024,
  out: undefined,
  keep: false,
};

/** Usage text of `npm run chaos`. */
export const CHAOS_USAGE = [
  'Usage: npm run chaos -- [options]',
  '  --routing ring|ring-list|chord   routing of every peer (default ring)',
  '  --peers N         peers at the start (default 24)',
  '  --seconds S       length of the fault phase (default 120)',
  `  --seed S          seed of every random choice (default ${DEFAULT_SEED})`,
  '  --ping S          ping interval in seconds (default 1)',
  '  --successors R    successor list length; at most R-1 faults at a time (default 2)',
  `  --port-base N     peer ID i listens on N+i (default ${DEFAULT_PORT_BASE})`,
  '  --files K         files stored at the start (default 40)',
  '  --max-file-bytes B  largest file (default 3 MiB; sizes log-uniform from 1 B)',
  '  --out DIR         run directory (default: a fresh one under the temporary directory)',
  '  --keep            keep peer data and transcripts when the run passes',
].join('\n');

type Key = Exclude<keyof ChaosOptions, 'routing' | 'out' | 'keep'>;

const NUMERIC: Readonly<Record<string, { key: Key; min: number; max: number; integer: boolean }>> = {
  '--peers': { key: 'peers', min: MIN_LIVE_PEERS + 2, max: 200, integer: true },
  '--seconds': { key: 'seconds', min: 1, max: 86_400, integer: false },
  '--seed': { key: 'seed', min: 0, max: 2 ** 32 - 1, integer: true },
  '--ping': { key: 'ping', min: 0.1, max: 60, integer: false },
  '--successors': { key: 'successors', min: 2, max: MAX_SUCCESSORS, integer: true },
  '--port-base': { key: 'portBase', min: 1024, max: 65_535 - 255, integer: true },
  '--files': { key: 'files', min: 1, max: 5000, integer: true },
  '--max-file-bytes': { key: 'maxFileBytes', min: 1, max: 1 << 30, integer: true },
};

/** Parses `argv` (the words after `npm run chaos --`). `--help` is the caller's to handle. */
export function parseChaosArgs(argv: readonly string[]): ChaosOptions {
  const out: { -readonly [K in keyof ChaosOptions]: ChaosOptions[K] } = { ...DEFAULT_CHAOS_OPTIONS };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i] as string;
    if (flag === '--keep') {
      out.keep = true;
      continue;
    }
    const value = argv[i + 1];
    if (value === undefined) throw new TypeError(`${flag} needs a value`);
    i += 1;
    if (flag === '--routing') {
      if (!isRoutingMode(value)) {
        throw new RangeError(`--routing must be one of ${ROUTING_MODES.join(', ')}, got "${value}"`);
      }
      out.routing = value;
      continue;
    }
    if (flag === '--out') {
      out.out = value;
      continue;
    }
    const spec = NUMERIC[flag];
    if (spec === undefined) throw new TypeError(`unknown option ${flag}\n${CHAOS_USAGE}`);
    const n = Number(value);
    if (value.trim() === '' || !Number.isFinite(n)) throw new TypeError(`${flag} must be a number, got "${value}"`);
    if ((spec.integer && !Number.isInteger(n)) || n < spec.min || n > spec.max) {
      throw new RangeError(`${flag} must be ${spec.integer ? 'an integer' : 'a number'} from ${spec.min} to ${spec.max}, got ${value}`);
    }
    out[spec.key] = n;
  }
  // Room for one fault beyond those that may run at once, above the floor.
  const least = MIN_LIVE_PEERS + out.successors;
  if (out.peers < least) throw new RangeError(`--peers must be at least ${least} with --successors ${out.successors}, got ${out.peers}`);
  return out;
}

/** The one command that replays a run: every option that decides it, written out. */
export function replayCommand(o: ChaosOptions): string {
  return [
    'npm run chaos --',
    `--routing ${o.routing}`,
    `--peers ${o.peers}`,
    `--seconds ${o.seconds}`,
    `--seed ${o.seed}`,
    `--ping ${o.ping}`,
    `--successors ${o.successors}`,
    `--port-base ${o.portBase}`,
    `--files ${o.files}`,
    ...(o.maxFileBytes === DEFAULT_CHAOS_OPTIONS.maxFileBytes ? [] : [`--max-file-bytes ${o.maxFileBytes}`]),
  ].join(' ');
}
