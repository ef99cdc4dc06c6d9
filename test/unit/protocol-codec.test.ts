import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import {
  COMMAND_RECORD_TAG,
  decodeQueueRecord,
  decodeRequest,
  encodeCommandRecord,
  encodeRequest,
  frameLength,
  MIN_FRAME_BYTES,
  tryDecodeRequest,
} from '../../src/protocol/codec.js';
import { REQUEST_TYPE_NAMES } from '../../src/protocol/types.js';
import type { Content, Request, RequestType, WireContent } from '../../src/protocol/types.js';
import { MAX_FRAME_BYTES } from '../../src/constants.js';
import { P2PError } from '../../src/errors.js';
import type { ErrorCode } from '../../src/errors.js';
import { GOLDEN_COMMAND, GOLDEN_FRAMES, hex, rawFrame, toHex } from '../fixtures/golden-frames.js';

/** Content as the wire sees it: any keys (the peers' Content type names only the known ones). */
const wire = (c: Content): WireContent => c;
const onWire = (c: WireContent): Content => c;

const SEED = 42;
const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s);

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

/** Same request: content compared as own entries, whatever its prototype. */
function expectSame(actual: Request, expected: Request): void {
  const { content: a, ...restA } = actual;
  const { content: e, ...restE } = expected;
  expect(restA).toEqual(restE);
  const entries = (c: Request['content']): [string, string][] => Object.entries(c).sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0));
  expect(entries(a)).toEqual(entries(e));
}

const JOIN: Request = { type: 'join', source: 4, destination: 5, stamp: '15-1', content: { _nodeID: '15' } };

// ---- arbitraries ----
const text = (minLength: number, maxLength: number): fc.Arbitrary<string> => fc.string({ unit: 'binary', minLength, maxLength }); // <= 4 bytes a code point
const u32 = fc.integer({ min: 0, max: 0xffffffff });
const key = fc.oneof(fc.constantFrom('__proto__', 'constructor', 'toString', '_nodeID', 'filename', '7'), text(1, 60));
const requestArb: fc.Arbitrary<Request> = fc.record({
  type: fc.constantFrom(...REQUEST_TYPE_NAMES),
  source: u32,
  destination: u32,
  stamp: text(1, 60),
  content: fc.dictionary(key, text(0, 80), { maxKeys: 8 }),
});

