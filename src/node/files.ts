/**
 * Files on disk: `NNNN.<ext>` in the data directory, copies saved as
 * `received_NNNN.<ext>`, and the temporary files transfers write before
 * their rename (`tempNameFor`), which nothing ever takes for a stored file.
 */
import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { threadId } from 'node:worker_threads';

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
  // A temporary file starts with a dot and so never starts with `NNNN.`;
  // `.part` is still skipped for the `NNNN.<ext>.part` of older versions.
  const match = names.filter((n) => n === filename || (n.startsWith(`${filename}.`) && !n.endsWith('.part') && !isTempName(n))).sort()[0];
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

/**
 * The temporary name a receive writes `name` under before renaming it to
 * `name`, in the same directory so that the rename is atomic. Peers share
 * one data directory (the course's setting), and two of them may receive
 * the same file at once; a shared temporary name let the first rename take
 * the second's bytes away. Process ID, thread ID and 48 random bits make it
 * this receive's alone (open it with `wx` all the same). The leading dot
 * keeps it out of every scan for `NNNN...` and `received_NNNN...`.
 */
export function tempNameFor(name: string): string {
  return `.${name}.${process.pid}-${threadId}-${randomBytes(6).toString('hex')}.part`;
}

/** Is `name` a temporary file of a transfer (see `tempNameFor`)? */
export function isTempName(name: string): boolean {
  return name.startsWith('.') && name.endsWith('.part');
}

/** Checks an extension that came over the wire: empty or a dot and 1-16 safe characters. */
export function safeExtension(ext: string | undefined): string {
  if (ext === undefined || ext === '') return '';
  return /^\.[A-Za-z0-9_-]{1,16}$/.test(ext) ? ext : '.bin';
}
