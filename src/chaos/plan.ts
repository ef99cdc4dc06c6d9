/**
 * The fault plan: which fault comes next, drawn from a seeded PRNG over a
 * model of the membership, with no clock and no I/O, so that the same seed
 * draws the same faults in the same order whatever the machine's speed.
 *
 * The rules it keeps (with r the successor list length, slots = r - 1):
 * - At most `slots` faults run at once. The runner starts fault k only once
 *   every fault before k - (slots - 1) has ended (first in, first out), so
 *   the faults that may still run beside a new one are exactly the last
 *   slots - 1 planned: the plan leaves their peers alone. The default r = 2
 *   runs one fault at a time.
 * - A burst of joins runs alone (the runner waits for every fault before it,
 *   and for the burst before the next): a join moves keys to the newcomer,
 *   and the replicas of a key in motion are not a replica set that r - 1
 *   departures are guaranteed to leave whole.
 * - At least MIN_LIVE_PEERS stay up: a fault that takes a peer down (kill,
 *   freeze, quit) needs members - slots >= MIN_LIVE_PEERS, and one that
 *   removes it for good (quit, kill without restart) keeps the membership
 *   at or above `floor`; bursts keep it at or below `cap`.
 */
import {
  BURST_MAX,
  BURST_MIN,
  FAULT_WEIGHTS,
  FREEZE_MAX_INTERVALS,
  GAP_MAX_INTERVALS,
  MIN_LIVE_PEERS,
  RESTART_MAX_INTERVALS,
} from './constants.js';
import type { Prng } from '../routing/prng.js';

type Choice = keyof typeof FAULT_WEIGHTS;

/** How a killed peer comes back: `init ID S1 S2 PING` with its true successors, or `join ID VIA PING`. */
export type RestartHow = 'init' | 'join';

/** One planned fault. */
export type PlannedFault =
  /** SIGSTOP, then SIGCONT after `intervals` ping intervals. */
  | { readonly kind: 'freeze'; readonly peer: number; readonly intervals: number }
  /** SIGKILL; `restart`: the same ID starts again after `afterIntervals` ping intervals, with its data directory. */
  | {
      readonly kind: 'kill';
      readonly peer: number;
      readonly restart?: { readonly how: RestartHow; readonly afterIntervals: number; readonly via?: number } | undefined;
    }
  /** `Quit` typed at the peer. */
  | { readonly kind: 'quit'; readonly peer: number }
  /** Newcomers (fresh IDs, or IDs that left earlier, with their data directories) join at once, each through `via`. */
  | { readonly kind: 'burst'; readonly joins: readonly { readonly peer: number; readonly via: number }[] };

/** A fault, its place in the plan and the pause before it. */
export interface PlanStep {
  readonly index: number;
  readonly fault: PlannedFault;
  /** Ping intervals to wait before starting it. */
  readonly gapIntervals: number;
}

/** Faults that may run at once with a successor list of `r`. */
export function faultSlots(r: number): number {
  return Math.max(1, r - 1);
}

/** A fault the runner runs alone. */
export function isExclusive(fault: PlannedFault): boolean {
  return fault.kind === 'burst';
}

/** Peers a fault acts on or through (victim, via, newcomers). */
export function involved(fault: PlannedFault): number[] {
  switch (fault.kind) {
    case 'burst':
      return fault.joins.flatMap((j) => [j.peer, j.via]);
    case 'kill':
      return fault.restart?.via === undefined ? [fault.peer] : [fault.peer, fault.restart.via];
    default:
      return [fault.peer];
  }
}

/** Options of a plan. */
export interface PlanOptions {
  /** Peers at the start. */
  readonly peers: number;
  /** Successor list length r. */
  readonly successors: number;
  /** ID width (8: IDs 0..255). */
  readonly idBits: number;
}

/** Draws the fault plan, one step at a time. */
export class FaultPlanner {
  private readonly members: Set<number>;
  /** Peers of the faults that may still run beside the next one (the last slots - 1 planned). */
  private recent: number[][] = [];
  private index = 0;
  private bag: Choice[] = [];
  readonly slots: number;
  /** Least membership a permanent removal may leave. */
  readonly floor: number;
  /** Most membership a burst may make. */
  readonly cap: number;

  constructor(
    private readonly prng: Prng,
    initial: readonly number[],
    private readonly opts: PlanOptions,
  ) {
    this.members = new Set(initial);
    this.slots = faultSlots(opts.successors);
    this.floor = Math.max(MIN_LIVE_PEERS + this.slots, Math.ceil(opts.peers / 2));
    this.cap = Math.min(2 ** opts.idBits, opts.peers + BURST_MAX);
  }

