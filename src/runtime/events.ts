/**
 * Events: every printed line, and every notable thing a role does, as one
 * structured record. Roles post them to the coordinator, the only writer of
 * the peer's stdout, stderr and JSON-lines event file, so that lines from the
 * five threads come out whole and in one order.
 */
import type { SerializedError } from '../errors.js';
import type { Role } from './peer-state.js';

/** A value an event field may hold. */
export type FieldValue = string | number | boolean | null | readonly number[] | readonly string[];

/** Every kind of event (filled below). */
export const EVENT_KINDS = [
  'answer-undelivered',
  'bad-command',
  'bad-request',
  'chord-round-failed',
  'command-failed',
  'connection-evicted',
  'connection-idle',
  'connection-refused',
  'datagram-error',
  'file-found',
  'file-missing',
  'file-received',
  'file-receiving',
  'file-sending',
  'file-sent',
  'finger-lookup-failed',
  'fingers',
  'fingers-changed',
  'frame-error',
  'frame-stalled',
  'handover-failed',
  'handover-offered',
  'handover-pulling',
  'help',
  'host-said', // a host's (`p2p host`) answer to its own commands: peers, help, a peer started or refused
  'internal-error',
  'join-accepted',
  'join-accepted-again',
  'join-failed',
  'join-forwarded',
  'join-notify-failed',
  'join-pred-unknown',
  'join-received',
  'join-refused',
  'join-retry',
  'join-retry-ignored',
  'join-sent',
  'late-hop-dropped',
  'lookup',
  'lookup-abandoned',
  'lookup-done',
  'lookup-forwarded',
  'owner-unreachable',
  'peer-back',
  'peer-back-untold',
  'peer-dead',
  'peer-departing',
  'peer-readmitted',
  'peer-stopped', // one peer of a host ended (quit, killed, join failed); the host goes on
  'ping-dead',
  'ping-request',
  'ping-response',
  'ping-sent',
  'predecessor-changed',
  'predecessor-notified',
  'predecessor-silent',
  'predecessors-refused',
  'predecessors-untold',
  'process-exited', // the view's feed (src/view/feed.ts): a child peer's process ended, with its code or signal
  'quit-ignored',
  'quit-notify-failed',
  'quit-pulls-unfinished',
  'quit-start',
  'quit-waiting',
  'reconcile-failed',
  'reconciled',
  'record-error',
  'refresh-ignored',
  'refresh-notify-failed',
  'rejoin-ignored',
  'rejoin-notify-failed',
  'repair-answer-ignored',
  'repair-failed',
  'repair-rerouted',
  'replica-failed',
  'replica-offered',
  'replica-pulling',
  'request-failed',
  'request-forwarded',
  'request-found',
  'request-missing',
  'request-sent',
  'rerouted',
  'ring-broken',
  'ring-rescued', // Chord: every successor gone, a finger taken as the successor (handlers/abrupt.ts)
  'second-successor-corrected',
  'snapshot', // the coordinator's, every --snapshot-every seconds (off by default): the peer's state for a view
  'stale-view-seen',
  'stale-view-untold',
  'status',
  'still-serving', // the test fixture role's (test/fixtures/faulty-role-worker.ts)
  'store-accepted',
  'store-bytes-incoming',
  'store-bytes-received',
  'store-bytes-sent',
  'store-forwarded',
  'store-no-file',
  'store-pull',
  'store-pull-failed',
  'successor',
  'successor-change',
  'successor-change-ignored',
  'successor-list-merged',
  'successor-list-pull-failed',
  'successor-list-push-failed',
  'successors-changed',
  'transfer-failed',
  'worker-died',
] as const;

/** What an event is about: one of EVENT_KINDS, so a typo fails to compile where it is emitted or awaited. */
export type EventKind = (typeof EVENT_KINDS)[number];

/** One event of one peer. */
export interface PeerEvent {
  /** Peer ID. */
  readonly peer: number;
  /** Thread that produced it. */
  readonly role: Role | 'transfer' | 'coordinator';
  /** What happened, kebab-case (`store-forwarded`, `ping-response`, `frame-error`...). */
  readonly kind: EventKind;
  /** The exact line printed for a person, when there is one. */
  readonly line?: string | undefined;
  /** Where the line goes: stdout (the course's lines) or stderr (errors). */
  readonly stream?: 'stdout' | 'stderr' | undefined;
  /** Structured details. */
  readonly fields?: Readonly<Record<string, FieldValue>> | undefined;
  /** Forwarding hops from the origin to here, when the event ends or continues a lookup. */
  readonly hops?: number | undefined;
  /** Peers visited, origin first. */
  readonly path?: readonly number[] | undefined;
  /** ISO-8601 time. */
  readonly time: string;
}

/** Messages a role worker posts to the coordinator. */
export type RoleMessage =
  /** Events in the order they were emitted: a role posts those of one event-loop turn together. */
  | { readonly kind: 'events'; readonly events: readonly PeerEvent[] }
  | { readonly kind: 'ready'; readonly role: Role }
  | { readonly kind: 'fatal'; readonly role: Role; readonly error: SerializedError }
  /** Peer `peer` ends (it quit, or could not join): the process ends with its last peer. */
  | { readonly kind: 'exit'; readonly peer: number; readonly code: number; readonly reason: string }
  /** A line typed at a host that is for the host, not a peer (`kill 15`, `start 15 join 4`): the stdin reader passes it on. */
  | { readonly kind: 'host-command'; readonly line: string }
  /** A role has started (or failed to start: `error`) the peer of an `add`. */
  | { readonly kind: 'added'; readonly role: Role; readonly peer: number; readonly error?: SerializedError | undefined };

/**
 * Messages the coordinator posts to a role worker: `go` once every role has
 * said ready (sockets bound, queue attached), `stop` at the end. In a host of
 * several peers, `drop` ends one peer (its sockets closed, its state gone;
 * `abrupt`: at once, telling nobody, as a kill) and `add` starts one more in
 * peer slot `slot`, with its settings `config` (a PeerConfig, typed by the
 * roles, a layer above).
 */
export type CoordinatorMessage<Config = unknown> =
  | { readonly kind: 'go' }
  | { readonly kind: 'stop' }
  | { readonly kind: 'drop'; readonly peer: number; readonly abrupt: boolean }
  | { readonly kind: 'add'; readonly config: Config; readonly slot: number };

/** What a role calls to report something. */
export interface Emit {
  (kind: EventKind, line?: string, details?: EventDetails): void;
}

/** Optional parts of an event. */
export interface EventDetails {
  readonly fields?: Readonly<Record<string, FieldValue>>;
  readonly hops?: number;
  readonly path?: readonly number[];
  readonly stream?: 'stdout' | 'stderr';
}

/** An emitter that stamps peer, role and time and hands the event to `post`. */
export function createEmitter(peer: number, role: PeerEvent['role'], post: (event: PeerEvent) => void): Emit {
  return (kind, line, details) => {
    post({
      peer,
      role,
      kind,
      line,
      stream: details?.stream,
      fields: details?.fields,
      hops: details?.hops,
      path: details?.path,
      time: new Date().toISOString(),
    });
  };
}
