/**
 * The lines a peer prints, exactly as the specification writes them
 * (docs/protocol.md, section 4), built from their variable parts.
 * Every other module (the reference model, the example, the tests) takes
 * its lines from here, so that a line's text lives in one place besides the
 * services that print it.
 */

/** A peer on the way of a join: `Peer N Join request forwarded to my successor`. */
export const joinForwarded = (peer: number): string => `Peer ${peer} Join request forwarded to my successor`;
/** The peer that accepts a join (the newcomer's predecessor-to-be). */
export const joinReceived = (peer: number): string => `Peer ${peer} Join request received`;
/** The acceptor's first predecessor, told of its new second successor. */
export const SUCCESSOR_CHANGE = 'Successor Change request received';
/** Both lines of a successor change. */
export const newSuccessors = (first: number, second: number): string[] => [
  `My new first successor is Peer ${first}`,
  `My new second successor is Peer ${second}`,
];
/** The newcomer, once accepted: three lines. */
export const joinAccepted = (first: number, second: number): string[] => [
  'Join request has been accepted',
  `My first successor is Peer ${first}`,
  `My second successor is Peer ${second}`,
];
/** Each of the two predecessors of a peer that quits. */
export const departing = (peer: number): string => `Peer ${peer} will depart from the network`;
/** Each of the two predecessors of a peer that was killed. */
export const noLongerAlive = (peer: number): string => `Peer ${peer} is no longer alive`;

/** A peer on the way of a Store, the typing peer included. */
export const storeForwarded = (file: string): string => `Store ${file} request forwarded to my successor`;
/** The owner of a Store's key. */
export const storeAccepted = (file: string): string => `Store ${file} request accepted`;
/** The typing peer, Store of a file it does not have (ours): its only line, and nothing is sent. */
export const storeNoFile = (file: string): string => `File ${file} is not in this peer's data directory, so it cannot be stored`;

/** The typing peer, when it does not own the key. */
export const requestSent = (file: string): string => `File request for ${file} has been sent to my successor`;
/** A peer on the way of a Request, after the typing peer. */
export const requestNotHere = (file: string): string => `Request for File ${file} has been received, but the file is not stored here`;
/** The owner, when it has the file. */
export const storedHere = (file: string): string => `File ${file} is stored here`;
/** The owner, before it sends. */
export const sendingFile = (file: string, to: number): string => `Sending file ${file} to Peer ${to}`;
/** The owner, once every byte is sent. */
export const FILE_SENT = 'The file has been sent';
/** The requester, on the transfer's header. */
export const hadFile = (owner: number, file: string): string => `Peer ${owner} had File ${file}`;
/** The requester, right after. */
export const receivingFile = (file: string, owner: number): string => `Receiving File ${file} from Peer ${owner}`;
/** The requester, once every byte is written. */
export const fileReceived = (file: string): string => `File ${file} received`;
/** The owner, when it does not have the file (ours). */
export const requestMissing = (file: string, origin: number): string => `File ${file} is not stored here either; Peer ${origin} has been told`;
/** The requester, told the owner does not have the file (ours). */
export const fileMissing = (file: string, owner: number): string =>
  `File ${file} is not stored in the network: its owner, Peer ${owner}, does not have it`;

/** Ping lines: periodic, so left out of every line-for-line comparison. */
export function isPingLine(line: string): boolean {
  return (
    line.startsWith('Ping requests sent to ') ||
    line.startsWith('Ping request message received from ') ||
    line.startsWith('Ping response received from ')
  );
}

/** Lines a peer prints when it passes a lookup on (they move with the route). */
export function isForwardingLine(line: string): boolean {
  return (
    / Join request forwarded to my successor$/.test(line) ||
    / request forwarded to my successor$/.test(line) ||
    /^File request for \d{4} has been sent to my successor$/.test(line) ||
    /^Request for File \d{4} has been received, but the file is not stored here$/.test(line)
  );
}

/** Every line a service prints, as a pattern: a line the model derives must match one. */
const WELL_FORMED: readonly RegExp[] = [
  /^Peer \d{1,3} Join request forwarded to my successor$/,
  /^Peer \d{1,3} Join request received$/,
  /^Successor Change request received$/,
  /^My (new )?(first|second) successor is Peer \d{1,3}$/,
  /^Join request has been accepted$/,
  /^Peer \d{1,3} will depart from the network$/,
  /^Peer \d{1,3} is no longer alive$/,
  /^Store \d{4} request (forwarded to my successor|accepted)$/,
  /^File \d{4} is not in this peer's data directory, so it cannot be stored$/,
  /^File request for \d{4} has been sent to my successor$/,
  /^Request for File \d{4} has been received, but the file is not stored here$/,
  /^File \d{4} is stored here$/,
  /^Sending file \d{4} to Peer \d{1,3}$/,
  /^The file has been sent$/,
  /^Peer \d{1,3} had File \d{4}$/,
  /^Receiving File \d{4} from Peer \d{1,3}$/,
  /^File \d{4} received$/,
  /^File \d{4} is not stored here either; Peer \d{1,3} has been told$/,
  /^File \d{4} is not stored in the network: its owner, Peer \d{1,3}, does not have it$/,
];

/** True when `line` is one of the specification's lines (ping lines aside). */
export function isServiceLine(line: string): boolean {
  return WELL_FORMED.some((re) => re.test(line));
}

/** The peer IDs a line names (`Peer N`), for checks that every ID named is a real peer. */
export function peersNamed(line: string): number[] {
  return [...line.matchAll(/Peer (\d{1,3})/g)].map((m) => Number(m[1]));
}
