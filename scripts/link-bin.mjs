// After `npm install` in this repository, make `npx p2p` find the package's
// own command: npm links the bins of dependencies into node_modules/.bin,
// not the bin of the package being developed.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const binDir = path.join(root, 'node_modules', '.bin');
const link = path.join(binDir, 'p2p');
if (fs.existsSync(path.join(root, 'node_modules'))) {
  fs.mkdirSync(binDir, { recursive: true });
  fs.rmSync(link, { force: true });
  fs.symlinkSync(path.relative(binDir, path.join(root, 'bin', 'p2p.js')), link);
}
