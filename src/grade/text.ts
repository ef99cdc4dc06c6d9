/** The terminal summary of a grade, and the CSV of many. */
import type { Grade } from './grade.js';
import { RUBRIC_ITEMS } from './rubric.js';

/** A grade for the terminal: the marks per item and check, then the evidence of every lost mark. */
export function summaryText(g: Grade): string {
  const out: string[] = [`${g.submission}: ${g.total}/${g.of}`];
  for (const item of g.items) {
    out.push(`  ${item.title.padEnd(20)} ${String(item.marks).padStart(4)}/${item.of}`);
    for (const c of item.checks) {
      const runs = c.runs.map((r) => (r.tested ? (r.ok ? 'ok' : 'FAIL') : '-')).join(' ');
      out.push(`    ${c.check.padEnd(18)} ${String(c.marks).padStart(4)}/${c.of}  ${runs}`);
      for (const e of c.evidence.slice(0, 6)) out.push(`      - ${e}`);
      if (c.evidence.length > 6) out.push(`      - ... and ${c.evidence.length - 6} more (see --json or the HTML report)`);
    }
  }
  const notes = g.runs.flatMap((r) => r.notes.map((n) => `${r.name}: ${n}`));
  if (notes.length > 0) out.push('  Notes:', ...notes.map((n) => `    - ${n}`));
  if (g.error !== undefined) out.push(`  Grading failed: ${g.error}`);
  out.push('  Allowed:', ...g.allowed.map((a) => `    ${a}`));
  return out.join('\n');
}

/** The CSV header and one row per grade: the submission, the total, each item, and what went wrong. */
export function marksCsv(grades: readonly Grade[]): string {
  const cell = (v: string | number): string => {
    const s = String(v);
    return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
  };
  const header = ['submission', 'total', ...RUBRIC_ITEMS.map((i) => `${i.id} (${i.marks})`), 'notes'];
  const rows = grades.map((g) => [
    g.submission,
    g.total,
    ...RUBRIC_ITEMS.map((i) => g.items.find((x) => x.item === i.id)?.marks ?? 0),
    [g.error, ...g.runs.flatMap((r) => r.notes.filter((n) => /crashed|stopped early|not listening/.test(n)))]
      .filter((x) => x !== undefined)
      .join(' / '),
  ]);
  return [header, ...rows].map((r) => r.map(cell).join(',')).join('\n') + '\n';
}
