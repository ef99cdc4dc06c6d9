/**
 * The data routing decides on. A live peer builds a RoutingView from its state;
 * the simulator builds perfect ones from full membership. The routing functions
 * see nothing else, so both run the very same code.
 */

/** What a live peer (or a simulated one) knows when it routes. */
export interface RoutingView {
  /** This peer's ID. */
  readonly self: number;
  /** ID width m: IDs are in [0, 2^m). */
  readonly idBits: number;
  /** Successor list, closest first; [0] is the first successor. */
  readonly successors: readonly number[];
  /** Predecessor if known. */
  readonly predecessor?: number | undefined;
  /** Chord: fingers[i] = successor(self + 2^i), i = 0..m-1; undefined where not yet known. */
  readonly fingers?: readonly (number | undefined)[];
  /**
   * Peers not to use as intermediate hops (they recently did not answer).
   * Never consulted for a final hop: who owns a key does not change because
   * its owner is slow.
   */
  readonly avoid?: readonly number[] | undefined;
}

/** How a peer picks its next hop: the course ring, the ring skipping through the successor list, or Chord. */
export type RoutingMode = 'ring' | 'ring-list' | 'chord';

/** Every routing mode, for option parsing and for tests that cover them all. */
export const ROUTING_MODES: readonly RoutingMode[] = ['ring', 'ring-list', 'chord'];

/** True when `text` names one of ROUTING_MODES (a --routing value, say). */
export function isRoutingMode(text: string): text is RoutingMode {
  return (ROUTING_MODES as readonly string[]).includes(text);
}

/** The routing decision at one peer. */
export type Hop =
  /** This peer owns the key. */
  | { readonly kind: 'local' }
  /** Send on to `to`; `final` means `to` owns the key and accepts it without checking. */
  | { readonly kind: 'forward'; readonly to: number; readonly final: boolean };
