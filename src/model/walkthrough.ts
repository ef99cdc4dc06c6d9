/**
 * The course's example network and its walkthrough, in both orders of the
 * specification (section 4), with every line each peer must print.
 * Ping lines are periodic and checked apart; everything else is compared
 * line for line. The lines are written out as the specification prints them
 * (the golden transcripts of the reference model in src/model, which must
 * derive the very same ones).
 */
import type { Ring } from './ring-model.js';
import type { ServiceStep } from './step.js';
import { rerouteLines } from './step-lines.js';
import type { RoutingMode } from '../routing/types.js';

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

/** One action of the walkthrough: a ping check, or a service step of the model. */
export type Action = { readonly kind: 'pings' } | ServiceStep;

/** An action and the lines it makes each peer print. */
export interface Step {
  readonly title: string;
  readonly action: Action;
  readonly expect: Readonly<Record<number, readonly string[]>>;
}

/** The two orders: the walkthrough, and the course's marking sequence. */
export type Order = 'walkthrough' | 'marking';

// Written out here as the specification prints them, not taken from
// src/model/lines.ts: these are the model's golden transcripts.
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
  2: ['File request for 4103 has been sent to my successor', 'Peer 8 had File 4103', 'Receiving File 4103 from Peer 8', 'File 4103 received'],
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

/**
 * The lines of a step under another routing: the peers that forward are
 * those on the route the routing functions choose over `ring` (the peers as
 * they stand, views perfect), as the reference model derives it; every other
 * line is the same.
 */
export function routedStep(step: Step, ring: Ring, routing: RoutingMode): Step {
  if (step.action.kind === 'pings') return step;
  return { ...step, expect: rerouteLines(step.expect, ring, step.action, routing) };
}
