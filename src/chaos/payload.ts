/**
 * The files a chaos run stores: distinct four-digit names, seeded random
 * bytes, sizes log-uniform from 1 B to a maximum (most small, a few of
 * MiBs). The originals stay in `<run>/originals/NNNN.bin`, out of every
 * peer's reach; a Store copies one into its origin's data directory.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { Prng } from '../routing/prng.js';

/** Extension of every chaos file (a Request saves `received_NNNN.bin`). */
export const FILE_EXT = '.bin';

/** One original. */
export interface Original {
  readonly name: string;
  readonly bytes: number;
}

/** `count` distinct names (0000..9999), in drawing order. */
export function drawNames(prng: Prng, count: number): string[] {
  if (count > 10_000) throw new RangeError(`at most 10000 four-digit names, asked for ${count}`);
  const names = new Set<string>();
  while (names.size < count) names.add(String(prng.nextInt(10_000)).padStart(4, '0'));
  return [...names];
}

/** A size in [1, max], log-uniform. */
export function drawSize(prng: Prng, max: number): number {
  return Math.max(1, Math.min(max, Math.floor(Math.exp(prng.float() * Math.log(max + 1)))));
}

/** `size` seeded random bytes, four at a time. */
export function randomBytes(prng: Prng, size: number): Buffer {
  const buf = Buffer.alloc(size + 3);
  for (let i = 0; i < size; i += 4) buf.writeUInt32LE(prng.nextU32(), i);
  return buf.subarray(0, size);
}

/** Draws and writes `count` originals into `dir`. */
export async function writeOriginals(prng: Prng, count: number, maxBytes: number, dir: string): Promise<Original[]> {
  await fs.mkdir(dir, { recursive: true });
  const out: Original[] = [];
  for (const name of drawNames(prng, count)) {
    const size = drawSize(prng, maxBytes);
    await fs.writeFile(path.join(dir, `${name}${FILE_EXT}`), randomBytes(prng, size));
    out.push({ name, bytes: size });
  }
  return out;
}

/** True when the file at `copy` holds exactly the bytes of `original`. */
export async function sameBytes(original: string, copy: string): Promise<boolean> {
  const [a, b] = await Promise.all([fs.readFile(original), fs.readFile(copy)]);
  return a.equals(b);
}
