/**
 * The request of the design report: five fields (type, source, destination,
 * stamp, content) and nine types. Wire codes are plain numbers, never reused.
 */

import type { ContentKey, SyncKind, UpdateReason } from './vocabulary.js';

/** Wire code of each of the nine request types. */
export const REQUEST_TYPES = {
  store: 1,
  request: 2,
  transfer: 3,
  join: 4,
  quit: 5,
  abrupt: 6,
  update: 7,
  exit: 8,
  ping: 9,
} as const;

/** One of the nine request types. */
export type RequestType = keyof typeof REQUEST_TYPES;

/** The nine type names, in wire-code order. */
export const REQUEST_TYPE_NAMES: readonly RequestType[] = Object.keys(REQUEST_TYPES) as RequestType[];

/** Type name for a wire code, or undefined when the code is unknown. */
export function requestTypeOf(code: number): RequestType | undefined {
  return REQUEST_TYPE_NAMES[code - 1];
}

/** Extra key-value pairs of a request (`_nodeID`, `filename`, `_firstID`, ...). */
export type Content = Readonly<Partial<Record<ContentKey, string>>> & { readonly reason?: UpdateReason; readonly _sync?: SyncKind };

/**
 * Content as it travels: any keys (unknown ones pass, and are how the
 * protocol grows). Only the codec and the edge checks read it this way.
 */
export type WireContent = Readonly<Record<string, string>>;

/** A request of one given type. */
export interface RequestOf<T extends RequestType> {
  /** What the receiver is asked to do. */
  readonly type: T;
  /** Peer ID of the sender of this hop (not the origin: that is `content._nodeID`). */
  readonly source: number;
  /** Peer ID of the receiver of this hop. */
  readonly destination: number;
  /** Unique per request: `<issuer>-<sequence>`. */
  readonly stamp: string;
  /** Key-value pairs, all strings. */
  readonly content: Content;
}

/** A request: a discriminated union on `type`. */
export type Request = { [T in RequestType]: RequestOf<T> }[RequestType];

/** Builds stamps unique per issuer: `<issuer>-<n>`. */
export class StampSource {
  private next = 0;
  constructor(private readonly issuer: number | string) {}
  /** A stamp never returned before by this source. */
  stamp(): string {
    this.next += 1;
    return `${this.issuer}-${this.next}`;
  }
}
