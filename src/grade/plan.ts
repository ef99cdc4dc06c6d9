/**
 * What a grading run asks of the peers: the course ring, the steps of one
 * order of the walkthrough (the same steps and lines as `p2p example`,
 * src/model/walkthrough.ts), and for each step every line each peer must
 * print, tagged with the rubric check it counts for, and the ping lines the
 * ring's changes call for.
 */
import { fileContent, generateScenario, type GeneratorOptions } from '../model/generate.js';
import { isForwardingLine, joinReceived } from '../model/lines.js';
import { initTriples, predecessorsIn, successorsIn, withoutPeer, withPeer, type Ring } from '../model/ring-model.js';
import { runSteps } from '../model/scenario.js';
import { describeStep } from '../model/step.js';
import { COURSE_PEERS, routedStep, WALKTHROUGHS, type Action, type Order } from '../model/walkthrough.js';
import type { RoutingMode } from '../routing/types.js';
import type { CheckId } from './rubric.js';

/** A line one peer must print in one step. */
export interface ExpectedLine {
  readonly peer: number;
  readonly text: string;
  readonly check: CheckId;
}

/** A ping line a step calls for (ping lines repeat, so it is looked for, not aligned). */
export interface PingWant {
  readonly peer: number;
  readonly text: string;
  readonly check: CheckId;
  /** A response: timed from the peer's first ping request after the step began. */
  readonly response: boolean;
}

/** One step of a plan. */
export interface PlannedStep {
  readonly title: string;
  readonly action: Action;
  /** Per peer, in the order it prints them. */
  readonly lines: readonly ExpectedLine[];
  readonly pings: readonly PingWant[];
  /** The ring as the step begins and once it is done. */
  readonly before: Ring;
  readonly after: Ring;
}

/** A whole run: the peers started with `init`, then the steps. */
export interface Plan {
  /** `walkthrough order`, `marking order`. */
  readonly name: string;
  readonly init: readonly (readonly [number, number, number])[];
  readonly steps: readonly PlannedStep[];
  /** Files the steps request: their copies are compared byte for byte. */
  readonly requested: readonly string[];
  /** Files written into the working directory before the run (beside the course's 2067.pdf and 4103.pdf). */
  readonly files: readonly { readonly file: string; readonly bytes: Uint8Array }[];
}

/** `Ping requests sent to Peers A and B`. */
export const pingsSent = (a: number, b: number): string => `Ping requests sent to Peers ${a} and ${b}`;
/** `Ping request message received from Peer P`. */
export const pingReceived = (p: number): string => `Ping request message received from Peer ${p}`;
/** `Ping response received from Peer S`. */
export const pingResponse = (s: number): string => `Ping response received from Peer ${s}`;

/** The plan of the course ring in `order`, its forwarding lines those of `routing`. */
export function coursePlan(order: Order, routing: RoutingMode): Plan {
  let ring: Ring = COURSE_PEERS.map(([id]) => id).sort((a, b) => a - b);
  const steps: PlannedStep[] = [];
  for (const course of WALKTHROUGHS[order]) {
    const step = routing === 'ring' ? course : routedStep(course, ring, routing);
    const after = ringAfter(ring, step.action);
    steps.push({
      title: step.title,
      action: step.action,
      lines: tagLines(step.action, step.expect, ring),
      pings: pingWants(step.action, ring, after),
      before: ring,
      after,
    });
    ring = after;
  }
  const requested = steps.flatMap((s) => (s.action.kind === 'request' ? [s.action.file] : []));
  return { name: `${order} order`, init: COURSE_PEERS, steps, requested: [...new Set(requested)], files: [] };
}

/**
 * Bounds of a seeded run: smaller than the fuzzer's (5 to 8 peers, 5 to 8
 * steps, files up to 64 KiB) so that a submission's extra runs cost about
 * what a walkthrough costs.
 */
export const SEEDED_BOUNDS: Partial<GeneratorOptions> = {
  minPeers: 5,
  maxPeers: 8,
  minSteps: 5,
  maxSteps: 8,
  maxFileBytes: 64 * 1024,
  minPeersLeft: 3,
};

/**
 * The plan of a seeded random sequence (src/model/generate.ts): from `start`
 * or the seed's own random ring, a ping check, then the seed's joins,
 * departures, Stores and Requests, every line derived by the reference
 * model under `routing`. Every file the sequence names is in the working
 * directory from the start, as the course's samples are.
 */
