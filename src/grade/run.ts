/**
 * One grading run: a plan (the course ring, one order) played on a
 * submission's peers, started from its command template in a copy of its
 * directory. The run waits, step by step, for the lines the plan expects
 * (or the step's allowance), and records everything: every line with the
 * time it came, every exit, the ports bound, the requested file. It judges
 * nothing: src/grade/judge.ts does, from the record.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { ChildPeer, TranscriptLine } from '../testnet/child-peer.js';
import { PeerNetwork, performAction } from '../testnet/network.js';
import { fitFileSent, sameLine, isPingish } from './compare.js';
import { expandTemplate, type Allowances } from './options.js';
import type { Plan, PlannedStep } from './plan.js';
import { boundPorts } from './ports.js';

/** What one peer did. */
export interface PeerRecord {
  readonly id: number;
  /** The command it was started with. */
  readonly command: string;
  readonly startedAt: number;
  readonly lines: readonly TranscriptLine[];
  /** How it ended, if it did before the run's end. */
  readonly exit?: { readonly code: number | null; readonly signal: string | null; readonly at: number } | undefined;
  /** Why it ended: the grader quit or killed it, or it ended by itself. */
  readonly ended: 'running' | 'quit' | 'killed' | 'by-itself';
  /** Bound its TCP and UDP ports (PORT_BASE + ID), seen after the ping check; undefined when not looked at. */
  readonly ports?: { readonly tcp: boolean; readonly udp: boolean } | undefined;
}

/** What one step did. */
export interface StepRecord {
  readonly title: string;
  readonly startedAt: number;
  readonly endedAt: number;
  /** Every line the step waits for came before its allowance ran out. */
  readonly complete: boolean;
  /** The allowance the step had (ms from its start). */
  readonly allowanceMs: number;
  /** A Quit: the departing peer's exit. */
  readonly quit?: { readonly code: number | null; readonly ms: number; readonly killed: boolean } | undefined;
}

/** A requested file and its copy. */
export interface FileRecord {
  readonly name: string;
  readonly identical: boolean;
  /** Why not identical, or the sizes. */
  readonly detail: string;
}

/** Everything one run saw. */
export interface RunRecord {
  readonly plan: Plan;
  readonly portBase: number;
  readonly pingSeconds: number;
  readonly dir: string;
  readonly startedAt: number;
  readonly endedAt: number;
  readonly peers: readonly PeerRecord[];
  /** One per step performed, in order (fewer than the plan's when the run stopped early). */
  readonly steps: readonly StepRecord[];
  readonly files: readonly FileRecord[];
  /** Why the run stopped before its last step, if it did. */
  readonly stoppedEarly?: string | undefined;
}

/** Options of one run. */
export interface RunOptions {
  readonly plan: Plan;
  readonly template: string;
  /** The run's working directory, already prepared (the submission's files and the course's). */
  readonly dir: string;
  readonly portBase: number;
  readonly pingSeconds: number;
  readonly allowances: Allowances;
  /** Wall-clock time (ms since the epoch) by which the run must end. */
  readonly deadlineAt: number;
  /** Called as each step ends. */
  readonly onStep?: (step: StepRecord, planned: PlannedStep) => void;
}

/** Every child peer any run started and has not yet seen end: ended at exit whatever happens. */
const live = new Set<ChildPeer>();
let exitHookSet = false;

/** Kills every process group the grader started (on its own exit too: a grader killed mid-run leaves nothing behind). */
function watchForExit(): void {
  if (exitHookSet) return;
  exitHookSet = true;
  process.on('exit', () => {
    for (const p of live) p.kill('SIGKILL');
  });
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.once(signal, () => {
      for (const p of live) p.kill('SIGKILL');
      process.exit(signal === 'SIGINT' ? 130 : 143);
    });
  }
}

