/**
 * What a chaos run found, as a JSON result and a short human summary: the
 * failures (crashed peers, wrong lookups after settling, files lost or
 * corrupted), and the odd things it saw on the way (faults that did not
 * settle, deaths declared of peers that were up, stderr lines by error
 * code, counts of notable events).
 */
import type { Crash, Incarnation } from './peers.js';
import type { WrongLookup } from './checks.js';
import type { DownSpan, FaultRecord } from './faults.js';
import type { ChaosOptions } from './options.js';
import type { Fetch } from './probes.js';
import type { TrafficStats } from './traffic.js';
import type { MachineInfo } from '../runtime/machine.js';

/** Events worth counting: repairs, reroutes, refusals, failures. Pings and the course's lines are left out. */
export const NOTABLE_KINDS = [
  'peer-dead',
  'ring-broken',
  'peer-back',
  'peer-readmitted',
  'predecessor-silent',
  'join-refused',
  'join-retry',
  'join-failed',
  'rejoin-ignored',
  'successor-change-ignored',
  'quit-ignored',
  'rerouted',
  'repair-rerouted',
  'repair-failed',
  'owner-unreachable',
  'reconcile-failed',
  'replica-failed',
  'handover-failed',
  'store-pull-failed',
  'transfer-failed',
  'request-failed',
  'command-failed',
  'answer-undelivered',
  'chord-round-failed',
  'finger-lookup-failed',
] as const;

/** A death declared of a peer that was up: neither taken down by the harness nor crashed (then, or within the detection slack before). */
export interface FalseDeath {
  /** The peer that declared it. */
  readonly by: number;
  readonly peer: number;
  readonly time: string;
}

/** One error code on stderr: how often, and its first line. */
export interface StderrTally {
  count: number;
  example: string;
}

/** The whole result of a run (written as result.json). */
export interface ChaosResult {
  readonly machine: MachineInfo;
  readonly options: ChaosOptions;
  /** The command that runs it again. */
  readonly replay: string;
  readonly runDir: string;
  ok: boolean;
  /** One line per failure; empty when the run passed. */
  failures: string[];
  /** Why the harness stopped early, if it did. */
  error?: string | undefined;
  /** Seconds spent in each phase. */
  phases: Record<string, number>;
  initialPeers: number[];
  finalPeers: number[];
  faults: FaultRecord[];
  stores: { total: number; incomplete: string[] };
  traffic?: TrafficStats | undefined;
  settle?: { ok: boolean; seconds: number; wrong?: string | undefined } | undefined;
  lookups?: { keys: number[]; total: number; wrong: WrongLookup[] } | undefined;
  files?: { total: number; ok: number; lost: Fetch[]; corrupted: Fetch[] } | undefined;
  crashed: Crash[];
  stderr: Record<string, StderrTally>;
  events: Record<string, number>;
  falseDeaths: FalseDeath[];
}

/** Every stderr line of every incarnation, by the error code it names ("uncoded" when none). */
export function tallyStderr(incs: readonly Incarnation[]): Record<string, StderrTally> {
  const out: Record<string, StderrTally> = {};
  for (const inc of incs) {
    for (const l of inc.peer.transcript) {
      if (l.stream !== 'stderr') continue;
      const code = /\bERR_[A-Z_]+\b/.exec(l.text)?.[0] ?? 'uncoded';
      const t = (out[code] ??= { count: 0, example: `peer ${inc.id}: ${l.text}` });
      t.count += 1;
    }
  }
  return out;
}

/** Notable events of every incarnation, by kind. */
export function tallyEvents(incs: readonly Incarnation[]): Record<string, number> {
  const notable = new Set<string>(NOTABLE_KINDS);
  const out: Record<string, number> = {};
  for (const inc of incs) for (const e of inc.peer.events) if (notable.has(e.kind)) out[e.kind] = (out[e.kind] ?? 0) + 1;
  return out;
}

/** Deaths (`peer-dead`) declared of peers that were up then, or had been back for longer than `slackMs`. */
export function falseDeaths(incs: readonly Incarnation[], downs: readonly DownSpan[], slackMs: number): FalseDeath[] {
  const out: FalseDeath[] = [];
  const seen = new Set<string>();
  for (const inc of incs) {
    for (const e of inc.peer.events) {
      if (e.kind !== 'peer-dead') continue; // printed (first two successors) or quiet (a longer list)
      const peer = Number(e.fields?.['peer']);
      const t = Date.parse(e.time);
      if (downs.some((s) => s.peer === peer && s.fromMs <= t && t <= s.toMs + slackMs)) continue;
      const key = `${inc.id}:${peer}:${e.time}`;
      if (!seen.has(key)) out.push({ by: inc.id, peer, time: e.time });
      seen.add(key);
    }
  }
  return out;
}

