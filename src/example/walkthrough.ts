/**
 * The course's example network and its walkthrough, in both orders of the
 * specification (section 4), with every line each peer must print.
 * Ping lines are periodic and checked apart; everything else is compared
 * line for line.
 */

/** The seven peers of the example ring and their two successors. */
export const COURSE_PEERS: readonly (readonly [number, number, number])[] = [
  [2, 4, 5],
  [4, 5, 8],
  [5, 8, 9],
  [8, 9, 14],
  [9, 14, 19],
  [14, 19, 2],
  [19, 2, 4],
];

/** One action of the walkthrough. */
export type Action =
  | { readonly kind: 'pings' }
  | { readonly kind: 'join'; readonly peer: number; readonly via: number }
  | { readonly kind: 'quit'; readonly peer: number }
  | { readonly kind: 'store'; readonly at: number; readonly file: string }
  | { readonly kind: 'kill'; readonly peer: number }
  | { readonly kind: 'request'; readonly at: number; readonly file: string };

/** An action and the lines it makes each peer print. */
export interface Step {
  readonly title: string;
  readonly action: Action;
  readonly expect: Readonly<Record<number, readonly string[]>>;
}

/** The two orders: the walkthrough, and the course's marking sequence. */
export type Order = 'walkthrough' | 'marking';

const fwdJoin = (n: number): string => `Peer ${n} Join request forwarded to my successor`;
const fwdStore = (f: string): string => `Store ${f} request forwarded to my successor`;
const newSucc = (a: number, b: number): string[] => [`My new first successor is Peer ${a}`, `My new second successor is Peer ${b}`];
const departs = (p: number, a: number, b: number): string[] => [`Peer ${p} will depart from the network`, ...newSucc(a, b)];
const dead = (p: number, a: number, b: number): string[] => [`Peer ${p} is no longer alive`, ...newSucc(a, b)];
const accepted = (a: number, b: number): string[] => [
  'Join request has been accepted',
  `My first successor is Peer ${a}`,
  `My second successor is Peer ${b}`,
];
const request4103: Readonly<Record<number, readonly string[]>> = {
  2: [
    'File request for 4103 has been sent to my successor',
    'Peer 8 had File 4103',
    'Receiving File 4103 from Peer 8',
    'File 4103 received',
  ],
  4: ['Request for File 4103 has been received, but the file is not stored here'],
  5: ['Request for File 4103 has been received, but the file is not stored here'],
  8: ['File 4103 is stored here', 'Sending file 4103 to Peer 2', 'The file has been sent'],
};

/** The steps of each order, with the lines of the specification. */
export const WALKTHROUGHS: Readonly<Record<Order, readonly Step[]>> = {
  walkthrough: [
    { title: 'Ping check', action: { kind: 'pings' }, expect: {} },
    {
      title: 'Peer 15 joins through Peer 4',
      action: { kind: 'join', peer: 15, via: 4 },
      expect: {
        4: [fwdJoin(15)],
        5: [fwdJoin(15)],
        8: [fwdJoin(15)],
        9: [fwdJoin(15), 'Successor Change request received', ...newSucc(14, 15)],
        14: ['Peer 15 Join request received', ...newSucc(15, 19)],
        15: accepted(19, 2),
      },
    },
    {
      title: 'Peer 9 quits',
      action: { kind: 'quit', peer: 9 },
      expect: { 8: departs(9, 14, 15), 5: departs(9, 8, 14) },
    },
    {
      title: 'Store 2067 at Peer 8',
      action: { kind: 'store', at: 8, file: '2067' },
      expect: { 8: [fwdStore('2067')], 14: [fwdStore('2067')], 15: [fwdStore('2067')], 19: ['Store 2067 request accepted'] },
    },
    {
      title: 'Peer 14 is killed',
      action: { kind: 'kill', peer: 14 },
      expect: { 8: dead(14, 15, 19), 5: dead(14, 8, 15) },
    },
    { title: 'Request 4103 at Peer 2', action: { kind: 'request', at: 2, file: '4103' }, expect: request4103 },
  ],
  marking: [
    { title: 'Ping check', action: { kind: 'pings' }, expect: {} },
    {
      title: 'Peer 9 quits',
      action: { kind: 'quit', peer: 9 },
      expect: { 8: departs(9, 14, 19), 5: departs(9, 8, 14) },
    },
    {
      title: 'Store 2067 at Peer 8',
      action: { kind: 'store', at: 8, file: '2067' },
      expect: { 8: [fwdStore('2067')], 14: [fwdStore('2067')], 19: ['Store 2067 request accepted'] },
    },
    {
      title: 'Peer 15 joins through Peer 4',
      action: { kind: 'join', peer: 15, via: 4 },
      expect: {
        4: [fwdJoin(15)],
        5: [fwdJoin(15)],
        8: [fwdJoin(15), 'Successor Change request received', ...newSucc(14, 15)],
        14: ['Peer 15 Join request received', ...newSucc(15, 19)],
        15: accepted(19, 2),
      },
    },
    {
      title: 'Peer 14 is killed',
      action: { kind: 'kill', peer: 14 },
      expect: { 8: dead(14, 15, 19), 5: dead(14, 8, 15) },
    },
    { title: 'Request 4103 at Peer 2', action: { kind: 'request', at: 2, file: '4103' }, expect: request4103 },
  ],
};

/** Ping lines: periodic, so left out of the line-for-line comparison. */
export function isPingLine(line: string): boolean {
  return (
    line.startsWith('Ping requests sent to ') ||
    line.startsWith('Ping request message received from ') ||
    line.startsWith('Ping response received from ')
  );
}

/** The two predecessors of each peer of a sorted ring. */
export function predecessorsIn(ring: readonly number[], peer: number): number[] {
  const sorted = [...ring].sort((a, b) => a - b);
  const i = sorted.indexOf(peer);
  const n = sorted.length;
  if (i < 0 || n < 2) return [];
  const out = [sorted[(i - 1 + n) % n] ?? peer];
  if (n > 2) out.push(sorted[(i - 2 + n) % n] ?? peer);
  return out;
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

/**
 * The lines of a step under another routing: the peers that forward are
 * those on the route the routing functions choose for the ring as it stands
 * (`path`, origin first, owner or acceptor excluded); every other line is
 * the same. `path` comes from the simulator on the same membership.
 */
export function rerouteStep(step: Step, forwarders: readonly number[]): Step {
  const a = step.action;
  const forwardLine = (peer: number, index: number): string | undefined => {
    if (a.kind === 'join') return `Peer ${a.peer} Join request forwarded to my successor`;
    if (a.kind === 'store') return `Store ${a.file} request forwarded to my successor`;
    if (a.kind === 'request') {
      return index === 0 && peer === a.at
        ? `File request for ${a.file} has been sent to my successor`
        : `Request for File ${a.file} has been received, but the file is not stored here`;
    }
    return undefined;
  };
  const expect: Record<number, string[]> = {};
  for (const [peer, lines] of Object.entries(step.expect)) {
    const rest = lines.filter((l) => !isForwardingLine(l));
    if (rest.length > 0) expect[Number(peer)] = rest;
  }
  forwarders.forEach((peer, i) => {
    const line = forwardLine(peer, i);
    if (line !== undefined) expect[peer] = [line, ...(expect[peer] ?? [])];
  });
  return { ...step, expect };
}
