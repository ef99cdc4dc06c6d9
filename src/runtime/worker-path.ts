/**
 * Where the compiled scripts are. Workers always run compiled JS (Node 20
 * cannot run .ts): from dist/workers, whether this module runs compiled
 * (dist/src/runtime) or as TypeScript under vitest (src/runtime).
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

/** The package's root directory (the one holding package.json). */
export function packageRoot(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  while (!fs.existsSync(path.join(dir, 'package.json'))) {
    const up = path.dirname(dir);
    if (up === dir) throw new Error('package.json not found above the runtime');
    dir = up;
  }
  return dir;
}

/** The file URL of a compiled worker script in dist/workers. */
export function workerUrl(name: string): URL {
  return pathToFileURL(path.join(packageRoot(), 'dist', 'workers', `${name}.js`));
}

/** The `p2p` command's script. */
export function binPath(): string {
  return path.join(packageRoot(), 'bin', 'p2p.js');
}
