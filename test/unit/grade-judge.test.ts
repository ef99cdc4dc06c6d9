/**
 * The grader's judgement, without processes: a run record made by hand
 * from the plan (every line in time, then one changed), judged; the marks
 * of several runs; the alignment and the command template.
 */
import { describe, expect, it } from 'vitest';
import { marksOf } from '../../src/grade/grade.js';
import { judgeRun } from '../../src/grade/judge.js';
import { expandTemplate, parseGradeArgs } from '../../src/grade/options.js';
import { coursePlan, type Plan } from '../../src/grade/plan.js';
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
