/**
 * Grading one submission: each run of the plan (the course ring in each
 * order asked) in a fresh copy of the submission's directory, on its own
 * port base, judged; then the marks, each check's share of its points in
 * proportion to the runs in which it held.
 */
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { packageRoot } from '../runtime/worker-path.js';
import { judgeRun, type CheckOutcome, type RunVerdict } from './judge.js';
import { checkTemplate, type GradeOptions } from './options.js';
import { coursePlan, seededPlan, type Plan } from './plan.js';
import { CHECKS, RUBRIC_ITEMS, TOTAL_MARKS, roundMarks, type CheckId, type ItemId } from './rubric.js';
import { runPlan } from './run.js';

/** One check's marks over every run. */
export interface CheckMarks {
  readonly check: CheckId;
  readonly item: ItemId;
  readonly needs: string;
  readonly marks: number;
  readonly of: number;
  /** `walkthrough order: ok`... */
  readonly runs: readonly { readonly run: string; readonly ok: boolean; readonly tested: boolean }[];
  /** Evidence, each prefixed with its run. */
  readonly evidence: readonly string[];
}

/** One rubric item's marks. */
export interface ItemMarks {
  readonly item: ItemId;
  readonly title: string;
  readonly marks: number;
  readonly of: number;
  readonly checks: readonly CheckMarks[];
}

/** A submission graded. */
export interface Grade {
  readonly submission: string;
  readonly command: string;
  readonly total: number;
  readonly of: number;
  readonly items: readonly ItemMarks[];
  readonly runs: readonly RunVerdict[];
  /** What the grader allowed and how it compared, in words. */
  readonly allowed: readonly string[];
  /** Set when grading itself failed (the submission then gets what the runs before gave). */
  readonly error?: string | undefined;
}

/** Progress, for the terminal. */
export type Progress = (line: string) => void;

/**
 * Prepares a run's working directory: the submission's files, the course's
 * two sample files and the plan's own, no received copy.
 */
export async function prepareRunDir(submission: string, name: string, plan?: Plan): Promise<string> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), `p2p-grade-${name}-`));
  await fs.cp(path.resolve(submission), dir, { recursive: true });
  for (const f of await fs.readdir(dir)) if (f.startsWith('received_')) await fs.rm(path.join(dir, f), { force: true });
  for (const f of ['2067.pdf', '4103.pdf']) await fs.copyFile(path.join(packageRoot(), 'examples', f), path.join(dir, f));
  for (const f of plan?.files ?? []) await fs.writeFile(path.join(dir, f.file), f.bytes);
  return dir;
}

/** Every run one submission gets: the course ring in each order, then each seed on each ring asked (or its own). */
export function plansOf(opts: Pick<GradeOptions, 'orders' | 'seeds' | 'rings' | 'routing'>): Plan[] {
  const starts = opts.rings.length === 0 ? [undefined] : opts.rings;
  return [
    ...opts.orders.map((order) => coursePlan(order, opts.routing)),
    ...opts.seeds.flatMap((seed) => starts.map((start) => seededPlan(seed, opts.routing, start))),
  ];
}

/** The template that starts `submission`'s peers: its own command file's first line, else `--peer`. */
export async function templateOf(submission: string, opts: Pick<GradeOptions, 'peer' | 'commandFile'>): Promise<string> {
  if (opts.commandFile !== undefined) {
    const file = path.join(submission, opts.commandFile);
    const text = await fs.readFile(file, 'utf8').catch(() => undefined);
    const line = text?.split('\n').find((l) => l.trim() !== '' && !l.trimStart().startsWith('#'));
    if (line !== undefined) return checkTemplate(line.trim(), file);
  }
  if (opts.peer === undefined) throw new Error(`${path.join(submission, opts.commandFile ?? '')} is missing and no --peer was given`);
  return opts.peer;
}