describe('encodeRequest / decodeRequest', () => {
  it.each(REQUEST_TYPE_NAMES.map((t) => [t]))('round-trips a %s request', (type: RequestType) => {
    const content = { _nodeID: '7', filename: 'a.txt' };
    const req = { type, source: 7, destination: 250, stamp: '7-3', content } as Request;
    const decoded = decodeRequest(encodeRequest(req));
    expectSame(decoded, req);
    expect(decoded.type).toBe(type);
  });

  for (const g of GOLDEN_FRAMES) {
    it(`matches the golden bytes: ${g.name}`, () => {
      expect(toHex(encodeRequest(g.request))).toBe(toHex(hex(g.hex)));
      expectSame(decodeRequest(hex(g.hex)), g.request);
    });
  }

  it('encodes extra pairs after the content, replacing those of the same key, exactly as a copy would encode', () => {
    const req: Request = { type: 'update', source: 4, destination: 9, stamp: '4-7', content: { key: '1', _sent: 'old', _path: '4.9' } };
    const extra = { _sent: '123', _wait: '4000' };
    const frame = encodeRequest(req, MAX_FRAME_BYTES, extra);
    expect(frame).toEqual(encodeRequest({ ...req, content: { key: '1', _path: '4.9', ...extra } }));
    expect(decodeRequest(frame).content).toEqual({ key: '1', _path: '4.9', _sent: '123', _wait: '4000' });
    expect(req.content).toEqual({ key: '1', _sent: 'old', _path: '4.9' }); // the request itself is left alone
  });

  it('matches the golden command record', () => {
    expect(toHex(encodeCommandRecord(GOLDEN_COMMAND.line))).toBe(toHex(hex(GOLDEN_COMMAND.hex)));
    expect(decodeQueueRecord(hex(GOLDEN_COMMAND.hex))).toEqual({ kind: 'command', line: 'quit' });
  });

  it('round-trips __proto__ as an own key, and inherits nothing', () => {
    const content = JSON.parse('{"__proto__":"x","a":"1"}') as Record<string, string>;
    expect(Object.keys(content)).toContain('__proto__');
    const decoded = decodeRequest(encodeRequest({ ...JOIN, content }));
    expect(Object.hasOwn(decoded.content, '__proto__')).toBe(true);
    expect(wire(decoded.content)['__proto__']).toBe('x');
    expect(wire(decoded.content)['a']).toBe('1');
    expect(Object.getPrototypeOf(decoded.content)).toBeNull();
    expect(wire(decoded.content)['constructor']).toBeUndefined();
  });

  it('keeps a leading byte order mark and other edge text', () => {
    for (const s of ['\uFEFFbom', '😀', '\u0000', 'x'.repeat(255)]) {
      expect(decodeRequest(encodeRequest({ ...JOIN, stamp: s, content: onWire({ k: s }) }))).toMatchObject({ stamp: s });
    }
  });

  it('encodes the largest value that fits, and refuses one byte more as oversized', () => {
    const fixed = encodeRequest({ ...JOIN, content: onWire({ v: '' }) }).length;
    const room = MAX_FRAME_BYTES - fixed;
    expect(encodeRequest({ ...JOIN, content: onWire({ v: 'x'.repeat(room) }) }).length).toBe(MAX_FRAME_BYTES);
    expect(codeOf(() => encodeRequest({ ...JOIN, content: onWire({ v: 'x'.repeat(room + 1) }) }))).toBe('ERR_FRAME_OVERSIZED');
  });

  it('refuses out-of-range fields with ERR_FRAME_FIELD', () => {
    const bad: Array<Record<string, unknown>> = [
      { source: -1 },
      { source: 2 ** 32 },
      { destination: 1.5 },
      { destination: Number.NaN },
      { type: 'nope' },
      { stamp: '' },
      { stamp: 'é'.repeat(128) }, // 256 bytes
      { stamp: '\uD800' }, // lone surrogate
      { content: { '': 'x' } },
      { content: { ['k'.repeat(256)]: 'x' } },
      { content: { k: 'v'.repeat(65536) } },
      { content: { k: 5 } },
      { content: Object.fromEntries(Array.from({ length: 65536 }, (_, i) => [`k${i}`, ''])) },
    ];
    for (const patch of bad) {
      expect(
        codeOf(() => encodeRequest({ ...JOIN, ...patch })),
        JSON.stringify(patch).slice(0, 80),
      ).toBe('ERR_FRAME_FIELD');
    }
  });
});

