/**
 * The course's marking rubric (90 marks; design, the last 10, is marked by
 * hand), split into checks that a run either passes or fails. Each check
 * names what it needs, so that the report can say why a mark was lost. A
 * check's marks are earned in proportion to the runs in which it holds (the
 * course ring in both orders by default, and any further rings asked for).
 */

/** The rubric's items, in the course's order, with their marks. */
export const RUBRIC_ITEMS = [
  { id: 'ping', title: 'Ping', marks: 24 },
  { id: 'graceful', title: 'Graceful departure', marks: 17 },
  { id: 'insertion', title: 'File insertion', marks: 11 },
  { id: 'join', title: 'Join', marks: 14 },
  { id: 'abrupt', title: 'Abrupt departure', marks: 12 },
  { id: 'retrieval', title: 'Retrieval', marks: 12 },
] as const;

/** One rubric item's ID. */
export type ItemId = (typeof RUBRIC_ITEMS)[number]['id'];

/** Every check, its item, its marks and what it asks for. The marks of an item's checks add up to the item's. */
export const CHECKS = [
  {
    id: 'ping-sent',
    item: 'ping',
    marks: 6,
    needs: 'every peer prints "Ping requests sent to Peers A and B", naming its two successors, soon after it starts',
  },
  {
    id: 'ping-received',
    item: 'ping',
    marks: 6,
    needs: 'every peer prints "Ping request message received from Peer P" for each of its two predecessors',
  },
  {
    id: 'ping-response',
    item: 'ping',
    marks: 6,
    needs: 'every peer prints "Ping response received from Peer S" for each successor, within the allowance after its first ping request',
  },
  {
    id: 'ping-changes',
    item: 'ping',
    marks: 6,
    needs: 'after each join and departure, peers ping their new successors, and peers that gained predecessors show ping requests from them',
  },
  { id: 'quit-first', item: 'graceful', marks: 6, needs: "the departing peer's first predecessor prints the departure and its new successors" },
  {
    id: 'quit-second',
    item: 'graceful',
    marks: 6,
    needs: "the departing peer's second predecessor prints the departure and its new successors",
  },
  { id: 'quit-exit', item: 'graceful', marks: 5, needs: 'the departing peer exits with status 0 once its predecessors are told' },
  {
    id: 'store-forward',
    item: 'insertion',
    marks: 5,
    needs: 'the typing peer and every peer on the way print "Store NNNN request forwarded to my successor"',
  },
  { id: 'store-accept', item: 'insertion', marks: 6, needs: 'the owner of the key prints "Store NNNN request accepted"' },
  { id: 'join-forward', item: 'join', marks: 4, needs: 'every peer on the way prints "Peer N Join request forwarded to my successor"' },
  {
    id: 'join-acceptor',
    item: 'join',
    marks: 4,
    needs: 'the peer after which the newcomer belongs prints "Peer N Join request received" and its new successors',
  },
  {
    id: 'join-predecessor',
    item: 'join',
    marks: 3,
    needs: 'the acceptor\'s first predecessor prints "Successor Change request received" and its new successors',
  },
  { id: 'join-newcomer', item: 'join', marks: 3, needs: 'the newcomer prints "Join request has been accepted" and its two successors' },
  { id: 'kill-first', item: 'abrupt', marks: 6, needs: "the killed peer's first predecessor notices in time and prints its new successors" },
  { id: 'kill-second', item: 'abrupt', marks: 6, needs: "the killed peer's second predecessor notices in time and prints its new successors" },
  {
    id: 'request-forward',
    item: 'retrieval',
    marks: 3,
    needs: 'the typing peer prints "File request for NNNN has been sent to my successor", and every peer on the way "...not stored here"',
  },
  {
    id: 'request-owner',
    item: 'retrieval',
    marks: 3,
    needs: 'the owner prints "File NNNN is stored here", "Sending file NNNN to Peer R" and "The file has been sent"',
  },
  {
    id: 'request-requester',
    item: 'retrieval',
    marks: 3,
    needs: 'the requester prints "Peer O had File NNNN", "Receiving File NNNN from Peer O" and "File NNNN received"',
  },
  { id: 'request-file', item: 'retrieval', marks: 3, needs: 'the received copy, received_NNNN.<ext>, is byte-identical to the original' },
] as const satisfies readonly { id: string; item: ItemId; marks: number; needs: string }[];

/** One check's ID. */
export type CheckId = (typeof CHECKS)[number]['id'];

/** The total the rubric marks here. */
export const TOTAL_MARKS = RUBRIC_ITEMS.reduce((sum, item) => sum + item.marks, 0);

/** The check of this ID. */
export function checkOf(id: CheckId): (typeof CHECKS)[number] {
  return CHECKS.find((c) => c.id === id) as (typeof CHECKS)[number];
}

/** Marks rounded to a tenth, as reports print them. */
export function roundMarks(marks: number): number {
  return Math.round(marks * 10) / 10;
}
