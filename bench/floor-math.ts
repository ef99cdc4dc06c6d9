/**
 * Pure helpers of the floor comparisons (bench/floors.ts, bench/costs.bench.ts,
 * bench/latency.bench.ts): a measured value beside its floor and its target,
 * the summary of a sample, and the length-prefixed frames the floor
 * processes exchange. Tested in test/unit/bench-floor-math.test.ts.
 */
import { median, percentile } from './common.js';
import type { CostsResults } from './costs.bench.js';

/** The targets of issue 13, each in the unit its benchmark reports. */
export const ISSUE_13_TARGETS = {
  /** One routing hop (the latency fit's slope), ms. */
  hopMs: 0.5,
  /** One hop over one dht-rpc round trip measured in the same run. */
  hopOverDhtRpc: 2,
  /** A peer's idle CPU, ping every 1 s, % of one core. */
  idleCpuPercent: 0.15,
  /** 64 peers started at once until all have pinged, s. */
  startupSeconds: 8,
  /** A Request of a 1 KiB file two hops away, end to end, ms. */
  smallFileMs: 3,
} as const;

/** A value of ours beside the floor measured in the same run, and the issue's target. */
export interface FloorComparison {
  value: number;
  floor: number;
  /** value / floor (NaN when either is not a positive finite number). */
  ratio: number;
  /** The target of issue 13, in the value's unit (undefined: none). */
  target?: number | undefined;
  /** value ≤ target (undefined without a target or a value). */
  met?: boolean | undefined;
}

/** `value` against `floor` and, when given, `target` (lower is better for every cost compared here). */
export function compareToFloor(value: number, floor: number, target?: number): FloorComparison {
  const ok = (x: number): boolean => Number.isFinite(x) && x > 0;
  const ratio = ok(value) && ok(floor) ? value / floor : Number.NaN;
  const met = target === undefined || !Number.isFinite(value) ? undefined : value <= target;
  return { value, floor, ratio, ...(target === undefined ? {} : { target, met }) };
}

/** The ratio as a table shows it: two digits, '∞' over a floor that used nothing at all, '—' when there is none. */
export function ratioText(c: Pick<FloorComparison, 'value' | 'floor' | 'ratio'>, digits = 1): string {
  if (c.floor === 0 && Number.isFinite(c.value) && c.value > 0) return '∞ (floor 0)';
  return Number.isFinite(c.ratio) ? c.ratio.toFixed(digits) : '—';
}

/** "met", "not met" or "—" (no target, or nothing measured). */
export function verdict(c: Pick<FloorComparison, 'met'>): string {
  return c.met === undefined ? '—' : c.met ? 'met' : 'not met';
}

/** A sample's count, median, p90 and range. */
export interface Summary {
  n: number;
  median: number;
  p90: number;
  min: number;
  max: number;
}

/** Summary of `xs` (NaN fields for none). */
export function summarize(xs: readonly number[]): Summary {
  return {
    n: xs.length,
    median: median(xs),
    p90: percentile(xs, 0.9),
    min: xs.length === 0 ? Number.NaN : Math.min(...xs),
    max: xs.length === 0 ? Number.NaN : Math.max(...xs),
  };
}

/** Bytes of a frame's length prefix (a u32, big-endian, as in src/protocol/codec.ts). */
export const FRAME_PREFIX_BYTES = 4;

/** `payload` behind its u32 big-endian length. */
export function encodeFrame(payload: Uint8Array): Buffer {
  const frame = Buffer.allocUnsafe(FRAME_PREFIX_BYTES + payload.length);
  frame.writeUInt32BE(payload.length, 0);
  frame.set(payload, FRAME_PREFIX_BYTES);
  return frame;
}

/**
 * Counts whole length-prefixed frames in a byte stream cut anywhere: the
 * floor's echo side answers each one. Keeps only the bytes of the frame in
 * progress, never the payloads it has counted.
 */
export class FrameCounter {
  private readonly header = Buffer.alloc(FRAME_PREFIX_BYTES);
  private headerHave = 0;
  /** Payload bytes still to skip in the current frame (-1: reading a header). */
  private remaining = -1;

  /** Takes the next chunk; returns how many frames it completed. */
  push(chunk: Uint8Array): number {
    let done = 0;
    let i = 0;
    while (i < chunk.length) {
      if (this.remaining < 0) {
        const take = Math.min(FRAME_PREFIX_BYTES - this.headerHave, chunk.length - i);
        this.header.set(chunk.subarray(i, i + take), this.headerHave);
        this.headerHave += take;
        i += take;
        if (this.headerHave < FRAME_PREFIX_BYTES) break;
        this.remaining = this.header.readUInt32BE(0);
        this.headerHave = 0;
      }
      const skip = Math.min(this.remaining, chunk.length - i);
      i += skip;
      this.remaining -= skip;
      if (this.remaining === 0) {
        done += 1;
        this.remaining = -1;
      }
    }
    return done;
  }
}

/** One line of the comparison: what, ours, the floor, the ratio, the target and whether it is met. */
export interface CostLine {
  metric: string;
  unit: string;
  c: FloorComparison;
  digits: number;
  /** The 1-minute load average as that measurement began (NaN in results written before it was recorded). */
  load: number;
}

/** Every comparison of a costs result, in the order of its table. */
export function costLines(r: CostsResults): CostLine[] {
  const lines: CostLine[] = [];
  const load = (x: { loadAvg?: readonly number[] }): number => x.loadAvg?.[0] ?? Number.NaN;
  for (const x of r.idle)
    lines.push({ metric: `idle CPU per peer, ${x.routing}, ${x.peers} peers`, unit: '% of a core', c: x.cpu, digits: 3, load: load(x) });
  for (const x of r.idle) lines.push({ metric: `RSS per peer, ${x.routing}`, unit: 'MiB', c: x.rss, digits: 1, load: load(x) });
  if (r.startup !== undefined) {
    const s = r.startup;
    lines.push({ metric: `start-up, ${s.peers} peers at once until all pinged`, unit: 's', c: s.startup, digits: 2, load: load(s) });
  }
  if (r.smallFile !== undefined) {
    const s = r.smallFile;
    lines.push({ metric: `Request of a ${s.bytes} B file, ${s.hops} hops, median`, unit: 'ms', c: s.median, digits: 2, load: load(s) });
    lines.push({ metric: `Request of a ${s.bytes} B file, ${s.hops} hops, p90`, unit: 'ms', c: s.p90, digits: 2, load: load(s) });
  }
  return lines;
}
