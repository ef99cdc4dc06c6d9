/** Files on disk: `NNNN.<ext>` in the data directory, copies saved as `received_NNNN.<ext>`. */
import { promises as fs } from 'node:fs';
import path from 'node:path';

/** A stored file found on disk. */
export interface LocalFile {
  readonly path: string;
  /** Extension with its dot (".pdf"), or "" for none. */
  readonly ext: string;
  readonly size: number;
}

/** Finds `NNNN` or `NNNN.<ext>` in `dir` (never `received_NNNN...`); undefined when absent. */
export async function findLocalFile(dir: string, filename: string): Promise<LocalFile | undefined> {
  let names: string[];
  try {
    names = await fs.readdir(dir);
  } catch {
    return undefined;
  }
  const match = names
    .filter((n) => n === filename || (n.startsWith(`${filename}.`) && !n.endsWith('.part')))
    .sort()[0];
  if (match === undefined) return undefined;
  const full = path.join(dir, match);
  try {
    const st = await fs.stat(full);
    if (!st.isFile()) return undefined;
    return { path: full, ext: match.slice(filename.length), size: st.size };
  } catch {
    return undefined;
  }
}

/** Checks an extension that came over the wire: empty or a dot and 1-16 safe characters. */
export function safeExtension(ext: string | undefined): string {
  if (ext === undefined || ext === '') return '';
  return /^\.[A-Za-z0-9_-]{1,16}$/.test(ext) ? ext : '.bin';
}

/** The key of a file name under m-bit IDs: the course's NNNN mod 256 when m = 8. */
export function keyOf(filename: string, idBits: number): number {
  return Number(filename) % 2 ** idBits;
}