export function seededPlan(seed: number, routing: RoutingMode, start?: Ring): Plan {
  const scenario = generateScenario(seed, { ...SEEDED_BOUNDS, start });
  const files = scenario.files.map((f) => ({ file: `${f.name}${f.ext}`, bytes: fileContent(seed, f) }));
  const model = runSteps({ ring: scenario.ring, files: new Set(scenario.files.map((f) => f.name)) }, scenario.steps, routing);
  const steps: PlannedStep[] = [
    {
      title: 'Ping check',
      action: { kind: 'pings' },
      lines: [],
      pings: pingWants({ kind: 'pings' }, scenario.ring, scenario.ring),
      before: scenario.ring,
      after: scenario.ring,
    },
  ];
  let ring = scenario.ring;
  for (const { step, lines, next } of model.steps) {
    steps.push({
      title: describeStep(step),
      action: step,
      lines: tagLines(step, lines, ring),
      pings: pingWants(step, ring, next.ring),
      before: ring,
      after: next.ring,
    });
    ring = next.ring;
  }
  const requested = scenario.steps.flatMap((s) => (s.kind === 'request' ? [s.file] : []));
  const where = start === undefined ? `${scenario.ring.length} random peers` : `ring ${scenario.ring.join(',')}`;
  return { name: `seed ${seed} (${where})`, init: initTriples(scenario.ring), steps, requested: [...new Set(requested)], files };
}

/** The ring once `action` is done. */
export function ringAfter(ring: Ring, action: Action): Ring {
  switch (action.kind) {
    case 'join':
      return withPeer(ring, action.peer);
    case 'quit':
    case 'kill':
      return withoutPeer(ring, action.peer);
    default:
      return ring;
  }
}

/** Each expected line with the check it counts for, by the role of the peer that prints it. */
export function tagLines(action: Action, expect: Readonly<Record<number, readonly string[]>>, before: Ring): ExpectedLine[] {
  const out: ExpectedLine[] = [];
  for (const [key, lines] of Object.entries(expect)) {
    const peer = Number(key);
    for (const text of lines) out.push({ peer, text, check: checkFor(action, peer, text, lines, before) });
  }
  return out;
}

function checkFor(action: Action, peer: number, text: string, own: readonly string[], before: Ring): CheckId {
  switch (action.kind) {
    case 'join':
      if (isForwardingLine(text)) return 'join-forward';
      if (peer === action.peer) return 'join-newcomer';
      return own.includes(joinReceived(action.peer)) ? 'join-acceptor' : 'join-predecessor';
    case 'quit':
      return predecessorsIn(before, action.peer)[0] === peer ? 'quit-first' : 'quit-second';
    case 'kill':
      return predecessorsIn(before, action.peer)[0] === peer ? 'kill-first' : 'kill-second';
    case 'store':
      return isForwardingLine(text) ? 'store-forward' : 'store-accept';
    case 'request':
      if (isForwardingLine(text)) return 'request-forward';
      return peer === action.at ? 'request-requester' : 'request-owner';
    case 'pings':
      return 'ping-sent';
  }
}

/**
 * The ping lines a step calls for. The ping check: every peer pings its two
 * successors, hears from its two predecessors and gets both responses. A
 * join or a departure: every peer whose successors changed pings the new
 * ones, and every peer that gained a predecessor hears from it.
 */
export function pingWants(action: Action, before: Ring, after: Ring): PingWant[] {
  const out: PingWant[] = [];
  if (action.kind === 'pings') {
    for (const peer of after) {
      const [a, b] = successorsIn(after, peer);
      out.push({ peer, text: pingsSent(a, b), check: 'ping-sent', response: false });
      for (const p of predecessorsIn(after, peer)) out.push({ peer, text: pingReceived(p), check: 'ping-received', response: false });
      for (const s of [a, b]) out.push({ peer, text: pingResponse(s), check: 'ping-response', response: true });
    }
    return out;
  }
  if (action.kind !== 'join' && action.kind !== 'quit' && action.kind !== 'kill') return out;
  for (const peer of after) {
    const known = before.includes(peer);
    const [a, b] = successorsIn(after, peer);
    const [oldA, oldB] = known ? successorsIn(before, peer) : [undefined, undefined];
    if (a !== oldA || b !== oldB) out.push({ peer, text: pingsSent(a, b), check: 'ping-changes', response: false });
    const old = known ? predecessorsIn(before, peer) : [];
    for (const p of predecessorsIn(after, peer)) {
      if (!old.includes(p)) out.push({ peer, text: pingReceived(p), check: 'ping-changes', response: false });
    }
  }
  return out;
}
