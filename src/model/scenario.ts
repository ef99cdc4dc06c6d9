/**
 * A scenario: an initial ring, the files its steps name, and a sequence of
 * steps. Run through the model, it gives every line each peer prints at
 * each step and over the whole run; the live runner plays the same scenario
 * on real peers and compares.
 */
import type { RoutingMode } from '../routing/types.js';
import type { Ring } from './ring-model.js';
import type { ServiceStep } from './step.js';
import { linesOf, type ModelState, type StepLines } from './step-lines.js';

/** A file a scenario stores and requests. */
export interface ScenarioFile {
  /** Four digits: its key is the number mod 256. */
  readonly name: string;
  /** Extension with its dot (`.bin`), or empty. */
  readonly ext: string;
  /** Size in bytes. */
  readonly size: number;
}

/** What the generator makes, and what the model and the live runner play. */
export interface Scenario {
  /** The seed it was generated from (replays it). */
  readonly seed: number;
  /** The peers started with `init`, each with its true two successors. */
  readonly ring: Ring;
  /**
   * Every file the steps name. Each is written into the peers' shared data
   * directory right before the first Store that names it, so the typing
   * peer always has it.
   */
  readonly files: readonly ScenarioFile[];
  readonly steps: readonly ServiceStep[];
}

/** Every step's lines, and every peer's lines over the whole run. */
export interface ModelRun {
  readonly steps: readonly StepLines[];
  /** Per peer ID, everything it prints from its start to the end, in order. */
  readonly transcripts: Readonly<Record<number, readonly string[]>>;
  /** The state after the last step. */
  readonly end: ModelState;
}

/**
 * Runs `steps` through the model from `start`. `beforeStep` may change the
 * state first (a file written into the data directory).
 */
export function runSteps(
  start: ModelState,
  steps: readonly ServiceStep[],
  routing: RoutingMode,
  beforeStep: (state: ModelState, step: ServiceStep) => ModelState = (s) => s,
): ModelRun {
  const out: StepLines[] = [];
  const transcripts: Record<number, string[]> = {};
  let state = start;
  for (const step of steps) {
    const result = linesOf(beforeStep(state, step), step, routing);
    for (const [peer, lines] of Object.entries(result.lines)) (transcripts[Number(peer)] ??= []).push(...lines);
    out.push(result);
    state = result.next;
  }
  return { steps: out, transcripts, end: state };
}

/** Runs a scenario through the model: each file appears in the data directory before its first Store. */
export function runScenario(scenario: Scenario, routing: RoutingMode): ModelRun {
  const known = new Set(scenario.files.map((f) => f.name));
  return runSteps({ ring: scenario.ring, files: new Set() }, scenario.steps, routing, (state, step) =>
    step.kind === 'store' && known.has(step.file) && !state.files.has(step.file)
      ? { ...state, files: new Set([...state.files, step.file]) }
      : state,
  );
}
