/**
 * The grader's judgement, without processes: a run record made by hand
 * from the plan (every line in time, then one changed), judged; the marks
 * of several runs; the alignment and the command template.
 */
import { describe, expect, it } from 'vitest';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { marksOf, plansOf, templateOf } from '../../src/grade/grade.js';
import { judgeRun } from '../../src/grade/judge.js';
import { expandTemplate, parseGradeArgs } from '../../src/grade/options.js';
import { coursePlan, seededPlan, type Plan } from '../../src/grade/plan.js';
import { fileContent, generateScenario } from '../../src/model/generate.js';
import { linesOf } from '../../src/model/step-lines.js';
import type { PeerRecord, RunRecord, StepRecord } from '../../src/grade/run.js';
import { alignLines } from '../../src/model/align.js';
import type { TranscriptLine } from '../../src/testnet/child-peer.js';

const ALLOWANCES = parseGradeArgs(['--peer', 'x {args}', '--ping', '1']).allowances;
const STEP_MS = 10_000;

/** A record in which every peer prints every line the plan expects, 50 ms into its step; `edit` may change a line. */
function perfectRecord(plan: Plan, edit: (peer: number, line: TranscriptLine, step: number) => TranscriptLine = (_p, l) => l): RunRecord {
  const t0 = 1_000_000;
  const lines = new Map<number, TranscriptLine[]>();
  const say = (peer: number, text: string, at: number, step: number): void => {
    lines.set(peer, [...(lines.get(peer) ?? []), edit(peer, { stream: 'stdout', text, at }, step)]);
  };
  const steps: StepRecord[] = plan.steps.map((s, i) => {
    const start = t0 + i * STEP_MS;
    s.pings.forEach((w, k) => say(w.peer, w.text, start + 10 + k, i));
    s.lines.forEach((l, k) => say(l.peer, l.text, start + 50 + k, i));
    return {
      title: s.title,
      startedAt: start,
      endedAt: start + 1000,
      complete: true,
      allowanceMs: 5000,
      quit: s.action.kind === 'quit' ? { code: 0, ms: 100, killed: false } : undefined,
    };
  });
  for (const l of lines.values()) l.sort((a, b) => a.at - b.at);
  const peers: PeerRecord[] = [...lines.keys()].map((id) => ({ id, command: 'x', startedAt: t0, lines: lines.get(id) ?? [], ended: 'running' }));
  const files = plan.requested.map((name) => ({ name, identical: true, detail: 'same' }));
  return {
    plan,
    portBase: 30800,
    pingSeconds: 1,
    dir: '/nowhere',
    startedAt: t0,
    endedAt: t0 + plan.steps.length * STEP_MS,
    peers,
    steps,
    files,
  };
}

const failed = (r: ReturnType<typeof judgeRun>): string[] => r.checks.filter((c) => c.tested && !c.ok).map((c) => c.check);

