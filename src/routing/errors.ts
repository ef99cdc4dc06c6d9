/**
 * Failures of routing simulations. Small subclasses that set `name` and a
 * stable `code`, so a failed benchmark or test names what went wrong.
 * (Routing decisions themselves never throw: see ring.ts and chord.ts.)
 */

/** Code of each routing failure. */
export type RoutingErrorCode = 'ERR_ROUTING_LOOP' | 'ERR_ROUTING_WRONG_OWNER' | 'ERR_ROUTING_UNKNOWN_PEER';

/** Base class of every routing failure. */
export class RoutingError extends Error {
  /** Stable, searchable name of the failure. */
  readonly code: RoutingErrorCode;

  constructor(code: RoutingErrorCode, message: string) {
    super(message);
    this.name = 'RoutingError';
    this.code = code;
  }
}

/** A lookup took more hops than the bound allows: the views route in a loop. */
export class RoutingLoopError extends RoutingError {
  constructor(message: string) {
    super('ERR_ROUTING_LOOP', message);
    this.name = 'RoutingLoopError';
  }
}

/** A lookup ended at a peer other than the owner of its key. */
export class WrongOwnerError extends RoutingError {
  constructor(message: string) {
    super('ERR_ROUTING_WRONG_OWNER', message);
    this.name = 'WrongOwnerError';
  }
}

/** A lookup was forwarded to a peer the simulation has no view of. */
export class UnknownPeerError extends RoutingError {
  constructor(message: string) {
    super('ERR_ROUTING_UNKNOWN_PEER', message);
    this.name = 'UnknownPeerError';
  }
}
