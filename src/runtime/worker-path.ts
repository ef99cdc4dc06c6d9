/**
 * Where the compiled scripts are. Workers always run compiled JS (Node 20
 * cannot run .ts), whether this module runs compiled (dist/src/runtime), bundled
 * (dist/bundle) or as TypeScript under vitest (src/runtime): each worker's
 * one-file bundle in dist/bundle when the build made it (scripts/bundle.mjs),
 * else its tsc output in dist/workers.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

let root: string | undefined;

/** The package's root directory (the one holding package.json). */
export function packageRoot(): string {
  if (root !== undefined) return root;
  let dir = path.dirname(fileURLToPath(import.meta.url));
  while (!fs.existsSync(path.join(dir, 'package.json'))) {
    const up = path.dirname(dir);
    if (up === dir) throw new Error('package.json not found above the runtime');
    dir = up;
  }
  root = dir;
  return dir;
}

/**
 * The file URL of a worker's script: its bundle (dist/bundle/NAME.cjs), or,
 * when there is none or P2P_UNBUNDLED=1, its tsc output (dist/workers/NAME.js).
 * A thread that loads one bundled file starts in a fraction of the CPU that
 * resolving and linking its dozens of modules took.
 */
export function workerUrl(name: string): URL {
  const bundle = path.join(packageRoot(), 'dist', 'bundle', `${name}.cjs`);
  if (process.env['P2P_UNBUNDLED'] !== '1' && fs.existsSync(bundle)) return pathToFileURL(bundle);
  return pathToFileURL(path.join(packageRoot(), 'dist', 'workers', `${name}.js`));
}

/** The `p2p` command's script. */
export function binPath(): string {
  return path.join(packageRoot(), 'bin', 'p2p.js');
}
