/**
 * Judging one run from its record (pure: no processes, no clock): every
 * expected line aligned with what its peer printed, each found in time,
 * late, or missing (and why: a near miss in case or spacing, a line printed
 * instead, a peer that had crashed, a step never reached); every ping line
 * the steps call for; the departing peer's exit; the requested file. The
 * result is, per rubric check, whether it held and the evidence.
 */
import { alignLines } from '../model/align.js';
import { fitFileSent, isPingish, nearlySame, normalize, sameLine } from './compare.js';
import type { Allowances } from './options.js';
import type { ExpectedLine, PingWant } from './plan.js';
import { CHECKS, type CheckId } from './rubric.js';
import type { PeerRecord, RunRecord, StepRecord } from './run.js';

/** One row of a peer's side-by-side transcript. */
export interface TranscriptRow {
  /** Index of the step the row belongs to (by the plan, or by when it was printed). */
  readonly step: number | undefined;
  readonly expected?: string | undefined;
  readonly printed?: string | undefined;
  /** When it was printed, in ms from the run's start. */
  readonly at?: number | undefined;
  readonly status: 'ok' | 'tolerated' | 'late' | 'missing' | 'extra' | 'stderr';
  /** What the report says about it (lateness, the near miss...). */
  readonly note?: string | undefined;
}

/** A peer as the report shows it. */
export interface PeerView {
  readonly id: number;
  readonly command: string;
  readonly rows: readonly TranscriptRow[];
  /** Ping lines printed (not shown row by row). */
  readonly pingLines: number;
  /** How it ended, in words. */
  readonly end: string;
}

/** One check in one run. */
export interface CheckOutcome {
  readonly check: CheckId;
  /** The run asked something of this check. */
  readonly tested: boolean;
  readonly ok: boolean;
  /** Why it failed (or, when it held, what was tolerated). */
  readonly evidence: readonly string[];
}

/** One run judged. */
export interface RunVerdict {
  readonly name: string;
  readonly checks: readonly CheckOutcome[];
  readonly peers: readonly PeerView[];
  /** Crashes, ports, an early stop, extra lines: said, not marked. */
  readonly notes: readonly string[];
  /** The same in a few words each, for the CSV. */
  readonly brief: readonly string[];
  readonly steps: readonly { readonly title: string; readonly startedAt: number; readonly ms: number; readonly complete: boolean }[];
  readonly seconds: number;
}

const secs = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;
const q = (line: string): string => JSON.stringify(line);

