/**
 * The binary codec of requests. One format serves TCP frames, UDP datagrams
 * and records of the shared queue. All integers are big-endian.
 *
 * ```
 *  offset  size  field
 *  ------  ----  -----------------------------------------------------------
 *       0  u32   body length L = frame bytes - 4 (the frame is 4 + L bytes)
 *       4  u8    version (PROTOCOL_VERSION)
 *       5  u8    type code (REQUEST_TYPES, 1..9)
 *       6  u32   source peer ID
 *      10  u32   destination peer ID
 *      14  u8    stamp length S (1..255)
 *      15  S     stamp, UTF-8
 *  15 + S  u16   number of content pairs P (0..65535)
 *  17 + S  P x { u8 key length K (1..255), K bytes UTF-8 key,
 *                u16 value length V (0..65535), V bytes UTF-8 value }
 *                the last pair ends exactly at 4 + L
 * ```
 *
 * A queue record is either a frame, or a command record: the tag byte
 * COMMAND_RECORD_TAG followed by the UTF-8 of a command line, or
 * PEER_COMMAND_RECORD_TAG, the u32 ID of the peer it is typed at, then the
 * UTF-8. A frame's first byte is the top byte of L, always 0 because frames
 * are far below 16 MiB, so a tag cannot be mistaken for a frame.
 *
 * Which peer a record is for (a process may host many, `p2p host`): a
 * command names it; a frame's destination field does, which the producer
 * that read it from a peer's socket sets to that peer (`addressTo`), so that
 * a frame is handled by the peer whose port it came in on, as with one peer
 * per process.
 *
 * The decoder trusts nothing: every length is checked against the bytes there
 * are before it is used, and every failure is a P2PError with a frame code.
 */

import { MAX_FRAME_BYTES, PROTOCOL_VERSION } from '../constants.js';
import { badField, badText, badType, badVersion, isP2PError, oversized, trailing, truncated } from '../errors.js';
import type { P2PError } from '../errors.js';
import { REQUEST_TYPES, requestTypeOf } from './types.js';
import type { Request, RequestType, WireContent } from './types.js';

/** Size of the length prefix that opens every frame. */
export const LENGTH_PREFIX_BYTES = 4;
/** Offset of the u32 body length. */
export const OFFSET_LENGTH = 0;
/** Offset of the u8 protocol version. */
export const OFFSET_VERSION = 4;
/** Offset of the u8 request type code. */
export const OFFSET_TYPE = 5;
/** Offset of the u32 source peer ID. */
export const OFFSET_SOURCE = 6;
/** Offset of the u32 destination peer ID. */
export const OFFSET_DESTINATION = 10;
/** Offset of the u8 stamp length; the stamp text follows it. */
export const OFFSET_STAMP_LENGTH = 14;
/** Bytes of a frame before the stamp text (length prefix included). */
export const HEADER_FIXED_BYTES = 15;
/** Size of the u16 pair count that follows the stamp. */
export const PAIR_COUNT_BYTES = 2;
/** Fixed bytes of one content pair: u8 key length and u16 value length. */
export const PAIR_FIXED_BYTES = 3;
/** Longest stamp, in UTF-8 bytes. */
export const MAX_STAMP_BYTES = 0xff;
/** Longest content key, in UTF-8 bytes. */
export const MAX_KEY_BYTES = 0xff;
/** Longest content value, in UTF-8 bytes. */
export const MAX_VALUE_BYTES = 0xffff;
/** Most content pairs in one request. */
export const MAX_PAIRS = 0xffff;
/** Smallest body L a valid frame can declare: a one-byte stamp, no pairs. */
export const MIN_BODY_BYTES = HEADER_FIXED_BYTES - LENGTH_PREFIX_BYTES + 1 + PAIR_COUNT_BYTES;
/** Smallest whole frame, length prefix included. */
export const MIN_FRAME_BYTES = LENGTH_PREFIX_BYTES + MIN_BODY_BYTES;
/** First byte of a queue record that carries a command line instead of a frame. */
export const COMMAND_RECORD_TAG = 0xc0;
/** First byte of a command record that names its peer (u32 ID after the tag). */
export const PEER_COMMAND_RECORD_TAG = 0xc1;
/** Offset of a frame's destination field. */
const DESTINATION_AT = 10;

