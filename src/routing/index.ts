/** Routing: pure next-hop functions for the ring, ring-list and Chord, and a simulator. */

export { MAX_ID_BITS, MIN_ID_BITS } from '../constants.js';
export { distance, inOpen, inOpenClosed, lowerBound, ownerOf, ringSize, validateIdBits } from './ids.js';
export { ROUTING_MODES, isRoutingMode } from './types.js';
export type { Hop, RoutingMode, RoutingView } from './types.js';
export { LOCAL, ownsKey, predecessorOf, ringListNextHop, ringNextHop, successorList } from './ring.js';
export { buildAllFingers, buildFingers, chordNextHop, closestPrecedingNode, fingerStarts } from './chord.js';
export { nextHop } from './next-hop.js';
export { buildViews, randomMembership, runLookups, simulateLookup } from './simulator.js';
export type { LookupResult, LookupRunOptions, LookupStats } from './simulator.js';
export { createPrng, randomSeed } from './prng.js';
export type { Prng } from './prng.js';
export { RoutingError, RoutingLoopError, UnknownPeerError, WrongOwnerError } from './errors.js';
export type { RoutingErrorCode } from './errors.js';
