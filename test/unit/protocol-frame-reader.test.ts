import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { encodeRequest } from '../../src/protocol/codec.js';
import { FrameReader } from '../../src/protocol/frame-reader.js';
import type { Request } from '../../src/protocol/types.js';
import { MAX_FRAME_BYTES } from '../../src/constants.js';
import { P2PError } from '../../src/errors.js';
import type { ErrorCode } from '../../src/errors.js';
import { hex } from '../fixtures/golden-frames.js';

const SEED = 42;

const join = (n: number): Request => ({
  type: 'join',
  source: n,
  destination: n + 1,
  stamp: `${n}-1`,
  content: { _nodeID: String(n) },
});
const TRANSFER: Request = {
  type: 'transfer',
  source: 3,
  destination: 9,
  stamp: '3-8',
  content: { _nodeID: '3', filename: 'song.mp3' },
};

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** Every frame next() yields until it returns undefined. */
function drain(reader: FrameReader): Request[] {
  const out: Request[] = [];
  for (let r = reader.next(); r !== undefined; r = reader.next()) out.push(r);
  return out;
}

/** The code of the P2PError `f` throws; fails the test if it throws anything else or nothing. */
function codeOf(f: () => unknown): ErrorCode {
  try {
    f();
  } catch (err) {
    expect(err).toBeInstanceOf(P2PError);
    return (err as P2PError).code;
  }
  throw new Error('expected a P2PError, nothing was thrown');
}

/** Cuts bytes at the given (sorted, deduplicated) offsets. */
function split(bytes: Uint8Array, cuts: number[]): Uint8Array[] {
  const at = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
  const bounds = [0, ...at, bytes.length];
  return bounds.slice(1).map((end, i) => bytes.subarray(bounds[i], end));
}

