/**
 * Plays a scenario on real peers and checks them against the model: starts
 * the scenario's ring as child-process peers sharing one data directory,
 * performs each step as soon as the previous one has printed all its lines
 * (under Chord, once every peer's fingers are the perfect ones, as the model
 * assumes), and compares every peer's course lines, step by step and over
 * the whole run, and every received file byte for byte, with what the model
 * derives. No sleeps: every wait is for an event, with a deadline that grows
 * with the ping interval and the number of peers.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { P2PError } from '../errors.js';
import { courseLines, PeerNetwork, performAction, printedBy } from '../testnet/network.js';
import type { RoutingMode } from '../routing/types.js';
import { fileContent } from '../model/generate.js';
import { fileReceived } from '../model/lines.js';
import { initTriples } from '../model/ring-model.js';
import { runScenario, type ModelRun, type Scenario, type ScenarioFile } from '../model/scenario.js';
import { describeStep, type ServiceStep } from '../model/step.js';
import { mismatches, type LineMismatch } from '../model/transcript.js';
import { detectionMs, pingTiming } from '../timing.js';

/** Options of a live run. */
export interface LiveRunOptions {
  readonly scenario: Scenario;
  readonly routing: RoutingMode;
  /** Peer N listens on portBase + N: 256 ports from here must be free. */
  readonly portBase: number;
  readonly pingSeconds: number;
  /** The peers' shared working directory (their data directory); should start empty. */
  readonly dir: string;
  /** Extra arguments for every peer. */
  readonly extraArgs?: readonly string[];
  /** Aborting it stops every peer at once (the run then ends with an error). */
  readonly signal?: AbortSignal;
  /** Called once the ring has started, with the milliseconds it took. */
  readonly onStart?: (ms: number) => void;
  /** Called as each step ends. */
  readonly onStep?: (result: LiveStepResult) => void;
}

/** A received copy compared with the bytes the scenario wrote. */
export interface FileCheck {
  readonly file: string;
  readonly requester: number;
  readonly identical: boolean;
  readonly detail: string;
}

/** One step of a live run. */
export interface LiveStepResult {
  readonly index: number;
  readonly step: ServiceStep;
  readonly title: string;
  /** Every peer's expected lines (running peers not named: none). */
  readonly expected: Readonly<Record<number, readonly string[]>>;
  readonly printed: Readonly<Record<number, readonly string[]>>;
  readonly mismatches: readonly LineMismatch[];
  readonly files: readonly FileCheck[];
  readonly ms: number;
}

/** The outcome of a live run. */
export interface LiveRunResult {
  readonly ok: boolean;
  readonly scenario: Scenario;
  readonly routing: RoutingMode;
  readonly model: ModelRun;
  /** The steps run, up to the first that failed. */
  readonly steps: readonly LiveStepResult[];
  /** After every step passed: each peer's whole transcript against the model's. */
  readonly whole: readonly LineMismatch[];
  /** Why the run stopped early (a deadline, a peer that would not quit), if it did. */
  readonly error?: Error | undefined;
  /** Where it stopped: the index of the step under way, or -1 for the start of the ring. */
  readonly stoppedAt?: number | undefined;
  /** Every peer that ran, its events kept (the network is stopped). */
  readonly network: PeerNetwork;
  readonly ms: number;
}

/** Deadlines of a live run, from the ping interval and the number of peers. */
export interface LiveDeadlines {
  /** Every peer started and pinged by both its predecessors. */
  readonly startMs: number;
  /** One step's lines, a kill's repair included. */
  readonly stepMs: number;
  /** Every peer's fingers perfect (Chord). */
  readonly fingersMs: number;
}

/**
 * Deadlines that grow with the ping interval and the number of peers. A
 * kill is noticed after up to one interval plus PING_MISSES_DEAD ping
 * timeouts and repaired one round trip later; a start settles once every
 * peer has pinged twice. Chord's fingers are perfect a few maintenance
 * rounds (one per interval) after a change, and every peer of six threads
 * slows the others on a two-core machine, hence the per-peer terms. The
 * constant covers a loaded CI machine. Starting the ring is not under test
 * and costs most: each peer is a process of six threads, up to twelve start
 * at once, about a second each on an idle machine and many more on a busy one.
 */
export function liveDeadlines(pingSeconds: number, peers: number): LiveDeadlines {
  const pingMs = pingSeconds * 1000;
  const stepMs = 10_000 + 3 * pingMs + detectionMs(pingTiming(pingMs)) + 750 * peers;
  return { startMs: 30_000 + 4 * pingMs + 5_000 * peers, stepMs, fingersMs: stepMs + 30 * pingMs + 500 * peers };
}

