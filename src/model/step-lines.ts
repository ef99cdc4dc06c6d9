/**
 * The reference model of the services: given the ring as it stands and one
 * step, every line each peer must print (ping lines aside, being periodic),
 * under `ring`, `ring-list` or `chord` routing, and the ring after the step.
 * This is the one place that knows which peer prints which line; the example,
 * the test fixtures and the model-based tests all ask it.
 *
 * Views are taken to be perfect when a routed step starts (true successors
 * and predecessor; under Chord, every finger): the live tests wait for that
 * before each Store, Request and join, so that the route is the one the
 * routing functions choose over the current membership. The peers that do
 * not forward (acceptor, owner, predecessors) and their lines are the same
 * under every routing.
 */
import { P2PError } from '../errors.js';
import type { RoutingMode } from '../routing/types.js';
import { keyOf } from '../routing/ids.js';
import {
  departing,
  FILE_SENT,
  fileMissing,
  fileReceived,
  hadFile,
  isForwardingLine,
  joinAccepted,
  joinForwarded,
  joinReceived,
  newSuccessors,
  noLongerAlive,
  receivingFile,
  requestMissing,
  requestNotHere,
  requestSent,
  sendingFile,
  storeAccepted,
  storedHere,
  storeForwarded,
  storeNoFile,
  SUCCESSOR_CHANGE,
} from './lines.js';
import {
  joinRouteIn,
  MODEL_ID_BITS,
  predecessorsIn,
  routeIn,
  successorsIn,
  withoutPeer,
  withPeer,
  type Ring,
  type Route,
} from './ring-model.js';
import type { ServiceStep } from './step.js';

/** Lines per peer ID, in the order each peer prints them. */
export type PeerLines = Readonly<Record<number, readonly string[]>>;

/** What the model knows between steps. */
export interface ModelState {
  /** The live peers. */
  readonly ring: Ring;
  /**
   * Files in the data directory every peer shares (the course's working
   * directory), by four-digit name: a Request finds a file at its owner
   * exactly when it is here, and a Store typed anywhere has its bytes.
   */
  readonly files: ReadonlySet<string>;
}

/** The lines of one step and the state it leaves. */
export interface StepLines {
  readonly step: ServiceStep;
  /** Every peer that prints something, with its lines; peers left out print nothing. */
  readonly lines: PeerLines;
  /** The state after the step. */
  readonly next: ModelState;
  /** Store, Request and join: the way the lookup went (join: up to the acceptor). */
  readonly route?: Route | undefined;
}

/** Key of a four-digit file name on the course's ring: NNNN mod 256. */
export function keyOfFile(file: string): number {
  if (!/^\d{4}$/.test(file)) throw new P2PError('ERR_BAD_FILENAME', `a file name is four digits, got "${file}"`);
  return keyOf(file, MODEL_ID_BITS);
}

/** Appends lines per peer, keeping each peer's order. */
class LineBook {
  private readonly byPeer = new Map<number, string[]>();

  add(peer: number, ...lines: readonly string[]): void {
    const own = this.byPeer.get(peer) ?? [];
    own.push(...lines);
    this.byPeer.set(peer, own);
  }

  done(): PeerLines {
    return Object.fromEntries(this.byPeer);
  }
}

/**
 * The lines `step` makes each peer print from `state` under `routing`, and
 * the state after it. Throws P2PError (ERR_BAD_ARGUMENT, ERR_DUPLICATE_ID,
 * ERR_BAD_FILENAME) for a step that cannot be run: a join of a member or
 * through a stranger, a departure of a stranger or one that would leave
 * fewer than two peers, a command typed at a stranger.
 */