/** Plays `opts.plan` on the submission; always ends every process it started. */
export async function runPlan(opts: RunOptions): Promise<RunRecord> {
  watchForExit();
  const startedAt = Date.now();
  const changed = new Set<() => void>();
  const pulse = (): void => {
    for (const f of changed) f();
  };
  const exitOf = new Map<ChildPeer, { code: number | null; signal: string | null; at: number }>();
  const starts = new Map<ChildPeer, number>();
  const commands = new Map<ChildPeer, string>();
  const net = new PeerNetwork({
    dir: opts.dir,
    portBase: opts.portBase,
    pingSeconds: opts.pingSeconds,
    env: { P2P_PORT_BASE: String(opts.portBase), PYTHONUNBUFFERED: '1' },
    peerCommand: (_id, args) => expandTemplate(opts.template, args, opts.portBase),
  });
  const start = net.start.bind(net);
  net.start = (id, args) => {
    const peer = start(id, args);
    live.add(peer);
    starts.set(peer, Date.now());
    commands.set(peer, expandTemplate(opts.template, args, opts.portBase)[2] ?? '');
    peer.onLine(pulse);
    void peer.exited.then((code) => {
      exitOf.set(peer, { code, signal: peer.signal, at: Date.now() });
      live.delete(peer);
      pulse();
    });
    return peer;
  };
  const ended = new Map<ChildPeer, PeerRecord['ended']>();
  const ports = new Map<number, { tcp: boolean; udp: boolean }>();
  const steps: StepRecord[] = [];
  let stoppedEarly: string | undefined;
  try {
    for (const [id, s1, s2] of opts.plan.init) net.init(id, s1, s2);
    for (const [index, step] of opts.plan.steps.entries()) {
      if (Date.now() >= opts.deadlineAt) {
        stoppedEarly = `the time limit ran out before step ${index + 1}, "${step.title}"`;
        break;
      }
      if (opts.allowances.settleMs > 0 && index > 0 && step.action.kind !== 'quit' && step.action.kind !== 'kill') {
        // Chord's fingers and the successor lists settle in rounds, unseen on stdout: leave them time.
        await new Promise((resolve) => setTimeout(resolve, opts.allowances.settleMs));
      }
      const record = await runStep(net, step, opts, index === 0 ? startedAt : Date.now(), changed, ended);
      steps.push(record);
      opts.onStep?.(record, step);
      if (index === 0) {
        const bound = await boundPorts();
        for (const [id] of opts.plan.init) ports.set(id, { tcp: bound.tcp.has(opts.portBase + id), udp: bound.udp.has(opts.portBase + id) });
        if (net.history.every((p) => !p.transcript.some((l) => l.stream === 'stdout'))) {
          // Nothing could be marked: the rest would only wait out every allowance.
          stoppedEarly = `no peer printed a line on stdout within ${(record.allowanceMs / 1000).toFixed(1)} s of its start (is its output buffered? Python: flush=True; C: fflush or setvbuf), so the other steps were not run`;
          break;
        }
      }
    }
  } catch (err) {
    stoppedEarly = `the grader failed: ${err instanceof Error ? err.message : String(err)}`;
  }
  if (stoppedEarly === undefined && steps.length < opts.plan.steps.length) stoppedEarly = 'the time limit ran out';
  const files = await compareFiles(opts.dir, opts.plan.requested);
  const endedAt = Date.now();
  // Everything still running ends now, whole process groups, and is waited for.
  for (const peer of net.history) peer.kill('SIGKILL');
  await Promise.all(net.history.map((p) => Promise.race([p.exited, new Promise((resolve) => setTimeout(resolve, 5000))])));
  const peers: PeerRecord[] = net.history.map((peer) => {
    const exit = exitOf.get(peer);
    return {
      id: peer.id,
      command: commands.get(peer) ?? '',
      startedAt: starts.get(peer) ?? startedAt,
      lines: [...peer.transcript],
      exit: exit !== undefined && exit.at <= endedAt ? exit : undefined,
      ended: ended.get(peer) ?? (exit !== undefined && exit.at <= endedAt ? 'by-itself' : 'running'),
      ports: ports.get(peer.id),
    };
  });
  return {
    plan: opts.plan,
    portBase: opts.portBase,
    pingSeconds: opts.pingSeconds,
    dir: opts.dir,
    startedAt,
    endedAt,
    peers,
    steps,
    files,
    stoppedEarly,
  };
}

/** The allowance of a step: from its start to the last line it waits for. */
export function allowanceOf(step: PlannedStep, a: Allowances): number {
  switch (step.action.kind) {
    case 'pings':
      return a.startMs;
    case 'kill':
      return a.detectMs;
    default:
      return a.stepMs;
  }
}

