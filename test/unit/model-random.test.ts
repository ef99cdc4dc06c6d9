/**
 * The model and the scenario generator over thousands of seeds, with no
 * peer started: every scenario the generator makes is runnable and within
 * its bounds, and at every step of it, under each routing, the model keeps
 * its invariants. Every key has exactly one owner; every Store and Request
 * route ends at that owner and follows, hop by hop, the nextHop decisions
 * of perfect views (under the ring, the clockwise walk); a join is accepted
 * by the newcomer's predecessor-to-be; departures speak at the two
 * predecessors; every line is one of the specification's and names real
 * peers. Seeds run from TEST_SEED (default 1) on; a failure names its seed.
 */
import { describe, expect, it } from 'vitest';
import { DEFAULT_GENERATOR_OPTIONS, fileContent, generateScenario } from '../../src/model/generate.js';
import { FILE_SENT, fileReceived, isForwardingLine, isServiceLine, peersNamed } from '../../src/model/lines.js';
import { MODEL_ID_BITS, ownerIn, perfectViews, predecessorsIn, successorsIn, withPeer, type Ring } from '../../src/model/ring-model.js';
import { runScenario, type ModelRun, type Scenario } from '../../src/model/scenario.js';
import { keyOfFile, rerouteLines, type StepLines } from '../../src/model/step-lines.js';
import { inOpenClosed } from '../../src/routing/ids.js';
import { nextHop } from '../../src/routing/next-hop.js';
import { ROUTING_MODES, type RoutingMode } from '../../src/routing/types.js';
import { testSeed } from '../fixtures/prng.js';

const SEEDS = 2000;
const FIRST = testSeed(1);
const KEYS = 2 ** MODEL_ID_BITS;

/** Peers from `from` clockwise up to `to`, both included. */
function clockwise(ring: Ring, from: number, to: number): number[] {
  const i = ring.indexOf(from);
  const out: number[] = [];
  for (let k = 0; k < ring.length; k++) {
    const p = ring[(i + k) % ring.length] as number;
    out.push(p);
    if (p === to) break;
  }
  return out;
}

/** The route of `key` from `origin`, one nextHop at a time over perfect views (independently of the simulator). */
function walk(ring: Ring, routing: RoutingMode, origin: number, key: number): number[] {
  const views = perfectViews(ring, routing);
  const path = [origin];
  for (let current = origin; path.length <= ring.length + 1;) {
    const hop = nextHop(routing, views.get(current) ?? { self: current, idBits: MODEL_ID_BITS, successors: [] }, key);
    if (hop.kind === 'local') return path;
    current = hop.to;
    path.push(current);
    if (hop.final) return path;
  }
  throw new Error(`no end to the walk of key ${key} from ${origin}`);
}

