/**
 * One service run against the ring: what a person does at a terminal (types
 * a command, starts a peer, ends one abruptly). The reference model derives
 * the lines each step makes every peer print; the live runner performs it.
 */

/** A join, a Quit, a kill (the course's abrupt departure), a Store or a Request. */
export type ServiceStep =
  /** `p2p join PEER VIA`: a new peer joins through member `via`. */
  | { readonly kind: 'join'; readonly peer: number; readonly via: number }
  /** `Quit` typed at member `peer`. */
  | { readonly kind: 'quit'; readonly peer: number }
  /** Member `peer` is killed (SIGKILL): its predecessors notice and repair. */
  | { readonly kind: 'kill'; readonly peer: number }
  /** `Store FILE` typed at member `at`. */
  | { readonly kind: 'store'; readonly at: number; readonly file: string }
  /** `Request FILE` typed at member `at`. */
  | { readonly kind: 'request'; readonly at: number; readonly file: string };

/** Every kind of step, for generators and option parsing. */
export const STEP_KINDS = ['join', 'quit', 'kill', 'store', 'request'] as const satisfies readonly ServiceStep['kind'][];

/** A step in a few words, as a person would say it (`Store 2067 at Peer 8`). */
export function describeStep(step: ServiceStep): string {
  switch (step.kind) {
    case 'join':
      return `Peer ${step.peer} joins through Peer ${step.via}`;
    case 'quit':
      return `Peer ${step.peer} quits`;
    case 'kill':
      return `Peer ${step.peer} is killed`;
    case 'store':
      return `Store ${step.file} at Peer ${step.at}`;
    case 'request':
      return `Request ${step.file} at Peer ${step.at}`;
  }
}