const MAX_U32 = 0xffffffff;
const encoder = new TextEncoder();
// ignoreBOM: a leading U+FEFF is text like any other and must round-trip;
// by default the decoder would silently strip it.
const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** Bytes of the UTF-8 encoding of a well-formed string. */
function utf8Length(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c <= 0xdbff) {
      // Well-formedness was checked, so a low surrogate follows: one 4-byte code point.
      n += 4;
      i++;
    } else n += 3;
  }
  return n;
}

/**
 * Name of a field in an error message. Content keys are appended only on failure,
 * so that the hot path builds no strings.
 */
function fieldName(field: string, detail?: string | number): string {
  return detail === undefined ? field : `${field}${typeof detail === 'string' ? JSON.stringify(detail) : detail}`;
}

/** UTF-8 length of a text field, checked against its bounds. */
function textLength(s: unknown, min: number, max: number, field: string, detail?: string): number {
  let why: string;
  if (typeof s !== 'string') why = 'not a string';
  // Each UTF-16 unit is at least one UTF-8 byte: refuse huge strings without scanning them.
  else if (s.length > max) why = `longer than ${max} bytes`;
  // TextEncoder would silently turn a lone surrogate into U+FFFD: refuse rather than corrupt.
  else if (!s.isWellFormed()) why = 'contains a lone surrogate';
  else {
    const n = utf8Length(s);
    if (n >= min && n <= max) return n;
    why = n < min ? 'empty' : `${n} bytes, more than ${max}`;
  }
  throw badField(fieldName(field, detail), why);
}

function checkId(field: string, id: unknown): number {
  if (typeof id !== 'number' || !Number.isInteger(id) || id < 0 || id > MAX_U32) {
    throw badField(field, `${String(id)} is not an unsigned 32-bit integer`);
  }
  return id;
}

/**
 * Encodes a request as one whole frame, length prefix included.
 * Sizes are computed first, then everything is written into one buffer.
 * `extra` pairs are encoded after the content's, replacing any of the same
 * key (a sender stamps each hop this way without copying the request).
 * @throws P2PError ERR_FRAME_FIELD when a field is out of range (checked first),
 *   ERR_FRAME_OVERSIZED when the frame would exceed `maxFrameBytes`.
 */
