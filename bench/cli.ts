/**
 * The command line every benchmark shares: `--help`, `--quick`,
 * `--port-base N` and each benchmark's own options (sizes, N, runs...),
 * declared once as a table from which both the parser and the usage text
 * are made. A mistake is a RangeError naming the option; the entry point
 * prints it as one line and exits 2.
 */
import { parseArgs } from 'node:util';

/** How an option's value is read. */
export type OptionKind = 'flag' | 'int' | 'ints' | 'number' | 'numbers' | 'bytes' | 'names';

/** One option of a benchmark. */
export interface BenchOption {
  readonly kind: OptionKind;
  /** What the value is called in the usage text (`N`, `SIZES`...). */
  readonly arg?: string;
  readonly help: string;
  readonly min?: number;
  readonly max?: number;
  /** For `names`: the names allowed. */
  readonly choices?: readonly string[];
}

/** A benchmark's options by name (without the dashes). */
export type BenchOptionTable = Readonly<Record<string, BenchOption>>;

/** Values read: a flag is true, a number a number, a list an array; an option not given is absent. */
export type BenchValues = Readonly<Record<string, boolean | number | readonly number[] | readonly string[] | undefined>>;

/** The options of every benchmark. */
export const COMMON_OPTIONS = {
  help: { kind: 'flag', help: 'print this text and exit' },
  quick: { kind: 'flag', help: 'a short run (seconds, not minutes): fewer sizes, runs and peers' },
  'port-base': {
    kind: 'int',
    arg: 'N',
    min: 1024,
    max: 64_900,
    help: 'peers listen on N + ID (N..N+255); start-up peers on N+300.., floors on N+260..N+270 (default: each benchmark its own, below 32768)',
  },
} as const satisfies BenchOptionTable;

const UNITS: Readonly<Record<string, number>> = { '': 1, b: 1, k: 1024, kib: 1024, m: 1024 ** 2, mib: 1024 ** 2, g: 1024 ** 3, gib: 1024 ** 3 };

/** `64k` → 65536, `1m` → 1048576, `1g`, or plain bytes. Undefined when unreadable. */
export function parseBytes(text: string): number | undefined {
  const m = /^(\d+(?:\.\d+)?)\s*([a-z]*)$/i.exec(text.trim());
  const unit = UNITS[(m?.[2] ?? '').toLowerCase()];
  if (m === null || unit === undefined) return undefined;
  const bytes = Math.round(Number(m[1]) * unit);
  return Number.isSafeInteger(bytes) ? bytes : undefined;
}

function readValue(name: string, spec: BenchOption, text: string): number | readonly number[] | readonly string[] {
  const range = `${spec.min ?? '-∞'}..${spec.max ?? '∞'}`;
  const bad = (why: string): RangeError => new RangeError(`--${name} ${why}, got "${text}"`);
  const inRange = (n: number): boolean => (spec.min === undefined || n >= spec.min) && (spec.max === undefined || n <= spec.max);
  const one = (t: string): number => {
    const n = spec.kind === 'bytes' ? parseBytes(t) : Number(t);
    const whole = spec.kind === 'int' || spec.kind === 'ints' || spec.kind === 'bytes';
    if (n === undefined || t.trim() === '' || !Number.isFinite(n) || (whole && !Number.isInteger(n)) || !inRange(n)) {
      const what = spec.kind === 'bytes' ? 'sizes such as 1k, 64k, 1m' : whole ? 'whole numbers' : 'numbers';
      throw bad(`takes ${spec.kind.endsWith('s') ? 'comma-separated ' : ''}${what} in ${range}`);
    }
    return n;
  };
  switch (spec.kind) {
    case 'int':
    case 'number':
      return one(text);
    case 'ints':
    case 'numbers':
    case 'bytes':
      return text.split(',').map(one);
    case 'names': {
      const names = text.split(',').map((s) => s.trim());
      const unknown = names.filter((n) => !(spec.choices ?? []).includes(n));
      if (names.length === 0 || unknown.length > 0) throw bad(`takes names among ${(spec.choices ?? []).join(', ')}`);
      return names;
    }
    case 'flag':
      throw bad('is a flag and takes no value');
  }
}

