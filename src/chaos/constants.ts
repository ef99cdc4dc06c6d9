/**
 * Tunables of the chaos harness, in one place (its deadlines are in
 * timing.ts, each with its reason). Counts of ping intervals are in
 * `_INTERVALS`; the rest say their unit.
 */

/** The seed a run uses when none is given: fixed, so that two plain runs are the same run. */
export const DEFAULT_SEED = 20261211;
/** ID width of every chaos peer (the course's 0..255). */
export const ID_BITS = 8;
/** Fewest peers that always stay up. */
export const MIN_LIVE_PEERS = 4;

/** Fault kinds by relative weight: how many of each a bag of faults holds (kill-restart and kill-gone are kills with and without restart). */
export const FAULT_WEIGHTS = { freeze: 3, 'kill-restart': 3, 'kill-gone': 1, quit: 2, burst: 1 } as const;

/** Freezes last 1..FREEZE_MAX_INTERVALS ping intervals (detection takes about 4). */
export const FREEZE_MAX_INTERVALS = 10;
/** A killed peer restarts 0..RESTART_MAX_INTERVALS ping intervals later (before or after it is found dead). */
export const RESTART_MAX_INTERVALS = 12;
/** Faults are 0..GAP_MAX_INTERVALS ping intervals apart. */
export const GAP_MAX_INTERVALS = 2;
/** A burst is BURST_MIN..BURST_MAX simultaneous joins. */
export const BURST_MIN = 3;
/** Most joins in a burst. */
export const BURST_MAX = 8;

/** Peers booting at once (each peer's successors boot right behind it). */
export const BOOT_WINDOW = 4;
/** Stores in flight at once at the start. */
export const STORE_BATCH = 8;
/** Commands each traffic loop types per ping interval, at most: enough to meet every fault, little enough to leave the peers the CPU. */
export const TRAFFIC_PER_INTERVAL = 2;
/** Keys each peer looks up at the end. */
export const LOOKUP_SAMPLE = 8;
/** Requests in flight at once in the final file check. */
export const FETCH_BATCH = 8;
/** A progress line every this many ms. */
export const PROGRESS_EVERY_MS = 5000;