export function linesOf(state: ModelState, step: ServiceStep, routing: RoutingMode): StepLines {
  const { ring } = state;
  const book = new LineBook();
  const member = (id: number, role: string): void => {
    if (!ring.includes(id)) throw new P2PError('ERR_BAD_ARGUMENT', `${role} ${id} is not in the ring ${ring.join(' ')}`);
  };
  switch (step.kind) {
    case 'join': {
      member(step.via, 'the known peer');
      const next = withPeer(ring, step.peer);
      const route = joinRouteIn(ring, routing, step.via, step.peer);
      for (const peer of route.forwarders) book.add(peer, joinForwarded(step.peer));
      // The acceptor takes the newcomer first and keeps its old first
      // successor second; its first predecessor takes the acceptor, then
      // the newcomer; the newcomer gets the acceptor's old two.
      const acceptor = route.end;
      const [first, second] = successorsIn(ring, acceptor);
      const [pred] = predecessorsIn(ring, acceptor);
      book.add(acceptor, joinReceived(step.peer), ...newSuccessors(step.peer, first));
      if (pred !== undefined) book.add(pred, SUCCESSOR_CHANGE, ...newSuccessors(acceptor, step.peer));
      book.add(step.peer, ...joinAccepted(first, second));
      return { step, lines: book.done(), next: { ...state, ring: next }, route };
    }
    case 'quit':
    case 'kill': {
      member(step.peer, 'the departing peer');
      if (ring.length <= 2) {
        throw new P2PError('ERR_BAD_ARGUMENT', `peer ${step.peer} cannot leave a ring of ${ring.length}: one peer would be left alone`);
      }
      const next = withoutPeer(ring, step.peer);
      const first = step.kind === 'quit' ? departing(step.peer) : noLongerAlive(step.peer);
      for (const pred of predecessorsIn(ring, step.peer)) book.add(pred, first, ...newSuccessors(...successorsIn(next, pred)));
      return { step, lines: book.done(), next: { ...state, ring: next } };
    }
    case 'store': {
      member(step.at, 'the typing peer');
      const key = keyOfFile(step.file); // refuses a bad name first
      if (!state.files.has(step.file)) {
        // A file the typing peer does not have is not stored: one line, nothing sent.
        book.add(step.at, storeNoFile(step.file));
        return { step, lines: book.done(), next: state };
      }
      const route = routeIn(ring, routing, step.at, key);
      for (const peer of route.forwarders) book.add(peer, storeForwarded(step.file));
      book.add(route.end, storeAccepted(step.file));
      return { step, lines: book.done(), next: state, route };
    }
    case 'request': {
      member(step.at, 'the typing peer');
      const route = routeIn(ring, routing, step.at, keyOfFile(step.file));
      route.forwarders.forEach((peer, i) => book.add(peer, i === 0 ? requestSent(step.file) : requestNotHere(step.file)));
      const owner = route.end;
      if (state.files.has(step.file)) {
        book.add(owner, storedHere(step.file), sendingFile(step.file, step.at), FILE_SENT);
        book.add(step.at, hadFile(owner, step.file), receivingFile(step.file, owner), fileReceived(step.file));
      } else {
        book.add(owner, requestMissing(step.file, step.at));
        book.add(step.at, fileMissing(step.file, owner));
      }
      return { step, lines: book.done(), next: state, route };
    }
  }
}

/**
 * The forwarding line of every peer on the way of `step` under `routing`
 * (none for a Quit or a kill): `…forwarded to my successor`, or for a
 * Request `File request … has been sent…` at the typing peer and
 * `…not stored here` after it.
 */
export function forwardingLines(ring: Ring, step: ServiceStep, routing: RoutingMode): PeerLines {
  const book = new LineBook();
  switch (step.kind) {
    case 'join':
      for (const peer of joinRouteIn(ring, routing, step.via, step.peer).forwarders) book.add(peer, joinForwarded(step.peer));
      break;
    case 'store':
      for (const peer of routeIn(ring, routing, step.at, keyOfFile(step.file)).forwarders) book.add(peer, storeForwarded(step.file));
      break;
    case 'request':
      routeIn(ring, routing, step.at, keyOfFile(step.file)).forwarders.forEach((peer, i) =>
        book.add(peer, i === 0 ? requestSent(step.file) : requestNotHere(step.file)),
      );
      break;
    case 'quit':
    case 'kill':
      break;
  }
  return book.done();
}

/**
 * `lines` (a step's lines under some routing, written out by hand, e.g. the
 * ring's in a test) with their forwarding lines replaced by those of the
 * route under `routing`: each forwarder's line first, every other line kept
 * in its order. Lets a test that writes the ring's lines, including lines
 * the model does not derive (separate data directories), run under Chord.
 */
export function rerouteLines(lines: PeerLines, ring: Ring, step: ServiceStep, routing: RoutingMode): PeerLines {
  const out: Record<number, string[]> = {};
  for (const [peer, own] of Object.entries(lines)) {
    const rest = own.filter((l) => !isForwardingLine(l));
    if (rest.length > 0) out[Number(peer)] = rest;
  }
  for (const [peer, own] of Object.entries(forwardingLines(ring, step, routing))) {
    out[Number(peer)] = [...own, ...(out[Number(peer)] ?? [])];
  }
  return out;
}
