/**
 * One timing policy: every timeout a peer derives from its ping interval
 * (and ping timeout) is computed here, with the reason for its multiple.
 * Fixed tunables (bytes, counts, absolute caps) live in constants.ts.
 *
 * The unit everything is built on is the failure detection bound: a
 * successor that stops answering is declared dead at most one interval
 * (the next ping) plus PING_MISSES_DEAD ping timeouts later. Peers that
 * must not act before a death would be declared, or must outlast one, wait
 * multiples of it. Tests and the chaos tool use the same functions, so that
 * a deadline in a test grows with the ping interval exactly as the peer's
 * own timers do.
 */
import {
  LOOKUP_TIMEOUT_MS,
  PING_MISSES_DEAD,
  PING_TIMEOUT_MS,
  STARTUP_GRACE_INTERVALS,
  STARTUP_GRACE_MIN_MS,
  JOIN_RETRY_SLACK_MS,
} from './constants.js';

/** The two numbers every timer derives from. */
export interface PingTiming {
  readonly pingIntervalMs: number;
  readonly pingTimeoutMs: number;
}

/**
 * Ping intervals during which a peer that could not be reached is routed
 * around: one, so that a peer that was only slow is tried again at the next
 * interval (it keeps owning its keys meanwhile).
 */
export const SUSPECT_INTERVALS = 1;

/**
 * Ping intervals during which a dead or departed peer is not taken back as a
 * successor from someone else's stale list: long enough for every list that
 * named it to be repaired (a few stabilize rounds), short enough that a peer
 * restarting under its ID is soon welcome (a new incarnation is at once).
 */
export const GONE_INTERVALS = 20;

/** The ping timeout for an interval: the interval itself, within 200 ms..PING_TIMEOUT_MS. */
export function pingTimeoutFor(pingIntervalMs: number): number {
  return Math.min(PING_TIMEOUT_MS, Math.max(200, pingIntervalMs));
}

/** Both numbers for a ping interval, as a peer started with it has them. */
export function pingTiming(pingIntervalMs: number): PingTiming {
  return { pingIntervalMs, pingTimeoutMs: pingTimeoutFor(pingIntervalMs) };
}

/** From a death to its declaration, at most: the next ping, then PING_MISSES_DEAD timeouts. */
export function detectionMs(t: PingTiming): number {
  return t.pingIntervalMs + PING_MISSES_DEAD * t.pingTimeoutMs;
}

/**
 * A predecessor silent this long is forgotten: as long as it takes us to
 * declare a successor dead, plus one interval, so that one that is merely
 * slow keeps its place.
 */
export function predecessorSilenceMs(t: PingTiming): number {
  return detectionMs(t) + t.pingIntervalMs;
}

/**
 * A peer we declared dead or departed is "recently gone" this long: two
 * detections, the time its other neighbours take to notice too. Lists from
 * others that still name it meanwhile are stale about it.
 */
export function recentlyGoneMs(t: PingTiming): number {
  return 2 * detectionMs(t);
}

/** How long an unreachable peer is routed around (SUSPECT_INTERVALS). */
export function suspectMs(t: PingTiming): number {
  return SUSPECT_INTERVALS * t.pingIntervalMs;
}

/** How long a gone peer is kept out (GONE_INTERVALS). */
export function goneMs(t: PingTiming): number {
  return GONE_INTERVALS * t.pingIntervalMs;
}

/**
 * A successor named on the command line that never answered is not
 * declared dead this soon after start (its peer may still be starting):
 * max(STARTUP_GRACE_MIN_MS, STARTUP_GRACE_INTERVALS intervals), plus the
 * interval of the ping that finds it.
 */
export function startupGraceMs(t: PingTiming): number {
  return Math.max(STARTUP_GRACE_MIN_MS, STARTUP_GRACE_INTERVALS * t.pingIntervalMs) + t.pingIntervalMs;
}

/**
 * A newcomer asks again when its join has not been accepted in this long:
 * a join can be lost at a peer that died on its way, and the ring is whole
 * again after one detection; two more intervals let the retry find the
 * repaired ring, and the slack covers a loaded machine.
 */
export function joinRetryMs(t: PingTiming): number {
  return 2 * t.pingIntervalMs + detectionMs(t) + JOIN_RETRY_SLACK_MS;
}

/**
 * A membership fact that a ping or a told message is about to bring (our
 * first predecessor, our own acceptance, the successor a quitter waits
 * for) is waited for this long: two intervals (two rounds of pings) and a
 * timeout for the one in flight.
 */
export function membershipWaitMs(t: PingTiming): number {
  return 2 * t.pingIntervalMs + t.pingTimeoutMs;
}

/**
 * A repair's lines wait at most this long for the told messages that go
 * before them: one ping timeout, so that a frozen successor delays them
 * no longer than a ping to it would.
 */
export function repairTellMs(t: PingTiming): number {
  return t.pingTimeoutMs;
}

/**
 * A ping that contradicts our predecessors counts once it persists this
 * long: two intervals, room for a course message still on its way.
 */
export function staleViewMs(t: PingTiming): number {
  return 2 * t.pingIntervalMs;
}

/**
 * Our first successor's list disagreeing with our second successor counts
 * once it persists one interval (the next pull may already agree).
 */
export function secondDisagreementMs(t: PingTiming): number {
  return t.pingIntervalMs;
}

/**
 * A fix-fingers lookup gives up after four intervals (a few hops, each
 * possibly waiting out a suspect), at least 2 s, at most LOOKUP_TIMEOUT_MS:
 * a late finger is fixed at the next round anyway.
 */
export function fingerLookupMs(t: PingTiming): number {
  return Math.min(LOOKUP_TIMEOUT_MS, Math.max(2000, 4 * t.pingIntervalMs));
}

/** Chord's first round runs this soon after start (then once an interval). */
export function firstChordRoundMs(t: PingTiming): number {
  return Math.min(200, t.pingIntervalMs);
}