describe('FrameReader', () => {
  it('yields two frames glued in one chunk', () => {
    const reader = new FrameReader();
    reader.push(concat(encodeRequest(join(1)), encodeRequest(join(2))));
    expect(drain(reader)).toEqual([join(1), join(2)]);
    expect(reader.buffered).toBe(0);
  });

  it('yields a frame split over 1-byte chunks only once its last byte arrives', () => {
    const frame = encodeRequest(join(7));
    const reader = new FrameReader();
    for (let i = 0; i < frame.length; i++) {
      expect(reader.next()).toBeUndefined();
      reader.push(frame.subarray(i, i + 1));
      expect(reader.buffered).toBe(i === frame.length - 1 ? frame.length : i + 1);
    }
    expect(reader.next()).toEqual(join(7));
    expect(reader.next()).toBeUndefined();
    expect(reader.buffered).toBe(0);
  });

  it('yields many frames pushed as 1-byte chunks before any is read', () => {
    const reqs = Array.from({ length: 20 }, (_, i) => join(i));
    const stream = concat(...reqs.map((r) => encodeRequest(r)));
    const reader = new FrameReader();
    for (let i = 0; i < stream.length; i++) reader.push(stream.subarray(i, i + 1));
    expect(reader.buffered).toBe(stream.length);
    expect(drain(reader)).toEqual(reqs);
    expect(reader.buffered).toBe(0);
  });

  it('keeps the bytes of the last frame it yielded, whole or split over chunks, for a receiver to pass on', () => {
    const a = encodeRequest(join(1));
    const b = encodeRequest(join(2));
    const reader = new FrameReader();
    const glued = concat(a, b);
    // a in one chunk with b's first 3 bytes; b's rest in 1-byte chunks.
    reader.push(glued.subarray(0, a.length + 3));
    expect(reader.next()).toEqual(join(1));
    expect(reader.lastFrame).toEqual(a);
    for (let i = a.length + 3; i < glued.length; i++) reader.push(glued.subarray(i, i + 1));
    expect(reader.next()).toEqual(join(2));
    expect(reader.lastFrame).toEqual(b);
  });

  it('on a peer port (rawAfterTransfer off), reads the frames after a transfer as frames', () => {
    const reader = new FrameReader(MAX_FRAME_BYTES, false);
    reader.push(concat(encodeRequest(TRANSFER), encodeRequest(join(1))));
    expect(drain(reader)).toEqual([TRANSFER, join(1)]);
    expect(reader.raw).toBe(false);
  });

  it('yields a transfer, then hands out exactly the file bytes that shared its chunk', () => {
    const file = Uint8Array.from({ length: 300 }, (_, i) => (i * 7) & 0xff);
    // A file may well contain bytes that look like a frame: they must not be parsed.
    const body = concat(encodeRequest(join(1)), file);
    const reader = new FrameReader();
    reader.push(concat(encodeRequest(TRANSFER), body.subarray(0, 100)));
    expect(reader.next()).toEqual(TRANSFER);
    expect(reader.raw).toBe(true);
    expect(reader.next()).toBeUndefined();
    reader.push(body.subarray(100));
    expect(reader.buffered).toBe(body.length);
    expect([...reader.takeRaw()]).toEqual([...body]);
    expect(reader.buffered).toBe(0);
    expect(reader.takeRaw().length).toBe(0);
  });

  it('takes a full-size segment of file bytes after a transfer, but refuses raw bytes nobody takes', () => {
    const segment = new Uint8Array(64 * 1024).fill(7);
    const reader = new FrameReader();
    reader.push(concat(encodeRequest(TRANSFER), segment));
    expect(reader.next()).toEqual(TRANSFER);
    expect(reader.takeRaw().length).toBe(segment.length);
    reader.push(segment);
    reader.push(segment); // held >= maxFrameBytes before this push: refused
    expect(reader.buffered).toBe(0);
    expect(codeOf(() => reader.next())).toBe('ERR_FRAME_TRAILING');
  });

  it('takeRaw returns a partial frame held so far', () => {
    const frame = encodeRequest(join(1));
    const reader = new FrameReader();
    reader.push(frame.subarray(0, 3));
    reader.push(frame.subarray(3, 10));
    expect(reader.next()).toBeUndefined();
    expect([...reader.takeRaw()]).toEqual([...frame.subarray(0, 10)]);
    expect(reader.buffered).toBe(0);
  });

  it('refuses an oversized length as soon as its 4 bytes arrive, then stays failed', () => {
    const reader = new FrameReader();
    reader.push(hex('00 01 00'));
    expect(reader.next()).toBeUndefined();
    reader.push(hex('00'));
    expect(reader.buffered).toBe(0); // nothing is kept toward a frame that will be refused
    expect(codeOf(() => reader.next())).toBe('ERR_FRAME_OVERSIZED');
    reader.push(encodeRequest(join(1)));
    expect(reader.buffered).toBe(0);
    expect(codeOf(() => reader.next())).toBe('ERR_FRAME_OVERSIZED');
  });

  it('honours its own maxFrameBytes', () => {
    const frame = encodeRequest(join(1));
    const reader = new FrameReader(frame.length - 1);
    reader.push(frame.subarray(0, 4));
    expect(codeOf(() => reader.next())).toBe('ERR_FRAME_OVERSIZED');
    expect(() => new FrameReader(3)).toThrow(RangeError);
    expect(() => new FrameReader(1.5)).toThrow(RangeError);
  });

  it('names garbage', () => {
    const http = new TextEncoder().encode('GET / HTTP/1.1\r\n\r\n');
    const r1 = new FrameReader();
    r1.push(http);
    expect(codeOf(() => r1.next())).toBe('ERR_FRAME_OVERSIZED');

    const bad = encodeRequest(join(1));
    bad[4] = 9;
    const r2 = new FrameReader();
    r2.push(concat(encodeRequest(join(0)), bad));
    expect(r2.next()).toEqual(join(0));
    expect(codeOf(() => r2.next())).toBe('ERR_FRAME_VERSION');
    expect(codeOf(() => r2.next())).toBe('ERR_FRAME_VERSION');

    const r3 = new FrameReader();
    r3.push(hex('00000003 010203'));
    expect(codeOf(() => r3.next())).toBe('ERR_FRAME_TRUNCATED');
  });

  it('yields every frame whatever the segment boundaries (seeded)', () => {
    const reqArb = fc.record({
      type: fc.constantFrom('store', 'request', 'join', 'ping', 'update'),
      source: fc.nat(),
      destination: fc.nat(),
      stamp: fc.string({ unit: 'binary', minLength: 1, maxLength: 20 }),
      // Values up to a few kilobytes, so that frames span many segments.
      content: fc.dictionary(fc.string({ minLength: 1, maxLength: 10 }), fc.string({ maxLength: 3000 }), {
        maxKeys: 3,
      }),
    }) as fc.Arbitrary<Request>;
    fc.assert(
      fc.property(
        fc.array(reqArb, { minLength: 1, maxLength: 8 }),
        fc.uint8Array({ maxLength: 2000 }),
        fc.array(fc.nat(), { maxLength: 60 }),
        fc.boolean(),
        (reqs, file, cuts, drainEach) => {
          const stream = concat(...reqs.map((r) => encodeRequest(r)), encodeRequest(TRANSFER), file);
          const reader = new FrameReader();
          const got: Request[] = [];
          for (const piece of split(stream, cuts)) {
            reader.push(piece);
            if (drainEach) got.push(...drain(reader));
          }
          got.push(...drain(reader));
          expect(got).toEqual([...reqs, TRANSFER]);
          expect([...reader.takeRaw()]).toEqual([...file]);
        },
      ),
      { seed: SEED, numRuns: 500 },
    );
  });

  it('random byte streams only ever raise a P2PError, and never buffer past one frame (seeded)', () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 64 }), { maxLength: 20 }), (chunks) => {
        const reader = new FrameReader();
        try {
          for (const chunk of chunks) {
            reader.push(chunk);
            drain(reader);
            expect(reader.buffered).toBeLessThan(MAX_FRAME_BYTES);
          }
        } catch (err) {
          expect(err).toBeInstanceOf(P2PError);
        }
      }),
      { seed: SEED, numRuns: 2000 },
    );
  });
});