async function runStep(
  net: PeerNetwork,
  step: PlannedStep,
  opts: RunOptions,
  startedAt: number,
  changed: Set<() => void>,
  ended: Map<ChildPeer, PeerRecord['ended']>,
): Promise<StepRecord> {
  const allowanceMs = allowanceOf(step, opts.allowances);
  const limit = Math.min(startedAt + allowanceMs, opts.deadlineAt);
  let quit: StepRecord['quit'];
  const a = step.action;
  if (a.kind === 'quit' || a.kind === 'kill') {
    const peer = net.peers.get(a.peer);
    if (peer !== undefined) ended.set(peer, a.kind === 'quit' ? 'quit' : 'killed');
  }
  if (a.kind === 'quit') {
    const peer = net.peers.get(a.peer);
    const t0 = Date.now();
    // performAction waits for the exit and refuses a non-zero status: here both are evidence, not errors.
    await performAction(net, a, Math.max(1, limit - t0)).catch(() => undefined);
    const killed = peer?.running ?? false;
    if (killed) peer?.kill('SIGKILL');
    const code = (await peer?.exited) ?? null;
    net.forget(a.peer);
    quit = { code: killed ? null : code, ms: Date.now() - t0, killed };
  } else {
    // A command typed at a peer that has ended goes nowhere; the lines it should have caused are missing.
    await performAction(net, a, allowanceMs).catch(() => undefined);
  }
  const complete = await new Promise<boolean>((resolve) => {
    const check = (): void => {
      const state = stepState(net, step, startedAt);
      if (state === 'pending' && Date.now() < limit) return;
      changed.delete(check);
      clearTimeout(timer);
      resolve(state === 'done');
    };
    const timer = setTimeout(() => setImmediate(() => setImmediate(check)), Math.max(0, limit - Date.now()));
    changed.add(check);
    check();
  });
  return { title: step.title, startedAt, endedAt: Date.now(), complete, allowanceMs, quit };
}

/** Done (every wanted line is out), pending, or hopeless (every peer still owing a line has ended). */
function stepState(net: PeerNetwork, step: PlannedStep, since: number): 'done' | 'pending' | 'hopeless' {
  const owing: (ChildPeer | undefined)[] = [];
  const latest = (id: number): ChildPeer | undefined => net.history.filter((p) => p.id === id).at(-1);
  const byPeer = new Map<number, string[]>();
  for (const l of step.lines) byPeer.set(l.peer, [...(byPeer.get(l.peer) ?? []), l.text]);
  const note = (peer: ChildPeer | undefined): void => void owing.push(peer);
  for (const [id, want] of byPeer) {
    const peer = latest(id);
    const printed = (peer?.transcript ?? []).filter((l) => l.stream === 'stdout' && l.at >= since && !isPingish(l.text)).map((l) => l.text);
    const order = fitFileSent(
      want.map((text) => ({ text })),
      printed,
      true,
    ).map((w) => w.text);
    let i = 0;
    for (const l of printed) if (i < order.length && sameLine(order[i] as string, l, true)) i++;
    if (i < want.length) note(peer);
  }
  for (const w of step.pings) {
    const peer = latest(w.peer);
    const seen = (peer?.transcript ?? []).some((l) => l.stream === 'stdout' && l.at >= since && sameLine(w.text, l.text, true));
    if (!seen) note(peer);
  }
  if (owing.length === 0) return 'done';
  return owing.some((p) => p?.running === true) ? 'pending' : 'hopeless';
}

/** Compares each requested file's copy (`received_NNNN.*`) with its original (`NNNN.*`), byte for byte. */
export async function compareFiles(dir: string, names: readonly string[]): Promise<FileRecord[]> {
  const files = await fs.readdir(dir).catch(() => [] as string[]);
  return Promise.all(
    names.map(async (name): Promise<FileRecord> => {
      const original = files.find((f) => f === name || f.startsWith(`${name}.`));
      const copy = files.find((f) => f === `received_${name}` || f.startsWith(`received_${name}.`));
      if (original === undefined) return { name, identical: false, detail: `the original, ${name}.*, is missing from the working directory` };
      if (copy === undefined) return { name, identical: false, detail: `no received_${name}.* was written` };
      const [a, b] = await Promise.all([fs.readFile(path.join(dir, original)), fs.readFile(path.join(dir, copy))]);
      if (a.equals(b)) return { name, identical: true, detail: `${copy} is byte-identical to ${original} (${a.length} bytes)` };
      let at = 0;
      while (at < a.length && at < b.length && a[at] === b[at]) at++;
      return { name, identical: false, detail: `${copy} (${b.length} bytes) differs from ${original} (${a.length} bytes) from byte ${at} on` };
    }),
  );
}