/** Judges a run. `tolerant`: case and spacing aside. */
export function judgeRun(record: RunRecord, tolerant: boolean, allowances: Allowances): RunVerdict {
  const failures = new Map<CheckId, string[]>();
  const remarks = new Map<CheckId, string[]>();
  const tested = new Set<CheckId>();
  const fail = (check: CheckId, text: string): void => void failures.set(check, [...(failures.get(check) ?? []), text]);
  const remark = (check: CheckId, text: string): void => void remarks.set(check, [...(remarks.get(check) ?? []), text]);
  const t0 = record.startedAt;
  const stepName = (i: number): string => `step ${i + 1}, "${record.plan.steps[i]?.title ?? '?'}"`;
  const notReached = (i: number): string =>
    `${stepName(i)} was never reached${record.stoppedEarly === undefined ? '' : ` (${record.stoppedEarly})`}`;
  const stepAt = (at: number): number | undefined => {
    let found: number | undefined;
    record.steps.forEach((s, i) => {
      if (s.startedAt <= at) found = i;
    });
    return found;
  };
  const peerFor = (id: number): PeerRecord | undefined => record.peers.filter((p) => p.id === id).at(-1);
  const endedWhy = (peer: PeerRecord | undefined, before: number): string | undefined => {
    if (peer?.exit === undefined || peer.ended !== 'by-itself' || peer.exit.at > before) return undefined;
    return `peer ${peer.id} had crashed (${exitWords(peer)}) ${secs(peer.exit.at - t0)} into the run (its stderr is in the notes)`;
  };

  // Service lines: aligned per peer, over the whole run.
  const views: PeerView[] = [];
  const ids = [...new Set([...record.plan.init.map(([id]) => id), ...record.peers.map((p) => p.id)])].sort((a, b) => a - b);
  for (const id of ids) {
    const peer = peerFor(id);
    const stdout = (peer?.lines ?? []).filter((l) => l.stream === 'stdout');
    const printed = stdout.filter((l) => !isPingish(l.text));
    const expected: (ExpectedLine & { step: number })[] = record.plan.steps.flatMap((s, step) => {
      const own = s.lines.filter((l) => l.peer === id).map((l) => ({ ...l, step }));
      const since = record.steps[step]?.startedAt;
      if (s.action.kind !== 'request' || s.action.at !== id || since === undefined) return own;
      return fitFileSent(
        own,
        printed.filter((l) => l.at >= since).map((l) => l.text),
        tolerant,
      );
    });
    for (const e of expected) tested.add(e.check);
    const startOf = (step: number): StepRecord | undefined => record.steps[step];
    // A line in its step's time weighs more than the same text later: a
    // line repeated in a later step is matched to its own step first.
    const rows = alignLines(expected, printed, (e, a) => {
      const s = startOf(e.step);
      if (s === undefined || a.at < s.startedAt || !sameLine(e.text, a.text, tolerant)) return 0;
      return a.at - s.startedAt <= s.allowanceMs ? 3 : 2;
    });
    const out: TranscriptRow[] = [];
    for (const row of rows) {
      const e = row.expected === undefined ? undefined : expected[row.expected];
      const a = row.actual === undefined ? undefined : printed[row.actual];
      if (e !== undefined && a !== undefined) {
        const s = startOf(e.step) as StepRecord;
        const after = a.at - s.startedAt;
        if (after > s.allowanceMs) {
          const why = `peer ${id}, ${stepName(e.step)}: ${q(e.text)} came ${secs(after)} after the step began; ${secs(s.allowanceMs)} allowed`;
          fail(e.check, why);
          out.push({
            step: e.step,
            expected: e.text,
            printed: a.text,
            at: a.at - t0,
            status: 'late',
            note: `late: ${secs(after)}, ${secs(s.allowanceMs)} allowed`,
          });
        } else if (a.text !== e.text) {
          remark(e.check, `peer ${id}, ${stepName(e.step)}: accepted ${q(a.text)} for ${q(e.text)} (--tolerant)`);
          out.push({ step: e.step, expected: e.text, printed: a.text, at: a.at - t0, status: 'tolerated', note: 'differs in case or spacing' });
        } else {
          out.push({ step: e.step, expected: e.text, printed: a.text, at: a.at - t0, status: 'ok' });
        }
      } else if (e !== undefined) {
        const s = startOf(e.step);
        let why: string;
        if (s === undefined) {
          why = notReached(e.step);
        } else {
          const windowEnd = s.startedAt + s.allowanceMs;
          const near = printed.find((l) => l.at >= s.startedAt && nearlySame(e.text, l.text));
          const instead = printed.find(
            (l, i) => l.at >= s.startedAt && l.at <= windowEnd && rows.some((r) => r.actual === i && r.expected === undefined),
          );
          const crashed = endedWhy(peer, windowEnd);
          if (near !== undefined) why = `printed ${q(near.text)}, which differs in case or spacing (--tolerant accepts it)`;
          else if (crashed !== undefined) why = crashed;
          else if (peer === undefined) why = `peer ${id} never ran`;
          else if (instead !== undefined) why = `printed ${q(instead.text)} instead`;
          else why = `not printed within ${secs(s.allowanceMs)}, nor later`;
        }
        fail(e.check, `peer ${id}, ${stepName(e.step)}: missing ${q(e.text)}: ${why}`);
        out.push({ step: e.step, expected: e.text, status: 'missing', note: why });
      } else if (a !== undefined) {
        out.push({ step: stepAt(a.at), printed: a.text, at: a.at - t0, status: 'extra', note: 'not expected here' });
      }
    }
    for (const l of (peer?.lines ?? []).filter((x) => x.stream === 'stderr'))
      out.push({ step: stepAt(l.at), printed: l.text, at: l.at - t0, status: 'stderr' });
    out.sort((x, y) => (x.step ?? -1) - (y.step ?? -1) || (x.at ?? Infinity) - (y.at ?? Infinity));
    views.push({
      id,
      command: peer?.command ?? '',
      rows: out,
      pingLines: stdout.length - printed.length,
      end: peer === undefined ? 'never ran' : endWords(peer, t0),
    });
  }

  // Ping lines: looked for, each from its step's start.
  record.plan.steps.forEach((step, i) => {
    for (const w of step.pings) tested.add(w.check);
    const s = record.steps[i];
    for (const w of step.pings) {
      if (s === undefined) {
        fail(w.check, `peer ${w.peer}, ${notReached(i)}: ${q(w.text)} not looked for`);
        continue;
      }
      const why = judgePing(w, s, peerFor(w.peer), tolerant, allowances, endedWhy);
      if (why !== undefined) fail(w.check, `peer ${w.peer}, ${stepName(i)}: ${why}`);
    }
  });

  // The departing peer's exit, after Quit.
  record.plan.steps.forEach((step, i) => {
    if (step.action.kind !== 'quit') return;
    tested.add('quit-exit');
    const quit = record.steps[i]?.quit;
    const who = `peer ${step.action.peer}`;
    if (quit === undefined) fail('quit-exit', `${who}: ${notReached(i)}`);
    else if (quit.killed) fail('quit-exit', `${who} did not exit within ${secs(quit.ms)} of Quit; the grader killed it`);
    else if (quit.code !== 0)
      fail('quit-exit', `${who} exited with code ${String(quit.code)} after Quit, not 0${stderrTail(peerFor(step.action.peer))}`);
  });

  // The requested files, byte for byte.
  if (record.plan.requested.length > 0) tested.add('request-file');
  const requestStep = record.plan.steps.findIndex((s) => s.action.kind === 'request');
  for (const f of record.files) {
    if (requestStep >= 0 && record.steps[requestStep] === undefined) fail('request-file', `file ${f.name}: ${notReached(requestStep)}`);
    else if (!f.identical) fail('request-file', `file ${f.name}: ${f.detail}`);
  }

  const notes: string[] = [];
  if (record.stoppedEarly !== undefined) notes.push(`The run stopped early: ${record.stoppedEarly}.`);
  for (const p of record.peers) {
    if (p.ended === 'by-itself' && p.exit !== undefined) {
      const i = stepAt(p.exit.at);
      notes.push(
        `Peer ${p.id} crashed (${exitWords(p)}) ${secs(p.exit.at - t0)} into the run${i === undefined ? '' : `, during ${stepName(i)}`}${stderrTail(p)}`,
      );
    }
    if (p.ports !== undefined && (!p.ports.tcp || !p.ports.udp)) {
      const port = record.portBase + p.id;
      const missing = [p.ports.tcp ? '' : 'TCP', p.ports.udp ? '' : 'UDP'].filter((x) => x !== '').join(' and ');
      notes.push(`Peer ${p.id} was not listening on ${missing} port ${port} (PORT_BASE ${record.portBase} + ID) after the ping check`);
    }
  }
  const brief: string[] = [];
  const crashed = record.peers.filter((p) => p.ended === 'by-itself').map((p) => p.id);
  if (crashed.length > 0) brief.push(`peer${crashed.length > 1 ? 's' : ''} ${crashed.join(', ')} crashed`);
  const unbound = record.peers.filter((p) => p.ports !== undefined && (!p.ports.tcp || !p.ports.udp)).map((p) => p.id);
  if (unbound.length > 0) brief.push(`port PORT_BASE+ID not bound by ${unbound.join(', ')}`);
  if (record.stoppedEarly !== undefined) brief.push(`stopped early: ${record.stoppedEarly}`);
  const extra = views.reduce((n, v) => n + v.rows.filter((r) => r.status === 'extra').length, 0);
  if (extra > 0)
    notes.push(
      `${extra} printed line(s) that the specification does not expect there (shown in the transcripts; they cost nothing by themselves).`,
    );

  const checks = CHECKS.map((c): CheckOutcome => {
    const failed = failures.get(c.id) ?? [];
    return {
      check: c.id,
      tested: tested.has(c.id),
      ok: tested.has(c.id) && failed.length === 0,
      evidence: failed.length > 0 ? failed : (remarks.get(c.id) ?? []),
    };
  });
  return {
    name: record.plan.name,
    checks,
    peers: views,
    notes,
    brief,
    steps: record.steps.map((s) => ({ title: s.title, startedAt: s.startedAt - t0, ms: s.endedAt - s.startedAt, complete: s.complete })),
    seconds: (record.endedAt - record.startedAt) / 1000,
  };
}