/** Grades the submission in `dir` on port bases from `portBase` on (one per run, `opts.portStride` apart). */
export async function gradeSubmission(dir: string, opts: GradeOptions, portBase: number, progress: Progress = () => undefined): Promise<Grade> {
  const deadlineAt = Date.now() + opts.timeoutMs;
  const plans = plansOf(opts);
  const runs: RunVerdict[] = [];
  let error: string | undefined;
  let template: string;
  try {
    template = await templateOf(dir, opts);
  } catch (err) {
    const why = err instanceof Error ? err.message : String(err);
    return { ...marksOf([]), submission: dir, command: '', runs, allowed: allowedWords(opts), error: why };
  }
  for (const [i, plan] of plans.entries()) {
    const runDir = await prepareRunDir(dir, plan.name.split(' ')[0] ?? 'run', plan);
    const base = portBase + i * opts.portStride;
    progress(`  ${plan.name}: ports ${base}+ID, in ${runDir}`);
    try {
      const record = await runPlan({
        plan,
        template,
        dir: runDir,
        portBase: base,
        pingSeconds: opts.pingSeconds,
        allowances: opts.allowances,
        deadlineAt,
        onStep: (s) => progress(`    ${s.complete ? 'ok  ' : 'FAIL'} ${s.title} (${((s.endedAt - s.startedAt) / 1000).toFixed(1)} s)`),
      });
      runs.push(judgeRun(record, opts.tolerant, opts.allowances));
    } catch (err) {
      error = `${plan.name}: ${err instanceof Error ? err.message : String(err)}`;
    } finally {
      if (!opts.keep) await fs.rm(runDir, { recursive: true, force: true }).catch(() => undefined);
    }
  }
  return { ...marksOf(runs), submission: dir, command: template, runs, allowed: allowedWords(opts), error };
}

/** The marks of a set of judged runs. */
export function marksOf(runs: readonly RunVerdict[]): { total: number; of: number; items: ItemMarks[] } {
  const items = RUBRIC_ITEMS.map((item): ItemMarks => {
    const checks = CHECKS.filter((c) => c.item === item.id).map((c): CheckMarks => {
      const outcomes = runs.map((r) => ({ run: r.name, o: r.checks.find((x) => x.check === c.id) as CheckOutcome }));
      const tested = outcomes.filter((x) => x.o.tested);
      const held = tested.filter((x) => x.o.ok).length;
      return {
        check: c.id,
        item: item.id,
        needs: c.needs,
        marks: tested.length === 0 ? 0 : roundMarks((c.marks * held) / tested.length),
        of: c.marks,
        runs: outcomes.map((x) => ({ run: x.run, ok: x.o.ok, tested: x.o.tested })),
        evidence: outcomes.flatMap((x) => x.o.evidence.map((e) => `${x.run}: ${e}`)),
      };
    });
    return { item: item.id, title: item.title, marks: roundMarks(checks.reduce((n, c) => n + c.marks, 0)), of: item.marks, checks };
  });
  return { items, total: roundMarks(items.reduce((n, i) => n + i.marks, 0)), of: TOTAL_MARKS };
}

/** What the grader allowed, in words, for every report. */
export function allowedWords(opts: GradeOptions): string[] {
  const a = opts.allowances;
  const s = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;
  return [
    `Ping interval given to the peers: ${opts.pingSeconds} s.`,
    `Ping check: every ping line within ${s(a.startMs)} of the ring's start; each first response within ${s(a.pingResponseMs)} of the peer's first ping request.`,
    `Join, Quit, Store, Request: every line within ${s(a.stepMs)} of the command (a join: of the newcomer's start).`,
    `Kill: the predecessors' lines within ${s(a.detectMs)} of the SIGKILL.`,
    'A line found later than its allowance is late, and its check is lost; one never printed is missing.',
    opts.tolerant
      ? 'Lines compared tolerantly: case and spacing aside (each such difference is reported).'
      : 'Lines compared strictly, character for character.',
    `Routes expected: ${opts.routing} routing${a.settleMs > 0 ? `, with ${s(a.settleMs)} for the ring to settle before each lookup after a change` : ''}.`,
    'Received files compared byte for byte with the originals.',
  ];
}