  /** The membership once every planned fault has run, ascending. */
  membership(): number[] {
    return [...this.members].sort((a, b) => a - b);
  }

  /** The next step; the membership model moves on as if it had run. */
  next(): PlanStep {
    const busy = new Set(this.recent.flat());
    const free = this.membership().filter((id) => !busy.has(id));
    const size = this.members.size;
    const canDown = size - this.slots >= MIN_LIVE_PEERS && free.length > 0;
    const allowed: Choice[] = [];
    if (canDown) allowed.push('freeze', 'kill-restart');
    if (canDown && size - 1 >= this.floor) allowed.push('kill-gone', 'quit');
    if (this.cap - size >= BURST_MIN) allowed.push('burst');
    const choice = this.fromBag(allowed.length > 0 ? allowed : ['burst']);
    const fault = this.draw(choice, free);
    const step = { index: this.index++, fault, gapIntervals: this.prng.nextInt(GAP_MAX_INTERVALS + 1) };
    this.apply(fault);
    return step;
  }

  /**
   * The next allowed kind from a shuffled bag holding every kind as many
   * times as its weight, refilled when empty: every kind comes up within
   * one bag's worth of faults, even in a short run. A kind not allowed now
   * stays in the bag for later.
   */
  private fromBag(allowed: readonly Choice[]): Choice {
    if (this.bag.length === 0) {
      this.bag = (Object.keys(FAULT_WEIGHTS) as Choice[]).flatMap((c) => Array<Choice>(FAULT_WEIGHTS[c]).fill(c));
      for (let i = this.bag.length - 1; i > 0; i--) {
        const j = this.prng.nextInt(i + 1);
        [this.bag[i], this.bag[j]] = [this.bag[j] as Choice, this.bag[i] as Choice];
      }
    }
    const at = this.bag.findIndex((c) => allowed.includes(c));
    if (at < 0) return this.weighted(allowed);
    return this.bag.splice(at, 1)[0] as Choice;
  }

  private weighted(choices: readonly Choice[]): Choice {
    const total = choices.reduce((s, c) => s + FAULT_WEIGHTS[c], 0);
    let x = this.prng.nextInt(total);
    for (const c of choices) {
      x -= FAULT_WEIGHTS[c];
      if (x < 0) return c;
    }
    return choices[choices.length - 1] as Choice;
  }

  private pick<T>(items: readonly T[]): T {
    return items[this.prng.nextInt(items.length)] as T;
  }

  private draw(choice: Choice, free: readonly number[]): PlannedFault {
    switch (choice) {
      case 'freeze':
        return { kind: 'freeze', peer: this.pick(free), intervals: 1 + this.prng.nextInt(FREEZE_MAX_INTERVALS) };
      case 'kill-gone':
        return { kind: 'kill', peer: this.pick(free) };
      case 'quit':
        return { kind: 'quit', peer: this.pick(free) };
      case 'kill-restart': {
        const peer = this.pick(free);
        const afterIntervals = this.prng.nextInt(RESTART_MAX_INTERVALS + 1);
        if (this.prng.nextInt(2) === 0) return { kind: 'kill', peer, restart: { how: 'init', afterIntervals } };
        const vias = free.filter((id) => id !== peer);
        if (vias.length === 0) return { kind: 'kill', peer, restart: { how: 'init', afterIntervals } };
        return { kind: 'kill', peer, restart: { how: 'join', afterIntervals, via: this.pick(vias) } };
      }
      case 'burst': {
        const room = Math.min(BURST_MAX, this.cap - this.members.size);
        const n = BURST_MIN + this.prng.nextInt(Math.max(1, room - BURST_MIN + 1));
        const ids = new Set<number>();
        const size = 2 ** this.opts.idBits;
        while (ids.size < n) {
          const id = this.prng.nextInt(size);
          if (!this.members.has(id)) ids.add(id);
        }
        const vias = this.membership();
        return { kind: 'burst', joins: [...ids].sort((a, b) => a - b).map((peer) => ({ peer, via: this.pick(vias) })) };
      }
    }
  }

  private apply(fault: PlannedFault): void {
    if (fault.kind === 'burst') {
      for (const j of fault.joins) this.members.add(j.peer);
      this.recent = []; // it runs alone: nothing before it still runs after it
      return;
    }
    if (fault.kind === 'quit' || (fault.kind === 'kill' && fault.restart === undefined)) this.members.delete(fault.peer);
    if (this.slots > 1) this.recent = [...this.recent, involved(fault)].slice(-(this.slots - 1));
  }
}
