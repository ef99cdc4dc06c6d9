/**
 * Every deadline of a chaos run, in one place, each derived from the ping
 * interval and the number of peers, and why. A deadline bounds a wait for an
 * event; nothing here is slept through.
 */
import { LOOKUP_TIMEOUT_MS } from '../constants.js';
import { detectionMs, pingTiming } from '../timing.js';

/** Fixed part of every deadline: a loaded two-core machine runs a few dozen peers of six threads. */
const BASE_MS = 20_000;
/** CPU a peer costs when a network starts, settles or is walked (1.5 s each leaves room for a load average of 10). */
const PER_PEER_MS = 1500;
/** Ping intervals a repair may take: detection, the repair lines, then the quiet upkeep (lists, fingers). */
const REPAIR_INTERVALS = 20;
/** Ping intervals the whole network may take to settle after the last fault (the join-burst test's bound, doubled). */
const SETTLE_INTERVALS = 80;

/** The deadlines of one run. */
export class ChaosTiming {
  /** The ping interval, in ms. */
  readonly pingMs: number;
  /** A peer's ping timeout: min(1000 ms, max(200 ms, interval)), as `src/cli/args.ts` sets it. */
  readonly pingTimeoutMs: number;
  /** From a death to its detection, at most: one interval, then PING_MISSES_DEAD timeouts. */
  readonly detectMs: number;

  constructor(pingSeconds: number) {
    this.pingMs = pingSeconds * 1000;
    const t = pingTiming(this.pingMs);
    this.pingTimeoutMs = t.pingTimeoutMs;
    this.detectMs = detectionMs(t);
  }

  /** `n` ping intervals, in ms (the length of a freeze, the pause before a restart). */
  intervals(n: number): number {
    return n * this.pingMs;
  }

  /** One event that involves the network of `peers` (a join accepted, a Store replicated, a file received). */
  eventMs(peers: number): number {
    return BASE_MS + REPAIR_INTERVALS * this.pingMs + PER_PEER_MS * peers;
  }

  /** A lookup typed at a peer: its own timeout (LOOKUP_TIMEOUT_MS), then an event's deadline. */
  lookupMs(peers: number): number {
    return LOOKUP_TIMEOUT_MS + this.eventMs(peers);
  }

  /** The neighbours of a fault back to their true views and reconciled twice. */
  repairMs(peers: number): number {
    return this.eventMs(peers) + this.detectMs + REPAIR_INTERVALS * this.pingMs;
  }

  /** Every peer's views true (and, under Chord, every finger perfect) after the last fault. */
  settleMs(peers: number): number {
    return this.eventMs(peers) + SETTLE_INTERVALS * this.pingMs;
  }

  /** How long after a peer's last known fault a death it is declared is still explained by that fault. */
  deathSlackMs(): number {
    return 2 * this.detectMs + 2 * this.pingMs;
  }
}
