/**
 * One entry point for every routing mode, used alike by the live peer and by
 * the simulator.
 */

import { chordNextHop } from './chord.js';
import { ringListNextHop, ringNextHop } from './ring.js';
import type { Hop, RoutingMode, RoutingView } from './types.js';

const NEXT_HOP: { readonly [M in RoutingMode]: (view: RoutingView, key: number) => Hop } = {
  ring: ringNextHop,
  'ring-list': ringListNextHop,
  chord: chordNextHop,
};

/** The routing decision for `key` at the peer described by `view`, under `mode`. Never throws. */
export function nextHop(mode: RoutingMode, view: RoutingView, key: number): Hop {
  return NEXT_HOP[mode](view, key);
}
