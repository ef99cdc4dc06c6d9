/**
 * The layers of src/ (README, "Architecture"): a module imports only from
 * its own layer or the ones below it, never up. Read from the sources, so
 * a new import that points up fails here, naming the file and the import.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { packageRoot } from '../../src/runtime/worker-path.js';

const SRC = path.join(packageRoot(), 'src');

/** Bottom first. A top-level file or folder of src/ not named here fails the test. */
export const LAYERS: readonly (readonly string[])[] = [
  ['constants.ts', 'errors.ts', 'timing.ts', 'types'],
  ['routing', 'queue'],
  ['protocol', 'model'],
  ['net', 'runtime'],
  ['node'],
  ['transfer', 'upkeep'],
  ['handlers'],
  ['roles'],
  ['peer'],
  ['cli', 'testnet', 'example', 'grade', 'chaos', 'fuzz', 'view', 'index.ts'],
];

const layerOf = (top: string): number => LAYERS.findIndex((l) => l.includes(top));

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    return statSync(full).isDirectory() ? sources(full) : name.endsWith('.ts') ? [full] : [];
  });
}

/** The top-level entry of src/ that `file` lies in. */
const topOf = (file: string): string => path.relative(SRC, file).split(path.sep)[0] as string;

describe('the layers of src/', () => {
  const files = sources(SRC);

  it('place every top-level file and folder', () => {
    const unplaced = [...new Set(files.map(topOf))].filter((top) => layerOf(top) < 0);
    expect(unplaced).toEqual([]);
  });

  it('are never imported upwards', () => {
    const up: string[] = [];
    for (const file of files) {
      const from = layerOf(topOf(file));
      const text = readFileSync(file, 'utf8');
      for (const m of text.matchAll(/(?:from|import)\s*\(?\s*'(\.{1,2}\/[^']+)'/g)) {
        const spec = m[1] ?? '';
        const target = path.resolve(path.dirname(file), spec);
        const to = layerOf(topOf(target.replace(/\.js$/, '.ts')));
        if (to > from) up.push(`${path.relative(SRC, file)} imports ${spec} (layer ${from} -> ${to})`);
      }
    }
    expect(up).toEqual([]);
  });
});