describe('judging a run', () => {
  for (const order of ['walkthrough', 'marking'] as const) {
    it(`passes every check when every line of the ${order} order comes in time`, () => {
      const verdict = judgeRun(perfectRecord(coursePlan(order, 'ring')), false, ALLOWANCES);
      expect(verdict.checks.filter((c) => !c.tested)).toEqual([]);
      expect(failed(verdict)).toEqual([]);
      expect(marksOf([verdict]).total).toBe(90);
    });
  }

  it('tells a line that differs only in case from a wrong one, and accepts it with --tolerant, saying so', () => {
    const plan = coursePlan('marking', 'ring');
    const record = perfectRecord(plan, (peer, l) =>
      peer === 19 && l.text === 'Store 2067 request accepted' ? { ...l, text: 'store 2067 request  accepted' } : l,
    );
    const strict = judgeRun(record, false, ALLOWANCES);
    expect(failed(strict)).toEqual(['store-accept']);
    expect(strict.checks.find((c) => c.check === 'store-accept')?.evidence.join()).toMatch(
      /differs in case or spacing \(--tolerant accepts it\)/,
    );
    const tolerant = judgeRun(record, true, ALLOWANCES);
    expect(failed(tolerant)).toEqual([]);
    expect(tolerant.checks.find((c) => c.check === 'store-accept')?.evidence.join()).toMatch(/accepted "store 2067 request {2}accepted"/);
  });

  it('counts a line after its allowance as late, with how late and what was allowed', () => {
    const plan = coursePlan('marking', 'ring');
    // Peer 5 repairs 6 s after the kill: its three lines of that step are late.
    const record = perfectRecord(plan, (peer, l, step) =>
      peer === 5 && step === 4 && !l.text.startsWith('Ping') ? { ...l, at: l.at + 6000 } : l,
    );
    const verdict = judgeRun(record, false, ALLOWANCES);
    expect(failed(verdict)).toEqual(['kill-second']);
    expect(verdict.checks.find((c) => c.check === 'kill-second')?.evidence.join()).toMatch(
      /"Peer 14 is no longer alive" came 6\.0 s after the step began; 5\.0 s allowed/,
    );
  });

  it('names the line printed instead of a missing one, and matches a repeated line to its own step', () => {
    const plan = coursePlan('marking', 'ring');
    // Peer 8 prints this line twice: as Peer 9 quits (wrong here) and as Peer 15 joins (right).
    const record = perfectRecord(plan, (peer, l, step) =>
      peer === 8 && step === 1 && l.text === 'My new first successor is Peer 14' ? { ...l, text: 'My new first successor is Peer 9' } : l,
    );
    const verdict = judgeRun(record, false, ALLOWANCES);
    expect(failed(verdict)).toEqual(['quit-first']);
    expect(verdict.checks.find((c) => c.check === 'quit-first')?.evidence.join()).toMatch(/printed "My new first successor is Peer 9" instead/);
  });

  it('gives a check its marks in proportion to the runs in which it held', () => {
    const plan = coursePlan('marking', 'ring');
    const good = judgeRun(perfectRecord(plan), false, ALLOWANCES);
    const bad = judgeRun({ ...perfectRecord(plan), files: [{ name: '4103', identical: false, detail: 'differs' }] }, false, ALLOWANCES);
    const m = marksOf([good, bad]);
    expect(m.total).toBe(88.5);
    expect(m.items.find((i) => i.item === 'retrieval')?.marks).toBe(10.5);
  });
});