describe('decodeRequest refuses every kind of bad frame with its named error', () => {
  const good = encodeRequest(JOIN);
  const withByte = (at: number, value: number): Uint8Array => {
    const copy = good.slice();
    copy[at] = value;
    return copy;
  };
  const cases: Array<[string, Uint8Array, ErrorCode]> = [
    ['fewer than 4 bytes', Uint8Array.of(0, 0, 0), 'ERR_FRAME_TRUNCATED'],
    ['fewer than 4 + L bytes', good.subarray(0, good.length - 1), 'ERR_FRAME_TRUNCATED'],
    ['L below the smallest body', hex('00000005 0104 0000'), 'ERR_FRAME_TRUNCATED'],
    ['a huge L with no body (checked first)', hex('ffffffff'), 'ERR_FRAME_OVERSIZED'],
    ['an L one past the maximum', hex('0000fffd'), 'ERR_FRAME_OVERSIZED'],
    ['version 2', withByte(4, 2), 'ERR_FRAME_VERSION'],
    ['version 0', withByte(4, 0), 'ERR_FRAME_VERSION'],
    ['type code 0', withByte(5, 0), 'ERR_FRAME_TYPE'],
    ['type code 10', withByte(5, 10), 'ERR_FRAME_TYPE'],
    ['a stamp running past L', withByte(14, 0xff), 'ERR_FRAME_TRUNCATED'],
    ['a pair count past L', rawFrame({ pairCount: 2, pairs: [[utf8('k'), utf8('v')]] }), 'ERR_FRAME_TRUNCATED'],
    ['a value length past L', withByte(good.length - 3, 9), 'ERR_FRAME_TRUNCATED'],
    ['a stamp that is not UTF-8', rawFrame({ stamp: Uint8Array.of(0xff) }), 'ERR_FRAME_TEXT'],
    ['an overlong key', rawFrame({ pairs: [[Uint8Array.of(0xc0, 0x80), utf8('v')]] }), 'ERR_FRAME_TEXT'],
    ['a value with a surrogate', rawFrame({ pairs: [[utf8('k'), Uint8Array.of(0xed, 0xa0, 0x80)]] }), 'ERR_FRAME_TEXT'],
    ['a value cut inside a character', rawFrame({ pairs: [[utf8('k'), Uint8Array.of(0xc3)]] }), 'ERR_FRAME_TEXT'],
    ['a byte after 4 + L', Uint8Array.from([...good, 0]), 'ERR_FRAME_TRAILING'],
    ['a byte inside L after the last pair', rawFrame({ tail: Uint8Array.of(0) }), 'ERR_FRAME_TRAILING'],
    ['an empty stamp', rawFrame({ stamp: new Uint8Array(0), pairs: [[utf8('k'), utf8('v')]] }), 'ERR_FRAME_FIELD'],
    ['an empty key', rawFrame({ pairs: [[new Uint8Array(0), utf8('v')]] }), 'ERR_FRAME_FIELD'],
    [
      'a repeated key',
      rawFrame({
        pairs: [
          [utf8('k'), utf8('1')],
          [utf8('k'), utf8('2')],
        ],
      }),
      'ERR_FRAME_FIELD',
    ],
  ];
  it.each(cases)('%s', (_name, frame, code) => {
    expect(codeOf(() => decodeRequest(frame))).toBe(code);
    const result = tryDecodeRequest(frame);
    expect(result.ok ? undefined : result.error.code).toBe(code);
    expect(codeOf(() => decodeQueueRecord(frame))).toBe(code);
  });

  it('honours a smaller maxFrameBytes', () => {
    expect(codeOf(() => decodeRequest(good, good.length - 1))).toBe('ERR_FRAME_OVERSIZED');
    expect(decodeRequest(good, good.length).type).toBe('join');
  });

  it('accepts a valid raw frame (the crafting helper is sound)', () => {
    expect(decodeRequest(rawFrame({ pairs: [[utf8('k'), utf8('v')]] })).content).toEqual({ k: 'v' });
  });
});

describe('frameLength', () => {
  it('is undefined below 4 bytes, then the total length', () => {
    const good = encodeRequest(JOIN);
    for (let n = 0; n < 4; n++) expect(frameLength(good.subarray(0, n))).toBeUndefined();
    expect(frameLength(good.subarray(0, 4))).toBe(good.length);
  });
  it('throws on an oversized or impossibly short length', () => {
    expect(codeOf(() => frameLength(hex('00010000')))).toBe('ERR_FRAME_OVERSIZED');
    expect(codeOf(() => frameLength(hex('00000010'), 19))).toBe('ERR_FRAME_OVERSIZED');
    expect(codeOf(() => frameLength(hex('00000000')))).toBe('ERR_FRAME_TRUNCATED');
    expect(frameLength(hex('0000000e'))).toBe(MIN_FRAME_BYTES);
  });
});