/** Reads `argv` against `COMMON_OPTIONS` and `table`; throws a RangeError naming the first mistake. */
export function parseBenchArgs(argv: readonly string[], table: BenchOptionTable): BenchValues {
  const all: BenchOptionTable = { ...COMMON_OPTIONS, ...table };
  const { tokens } = parseArgs({
    args: [...argv],
    options: Object.fromEntries(Object.entries(all).map(([n, s]) => [n, { type: s.kind === 'flag' ? 'boolean' : 'string' }])),
    strict: false,
    allowPositionals: true,
    tokens: true,
  });
  const values: Record<string, boolean | number | readonly number[] | readonly string[]> = {};
  for (const token of tokens) {
    if (token.kind === 'positional') throw new RangeError(`unexpected argument "${token.value}" (see --help)`);
    if (token.kind === 'option-terminator') continue;
    const spec = all[token.name];
    if (spec === undefined || !token.rawName.startsWith('--')) throw new RangeError(`unknown option ${token.rawName} (see --help)`);
    if (spec.kind === 'flag') {
      if (token.value !== undefined) throw new RangeError(`--${token.name} is a flag and takes no value`);
      values[token.name] = true;
    } else if (token.value === undefined) {
      throw new RangeError(`--${token.name} needs a value (${spec.arg ?? 'VALUE'})`);
    } else {
      values[token.name] = readValue(token.name, spec, token.value);
    }
  }
  return values;
}

/** The usage text of a benchmark. */
export function benchUsage(command: string, summary: string, table: BenchOptionTable): string {
  const rows = Object.entries<BenchOption>({ ...table, ...COMMON_OPTIONS }).map(([name, spec]) => {
    const left = `  --${name}${spec.kind === 'flag' ? '' : ` ${spec.arg ?? 'VALUE'}`}`;
    return `${left.padEnd(24)}${left.length >= 24 ? `\n${' '.repeat(24)}` : ''}${spec.help}`;
  });
  return `Usage: ${command} [options]\n\n${summary}\n\nOptions:\n${rows.join('\n')}`;
}

/** A number option's value, or `fallback`. */
export function intOf(values: BenchValues, name: string, fallback: number): number {
  const v = values[name];
  return typeof v === 'number' ? v : fallback;
}

/** A list option's value, or `fallback`. */
export function listOf<T extends number | string>(values: BenchValues, name: string, fallback: readonly T[]): readonly T[] {
  const v = values[name];
  return Array.isArray(v) ? (v as readonly T[]) : fallback;
}

/** Where a benchmark's sockets go when `--port-base N` is given: every benchmark's peers on N + ID. */
export interface PortPlan {
  /** Peers: N..N+255. */
  readonly peers: number;
  /** The hop floor's three ports. */
  readonly hopFloor: number;
  /** The small-file floor's server. */
  readonly fileFloor: number;
  /** The start-up peers: N+300..N+555. */
  readonly startup: number;
}

/** The ports of `--port-base N` (N..N+555). */
export function portPlan(base: number): PortPlan {
  return { peers: base, hopFloor: base + 260, fileFloor: base + 270, startup: base + 300 };
}

/** A benchmark's command line: its options, and how they make its run options. */
export interface BenchCommand<O> {
  /** `npm run bench:hops`... */
  readonly command: string;
  readonly summary: string;
  readonly options: BenchOptionTable;
  /** The run options from the values read (`--quick` and `--port-base` included). */
  readonly configure: (values: BenchValues) => O;
}

/**
 * Reads a benchmark's argv: undefined after printing the usage (`--help`,
 * exit code 0) or a mistake (one line on stderr, exit code 2); the run
 * options otherwise.
 */
export function commandLine<O>(cmd: BenchCommand<O>, argv: readonly string[]): O | undefined {
  try {
    const values = parseBenchArgs(argv, cmd.options);
    if (values.help === true) {
      console.log(benchUsage(cmd.command, cmd.summary, cmd.options));
      return undefined;
    }
    return cmd.configure(values);
  } catch (err) {
    const name = cmd.command.replace(/^npm run /, '').replace(/ --$/, '');
    console.error(`${name}: ${err instanceof Error ? err.message : String(err)}`);
    process.exitCode = 2;
    return undefined;
  }
}
