// Builds the view's page (p2p view): bundles src/view/page/main.ts with
// esbuild into dist/view/app.js (one ES module for the browser, no CDN) and
// copies index.html beside it. Run by `npm run build` after tsc, which
// type-checks the page with src/view/page/tsconfig.json.
import { build } from 'esbuild';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const out = path.join(root, 'dist', 'view');
fs.mkdirSync(out, { recursive: true });
await build({
  entryPoints: [path.join(root, 'src', 'view', 'page', 'main.ts')],
  bundle: true,
  format: 'esm',
  target: 'es2022',
  platform: 'browser',
  minify: true,
  sourcemap: 'linked',
  outfile: path.join(out, 'app.js'),
  logLevel: 'warning',
});
fs.copyFileSync(path.join(root, 'src', 'view', 'page', 'index.html'), path.join(out, 'index.html'));