describe('queue records', () => {
  it('tells commands from requests', () => {
    const line = 'store é.txt ';
    expect(decodeQueueRecord(encodeCommandRecord(line))).toEqual({ kind: 'command', line });
    expect(decodeQueueRecord(encodeCommandRecord(''))).toEqual({ kind: 'command', line: '' });
    const rec = decodeQueueRecord(encodeRequest(JOIN));
    expect(rec.kind).toBe('request');
    if (rec.kind === 'request') expectSame(rec.request, JOIN);
    // The tag can never start a frame: frames are far below 16 MiB, so their first byte is 0.
    expect(MAX_FRAME_BYTES).toBeLessThan(2 ** 24);
    expect(encodeRequest(JOIN)[0]).not.toBe(COMMAND_RECORD_TAG);
  });
  it('refuses bad records with named errors', () => {
    expect(codeOf(() => decodeQueueRecord(new Uint8Array(0)))).toBe('ERR_FRAME_TRUNCATED');
    expect(codeOf(() => decodeQueueRecord(Uint8Array.of(COMMAND_RECORD_TAG, 0xff)))).toBe('ERR_FRAME_TEXT');
    expect(codeOf(() => decodeQueueRecord(Uint8Array.of(0x01, 0, 0, 0)))).toBe('ERR_FRAME_OVERSIZED');
    expect(codeOf(() => encodeCommandRecord('\uDC00'))).toBe('ERR_FRAME_FIELD');
    expect(codeOf(() => encodeCommandRecord('x'.repeat(MAX_FRAME_BYTES)))).toBe('ERR_FRAME_OVERSIZED');
  });
});

describe('properties (seeded)', () => {
  it('every random request round-trips', () => {
    fc.assert(
      fc.property(requestArb, (req) => {
        expectSame(decodeRequest(encodeRequest(req)), req);
      }),
      { seed: SEED, numRuns: 2000 },
    );
  });

  it('random bytes only ever raise a P2PError', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
        for (const f of [() => decodeRequest(bytes), () => decodeQueueRecord(bytes), () => frameLength(bytes)]) {
          try {
            f();
          } catch (err) {
            expect(err).toBeInstanceOf(P2PError);
          }
        }
        expect(() => tryDecodeRequest(bytes)).not.toThrow();
      }),
      { seed: SEED, numRuns: 2000 },
    );
  });

  it('mutated valid frames only ever raise a P2PError, and what decodes re-encodes', () => {
    const mutation = fc.oneof(
      fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), bit: fc.nat(7) }),
      fc.record({ kind: fc.constant('set' as const), at: fc.nat(), value: fc.nat(255) }),
      fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
      fc.record({ kind: fc.constant('extend' as const), extra: fc.uint8Array({ minLength: 1, maxLength: 8 }) }),
    );
    type Mutation = typeof mutation extends fc.Arbitrary<infer M> ? M : never;
    const apply = (frame: Uint8Array, m: Mutation): Uint8Array => {
      const out = frame.slice();
      if (out.length === 0) return out;
      switch (m.kind) {
        case 'flip':
          out[m.at % out.length] = (out[m.at % out.length] ?? 0) ^ (1 << m.bit);
          return out;
        case 'set':
          out[m.at % out.length] = m.value;
          return out;
        case 'truncate':
          return out.subarray(0, m.at % out.length);
        case 'extend':
          return Uint8Array.from([...out, ...m.extra]);
      }
    };
    fc.assert(
      fc.property(requestArb, fc.array(mutation, { minLength: 1, maxLength: 3 }), fc.boolean(), (req, ms, fixLen) => {
        let bytes = ms.reduce(apply, encodeRequest(req));
        // Rewriting L to match lets mutations reach past the length checks, deep into the body.
        if (fixLen && bytes.length >= 4) {
          bytes = bytes.slice();
          new DataView(bytes.buffer).setUint32(0, bytes.length - 4);
        }
        const result = tryDecodeRequest(bytes);
        if (result.ok) expectSame(decodeRequest(encodeRequest(result.request)), result.request);
        else expect(result.error).toBeInstanceOf(P2PError);
      }),
      { seed: SEED, numRuns: 2000 },
    );
  });

  it('__proto__ and other Object.prototype names round-trip among random keys', () => {
    fc.assert(
      fc.property(fc.constantFrom('__proto__', 'constructor', 'valueOf'), text(0, 20), requestArb, (k: string, v, req) => {
        const content: Record<string, string> = Object.create(null) as Record<string, string>;
        Object.assign(content, req.content);
        Object.defineProperty(content, k, { value: v, enumerable: true, writable: true, configurable: true });
        const decoded = decodeRequest(encodeRequest({ ...req, content }));
        expect(Object.hasOwn(decoded.content, k)).toBe(true);
        expect(wire(decoded.content)[k]).toBe(v);
      }),
      { seed: SEED, numRuns: 500 },
    );
  });
});
