/**
 * `npm run fuzz:live -- [--seeds N] [--from SEED | --seed SEED[,SEED…]] [--routing
 * ring|ring-list|chord] [--port-base N] [--ping SECONDS] [--out DIR] [--verbose]`
 *
 * Generates one scenario per seed (src/model/generate.ts), plays it on live
 * peers (live-runner.ts) and prints one progress line per seed: seed, peers,
 * steps, ok or FAIL, seconds. A failing seed prints the one command that
 * replays it and keeps every peer's events and transcript, the scenario and
 * a report in a directory it names. A summary ends the run (also written as
 * summary.json); the exit code is 1 when any seed failed.
 */
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { isRoutingMode, ROUTING_MODES, type RoutingMode } from '../routing/types.js';
import { generateScenario } from '../model/generate.js';
import { runLive, type LiveRunResult } from './live-runner.js';
import type { Scenario } from '../model/scenario.js';
import { describeStep } from '../model/step.js';
import { formatMismatch } from '../model/transcript.js';

/** Options of a fuzz run. */
export interface FuzzOptions {
  readonly seeds: readonly number[];
  readonly routing: RoutingMode;
  readonly portBase: number;
  readonly pingSeconds: number;
  /** Where failing seeds keep their transcripts. */
  readonly out: string;
  /** One line per step too. */
  readonly verbose: boolean;
}

/** Default first port: clear of every test file's and benchmark's ports (test/unit/fixtures-ports.test.ts checks), below the ephemeral range. */
export const FUZZ_PORT_BASE = 32000;
const DEFAULT_PING_SECONDS = 0.5;

/** Parses the command line; throws RangeError naming the bad option. */
export function parseFuzzArgs(argv: readonly string[]): FuzzOptions {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      seeds: { type: 'string' },
      from: { type: 'string' },
      seed: { type: 'string' },
      routing: { type: 'string' },
      'port-base': { type: 'string' },
      ping: { type: 'string' },
      out: { type: 'string' },
      verbose: { type: 'boolean' },
    },
    strict: true,
    allowPositionals: false,
  });
  const int = (name: string, raw: string | undefined, fallback: number, min: number, max: number): number => {
    if (raw === undefined) return fallback;
    const n = Number(raw);
    if (!Number.isInteger(n) || n < min || n > max) throw new RangeError(`--${name} must be an integer from ${min} to ${max}, got "${raw}"`);
    return n;
  };
  const routing = values.routing ?? 'ring';
  if (!isRoutingMode(routing)) {
    throw new RangeError(`--routing must be one of ${ROUTING_MODES.join(', ')}, got "${routing}"`);
  }
  if (values.seed !== undefined && (values.seeds !== undefined || values.from !== undefined)) {
    throw new RangeError('--seed replays one seed: it does not go with --seeds or --from');
  }
  const count = int('seeds', values.seeds, 20, 1, 1_000_000);
  const from = int('from', values.from, 1, 0, 2 ** 32 - 1);
  // --seed takes one seed, or several separated by commas (the failures of an earlier run).
  const seeds =
    values.seed === undefined
      ? Array.from({ length: count }, (_, i) => from + i)
      : values.seed.split(',').map((one) => int('seed', one.trim(), 0, 0, 2 ** 32 - 1));
  const pingSeconds = values.ping === undefined ? DEFAULT_PING_SECONDS : Number(values.ping);
  if (!Number.isFinite(pingSeconds) || pingSeconds < 0.1 || pingSeconds > 60) {
    throw new RangeError(`--ping must be a number of seconds from 0.1 to 60, got "${values.ping ?? ''}"`);
  }
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  return {
    seeds,
    routing,
    portBase: int('port-base', values['port-base'], FUZZ_PORT_BASE, 1024, 65535 - 255),
    pingSeconds,
    out: path.resolve(values.out ?? path.join(os.tmpdir(), `p2p-fuzz-live-${stamp}`)),
    verbose: values.verbose === true,
  };
}

/** The one command that replays `seed` as it ran. */
export function replayCommand(seed: number, opts: Pick<FuzzOptions, 'routing' | 'pingSeconds'>): string {
  const ping = opts.pingSeconds === DEFAULT_PING_SECONDS ? '' : ` --ping ${opts.pingSeconds}`;
  return `npm run fuzz:live -- --seed ${seed} --routing ${opts.routing}${ping}`;
}