/** Every problem of one step, as text; empty when it keeps every invariant. */
function problemsOf(before: Ring, result: StepLines, routing: RoutingMode, ringLines: StepLines['lines']): string[] {
  const problems: string[] = [];
  const { step, lines } = result;
  const after = result.next.ring;
  const members = new Set([...before, ...after]);
  const say = (what: string): void => void problems.push(`${JSON.stringify(step)}: ${what}`);
  for (const [peer, own] of Object.entries(lines)) {
    if (!members.has(Number(peer))) say(`peer ${peer}, not a member, prints ${JSON.stringify(own)}`);
    for (const line of own) {
      if (!isServiceLine(line)) say(`peer ${peer} prints "${line}", not a line of the specification`);
      for (const named of peersNamed(line)) if (!members.has(named)) say(`"${line}" names ${named}, not a member`);
    }
  }
  const forwardingOf = (peer: number): number => (lines[peer] ?? []).filter(isForwardingLine).length;
  const speakers = Object.keys(lines)
    .map(Number)
    .sort((a, b) => a - b);
  switch (step.kind) {
    case 'store':
    case 'request': {
      const key = keyOfFile(step.file);
      const owner = ownerIn(before, key);
      const path = result.route?.path ?? [];
      if (result.route?.end !== owner) say(`route ends at ${String(result.route?.end)}, owner is ${owner}`);
      const walked = walk(before, routing, step.at, key);
      if (walked.join() !== path.join()) say(`route ${path.join('>')} but nextHop walks ${walked.join('>')}`);
      if (routing === 'ring' && path.join() !== clockwise(before, step.at, owner).join())
        say(`ring route ${path.join('>')} is not the clockwise walk`);
      for (const p of path.slice(0, -1)) if (forwardingOf(p) !== 1) say(`forwarder ${p} prints ${forwardingOf(p)} forwarding lines`);
      const forwarding = speakers.reduce((n, p) => n + forwardingOf(p), 0);
      if (forwarding !== path.length - 1) say(`${forwarding} forwarding lines for ${path.length - 1} hops`);
      if (step.kind === 'store' && !(lines[owner] ?? []).includes(`Store ${step.file} request accepted`)) say(`owner ${owner} does not accept`);
      if (step.kind === 'request') {
        const mine = lines[step.at] ?? [];
        if (mine.at(-1) !== fileReceived(step.file)) say(`requester ${step.at} does not end with "${fileReceived(step.file)}"`);
        if (!(lines[owner] ?? []).includes(FILE_SENT)) say(`owner ${owner} does not send`);
      }
      break;
    }
    case 'join': {
      const acceptor = predecessorsIn(withPeer(before, step.peer), step.peer)[0];
      if (result.route?.end !== acceptor) say(`accepted by ${String(result.route?.end)}, not by the predecessor-to-be ${String(acceptor)}`);
      if (routing === 'ring') {
        const owner = ownerIn(before, step.peer);
        const start = step.via === owner ? clockwise(before, step.via, step.via).concat(step.via) : [];
        const expectedWalk =
          start.length > 0
            ? [step.via, ...clockwise(before, successorsIn(before, step.via)[0], acceptor as number)]
            : clockwise(before, step.via, acceptor as number);
        if (expectedWalk.join() !== (result.route?.path ?? []).join())
          say(`join walk ${String(result.route?.path.join('>'))} is not the clockwise walk ${expectedWalk.join('>')}`);
      }
      if ((lines[step.peer] ?? []).length !== 3) say(`the newcomer prints ${JSON.stringify(lines[step.peer])}`);
      if (after.length !== before.length + 1) say('the ring did not grow by one');
      break;
    }
    case 'quit':
    case 'kill': {
      const preds = predecessorsIn(before, step.peer).sort((a, b) => a - b);
      if (speakers.join() !== preds.join()) say(`${speakers.join(',')} speak, not the predecessors ${preds.join(',')}`);
      for (const p of preds) {
        const [first, second] = successorsIn(after, p);
        const tail = [`My new first successor is Peer ${first}`, `My new second successor is Peer ${second}`];
        if ((lines[p] ?? []).slice(1).join('|') !== tail.join('|')) say(`predecessor ${p} prints ${JSON.stringify(lines[p])}`);
      }
      if (after.length < DEFAULT_GENERATOR_OPTIONS.minPeersLeft) say(`only ${after.length} peers left`);
      break;
    }
  }
  // The same step under another routing differs only in who forwards.
  if (JSON.stringify(rerouteLines(ringLines, before, step, routing)) !== JSON.stringify(lines)) {
    say(`${routing} lines are not the ring's rerouted`);
  }
  return problems;
}

/**
 * The keys where ownership can go wrong (every member's ID and its
 * neighbours, both ends of the ID space, `extra`) each have exactly one peer
 * p with key in (predecessor(p), p], and it is ownerOf's.
 */
function ownershipProblems(ring: Ring, extra: readonly number[]): string[] {
  const keys = new Set([0, KEYS - 1, ...extra, ...ring.flatMap((p) => [p, (p + 1) % KEYS, (p + KEYS - 1) % KEYS])]);
  const preds = ring.map((p) => predecessorsIn(ring, p)[0] ?? p);
  const out: string[] = [];
  for (const key of keys) {
    const owners = ring.filter((p, i) => inOpenClosed(key, preds[i] as number, p, MODEL_ID_BITS));
    if (owners.length !== 1 || owners[0] !== ownerIn(ring, key)) out.push(`key ${key} has owners ${owners.join(',')} in ${ring.join(' ')}`);
  }
  return out;
}

/** Bounds every generated scenario keeps. */
function scenarioProblems(s: Scenario): string[] {
  const o = DEFAULT_GENERATOR_OPTIONS;
  const out: string[] = [];
  if (s.ring.length < o.minPeers || s.ring.length > o.maxPeers) out.push(`${s.ring.length} peers`);
  if (s.steps.length < o.minSteps || s.steps.length > o.maxSteps) out.push(`${s.steps.length} steps`);
  const stored = new Set<string>();
  const ever = new Set(s.ring);
  for (const step of s.steps) {
    if (step.kind === 'store') stored.add(step.file);
    if (step.kind === 'request' && !stored.has(step.file)) out.push(`Request ${step.file} before any Store of it`);
    if (step.kind === 'join') {
      if (ever.has(step.peer)) out.push(`peer ${step.peer} joins a second time`);
      ever.add(step.peer);
    }
  }
  for (const f of s.files) {
    if (!/^\d{4}$/.test(f.name) || f.size < 1 || f.size > o.maxFileBytes) out.push(`file ${JSON.stringify(f)}`);
  }
  return out;
}

