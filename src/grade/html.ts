/**
 * The HTML report of one submission: the marks and their evidence, what
 * the grader allowed, then for each run every peer's transcript beside the
 * lines the specification expects, step by step. One self-contained file.
 */
import type { Grade } from './grade.js';
import type { PeerView, RunVerdict, TranscriptRow } from './judge.js';

const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

const STYLE = `
body{font:14px/1.4 system-ui,sans-serif;margin:2em;color:#222}
h1{font-size:1.4em}h2{font-size:1.2em;margin-top:2em}h3{font-size:1em;margin:1.2em 0 .3em}
table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:2px 6px;vertical-align:top}
th{background:#f3f3f3;text-align:left}.num{text-align:right}
.ok{background:#eaf7ea}.fail{background:#fbe9e9}.late{background:#fff1d6}.tolerated{background:#eef3ff}
.missing{background:#fbe9e9}.extra{background:#f4f4f4;color:#666}.stderr{background:#fdf0f7;color:#900}
.step td{background:#333;color:#fff;font-weight:600}
code,.line{font-family:ui-monospace,Menlo,monospace;font-size:12.5px;white-space:pre-wrap}
ul.ev{margin:.2em 0 .6em 1.2em;padding:0}ul.ev li{font-size:12.5px}
.peers{display:flex;flex-wrap:wrap;gap:1.5em}.peer{flex:1 1 46em}`;

/** The report of `g` as one HTML page. */
export function gradeHtml(g: Grade): string {
  const parts: string[] = [];
  parts.push(
    `<!doctype html><html><head><meta charset="utf-8"><title>${esc(g.submission)}: ${g.total}/${g.of}</title><style>${STYLE}</style></head><body>`,
  );
  parts.push(`<h1>${esc(g.submission)}: ${g.total} / ${g.of}</h1>`);
  parts.push(`<p>Command: <code>${esc(g.command)}</code>. Design (the last 10 marks) is marked by hand.</p>`);
  if (g.error !== undefined) parts.push(`<p class="fail">Grading failed: ${esc(g.error)}</p>`);
  parts.push('<table><tr><th>Item</th><th>Check</th><th class="num">Marks</th>');
  for (const r of g.runs) parts.push(`<th>${esc(r.name)}</th>`);
  parts.push('<th>What it needs, and the evidence</th></tr>');
  for (const item of g.items) {
    item.checks.forEach((c, i) => {
      parts.push('<tr>');
      if (i === 0) parts.push(`<td rowspan="${item.checks.length}"><b>${esc(item.title)}</b><br>${item.marks} / ${item.of}</td>`);
      parts.push(`<td><code>${c.check}</code></td><td class="num ${c.marks === c.of ? 'ok' : 'fail'}">${c.marks} / ${c.of}</td>`);
      for (const r of c.runs)
        parts.push(`<td class="${r.tested ? (r.ok ? 'ok' : 'fail') : ''}">${r.tested ? (r.ok ? 'held' : 'lost') : 'not tested'}</td>`);
      parts.push(`<td>${esc(c.needs)}`);
      if (c.evidence.length > 0) parts.push(`<ul class="ev">${c.evidence.map((e) => `<li>${esc(e)}</li>`).join('')}</ul>`);
      parts.push('</td></tr>');
    });
  }
  parts.push('</table>');
  parts.push(`<h2>What the grader allowed</h2><ul>${g.allowed.map((a) => `<li>${esc(a)}</li>`).join('')}</ul>`);
  for (const run of g.runs) parts.push(runHtml(run));
  parts.push('</body></html>');
  return parts.join('\n');
}

function runHtml(run: RunVerdict): string {
  const parts: string[] = [`<h2>${esc(run.name)} (${run.seconds.toFixed(1)} s)</h2>`];
  parts.push('<ol>');
  for (const s of run.steps) {
    parts.push(
      `<li>${esc(s.title)}: began at ${(s.startedAt / 1000).toFixed(1)} s, ${s.complete ? 'every line came' : 'lines were missing'} (waited ${(s.ms / 1000).toFixed(1)} s)</li>`,
    );
  }
  parts.push('</ol>');
  if (run.notes.length > 0) parts.push(`<ul>${run.notes.map((n) => `<li>${esc(n)}</li>`).join('')}</ul>`);
  parts.push('<div class="peers">');
  for (const peer of run.peers)
    parts.push(
      peerHtml(
        peer,
        run.steps.map((s) => s.title),
      ),
    );
  parts.push('</div>');
  return parts.join('\n');
}

function peerHtml(peer: PeerView, titles: readonly string[]): string {
  const parts: string[] = [`<div class="peer"><h3>Peer ${peer.id}: ${esc(peer.end)}, ${peer.pingLines} ping lines (not shown)</h3>`];
  parts.push(`<div><code>${esc(peer.command)}</code></div>`);
  parts.push('<table><tr><th>s</th><th>Expected (specification)</th><th>Printed</th><th>Note</th></tr>');
  let step: number | undefined = -2;
  for (const row of peer.rows) {
    if (row.step !== step) {
      step = row.step;
      parts.push(
        `<tr class="step"><td colspan="4">${step === undefined ? 'Before the first step' : esc(`${step + 1}. ${titles[step] ?? ''}`)}</td></tr>`,
      );
    }
    parts.push(rowHtml(row));
  }
  parts.push('</table></div>');
  return parts.join('\n');
}

function rowHtml(r: TranscriptRow): string {
  const at = r.at === undefined ? '' : (r.at / 1000).toFixed(1);
  return `<tr class="${r.status}"><td class="num">${at}</td><td class="line">${esc(r.expected ?? '')}</td><td class="line">${esc(r.printed ?? '')}</td><td>${esc(r.status === 'ok' ? '' : (r.note ?? r.status))}</td></tr>`;
}