export function encodeRequest(req: Request, maxFrameBytes: number = MAX_FRAME_BYTES, extra?: WireContent): Uint8Array {
  const type: unknown = req.type;
  if (typeof type !== 'string' || !Object.hasOwn(REQUEST_TYPES, type)) {
    throw badField('type', `${String(type)} is not a request type`);
  }
  const code = REQUEST_TYPES[type as RequestType];
  const source = checkId('source', req.source);
  const destination = checkId('destination', req.destination);
  const stampBytes = textLength(req.stamp, 1, MAX_STAMP_BYTES, 'stamp');
  const rawContent: unknown = req.content;
  if (typeof rawContent !== 'object' || rawContent === null) throw badField('content', 'not an object');
  const content: WireContent = req.content;
  // Keys and values in encoding order: the content's, then `extra`'s.
  const keys: string[] = [];
  const values: unknown[] = [];
  for (const key of Object.keys(content)) {
    if (extra !== undefined && Object.hasOwn(extra, key)) continue;
    keys.push(key);
    values.push(content[key]);
  }
  if (extra !== undefined) {
    for (const key of Object.keys(extra)) {
      keys.push(key);
      values.push(extra[key]);
    }
  }
  const pairs = keys.length;
  if (pairs > MAX_PAIRS) throw badField('content', `${pairs} pairs, more than ${MAX_PAIRS}`);

  // Key and value byte lengths, interleaved, so that the write pass does not recount.
  const lengths = new Array<number>(pairs * 2);
  let size = HEADER_FIXED_BYTES + stampBytes + PAIR_COUNT_BYTES;
  for (let i = 0; i < pairs; i++) {
    const key = keys[i] as string;
    const k = textLength(key, 1, MAX_KEY_BYTES, 'content key ', key);
    const v = textLength(values[i], 0, MAX_VALUE_BYTES, 'content value ', key);
    lengths[2 * i] = k;
    lengths[2 * i + 1] = v;
    size += PAIR_FIXED_BYTES + k + v;
  }
  if (size > maxFrameBytes) throw oversized(size, maxFrameBytes);

  const frame = new Uint8Array(size);
  putU32(frame, OFFSET_LENGTH, size - LENGTH_PREFIX_BYTES);
  frame[OFFSET_VERSION] = PROTOCOL_VERSION;
  frame[OFFSET_TYPE] = code;
  putU32(frame, OFFSET_SOURCE, source);
  putU32(frame, OFFSET_DESTINATION, destination);
  frame[OFFSET_STAMP_LENGTH] = stampBytes;
  let at = writeText(frame, HEADER_FIXED_BYTES, req.stamp, stampBytes);
  putU16(frame, at, pairs);
  at += PAIR_COUNT_BYTES;
  for (let i = 0; i < pairs; i++) {
    const k = lengths[2 * i] ?? 0;
    const v = lengths[2 * i + 1] ?? 0;
    frame[at] = k;
    at = writeText(frame, at + 1, keys[i] as string, k);
    putU16(frame, at, v);
    at = writeText(frame, at + 2, values[i] as string, v);
  }
  return frame;
}

// Big-endian integers by hand: a DataView per frame costs more than the whole header.
function putU16(b: Uint8Array, at: number, v: number): void {
  b[at] = v >>> 8;
  b[at + 1] = v & 0xff;
}
function putU32(b: Uint8Array, at: number, v: number): void {
  b[at] = v >>> 24;
  b[at + 1] = (v >>> 16) & 0xff;
  b[at + 2] = (v >>> 8) & 0xff;
  b[at + 3] = v & 0xff;
}
/** Reads a big-endian u32; the caller has checked that the 4 bytes exist. */
function getU32(b: Uint8Array, at: number): number {
  return (((b[at] ?? 0) << 24) | ((b[at + 1] ?? 0) << 16) | ((b[at + 2] ?? 0) << 8) | (b[at + 3] ?? 0)) >>> 0;
}

/** Writes the UTF-8 of s (exactly `bytes` long) at `at`; returns the offset after it. */
function writeText(frame: Uint8Array, at: number, s: string, bytes: number): number {
  if (bytes === s.length) {
    // Pure ASCII (one byte per unit): a plain loop beats a subarray plus encodeInto.
    for (let i = 0; i < bytes; i++) frame[at + i] = s.charCodeAt(i);
  } else {
    encoder.encodeInto(s, frame.subarray(at, at + bytes));
  }
  return at + bytes;
}

/**
 * Peeks the total length (4 + L) of the frame that starts `buf`.
 * @returns undefined while fewer than 4 bytes are present.
 * @throws P2PError ERR_FRAME_OVERSIZED when the frame would exceed `maxFrameBytes`,
 *   ERR_FRAME_TRUNCATED when L is below MIN_BODY_BYTES (no valid frame is that short).
 */
export function frameLength(buf: Uint8Array, maxFrameBytes: number = MAX_FRAME_BYTES): number | undefined {
  if (buf.length < LENGTH_PREFIX_BYTES) return undefined;
  const body = getU32(buf, OFFSET_LENGTH);
  const total = LENGTH_PREFIX_BYTES + body;
  if (total > maxFrameBytes) throw oversized(total, maxFrameBytes);
  if (body < MIN_BODY_BYTES) throw truncated(MIN_FRAME_BYTES, total);
  return total;
}

