/**
 * The start-up bundles (scripts/bundle.mjs, made by `npm run build`): every
 * worker runs its one-file bundle, each bundle holds what its role needs and
 * not more, and piscina is loaded only at the first transfer. Reads the
 * built files; needs no threads.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { packageRoot, workerUrl } from '../../src/runtime/worker-path.js';
import { ROLES } from '../../src/runtime/peer-state.js';

const BUNDLES = path.join(packageRoot(), 'dist', 'bundle');

/** The modules esbuild put in a bundle (it heads each one with a `// path` line). */
function modulesOf(name: string): string[] {
  const text = readFileSync(path.join(BUNDLES, `${name}.cjs`), 'utf8');
  return [...new Set([...text.matchAll(/^\/\/ (\S+\.m?js)$/gm)].map((m) => m[1] ?? ''))];
}

describe('worker bundles', () => {
  it('are what every role worker and the transfer pool run', () => {
    for (const name of [...ROLES, 'transfer']) {
      const file = fileURLToPath(workerUrl(name));
      expect(file).toBe(path.join(BUNDLES, `${name}.cjs`));
      expect(existsSync(file)).toBe(true);
    }
  });

  it('fall back to the compiled modules with P2P_UNBUNDLED=1', () => {
    process.env['P2P_UNBUNDLED'] = '1';
    try {
      expect(fileURLToPath(workerUrl('consumer'))).toBe(path.join(packageRoot(), 'dist', 'workers', 'consumer.js'));
    } finally {
      delete process.env['P2P_UNBUNDLED'];
    }
  });

  it('give the stdin reader no routing, handler, transfer or control code', () => {
    const mods = modulesOf('stdin-reader');
    expect(mods).toContain('dist/src/roles/stdin-reader.js');
    expect(mods.filter((m) => /\/(routing|handlers|transfer|upkeep|node)\/|comlink/.test(m))).toEqual([]);
  });

  it('give the ping roles and the socket producer no routing, handler or transfer code', () => {
    for (const role of ['ping-listener', 'ping-sender', 'socket-producer']) {
      expect(modulesOf(role).filter((m) => /\/(routing|handlers|transfer|upkeep|node)\/|comlink/.test(m))).toEqual([]);
    }
  });

  it('leave piscina out, and the consumer loads it only when a transfer starts', () => {
    for (const name of [...ROLES, 'transfer']) expect(modulesOf(name).filter((m) => m.includes('piscina'))).toEqual([]);
    const consumer = readFileSync(path.join(BUNDLES, 'consumer.cjs'), 'utf8');
    expect(consumer).not.toMatch(/require\("piscina"\)/);
    expect(consumer).toMatch(/import\("piscina"\)/);
  });
});