/** Runs `opts.scenario` on live peers; always stops them before it resolves. */
export async function runLive(opts: LiveRunOptions): Promise<LiveRunResult> {
  const { scenario, routing } = opts;
  const started = Date.now();
  const model = runScenario(scenario, routing);
  const net = new PeerNetwork({
    dir: opts.dir,
    portBase: opts.portBase,
    pingSeconds: opts.pingSeconds,
    extraArgs: [...(opts.extraArgs ?? []), '--routing', routing],
  });
  const steps: LiveStepResult[] = [];
  const written = new Set<string>();
  const files = new Map(scenario.files.map((f) => [f.name, f]));
  const deadlines = (): LiveDeadlines => liveDeadlines(opts.pingSeconds, Math.max(1, net.ring().length));
  let error: Error | undefined;
  let stoppedAt = -1;
  let whole: LineMismatch[] = [];
  // An abort stops the peers and ends whatever wait is under way at once
  // (the waits would otherwise run to their deadlines on silent peers).
  let onAbort: () => void = () => undefined;
  const aborted = new Promise<never>((_, reject) => {
    onAbort = () => {
      void net.stopAll();
      reject(new P2PError('ERR_NOT_RUNNING', 'the run was interrupted'));
    };
  });
  aborted.catch(() => undefined); // raced below; never unhandled
  const until = <T>(p: Promise<T>): Promise<T> => Promise.race([p, aborted]);
  opts.signal?.addEventListener('abort', onAbort, { once: true });
  try {
    opts.signal?.throwIfAborted();
    for (const [id, s1, s2] of initTriples(scenario.ring)) net.init(id, s1, s2);
    await until(net.settlePings(new Map(), deadlines().startMs));
    opts.onStart?.(Date.now() - started);
    for (const [index, modelled] of model.steps.entries()) {
      stoppedAt = index;
      const stepStarted = Date.now();
      const step = modelled.step;
      if (routing === 'chord' && step.kind !== 'quit' && step.kind !== 'kill') await until(net.settleFingers(deadlines().fingersMs));
      if (step.kind === 'store' && !written.has(step.file)) {
        const file = files.get(step.file);
        if (file !== undefined) await writeFile(opts.dir, scenario.seed, file);
        written.add(step.file);
      }
      // Running peers the step does not name must print nothing; so must a departing one.
      const departing = step.kind === 'quit' || step.kind === 'kill' ? [step.peer] : [];
      const expected = {
        ...Object.fromEntries([...net.ring(), ...departing].map((id) => [id, [] as readonly string[]])),
        ...modelled.lines,
      };
      const marks = net.marks();
      const { stepMs } = deadlines();
      await until(performAction(net, step, stepMs));
      const printed = await until(printedBy(net, marks, expected, stepMs));
      const checks = step.kind === 'request' ? await checkReceived(opts.dir, scenario.seed, files, step, modelled.lines) : [];
      const result: LiveStepResult = {
        index,
        step,
        title: describeStep(step),
        expected,
        printed,
        mismatches: mismatches(expected, printed),
        files: checks,
        ms: Date.now() - stepStarted,
      };
      steps.push(result);
      opts.onStep?.(result);
      if (result.mismatches.length > 0 || checks.some((c) => !c.identical)) break;
    }
    if (steps.length === model.steps.length && steps.every(passed)) {
      // Nothing printed between two steps' windows escapes: every line each
      // peer printed from its start, against the model's whole transcript.
      const printed = Object.fromEntries(net.history.map((p) => [p.id, courseLines(p)]));
      whole = mismatches(model.transcripts, printed);
    }
  } catch (err) {
    error = err instanceof Error ? err : new Error(String(err));
  } finally {
    opts.signal?.removeEventListener('abort', onAbort);
    await net.stopAll();
  }
  const ok = error === undefined && steps.length === model.steps.length && steps.every(passed) && whole.length === 0;
  return {
    ok,
    scenario,
    routing,
    model,
    steps,
    whole,
    error,
    stoppedAt: error === undefined ? undefined : stoppedAt,
    network: net,
    ms: Date.now() - started,
  };
}

function passed(s: LiveStepResult): boolean {
  return s.mismatches.length === 0 && s.files.every((c) => c.identical);
}

/** The name a file has on disk. */
function diskName(file: ScenarioFile): string {
  return `${file.name}${file.ext}`;
}

async function writeFile(dir: string, seed: number, file: ScenarioFile): Promise<void> {
  await fs.writeFile(path.join(dir, diskName(file)), fileContent(seed, file));
}

/**
 * After a Request whose requester the model says receives the file: its
 * copy, `received_NNNN<ext>`, must be the scenario's bytes exactly (and the
 * original must still be too).
 */
async function checkReceived(
  dir: string,
  seed: number,
  files: ReadonlyMap<string, ScenarioFile>,
  step: Extract<ServiceStep, { kind: 'request' }>,
  lines: Readonly<Record<number, readonly string[]>>,
): Promise<FileCheck[]> {
  const file = files.get(step.file);
  if (file === undefined || !(lines[step.at] ?? []).includes(fileReceived(step.file))) return [];
  const want = fileContent(seed, file);
  const check = async (name: string): Promise<string | undefined> => {
    let got: Buffer;
    try {
      got = await fs.readFile(path.join(dir, name));
    } catch {
      return `${name} is missing`;
    }
    if (got.length !== want.length) return `${name} has ${got.length} bytes, not ${want.length}`;
    if (got.equals(want)) return undefined;
    return `${name} differs from byte ${got.findIndex((b, i) => b !== want[i])} on`;
  };
  const problems = (await Promise.all([check(`received_${diskName(file)}`), check(diskName(file))])).filter((p): p is string => p !== undefined);
  return [{ file: step.file, requester: step.at, identical: problems.length === 0, detail: problems.join('; ') || 'identical' }];
}
