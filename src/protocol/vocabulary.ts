/**
 * The protocol's words, declared once: the reasons of an `update`, the kinds
 * of file offer, and every content key a request may carry. Types derive
 * from these lists, so a typo in a reason or a key fails to compile where a
 * request is built or read. (Event kinds, which are not messages, are
 * declared beside the events: runtime/events.ts.)
 */

/**
 * Why an `update` is sent. The course has one (`successor-change`); the rest
 * carry this implementation's membership, repair, Chord and replication
 * exchanges (docs and the handlers in handlers/update.ts).
 */
export const UPDATE_REASONS = [
  // A join: the acceptor's answer to the newcomer, or its refusal.
  'join-accepted',
  'join-refused',
  // Membership told (upkeep/membership.ts).
  'successor-change',
  'predecessors',
  'successor-rejoined',
  'refresh-predecessor',
  // The answer to a repair's query (handlers/abrupt.ts).
  'successors',
  // Lookups and Chord's stabilize (upkeep/lookup.ts, upkeep/stabilize.ts).
  'find-successor',
  'found',
  'get-predecessor',
  'predecessor',
  'notify',
  // Successor lists longer than two (upkeep/successor-list.ts).
  'get-successors',
  'successor-list',
  // A file offer's answer (upkeep/replication.ts).
  'sync-ack',
] as const;

export type UpdateReason = (typeof UPDATE_REASONS)[number];

/** A file offer (`store` with `_sync`): a replica for a successor, or a quitter's handover. */
export const SYNC_KINDS = ['replica', 'handover'] as const;

export type SyncKind = (typeof SYNC_KINDS)[number];

/**
 * Every content key. Those with a leading underscore are this
 * implementation's; the others are the course's (and a few of ours that
 * read like them). protocol/content.ts checks the shapes of most of them
 * where a request comes in.
 */
export const CONTENT_KEYS = [
  // The course's.
  'filename',
  'key',
  'reason',
  'dead',
  // Pings.
  'phase',
  'slot',
  'seq',
  'inc',
  // Lookups, joins and their trails.
  '_nodeID',
  '_origin',
  '_hops',
  '_path',
  '_final',
  '_query',
  '_answers',
  'owner',
  'hops',
  'path',
  'status',
  'error',
  '_error',
  // Membership.
  '_succ',
  '_pred',
  '_pred2',
  '_peer',
  '_addr',
  '_deadAddr',
  '_firstID',
  '_secondID',
  'gone',
  // Files and transfers.
  '_dir',
  '_ext',
  '_size',
  '_sync',
  '_pull',
  '_mode',
  '_file',
  '_bytes',
  '_token',
  '_phase',
  '_replyHost',
  '_replyPort',
  // Hop deadlines (net/hop-deadline.ts).
  '_sent',
  '_wait',
] as const;

export type ContentKey = (typeof CONTENT_KEYS)[number];
