/**
 * A peer reference: its ID and where it listens. In the course every peer is
 * on 127.0.0.1 at PORT_BASE + ID; a reference carries host and port so that
 * a ring can span hosts. Written on the wire as `id@host:port`.
 */
import { P2PError } from '../errors.js';

/** Where a peer is. */
export interface PeerRef {
  readonly id: number;
  readonly host: string;
  readonly port: number;
}

const IPV4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;

/** `id@host:port`. */
export function formatPeerRef(ref: PeerRef): string {
  return `${ref.id}@${ref.host}:${ref.port}`;
}

/** Parses `id@host:port`; throws ERR_FRAME_FIELD when malformed. */
export function parsePeerRef(text: string): PeerRef {
  const at = text.indexOf('@');
  const colon = text.lastIndexOf(':');
  const id = Number(text.slice(0, at));
  const host = text.slice(at + 1, colon);
  const port = Number(text.slice(colon + 1));
  if (at <= 0 || colon <= at || !isU32(id) || !isPort(port) || ipv4ToU32(host) === undefined) {
    throw new P2PError('ERR_FRAME_FIELD', `malformed peer reference "${text}" (expected id@a.b.c.d:port)`);
  }
  return { id, host, port };
}

/** Parses a comma-separated list of peer references (empty string: none). */
export function parsePeerRefs(text: string | undefined): PeerRef[] {
  if (text === undefined || text === '') return [];
  return text.split(',').map(parsePeerRef);
}

/** Formats a list of peer references, comma-separated. */
export function formatPeerRefs(refs: readonly PeerRef[]): string {
  return refs.map(formatPeerRef).join(',');
}

/** An IPv4 dotted quad as an unsigned 32-bit integer, or undefined. */
export function ipv4ToU32(host: string): number | undefined {
  const m = IPV4.exec(host);
  if (m === null) return undefined;
  let v = 0;
  for (let i = 1; i <= 4; i++) {
    const octet = Number(m[i]);
    if (octet > 255) return undefined;
    v = v * 256 + octet;
  }
  return v;
}

/** An unsigned 32-bit integer as an IPv4 dotted quad. */
export function u32ToIpv4(v: number): string {
  return [v >>> 24, (v >>> 16) & 255, (v >>> 8) & 255, v & 255].join('.');
}

/** True for an integer in 0..2^32-1. */
export function isU32(n: number): boolean {
  return Number.isInteger(n) && n >= 0 && n <= 0xffffffff;
}

/** True for a TCP/UDP port number (1..65535). */
export function isPort(n: number): boolean {
  return Number.isInteger(n) && n >= 1 && n <= 65535;
}

/**
 * How a peer known only by ID is found: `port`, the course's way, PORT_BASE
 * + ID on the default host; `ip`, for IDs wider than the port range allows
 * (a host of 16-bit IDs), each peer on its own address, the default host +
 * ID (127.1.0.0 + 515 = 127.1.2.3), all on port PORT_BASE.
 */
export type AddressPlan = 'port' | 'ip';

/** Resolves the address of a peer known only by ID under `plan` (see AddressPlan). */
export function defaultRef(id: number, host: string, portBase: number, plan: AddressPlan = 'port'): PeerRef {
  if (plan === 'port') return { id, host, port: portBase + id };
  return { id, host: u32ToIpv4(((ipv4ToU32(host) ?? 0) + id) >>> 0), port: portBase };
}

/** Same peer (by ID). */
export function samePeer(a: PeerRef | undefined, b: PeerRef | undefined): boolean {
  return a !== undefined && b !== undefined && a.id === b.id;
}
