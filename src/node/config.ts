/** The settings of one peer, fixed at start. Plain data: it crosses threads in workerData. */
import type { AddressPlan, PeerRef } from '../protocol/peer-ref.js';
import type { RoutingMode } from '../routing/types.js';

/**
 * How lookups travel: the course's ring (first successor), the ring skipping
 * through the successor list, or Chord's fingers.
 */
export type LiveRouting = RoutingMode;

/** Everything a peer is started with. */
export interface PeerConfig {
  /** This peer. */
  readonly self: PeerRef;
  /** Successors given on the command line (`init`), closest first; empty for `join`. */
  readonly initialSuccessors: readonly PeerRef[];
  /** Peer to join through (`join`). */
  readonly knownPeer?: PeerRef | undefined;
  /** Ping interval in milliseconds. */
  readonly pingIntervalMs: number;
  /** A ping unanswered for this long counts as missed. */
  readonly pingTimeoutMs: number;
  /** Where files live; the course shares the working directory. */
  readonly dataDir: string;
  /** A host's `--data-dir` with `{id}` in it: where a peer started later (`start ID join KNOWN`) keeps its files. */
  readonly dataDirPattern?: string | undefined;
  /** Port of a peer known only by ID is PORT_BASE + ID. */
  readonly portBase: number;
  /** Host of a peer known only by ID. */
  readonly defaultHost: string;
  /** How a peer known only by ID is found (protocol/peer-ref.ts); default `port`: PORT_BASE + ID on defaultHost. */
  readonly addressPlan?: AddressPlan | undefined;
  /** ID width m: IDs and keys are in 0..2^m-1. */
  readonly idBits: number;
  /** Successor list length r. */
  readonly successors: number;
  /** Lookup routing. */
  readonly routing: LiveRouting;
}

/** A host's data directory for peer `id`: `--data-dir` with `{id}` replaced (without it, every peer in one directory, as in the course). */
export function dataDirOf(pattern: string, id: number): string {
  return pattern.replaceAll('{id}', String(id));
}