/** Bounds-checked reads over one frame; every overrun is ERR_FRAME_TRUNCATED. */
class Cursor {
  constructor(
    private readonly bytes: Uint8Array,
    public at: number,
  ) {}
  private need(n: number): void {
    if (this.at + n > this.bytes.length) throw truncated(this.at + n, this.bytes.length);
  }
  u8(): number {
    this.need(1);
    return this.bytes[this.at++] ?? 0;
  }
  u16(): number {
    this.need(2);
    return ((this.bytes[this.at++] ?? 0) << 8) | (this.bytes[this.at++] ?? 0);
  }
  u32(): number {
    this.need(4);
    const v = getU32(this.bytes, this.at);
    this.at += 4;
    return v;
  }
  text(n: number, field: string, detail?: string | number): string {
    this.need(n);
    const slice = this.bytes.subarray(this.at, this.at + n);
    this.at += n;
    return decodeText(slice, field, detail);
  }
}

/** Short ASCII texts (stamps, keys, IDs) skip TextDecoder, whose call costs more than they do. */
const ASCII_FAST_PATH_BYTES = 64;

function decodeText(bytes: Uint8Array, field: string, detail?: string | number): string {
  if (bytes.length <= ASCII_FAST_PATH_BYTES) {
    let s = '';
    let i = 0;
    for (; i < bytes.length; i++) {
      const b = bytes[i] ?? 0xff;
      if (b >= 0x80) break;
      s += String.fromCharCode(b);
    }
    if (i === bytes.length) return s;
  }
  try {
    return decoder.decode(bytes);
  } catch {
    throw badText(fieldName(field, detail));
  }
}

/**
 * Decodes exactly one whole frame (length prefix included), trusting nothing.
 * Content comes back as a null-prototype object: a key such as `__proto__` is an
 * own property like any other, and no key is inherited.
 * @throws P2PError ERR_FRAME_TRUNCATED, ERR_FRAME_OVERSIZED, ERR_FRAME_VERSION,
 *   ERR_FRAME_TYPE, ERR_FRAME_TEXT, ERR_FRAME_TRAILING or ERR_FRAME_FIELD.
 */
export function decodeRequest(frame: Uint8Array, maxFrameBytes: number = MAX_FRAME_BYTES): Request {
  const total = frameLength(frame, maxFrameBytes);
  if (total === undefined) throw truncated(LENGTH_PREFIX_BYTES, frame.length);
  if (frame.length < total) throw truncated(total, frame.length);
  if (frame.length > total) throw trailing(frame.length - total);

  const r = new Cursor(frame, OFFSET_VERSION);
  const version = r.u8();
  if (version !== PROTOCOL_VERSION) throw badVersion(version, PROTOCOL_VERSION);
  const code = r.u8();
  const type = requestTypeOf(code);
  if (type === undefined) throw badType(code);
  const source = r.u32();
  const destination = r.u32();
  const stampBytes = r.u8();
  if (stampBytes === 0) throw badField('stamp', 'empty');
  const stamp = r.text(stampBytes, 'stamp');

  const pairs = r.u16();
  const content = Object.create(null) as Record<string, string>;
  for (let i = 0; i < pairs; i++) {
    const k = r.u8();
    if (k === 0) throw badField(fieldName('content key #', i), 'empty');
    const key = r.text(k, 'content key #', i);
    if (Object.hasOwn(content, key)) throw badField(fieldName('content key ', key), 'repeated');
    const v = r.u16();
    // The object has no prototype, so `__proto__` is an ordinary own property here.
    content[key] = r.text(v, 'content value ', key);
  }
  if (r.at < total) throw trailing(total - r.at);
  return { type, source, destination, stamp, content };
}

/** Result of tryDecodeRequest: the request, or the named error. */
export type DecodeResult = { ok: true; request: Request } | { ok: false; error: P2PError };

