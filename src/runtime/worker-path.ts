/**
 * Where the compiled worker scripts are. Workers always run compiled JS
 * (Node 20 cannot run .ts): from dist/workers when this module is itself
 * compiled, and from the same place when it runs as TypeScript under vitest.
 */
import { fileURLToPath } from 'node:url';

/** The file URL of a compiled worker script in dist/workers. */
export function workerUrl(name: string): URL {
  const here = fileURLToPath(import.meta.url);
  // .../dist/src/runtime/worker-path.js -> ../../workers ; .../src/runtime/worker-path.ts -> ../../dist/workers
  const rel = here.endsWith('.ts') ? `../../dist/workers/${name}.js` : `../../workers/${name}.js`;
  return new URL(rel, import.meta.url);
}