describe('seeded runs', () => {
  it('plays the seed’s sequence from its ring, with the model’s lines, its files and a ping check first', () => {
    const plan = seededPlan(7, 'chord');
    const scenario = generateScenario(7, { minPeers: 5, maxPeers: 8, minSteps: 5, maxSteps: 8, maxFileBytes: 64 * 1024 });
    expect(plan.init.map(([id]) => id)).toEqual([...scenario.ring]);
    expect(plan.steps[0]?.action).toEqual({ kind: 'pings' });
    expect(plan.steps.slice(1).map((s) => s.action)).toEqual(scenario.steps);
    // The lines of each step are the model's, peer by peer, in order.
    let state = { ring: scenario.ring, files: new Set(scenario.files.map((f) => f.name)) as ReadonlySet<string> };
    for (const [i, step] of scenario.steps.entries()) {
      const model = linesOf(state, step, 'chord');
      const byPeer: Record<number, string[]> = {};
      for (const l of plan.steps[i + 1]?.lines ?? []) (byPeer[l.peer] ??= []).push(l.text);
      expect(byPeer).toEqual(Object.fromEntries(Object.entries(model.lines).map(([k, v]) => [k, [...v]])));
      state = model.next;
    }
    expect(plan.files.map((f) => f.file)).toEqual(scenario.files.map((f) => `${f.name}${f.ext}`));
    expect(plan.files[0]?.bytes).toEqual(scenario.files[0] && fileContent(7, scenario.files[0]));
  });

  it('starts from a ring given with --ring, and a perfect transcript of it passes every check it tests', () => {
    const opts = parseGradeArgs(['--peer', 'x {args}', '--seeds', '3-4', '--ring', '0,37,90,128,200/1,2,3,250', '--order', 'marking']);
    const plans = plansOf(opts);
    expect(plans.map((p) => p.name)).toEqual([
      'marking order',
      'seed 3 (ring 0,37,90,128,200)',
      'seed 3 (ring 1,2,3,250)',
      'seed 4 (ring 0,37,90,128,200)',
      'seed 4 (ring 1,2,3,250)',
    ]);
    for (const plan of plans) {
      const verdict = judgeRun(perfectRecord(plan), false, ALLOWANCES);
      expect(failed(verdict), plan.name).toEqual([]);
      expect(verdict.checks.some((c) => c.tested)).toBe(true);
    }
  });

  it('loses a check in a seeded run when a line of it is wrong', () => {
    const plan = seededPlan(11, 'ring');
    const index = plan.steps.findIndex((s) => s.lines.length > 0);
    const target = plan.steps[index]?.lines[0];
    expect(target).toBeDefined();
    const record = perfectRecord(plan, (peer, l, step) =>
      step === index && peer === target?.peer && l.text === target.text ? { ...l, text: 'nothing' } : l,
    );
    expect(failed(judgeRun(record, false, ALLOWANCES))).toContain(target?.check);
  });

  it('lets a peer that requests its own file say "The file has been sent" after the receiving lines, never before its place', () => {
    // Seed 9, step 5: Request 5859 at Peer 246, which owns it.
    const plan = seededPlan(9, 'ring');
    const step = plan.steps[5];
    expect(step?.action).toEqual({ kind: 'request', at: 246, file: '5859' });
    const sentLate = perfectRecord(plan, (peer, l, i) =>
      i === 5 && peer === 246 && l.text === 'The file has been sent' ? { ...l, at: l.at + 30 } : l,
    );
    expect(failed(judgeRun(sentLate, false, ALLOWANCES))).toEqual([]);
    const sentEarly = perfectRecord(plan, (peer, l, i) =>
      i === 5 && peer === 246 && l.text === 'The file has been sent' ? { ...l, at: l.at - 2 } : l,
    );
    const lost = failed(judgeRun(sentEarly, false, ALLOWANCES));
    expect(lost.length).toBe(1);
    expect(lost[0]).toMatch(/^request-/);
  });

  it('refuses bad seeds and rings by name', () => {
    expect(() => parseGradeArgs(['--peer', 'x {args}', '--seeds', '5-1'])).toThrow(/--seeds must list seeds/);
    expect(() => parseGradeArgs(['--peer', 'x {args}', '--ring', '1,2,300,4'])).toThrow(/--ring must list 4 to 32 distinct peer IDs/);
    expect(() => parseGradeArgs(['--peer', 'x {args}', '--ring', '1,2,2,4'])).toThrow(/--ring must list/);
    expect(parseGradeArgs(['--peer', 'x {args}', '--ring', '1,2,3,4']).seeds).toEqual([1]);
  });

  it('takes a submission’s own command from its command file, else --peer, and names what is missing', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'p2p-grade-cmd-'));
    try {
      const both = { peer: 'python3 p2p.py {mode} {args}', commandFile: 'run.txt' };
      expect(await templateOf(dir, both)).toBe('python3 p2p.py {mode} {args}');
      await expect(templateOf(dir, { peer: undefined, commandFile: 'run.txt' })).rejects.toThrow(/run\.txt is missing and no --peer was given/);
      await fs.writeFile(path.join(dir, 'run.txt'), '# how to start my peer\njava -cp . Peer {mode} {args}\n');
      expect(await templateOf(dir, both)).toBe('java -cp . Peer {mode} {args}');
      await fs.writeFile(path.join(dir, 'run.txt'), 'java Peer\n');
      await expect(templateOf(dir, both)).rejects.toThrow(/run\.txt must contain \{args\}/);
    } finally {
      await fs.rm(dir, { recursive: true, force: true });
    }
  });
});

describe('the grader’s helpers', () => {
  it('aligns a transcript with its expected lines: matched, missing and extra', () => {
    const rows = alignLines(['a', 'b', 'c'], ['a', 'x', 'c'], (e, a) => e === a);
    expect(rows).toEqual([{ expected: 0, actual: 0 }, { actual: 1 }, { expected: 1 }, { expected: 2, actual: 2 }]);
  });

  it('fills the command template for /bin/sh', () => {
    expect(expandTemplate('python3 p2p.py {mode} {args}', ['init', '2', '4', '5', '1'], 30800)).toEqual([
      '/bin/sh',
      '-c',
      'python3 p2p.py init 2 4 5 1',
    ]);
    expect(expandTemplate('java Peer {mode} {args} {port}', ['join', '15', '4', '1'], 12000)).toEqual([
      '/bin/sh',
      '-c',
      'java Peer join 15 4 1 12015',
    ]);
  });
});