/**
 * decodeRequest for hot paths: a bad frame is a value, never a throw.
 * Only a bug (an error that is not a P2PError) is rethrown, so it is not mistaken
 * for a bad frame.
 */
export function tryDecodeRequest(frame: Uint8Array, maxFrameBytes: number = MAX_FRAME_BYTES): DecodeResult {
  try {
    return { ok: true, request: decodeRequest(frame, maxFrameBytes) };
  } catch (err) {
    if (isP2PError(err)) return { ok: false, error: err };
    throw err;
  }
}

/**
 * Encodes a command line as a queue record: COMMAND_RECORD_TAG, then UTF-8;
 * with `peer`, PEER_COMMAND_RECORD_TAG, the peer's u32 ID, then UTF-8.
 * @throws P2PError ERR_FRAME_FIELD for a lone surrogate, ERR_FRAME_OVERSIZED when
 *   the record would exceed MAX_FRAME_BYTES.
 */
export function encodeCommandRecord(line: string, peer?: number): Uint8Array {
  const head = peer === undefined ? 1 : 5;
  if (line.length + head > MAX_FRAME_BYTES) throw oversized(line.length + head, MAX_FRAME_BYTES);
  if (!line.isWellFormed()) throw badField('line', 'contains a lone surrogate');
  const n = utf8Length(line);
  if (n + head > MAX_FRAME_BYTES) throw oversized(n + head, MAX_FRAME_BYTES);
  const rec = new Uint8Array(n + head);
  if (peer === undefined) rec[0] = COMMAND_RECORD_TAG;
  else {
    rec[0] = PEER_COMMAND_RECORD_TAG;
    new DataView(rec.buffer).setUint32(1, peer);
  }
  writeText(rec, head, line, n);
  return rec;
}

/**
 * Addresses a frame, in place, to the peer that received it: its destination
 * field becomes `peer` (4 bytes; the frame's length does not change).
 * The frame must be whole (decoded once already).
 */
export function addressTo(frame: Uint8Array, peer: number): void {
  new DataView(frame.buffer, frame.byteOffset, frame.byteLength).setUint32(DESTINATION_AT, peer);
}

/**
 * The peer a queue record is for: a command's named peer, a frame's
 * destination; undefined for a command that names none (a lone peer's) or a
 * record too short to say.
 */
export function recordPeer(rec: Uint8Array): number | undefined {
  const view = new DataView(rec.buffer, rec.byteOffset, rec.byteLength);
  if (rec[0] === COMMAND_RECORD_TAG) return undefined;
  if (rec[0] === PEER_COMMAND_RECORD_TAG) return rec.length >= 5 ? view.getUint32(1) : undefined;
  return rec.length >= DESTINATION_AT + 4 ? view.getUint32(DESTINATION_AT) : undefined;
}

/** A decoded queue record: a request, or a command line typed at the console. */
export type QueueRecord = { kind: 'request'; request: Request } | { kind: 'command'; line: string };

/**
 * Decodes a queue record written by encodeRequest or encodeCommandRecord.
 * @throws the named errors of decodeRequest for a bad frame; ERR_FRAME_TRUNCATED for
 *   an empty record; ERR_FRAME_TEXT for a command that is not UTF-8.
 */
export function decodeQueueRecord(rec: Uint8Array): QueueRecord {
  if (rec.length === 0) throw truncated(1, 0);
  if (rec[0] === COMMAND_RECORD_TAG || rec[0] === PEER_COMMAND_RECORD_TAG) {
    if (rec.length > MAX_FRAME_BYTES) throw oversized(rec.length, MAX_FRAME_BYTES);
    const head = rec[0] === COMMAND_RECORD_TAG ? 1 : 5;
    if (rec.length < head) throw truncated(head, rec.length);
    return { kind: 'command', line: decodeText(rec.subarray(head), 'line') };
  }
  return { kind: 'request', request: decodeRequest(rec) };
}
