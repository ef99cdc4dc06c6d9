/**
 * The shapes of the well-known content fields, checked where a request comes
 * in from the network (the socket producer for TCP, the ping listener for
 * UDP), after the codec has checked the frame's structure.
 *
 * Why here and not only in the services: the services read these fields with
 * `Number(...)` and trust the result. A `_nodeID` of "x" reaches them as NaN:
 * a join for Peer NaN is forwarded round the ring forever, a quit prints
 * "Peer NaN will depart from the network". An update that replaces the
 * successor list with an empty one cuts the ring at that peer. A `transfer`
 * record with `_phase` is how this peer's own transfer pool reports through
 * the queue; one that arrives over TCP is forged and would print "File NNNN
 * received" for a file that never came. Such frames are refused at the edge,
 * with a named error, like any other bad frame; the services keep their own
 * checks of meaning (a file name of four digits, a reply address present).
 *
 * Unknown keys pass: they are how the protocol grows. A well-formed request
 * is obeyed whoever sent it; there is no authentication (see the README).
 */
import { MAX_LOOKUP_HOPS, MAX_SUCCESSORS } from '../constants.js';
import { badField, missingField, P2PError } from '../errors.js';
import { ipv4ToU32, isPort, parsePeerRef } from './peer-ref.js';
import type { Request, WireContent } from './types.js';

const DECIMAL = /^(0|[1-9]\d{0,9})$/;
const MAX_U32 = 0xffffffff;

/** A peer ID as the services write it: decimal, no sign, no leading zero, a u32. */
function isId(v: string): boolean {
  return DECIMAL.test(v) && Number(v) <= MAX_U32;
}

function isRef(v: string): boolean {
  try {
    parsePeerRef(v);
    return true;
  } catch {
    return false;
  }
}

/**
 * What each well-known field must look like when present. A Map, not an
 * object: a content key such as `toString` or `__proto__` must find nothing.
 */
const SHAPES: ReadonlyMap<string, readonly [test: (v: string) => boolean, expected: string]> = new Map(
  Object.entries({
    _nodeID: [isId, 'a peer ID'],
    dead: [isId, 'a peer ID'],
    key: [isId, 'a key'],
    _firstID: [(v) => v === '' || isId(v), 'a peer ID or nothing'],
    _secondID: [(v) => v === '' || isId(v), 'a peer ID or nothing'],
    slot: [(v) => DECIMAL.test(v) && Number(v) < MAX_SUCCESSORS, `a successor slot below ${MAX_SUCCESSORS}`],
    seq: [(v) => DECIMAL.test(v), 'a sequence number'],
    _hops: [(v) => DECIMAL.test(v) && Number(v) <= MAX_LOOKUP_HOPS, `a hop count of at most ${MAX_LOOKUP_HOPS}`],
    _path: [(v) => v === '' || v.split('.').every(isId), 'peer IDs joined by dots'],
    _origin: [isRef, 'a peer reference id@a.b.c.d:port'],
    _addr: [isRef, 'a peer reference id@a.b.c.d:port'],
    _deadAddr: [isRef, 'a peer reference id@a.b.c.d:port'],
    owner: [isRef, 'a peer reference id@a.b.c.d:port'],
    _pred: [(v) => v === '' || isRef(v), 'a peer reference or nothing'],
    _pred2: [(v) => v === '' || isRef(v), 'a peer reference or nothing'],
    _peer: [isRef, 'a peer reference id@a.b.c.d:port'],
    gone: [(v) => v.split(',').length <= 64 && v.split(',').every(isId), 'peer IDs joined by commas'],
    inc: [(v) => /^[0-9A-Za-z-]{1,40}$/.test(v), 'an incarnation (1 to 40 letters, digits or dashes)'],
    _succ: [(v) => v === '' || v.split(',').every(isRef), 'peer references joined by commas'],
    _replyHost: [(v) => ipv4ToU32(v) !== undefined, 'an IPv4 address'],
    _replyPort: [(v) => DECIMAL.test(v) && isPort(Number(v)), 'a port from 1 to 65535'],
    _size: [(v) => /^\d{1,15}$/.test(v), 'a byte count'],
    _sent: [(v) => /^\d{1,15}$/.test(v), 'a time in ms since 1970'],
    _wait: [(v) => /^\d{1,9}$/.test(v), 'a number of ms'],
  } satisfies Record<string, readonly [(v: string) => boolean, string]>),
);

/** Update reasons whose `_succ` replaces the receiver's successor list: it must name a peer. */
const REPLACES_SUCCESSORS = new Set(['join-accepted', 'successor-change']);

/**
 * Checks the content of a request that arrived over `via`. Returns the named
 * error (ERR_FRAME_FIELD, ERR_MISSING_FIELD or ERR_UNKNOWN_TYPE), or undefined
 * when the request may be queued. Never throws: it runs on every frame.
 */
export function contentError(req: Request, via: 'tcp' | 'udp'): P2PError | undefined {
  if (via === 'tcp' && req.type === 'ping') {
    return new P2PError('ERR_UNKNOWN_TYPE', 'a ping request over TCP: pings travel over UDP only');
  }
  const c: WireContent = req.content;
  for (const key in c) {
    const shape = SHAPES.get(key);
    const value = c[key] ?? '';
    if (shape !== undefined && !shape[0](value)) {
      const shown = value.length > 40 ? `${JSON.stringify(value.slice(0, 40))}...` : JSON.stringify(value);
      return badField(`content ${key}`, `${shown} is not ${shape[1]}`);
    }
  }
  switch (req.type) {
    case 'join':
      if (c._nodeID === undefined) return missingField('join', '_nodeID');
      break;
    case 'transfer':
      if (c._phase !== undefined) {
        return badField('content _phase', "set only by this peer's own transfer pool, never over the network");
      }
      break;
    case 'update':
      if (REPLACES_SUCCESSORS.has(c.reason ?? '') && (c._succ ?? '') === '') {
        return missingField(`update ${c.reason ?? ''}`, '_succ (a successor list naming at least one peer)');
      }
      if (c.reason === 'find-successor' && c.key === undefined) return missingField('update find-successor', 'key');
      break;
    default:
      break;
  }
  return undefined;
}
