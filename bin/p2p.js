#!/usr/bin/env node
// The `p2p` command. The code is compiled TypeScript in dist/ (npm install builds
// it), bundled into one file (dist/bundle/cli.mjs) so that a peer starts fast;
// P2P_UNBUNDLED=1, or a build without bundles, runs tsc's output instead.
import fs from 'node:fs';

const bundle = '../dist/bundle/cli.mjs';
const useBundle = process.env.P2P_UNBUNDLED !== '1' && fs.existsSync(new globalThis.URL(bundle, import.meta.url));
const { main } = await import(useBundle ? bundle : '../dist/src/cli/main.js');

const code = await main(process.argv.slice(2));
process.exit(code);
