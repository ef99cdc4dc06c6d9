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

/** One event of one peer. */
export interface PeerEvent {
  /** Peer ID. */
  readonly peer: number;
  /** Thread that produced it. */
  readonly role: Role | 'transfer' | 'coordinator';
  /** What happened, kebab-case (`store-forwarded`, `ping-response`, `frame-error`...). */
  readonly kind: string;
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
  | { readonly kind: 'event'; readonly event: PeerEvent }
  | { readonly kind: 'ready'; readonly role: Role }
  | { readonly kind: 'fatal'; readonly role: Role; readonly error: SerializedError }
  | { readonly kind: 'exit'; readonly code: number; readonly reason: string };

/**
 * Messages the coordinator posts to a role worker: `go` once every role has
 * said ready (sockets bound, queue attached), `stop` at the end.
 */
export type CoordinatorMessage = { readonly kind: 'go' } | { readonly kind: 'stop' };

/** What a role calls to report something. */
export interface Emit {
  (kind: string, line?: string, details?: EventDetails): void;
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
