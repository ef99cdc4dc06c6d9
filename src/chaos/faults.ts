/**
 * Running one planned fault against the live peers, and waiting until the
 * ring has absorbed it: the neighbours' views true again and their files
 * reconciled twice (`settleAround`). Only then does its slot free up, so
 * that no more than r - 1 faults are ever unrepaired at once. A fault that
 * does not settle within its deadline is recorded with the views that were
 * still wrong, and the run goes on.
 */
import { P2PError } from '../errors.js';
import type { ChaosNetwork, Incarnation } from './peers.js';
import type { PlannedFault, PlanStep } from './plan.js';
import type { ChaosTiming } from './timing.js';
import { settleAround } from './views.js';
import { pause } from './wait.js';

/** A span during which a peer was down (frozen, killed, or gone), in epoch ms; `toMs` is Infinity until it is back. */
export interface DownSpan {
  readonly peer: number;
  readonly fromMs: number;
  toMs: number;
}

/** What happened to one fault. */
export interface FaultRecord {
  readonly index: number;
  readonly kind: PlannedFault['kind'];
  /** Peers it acted on (victim, or newcomers). */
  readonly peers: readonly number[];
  /** In words: "freeze 45 for 6 intervals". */
  readonly detail: string;
  /** Seconds since the run began. */
  readonly startedS: number;
  endedS?: number;
  /** Its neighbours back to true views and reconciled within the deadline. */
  settled?: boolean;
  /** What went wrong: a wait that timed out, an exit code, a peer that was not there. */
  problem?: string;
}

/** What a fault needs. */
export interface FaultContext {
  readonly cnet: ChaosNetwork;
  readonly timing: ChaosTiming;
  /** Every span a peer was down, for telling expected deaths from false ones. */
  readonly downs: DownSpan[];
}

/** In words. */
export function describeFault(f: PlannedFault): string {
  switch (f.kind) {
    case 'freeze':
      return `freeze ${f.peer} for ${f.intervals} intervals`;
    case 'quit':
      return `quit ${f.peer}`;
    case 'kill':
      if (f.restart === undefined) return `kill ${f.peer}`;
      return `kill ${f.peer}, restart by ${f.restart.how}${f.restart.via === undefined ? '' : ` via ${f.restart.via}`} after ${f.restart.afterIntervals} intervals`;
    case 'burst':
      return `burst of ${f.joins.length} joins: ${f.joins.map((j) => `${j.peer} via ${j.via}`).join(', ')}`;
  }
}

/** Runs `step`'s fault and waits for the ring to absorb it; never throws. */
export async function runFault(ctx: FaultContext, step: PlanStep): Promise<FaultRecord> {
  const f = step.fault;
  const peers = f.kind === 'burst' ? f.joins.map((j) => j.peer) : [f.peer];
  const rec: FaultRecord = { index: step.index, kind: f.kind, peers, detail: describeFault(f), startedS: ctx.cnet.elapsedS() };
  try {
    await act(ctx, f, rec);
    const size = ctx.cnet.ring().length;
    await settleAround(ctx.cnet, peers, ctx.timing.repairMs(size));
    rec.settled = true;
  } catch (err) {
    rec.settled = false;
    const message = err instanceof Error ? err.message : String(err);
    rec.problem = rec.problem === undefined ? message : `${rec.problem}; ${message}`;
  }
  rec.endedS = ctx.cnet.elapsedS();
  return rec;
}

async function act(ctx: FaultContext, f: PlannedFault, rec: FaultRecord): Promise<void> {
  const { cnet, timing } = ctx;
  const notThere = (id: number): P2PError => new P2PError('ERR_NOT_RUNNING', `peer ${id} is not running (the plan expected it)`);
  switch (f.kind) {
    case 'freeze': {
      if (!cnet.steady().includes(f.peer)) throw notThere(f.peer);
      const span = down(ctx, f.peer);
      cnet.freeze(f.peer);
      await pause(timing.intervals(f.intervals));
      cnet.thaw(f.peer);
      span.toMs = Date.now();
      return;
    }
    case 'kill': {
      if (!cnet.ring().includes(f.peer)) throw notThere(f.peer);
      const span = down(ctx, f.peer);
      await cnet.kill(f.peer);
      if (f.restart === undefined) return;
      await pause(timing.intervals(f.restart.afterIntervals));
      if (f.restart.how === 'init') {
        await cnet.init(f.peer);
      } else {
        await accepted(ctx, await cnet.join(f.peer, via(ctx, f.restart.via ?? -1, f.peer)));
      }
      span.toMs = Date.now();
      return;
    }
    case 'quit': {
      if (!cnet.steady().includes(f.peer)) throw notThere(f.peer);
      down(ctx, f.peer);
      const code = await cnet.quit(f.peer, timing.eventMs(cnet.ring().length));
      if (code === undefined) rec.problem = `peer ${f.peer} still running ${timing.eventMs(cnet.ring().length)} ms after Quit (killed)`;
      else if (code !== 0) rec.problem = `peer ${f.peer} exited with code ${String(code)} after Quit`;
      return;
    }
    case 'burst': {
      const incs = await Promise.all(f.joins.map((j) => cnet.join(j.peer, via(ctx, j.via, j.peer))));
      for (const j of f.joins) for (const s of ctx.downs) if (s.peer === j.peer && s.toMs === Infinity) s.toMs = Date.now();
      const results = await Promise.allSettled(incs.map((inc) => accepted(ctx, inc)));
      const failed = results.flatMap((r) => (r.status === 'rejected' ? [r.reason instanceof Error ? r.reason.message : String(r.reason)] : []));
      if (failed.length > 0) throw new P2PError('ERR_TIMEOUT', failed.join('; '));
      return;
    }
  }
}

/** Opens a down span for `peer` (closing none: a gone peer's span stays open until an ID's return closes it). */
function down(ctx: FaultContext, peer: number): DownSpan {
  const span = { peer, fromMs: Date.now(), toMs: Infinity };
  ctx.downs.push(span);
  return span;
}

/** The planned `via` if it answers now, else the steady peer after it (the plan's model and the ring can differ after a crash). */
function via(ctx: FaultContext, planned: number, newcomer: number): number {
  const steady = ctx.cnet.steady().filter((id) => id !== newcomer);
  if (steady.includes(planned)) return planned;
  return steady.find((id) => id > planned) ?? steady[0] ?? planned;
}

/** Waits for a newcomer's 'join-accepted'; rejects when it ends first or the deadline passes. */
async function accepted(ctx: FaultContext, inc: Incarnation): Promise<void> {
  const deadline = ctx.timing.eventMs(ctx.cnet.ring().length);
  const ended = inc.peer.exited.then((code) => {
    throw new P2PError('ERR_NOT_RUNNING', `peer ${inc.id} ended (code ${String(code)}) before its join was accepted`);
  });
  await Promise.race([inc.peer.waitForKind('join-accepted', deadline), ended]);
}
