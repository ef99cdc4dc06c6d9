/** The reference model of the ring: membership, ownership, routes, printed lines, scenarios. Re-exports only. */
export {
  MODEL_ID_BITS,
  MODEL_SUCCESSORS,
  initTriples,
  joinRouteIn,
  ownerIn,
  perfectViews,
  predecessorsIn,
  ringOf,
  routeIn,
  successorsIn,
  withPeer,
  withoutPeer,
} from './ring-model.js';
export { STEP_KINDS, describeStep } from './step.js';
export { forwardingLines, keyOfFile, linesOf, rerouteLines } from './step-lines.js';
export { runScenario, runSteps } from './scenario.js';
export { DEFAULT_GENERATOR_OPTIONS, fileContent, generateScenario } from './generate.js';
export { formatMismatch, mismatches, sameLines } from './transcript.js';

export type { Ring, Route } from './ring-model.js';
export type { ServiceStep } from './step.js';
export type { ModelState, PeerLines, StepLines } from './step-lines.js';
export type { ModelRun, Scenario, ScenarioFile } from './scenario.js';
export type { GeneratorOptions } from './generate.js';
export type { LineMismatch } from './transcript.js';
