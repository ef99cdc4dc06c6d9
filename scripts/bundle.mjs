// Bundles what a peer process loads at start-up into one file per thread,
// after `tsc` has compiled dist/: each role worker's entry (dist/workers/<role>.js)
// into dist/bundle/<role>.cjs, the transfer pool's entry likewise, and the CLI
// (dist/src/cli/main.js) into dist/bundle/cli.mjs (and the chunk it imports
// lazily for `p2p example`).
//
// Why: a worker thread is a fresh V8 isolate, and each one used to resolve,
// read, compile and link 12 to 46 ES modules, with Node's ES module loader
// set up in every thread to do it. One CommonJS file per worker needs neither
// (runtime/worker-path.ts prefers these bundles when they exist). Workers are
// CommonJS because Node's CommonJS loader is cheaper to start in a thread than
// its ES module loader; the CLI stays ESM because bin/p2p.js imports it.
//
// The bundles are tsc's JavaScript concatenated (no second compiler's view of
// the TypeScript): no minifying, names kept, so stacks still name functions.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const dist = path.join(root, 'dist');
const out = path.join(dist, 'bundle');

/** Worker entries, by the name runtime/worker-path.ts asks for. */
const WORKERS = ['consumer', 'ping-listener', 'ping-sender', 'socket-producer', 'stdin-reader', 'transfer'];

/**
 * Left to Node's resolver at run time: piscina starts its own threads from
 * its own files (located by its __dirname).
 */
const EXTERNAL = ['piscina'];

// In a CommonJS bundle `import.meta.url` is this file's URL, as it is for the
// module it replaces (runtime/worker-path.ts finds the package root from it).
const CJS_BANNER = "'use strict';\nconst __bundleUrl = require('node:url').pathToFileURL(__filename).href;";

fs.rmSync(out, { recursive: true, force: true });
const common = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  logLevel: 'warning',
  external: EXTERNAL,
  legalComments: 'none',
};
await Promise.all([
  build({
    ...common,
    entryPoints: Object.fromEntries(WORKERS.map((w) => [w, path.join(dist, 'workers', `${w}.js`)])),
    outdir: out,
    outExtension: { '.js': '.cjs' },
    format: 'cjs',
    banner: { js: CJS_BANNER },
    define: { 'import.meta.url': '__bundleUrl' },
  }),
  build({
    ...common,
    entryPoints: { cli: path.join(dist, 'src', 'cli', 'main.js') },
    outdir: out,
    outExtension: { '.js': '.mjs' },
    format: 'esm',
    // The `example` command's code, imported lazily, becomes a chunk of its own
    // that shares the CLI's modules (one P2PError class, as before).
    splitting: true,
    chunkNames: 'cli-[name]-[hash]',
  }),
]);