/** The first thing that went wrong, in one line. */
export function diagnosis(result: LiveRunResult): string {
  const failed = result.steps.find((s) => s.mismatches.length > 0 || s.files.some((f) => !f.identical));
  if (failed !== undefined) {
    const where = `step ${failed.index + 1} (${failed.title})`;
    const m = failed.mismatches[0];
    if (m !== undefined) {
      return (
        `${where}: peer ${m.peer} printed ${JSON.stringify(m.actual)}, expected ${JSON.stringify(m.expected)}` +
        (failed.mismatches.length > 1 ? ` (and ${failed.mismatches.length - 1} more peers)` : '')
      );
    }
    return `${where}: ${failed.files.find((f) => !f.identical)?.detail ?? 'file differs'}`;
  }
  if (result.error !== undefined) {
    const at = result.stoppedAt ?? -1;
    const step = result.scenario.steps[at];
    const where = step === undefined ? `start of the ring (${result.scenario.ring.length} peers)` : `step ${at + 1} (${describeStep(step)})`;
    return `${where}: ${result.error.message.split('\n')[0] ?? ''}`;
  }
  const w = result.whole[0];
  return w === undefined
    ? 'ok'
    : `whole transcript of peer ${w.peer}: printed ${JSON.stringify(w.actual)}, expected ${JSON.stringify(w.expected)}`;
}

/** Writes everything a failing seed leaves behind into `dir`. */
export async function keepTranscripts(result: LiveRunResult, dir: string, replay: string): Promise<void> {
  await fs.mkdir(dir, { recursive: true });
  const seen = new Map<number, number>();
  for (const peer of result.network.history) {
    const run = (seen.get(peer.id) ?? 0) + 1;
    seen.set(peer.id, run);
    const name = `peer-${peer.id}${run > 1 ? `-run${run}` : ''}`;
    await fs.writeFile(path.join(dir, `${name}.events.jsonl`), peer.events.map((e) => JSON.stringify(e)).join('\n') + '\n');
    await fs.writeFile(
      path.join(dir, `${name}.transcript.txt`),
      peer.transcript.map((l) => `${l.stream === 'stderr' ? '! ' : ''}${l.text}`).join('\n') + '\n',
    );
  }
  await fs.writeFile(path.join(dir, 'scenario.json'), JSON.stringify(result.scenario, null, 2) + '\n');
  await fs.writeFile(
    path.join(dir, 'model.json'),
    JSON.stringify(
      result.model.steps.map((s) => ({ step: describeStep(s.step), lines: s.lines })),
      null,
      2,
    ) + '\n',
  );
  await fs.writeFile(path.join(dir, 'report.txt'), failureReport(result, replay));
}

/** Everything about a run that went wrong, as text: the scenario, the diagnosis, each step's mismatches. */
export function failureReport(result: LiveRunResult, replay: string): string {
  const s = result.scenario;
  const out = [
    `seed ${s.seed}, ${result.routing} routing: ${result.ok ? 'ok' : 'FAIL'}`,
    `replay: ${replay}`,
    `ring: ${s.ring.join(' ')}`,
    `files: ${s.files.map((f) => `${f.name}${f.ext} (${f.size} B)`).join(', ')}`,
    'steps:',
    ...s.steps.map((step, i) => `  ${i + 1}. ${describeStep(step)}`),
    '',
    `diagnosis: ${diagnosis(result)}`,
  ];
  for (const step of result.steps) {
    out.push('', `step ${step.index + 1}: ${step.title} (${step.ms} ms)${passedStep(step) ? ', as modelled' : ''}`);
    out.push(...step.mismatches.map(formatMismatch), ...step.files.map((f) => `file ${f.file} at peer ${f.requester}: ${f.detail}`));
  }
  if (result.whole.length > 0) out.push('', 'whole transcripts:', ...result.whole.map(formatMismatch));
  if (result.error !== undefined) out.push('', `stopped: ${result.error.message}`);
  const stderr = result.network.history.flatMap((p) =>
    p.transcript.filter((l) => l.stream === 'stderr').map((l) => `  peer ${p.id}: ${l.text}`),
  );
  if (stderr.length > 0) out.push('', 'stderr:', ...stderr);
  return out.join('\n') + '\n';
}

function passedStep(s: LiveRunResult['steps'][number]): boolean {
  return s.mismatches.length === 0 && s.files.every((f) => f.identical);
}

