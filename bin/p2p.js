#!/usr/bin/env node
// The `p2p` command. The code is compiled TypeScript in dist/ (npm install builds it).
import { main } from '../dist/src/cli/main.js';

const code = await main(process.argv.slice(2));
process.exit(code);