function judgePing(
  w: PingWant,
  s: StepRecord,
  peer: PeerRecord | undefined,
  tolerant: boolean,
  a: Allowances,
  endedWhy: (peer: PeerRecord | undefined, before: number) => string | undefined,
): string | undefined {
  const lines = (peer?.lines ?? []).filter((l) => l.stream === 'stdout' && l.at >= s.startedAt);
  const found = lines.find((l) => sameLine(w.text, l.text, tolerant));
  const limit = s.startedAt + s.allowanceMs;
  if (found === undefined) {
    const near = lines.find((l) => nearlySame(w.text, l.text));
    if (near !== undefined) return `missing ${q(w.text)}: printed ${q(near.text)}, which differs in case or spacing (--tolerant accepts it)`;
    const crashed = endedWhy(peer, limit);
    return `missing ${q(w.text)}: ${crashed ?? (peer === undefined ? 'the peer never ran' : `not printed within ${secs(s.allowanceMs)}, nor later`)}`;
  }
  if (!w.response) {
    return found.at > limit
      ? `${q(w.text)} came ${secs(found.at - s.startedAt)} after the step began; ${secs(s.allowanceMs)} allowed`
      : undefined;
  }
  const sent = lines.find((l) => normalize(l.text).startsWith('ping requests sent to'));
  const from = sent?.at ?? s.startedAt;
  const latency = found.at - from;
  if (latency > a.pingResponseMs) {
    return `${q(w.text)} came ${secs(latency)} after the peer's first ping request; ${secs(a.pingResponseMs)} allowed`;
  }
  return undefined;
}

function exitWords(p: PeerRecord): string {
  if (p.exit === undefined) return 'still running';
  return p.exit.signal !== null ? `signal ${p.exit.signal}` : `exit code ${String(p.exit.code)}`;
}

function endWords(p: PeerRecord, t0: number): string {
  switch (p.ended) {
    case 'quit':
      return `quit (${exitWords(p)})`;
    case 'killed':
      return 'killed by the grader (SIGKILL)';
    case 'by-itself':
      return `crashed: ${exitWords(p)} at ${secs((p.exit?.at ?? t0) - t0)}`;
    case 'running':
      return 'ran to the end';
  }
}

/** The last lines of a peer's stderr, for the evidence of a crash. */
function stderrTail(p: PeerRecord | undefined): string {
  const err = (p?.lines ?? []).filter((l) => l.stream === 'stderr').map((l) => l.text);
  if (err.length === 0) return '; nothing on stderr';
  return `; stderr ends: ${err.slice(-4).join(' | ')}`;
}
