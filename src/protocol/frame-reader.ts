/**
 * Cuts a TCP byte stream into frames. Segments arrive with any boundaries: a
 * frame may be split over many of them, several frames may share one, and a
 * `transfer` frame is followed by the raw bytes of a file up to the end of
 * the stream.
 */

import { MAX_FRAME_BYTES } from '../constants.js';
import { isP2PError, trailing } from '../errors.js';
import type { P2PError } from '../errors.js';
import { decodeRequest, frameLength, LENGTH_PREFIX_BYTES, MIN_FRAME_BYTES } from './codec.js';
import type { Request } from './types.js';

const EMPTY = new Uint8Array(0);
// Consumed chunks are dropped from the front of the list in batches of at least
// this many, so that dropping stays linear in the number of chunks overall.
const COMPACT_AFTER_CHUNKS = 64;

/**
 * Streaming frame reader for one TCP connection.
 *
 * Contract: one owner pushes the connection's chunks in order and pulls frames
 * with next() until it returns undefined. Chunks are kept by reference (no copy
 * on push), so a caller must not modify a chunk after pushing it; a frame that
 * lies within one chunk is decoded in place, and only a frame split across
 * chunks is copied, once.
 *
 * The 4 length bytes of each frame are checked as soon as they are held, so an
 * oversized declared length is refused before any of its body is buffered.
 * After a bad frame the reader is failed for good: it drops what it holds,
 * ignores further pushes, and next() throws the same error again; the caller
 * closes the connection.
 *
 * Once next() has returned a `transfer` request, the reader is in raw mode: the
 * rest of the stream is file bytes, next() returns undefined and never parses
 * them, and takeRaw() hands them out. The caller is expected to take them at
 * once: a push onto maxFrameBytes or more of untaken raw bytes fails the reader
 * with ERR_FRAME_TRAILING, so memory stays bounded in every mode.
 */
export class FrameReader {
  private chunks: Uint8Array[] = [];
  /** Index in `chunks` of the first chunk with unread bytes. */
  private head = 0;
  /** Bytes of `chunks[head]` already consumed. */
  private offset = 0;
  /** Unread bytes over all chunks. */
  private held = 0;
  /** Total length of the frame at the front, once its prefix has been checked. */
  private frameBytes: number | undefined;
  private failure: P2PError | undefined;
  private rawMode = false;
  private frame: Uint8Array = EMPTY;
  private readonly prefix = new Uint8Array(LENGTH_PREFIX_BYTES);

  /**
   * @param maxFrameBytes largest frame accepted, length prefix included.
   * @param rawAfterTransfer whether a `transfer` frame switches the stream to
   *   file bytes (a transfer's own connection), or is a frame like any other
   *   (a peer's port, where a `transfer` request asks for a file and more
   *   frames follow on the same connection).
   * @throws RangeError when maxFrameBytes is not an integer of at least MIN_FRAME_BYTES.
   */
  constructor(
    private readonly maxFrameBytes: number = MAX_FRAME_BYTES,
    private readonly rawAfterTransfer = true,
  ) {
    if (!Number.isInteger(maxFrameBytes) || maxFrameBytes < MIN_FRAME_BYTES) {
      throw new RangeError(`maxFrameBytes must be an integer of at least ${MIN_FRAME_BYTES}, got ${maxFrameBytes}`);
    }
  }

  /** Bytes held and not yet consumed as a frame or by takeRaw(). */
  get buffered(): number {
    return this.held;
  }

  /** True once a `transfer` frame has been read: what follows is file bytes. */
  get raw(): boolean {
    return this.rawMode;
  }

  /**
   * Appends the next bytes of the stream. Never throws: a bad length prefix
   * fails the reader at once (its bytes are dropped) and next() reports it.
   */
  push(chunk: Uint8Array): void {
    if (this.failure !== undefined || chunk.length === 0) return;
    if (this.rawMode && this.held >= this.maxFrameBytes) {
      // File bytes nobody takes (a transfer sent where none is expected): stay bounded.
      this.fail(trailing(this.held + chunk.length));
      return;
    }
    this.chunks.push(chunk);
    this.held += chunk.length;
    if (this.rawMode) return;
    try {
      this.frontLength();
    } catch (err) {
      this.fail(err);
    }
  }