/** Each seed's scenario and its run under every routing, computed once for the tests below. */
const runs = (() => {
  let all: { scenario: Scenario; runs: Record<RoutingMode, ModelRun> }[] | undefined;
  return () =>
    (all ??= Array.from({ length: SEEDS }, (_, i) => {
      const scenario = generateScenario(FIRST + i);
      const byRouting = Object.fromEntries(ROUTING_MODES.map((r) => [r, runScenario(scenario, r)])) as Record<RoutingMode, ModelRun>;
      return { scenario, runs: byRouting };
    }));
})();

describe(`the model over ${SEEDS} generated scenarios (seeds ${FIRST}..${FIRST + SEEDS - 1})`, () => {
  it('every scenario is within bounds and replays identically from its seed', () => {
    const problems: string[] = [];
    for (let seed = FIRST; seed < FIRST + SEEDS; seed++) {
      const s = generateScenario(seed);
      problems.push(...scenarioProblems(s).map((p) => `seed ${seed}: ${p}`));
      if (JSON.stringify(generateScenario(seed)) !== JSON.stringify(s)) problems.push(`seed ${seed}: not deterministic`);
    }
    expect(problems.slice(0, 20)).toEqual([]);
  });

  it('keeps every invariant at every step, under ring, ring-list and Chord routing', () => {
    const problems: string[] = [];
    for (const { scenario: s, runs: byRouting } of runs()) {
      if (problems.length >= 20) break;
      const seed = s.seed;
      const ring = byRouting.ring;
      for (const r of ring.steps) {
        const key = r.step.kind === 'store' || r.step.kind === 'request' ? [keyOfFile(r.step.file)] : [];
        problems.push(...ownershipProblems(r.next.ring, key).map((p) => `seed ${seed}: ${p}`));
      }
      for (const routing of ROUTING_MODES) {
        const run = byRouting[routing];
        let before = s.ring;
        run.steps.forEach((r, i) => {
          const ringLines = ring.steps[i]?.lines ?? {};
          problems.push(...problemsOf(before, r, routing, ringLines).map((p) => `seed ${seed}, ${routing}, step ${i + 1}: ${p}`));
          before = r.next.ring;
        });
        // The whole transcripts are the steps' lines end to end.
        const whole: Record<number, string[]> = {};
        for (const r of run.steps) for (const [p, l] of Object.entries(r.lines)) (whole[Number(p)] ??= []).push(...l);
        if (JSON.stringify(whole) !== JSON.stringify(run.transcripts))
          problems.push(`seed ${seed}, ${routing}: transcripts are not the steps' lines`);
      }
    }
    expect(problems.slice(0, 20)).toEqual([]);
  }, 300_000); // a few seconds of CPU; room for a machine running other suites too

  it('covers the edges it leans on, across the seeds', () => {
    const seen = {
      wrapJoinAbove: 0,
      wrapJoinBelow: 0,
      wrapKey: 0,
      ownerTypes: 0,
      chordDiffers: 0,
      kills: 0,
      quits: 0,
      oneByte: 0,
      megabytes: 0,
    };
    for (const { scenario: s, runs: byRouting } of runs()) {
      const { ring, chord } = byRouting;
      let before = s.ring;
      s.steps.forEach((step, i) => {
        const max = before[before.length - 1] as number;
        const min = before[0] as number;
        if (step.kind === 'join' && step.peer > max) seen.wrapJoinAbove += 1;
        if (step.kind === 'join' && step.peer < min) seen.wrapJoinBelow += 1;
        if ((step.kind === 'store' || step.kind === 'request') && keyOfFile(step.file) > max) seen.wrapKey += 1;
        if ((step.kind === 'store' || step.kind === 'request') && ownerIn(before, keyOfFile(step.file)) === step.at) seen.ownerTypes += 1;
        if (step.kind === 'kill') seen.kills += 1;
        if (step.kind === 'quit') seen.quits += 1;
        if (JSON.stringify(ring.steps[i]?.lines) !== JSON.stringify(chord.steps[i]?.lines)) seen.chordDiffers += 1;
        before = ring.steps[i]?.next.ring ?? before;
      });
      seen.oneByte += s.files.filter((f) => f.size === 1).length;
      seen.megabytes += s.files.filter((f) => f.size >= 1024 * 1024).length;
    }
    for (const [edge, count] of Object.entries(seen)) expect(count, edge).toBeGreaterThan(SEEDS / 20);
  });

  it('gives each file the same bytes on every call, and its own size', () => {
    const s = generateScenario(FIRST);
    for (const f of s.files.slice(0, 3)) {
      const a = fileContent(s.seed, f);
      expect(a.length).toBe(f.size);
      expect(Buffer.from(fileContent(s.seed, f)).equals(a)).toBe(true);
    }
  });
});