/** A crashed peer's last stderr lines (up to three, oldest first), or what it left when it left none. */
export function lastWords(c: Crash): string {
  return c.stderr.length === 0 ? 'nothing on stderr' : c.stderr.slice(-3).join(' | ');
}

/** The failures of a result, one line each. */
export function failuresOf(r: ChaosResult): string[] {
  const out: string[] = [];
  if (r.error !== undefined) out.push(`the run stopped early: ${r.error}`);
  for (const c of r.crashed)
    out.push(`peer ${c.id} (run ${c.incarnation}) crashed at ${c.atS.toFixed(1)} s with code ${String(c.code)}: ${lastWords(c)}`);
  for (const w of r.lookups?.wrong ?? [])
    out.push(`lookup ${w.key} at peer ${w.at} named ${w.owner ?? 'nobody'}, the owner is ${w.want}: ${w.detail}`);
  for (const f of r.files?.lost ?? []) out.push(`file ${f.name} lost: Request at peer ${f.at}: ${f.outcome}: ${f.detail}`);
  for (const f of [...(r.files?.corrupted ?? []), ...(r.traffic?.corrupted ?? [])])
    out.push(`file ${f.name} corrupted at peer ${f.at}: ${f.detail}`);
  for (const name of r.stores.incomplete) out.push(`Store ${name} was not replicated at the start`);
  return out;
}

/** A short human summary. */
export function summarize(r: ChaosResult): string {
  const o = r.options;
  const count = (kind: string): number => r.faults.filter((f) => f.kind === kind).length;
  const restarts = r.faults.filter((f) => f.kind === 'kill' && f.detail.includes('restart')).length;
  const joins = r.faults.filter((f) => f.kind === 'burst').reduce((s, f) => s + f.peers.length, 0);
  const unsettled = r.faults.filter((f) => f.settled === false);
  const traffic = r.traffic;
  const lines = [
    `chaos ${r.ok ? 'PASSED' : 'FAILED'}: --routing ${o.routing}, ${o.peers} peers, ${o.seconds} s of faults, seed ${o.seed}, ping ${o.ping} s, r = ${o.successors}`,
    `  faults: ${r.faults.length} (freeze ${count('freeze')}, kill ${count('kill')} of which ${restarts} restarted, quit ${count('quit')}, ` +
      `burst ${count('burst')} of ${joins} joins); peers ${r.initialPeers.length} at the start, ${r.finalPeers.length} at the end`,
    ...unsettled.map((f) => `  fault #${f.index} (${f.detail}) did not settle: ${f.problem ?? ''}`),
    ...r.faults
      .filter((f) => f.settled !== false && f.problem !== undefined)
      .map((f) => `  fault #${f.index} (${f.detail}): ${f.problem ?? ''}`),
    traffic === undefined
      ? '  traffic: none'
      : `  traffic during faults: Requests ${Object.entries(traffic.requests)
          .map(([k, v]) => `${k} ${v}`)
          .join(', ')}; lookups agreed ${traffic.lookups.agreed}, ` +
        `disagreed ${traffic.lookups.disagreed}, unanswered ${traffic.lookups.unanswered}`,
    r.settle === undefined
      ? '  settle: not reached'
      : `  settle: ${r.settle.ok ? `every view true after ${r.settle.seconds.toFixed(1)} s` : `NOT settled after ${r.settle.seconds.toFixed(1)} s: ${r.settle.wrong ?? ''}`}`,
    r.lookups === undefined ? '  lookups: not checked' : `  lookups after settling: ${r.lookups.total}, wrong ${r.lookups.wrong.length}`,
    r.files === undefined
      ? '  files: not checked'
      : `  files: ${r.files.total} stored, ${r.files.ok} retrieved byte for byte, lost ${r.files.lost.length}, corrupted ${r.files.corrupted.length}`,
    `  crashed: ${r.crashed.length}${r.crashed.length > 0 ? ` (${r.crashed.map((c) => c.id).join(', ')})` : ''}`,
    `  stderr by code: ${
      Object.entries(r.stderr)
        .map(([k, v]) => `${k} ${v.count}`)
        .join(', ') || 'nothing'
    }`,
    `  events: ${
      Object.entries(r.events)
        .map(([k, v]) => `${k} ${v}`)
        .join(', ') || 'none'
    }`,
    `  deaths declared of peers that were up: ${r.falseDeaths.length}${
      r.falseDeaths.length > 0
        ? ` (${r.falseDeaths
            .slice(0, 5)
            .map((d) => `${d.by} said ${d.peer} at ${d.time}`)
            .join('; ')})`
        : ''
    }`,
    `  phases (s): ${Object.entries(r.phases)
      .map(([k, v]) => `${k} ${v.toFixed(1)}`)
      .join(', ')}`,
    ...r.failures.slice(0, 20).map((f) => `  FAIL ${f}`),
    ...(r.failures.length > 20 ? [`  ... and ${r.failures.length - 20} more failures (result.json)`] : []),
  ];
  return lines.join('\n');
}