  /**
   * The next whole frame, decoded, or undefined while it is incomplete (and
   * always undefined in raw mode).
   * @throws P2PError the codec's named error for a bad frame; the reader is then failed.
   */
  next(): Request | undefined {
    if (this.failure !== undefined) throw this.failure;
    if (this.rawMode) return undefined;
    try {
      const total = this.frontLength();
      if (total === undefined || this.held < total) return undefined;
      this.frame = this.take(total);
      const request = decodeRequest(this.frame, this.maxFrameBytes);
      this.frameBytes = undefined;
      if (request.type === 'transfer' && this.rawAfterTransfer) this.rawMode = true;
      return request;
    } catch (err) {
      throw this.fail(err);
    }
  }

  /**
   * The bytes (length prefix included) of the frame next() returned last: a
   * view of the pushed chunk when the frame lay within one, so valid as long
   * as that chunk is left unmodified. A receiver that passes the frame on
   * unchanged hands these on instead of encoding the request again.
   */
  get lastFrame(): Uint8Array {
    return this.frame;
  }

  /**
   * Removes and returns every byte held (empty when none, or once failed). Used
   * right after a `transfer` frame, when the rest of the stream is file bytes.
   */
  takeRaw(): Uint8Array {
    const out = this.held === 0 ? EMPTY : this.take(this.held);
    this.frameBytes = undefined;
    return out;
  }

  /** Checks and caches the length of the frame at the front, once 4 bytes are held. */
  private frontLength(): number | undefined {
    if (this.frameBytes !== undefined || this.held < LENGTH_PREFIX_BYTES) return this.frameBytes;
    const first = this.chunks[this.head] ?? EMPTY;
    const view = first.length - this.offset >= LENGTH_PREFIX_BYTES ? first.subarray(this.offset) : this.copy(this.prefix, false);
    this.frameBytes = frameLength(view, this.maxFrameBytes);
    return this.frameBytes;
  }

  /** Records a codec error for good and drops the buffer; rethrows anything else (a bug). */
  private fail(err: unknown): P2PError {
    if (!isP2PError(err)) throw err;
    this.failure = err;
    this.chunks = [];
    this.head = 0;
    this.offset = 0;
    this.held = 0;
    this.frameBytes = undefined;
    return err;
  }

  /** Removes the first n held bytes (n <= held); a view when they lie in one chunk. */
  private take(n: number): Uint8Array {
    const first = this.chunks[this.head] ?? EMPTY;
    if (first.length - this.offset >= n) {
      const out = first.subarray(this.offset, this.offset + n);
      this.consume(n);
      return out;
    }
    return this.copy(new Uint8Array(n), true);
  }

  /** Fills dst with the first dst.length held bytes (<= held), consuming them if asked. */
  private copy(dst: Uint8Array, consume: boolean): Uint8Array {
    let index = this.head;
    let at = this.offset;
    let filled = 0;
    while (filled < dst.length) {
      const chunk = this.chunks[index];
      if (chunk === undefined) break; // unreachable: callers never ask for more than held
      const n = Math.min(chunk.length - at, dst.length - filled);
      dst.set(chunk.subarray(at, at + n), filled);
      filled += n;
      at += n;
      if (at === chunk.length) {
        index++;
        at = 0;
      }
    }
    if (consume) this.consume(dst.length);
    return dst;
  }

  /** Advances past n held bytes, releasing the chunks they used up. */
  private consume(n: number): void {
    this.held -= n;
    let at = this.offset + n;
    for (let c = this.chunks[this.head]; c !== undefined && at >= c.length; c = this.chunks[this.head]) {
      at -= c.length;
      this.chunks[this.head] = EMPTY; // let the consumed bytes be collected now
      this.head++;
    }
    this.offset = at;
    if (this.head === this.chunks.length) {
      this.chunks = [];
      this.head = 0;
    } else if (this.head >= COMPACT_AFTER_CHUNKS && this.head * 2 >= this.chunks.length) {
      this.chunks = this.chunks.slice(this.head);
      this.head = 0;
    }
  }
}