/** One seed's progress line. */
function progress(scenario: Scenario, result: LiveRunResult, seconds: number): string {
  const verdict = result.ok ? 'ok  ' : 'FAIL';
  return `seed ${String(scenario.seed).padEnd(8)} peers ${String(scenario.ring.length).padStart(2)}  steps ${String(scenario.steps.length).padStart(2)}  ${verdict}  ${seconds.toFixed(1).padStart(6)} s`;
}

/** Runs every seed (until `signal` aborts); resolves with the exit code. */
export async function runFuzz(opts: FuzzOptions, print: (line: string) => void = console.log, signal?: AbortSignal): Promise<number> {
  const first = opts.seeds[0] ?? 0;
  const contiguous = opts.seeds.every((s, i) => s === first + i);
  const which =
    opts.seeds.length === 1 ? `seed ${first}` : contiguous ? `seeds ${first}..${String(opts.seeds.at(-1))}` : `seeds ${opts.seeds.join(',')}`;
  print(`fuzz:live: ${opts.routing} routing, ${which}, ` + `ping ${opts.pingSeconds} s, ports ${opts.portBase}.., failures kept in ${opts.out}`);
  const started = Date.now();
  const failed: { seed: number; diagnosis: string; replay: string; transcripts: string }[] = [];
  let passed = 0;
  let ran = 0;
  const interrupted = (): boolean => signal?.aborted === true; // read afresh: it changes under the awaits
  for (const seed of opts.seeds) {
    if (interrupted()) break;
    ran += 1;
    const scenario = generateScenario(seed);
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), `p2p-fuzz-${seed}-`));
    const t0 = Date.now();
    try {
      const result = await runLive({
        scenario,
        routing: opts.routing,
        portBase: opts.portBase,
        pingSeconds: opts.pingSeconds,
        dir,
        ...(signal === undefined ? {} : { signal }),
        onStart: (ms) => {
          if (opts.verbose) print(`    ring of ${scenario.ring.length} started and pinged in ${ms} ms`);
        },
        onStep: (s) => {
          if (opts.verbose)
            print(`    step ${String(s.index + 1).padStart(2)} ${passedStep(s) ? 'ok  ' : 'FAIL'} ${String(s.ms).padStart(6)} ms  ${s.title}`);
        },
      });
      if (interrupted() && !result.ok) {
        ran -= 1; // not a verdict: its peers were stopped under it
        print(`seed ${seed} interrupted`);
        break;
      }
      print(progress(scenario, result, (Date.now() - t0) / 1000));
      if (result.ok) {
        passed += 1;
      } else {
        const replay = replayCommand(seed, opts);
        const transcripts = path.join(opts.out, `${opts.routing}-seed-${seed}`);
        await keepTranscripts(result, transcripts, replay);
        const why = diagnosis(result);
        failed.push({ seed, diagnosis: why, replay, transcripts });
        print(`    ${why}`);
        print(`    replay: ${replay}`);
        print(`    transcripts: ${transcripts}`);
      }
    } finally {
      await fs.rm(dir, { recursive: true, force: true });
    }
  }
  const seconds = (Date.now() - started) / 1000;
  const summary = {
    routing: opts.routing,
    pingSeconds: opts.pingSeconds,
    seeds: ran,
    interrupted: ran < opts.seeds.length,
    passed,
    failed,
    seconds,
    node: process.version,
    cpus: os.cpus().length,
    date: new Date().toISOString(),
  };
  await fs.mkdir(opts.out, { recursive: true });
  const file = path.join(opts.out, 'summary.json');
  await fs.writeFile(file, JSON.stringify(summary, null, 2) + '\n');
  print(
    `summary: ${ran} seeds${ran < opts.seeds.length ? ` (interrupted, of ${opts.seeds.length})` : ''} under ${opts.routing}, ${passed} ok, ${failed.length} failed` +
      `${failed.length > 0 ? ` (seeds ${failed.map((f) => f.seed).join(', ')})` : ''} in ${seconds.toFixed(0)} s; ${file}`,
  );
  if (failed.length > 0) return 1;
  return ran < opts.seeds.length ? 130 : 0;
}

// Run as a script (npm run fuzz:live), not when imported.
if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  // Ctrl-C stops the peers of the seed under way and ends with the summary of the seeds run.
  const interrupt = new AbortController();
  process.once('SIGINT', () => interrupt.abort());
  try {
    process.exitCode = await runFuzz(parseFuzzArgs(process.argv.slice(2)), console.log, interrupt.signal);
  } catch (err) {
    process.stderr.write(`fuzz:live: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 2;
  }
}
