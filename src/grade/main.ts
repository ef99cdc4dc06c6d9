/**
 * `p2p grade`: grades one submission (`--dir`) or each of many (`--each`),
 * one after another, each on its own port bases and within its own time
 * limit, and prints the marks (or JSON), writes an HTML report per
 * submission and one CSV of marks. A submission that hangs, crashes, never
 * prints or binds the wrong port costs only its own marks: every process it
 * started is ended (its process group) before the next one begins.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { badArgument } from '../errors.js';
import { gradeSubmission, plansOf, type Grade } from './grade.js';
import { gradeHtml } from './html.js';
import { parseGradeArgs, GRADE_USAGE } from './options.js';
import { marksCsv, summaryText } from './text.js';

/** Directories matching `pattern`: `*` and `?` within one path segment, nothing fancier. */
export async function expandGlob(pattern: string): Promise<string[]> {
  const absolute = path.isAbsolute(pattern);
  const segments = pattern.split('/').filter((s) => s !== '' && s !== '.');
  let found = [absolute ? '/' : '.'];
  for (const seg of segments) {
    if (!/[*?]/.test(seg)) {
      found = found.map((d) => path.join(d, seg));
      continue;
    }
    const re = new RegExp(
      `^${seg
        .replace(/[.+^${}()|[\]\\]/g, '\\$&')
        .replace(/\*/g, '.*')
        .replace(/\?/g, '.')}$`,
    );
    const next: string[] = [];
    for (const d of found) {
      const entries = await fs.readdir(d, { withFileTypes: true }).catch(() => []);
      for (const e of entries) if (e.isDirectory() && !e.name.startsWith('.') && re.test(e.name)) next.push(path.join(d, e.name));
    }
    found = next.sort();
  }
  const dirs: string[] = [];
  for (const d of found) if ((await fs.stat(d).catch(() => undefined))?.isDirectory() === true) dirs.push(d);
  return dirs;
}

/** A file name for a submission's report. */
function reportName(submission: string): string {
  return `${path.basename(path.resolve(submission)).replace(/[^A-Za-z0-9._-]/g, '_') || 'submission'}.html`;
}

/** Runs `p2p grade`; resolves with the exit code (0 when every submission was graded, full marks or not). */
export async function runGrade(argv: readonly string[]): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(`${GRADE_USAGE}\n`);
    return 0;
  }
  const opts = parseGradeArgs(argv);
  const dirs = opts.each === undefined ? [opts.dir ?? '.'] : await expandGlob(opts.each);
  if (dirs.length === 0) throw badArgument(`--each ${opts.each ?? ''} matches no directory`);
  const progress = (line: string): void => {
    if (!opts.quiet && !opts.json) process.stdout.write(`${line}\n`);
  };
  const grades: Grade[] = [];
  const runsEach = plansOf(opts).length;
  for (const [i, dir] of dirs.entries()) {
    progress(`Grading ${dir} (${i + 1} of ${dirs.length}):`);
    const grade = await gradeSubmission(dir, opts, opts.portBase + i * runsEach * opts.portStride, progress);
    grades.push(grade);
    if (opts.htmlDir !== undefined) {
      await fs.mkdir(opts.htmlDir, { recursive: true });
      const file = path.join(opts.htmlDir, dirs.length === 1 && opts.each === undefined ? 'report.html' : reportName(dir));
      await fs.writeFile(file, gradeHtml(grade));
      progress(`  report: ${file}`);
    }
    if (!opts.json) process.stdout.write(`${summaryText(grade)}\n`);
  }
  if (opts.csv !== undefined) {
    await fs.writeFile(opts.csv, marksCsv(grades));
    progress(`Marks: ${opts.csv}`);
  }
  if (opts.json) process.stdout.write(`${JSON.stringify(opts.each === undefined ? grades[0] : grades, null, 2)}\n`);
  return grades.some((g) => g.error !== undefined) ? 1 : 0;
}
