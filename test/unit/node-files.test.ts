/**
 * The temporary names transfers write under (issue 10, item 4): one of each
 * receive's own, in the target's directory, and never taken for a stored
 * file by `findLocalFile` or by replication's scan of the data directory.
 */
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findLocalFile, isTempName, tempNameFor } from '../../src/node/files.js';
import { localFiles } from '../../src/upkeep/replication.js';
import { config, testNode } from '../fixtures/peer-node.js';

describe('tempNameFor', () => {
  it("gives every call a name of its own, in the target's directory, that isTempName knows", () => {
    const names = Array.from({ length: 1000 }, () => tempNameFor('received_0006.bin'));
    expect(new Set(names).size).toBe(names.length);
    for (const n of names) {
      expect(path.basename(n)).toBe(n);
      expect(n.startsWith('.received_0006.bin.')).toBe(true);
      expect(isTempName(n)).toBe(true);
    }
    expect(['0006.bin', 'received_0006.bin', '0006'].filter(isTempName)).toEqual([]);
  });
});

describe('scans of a data directory with temporary files in it', () => {
  let dir = '';
  beforeAll(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'p2p-files-'));
  });
  afterAll(async () => {
    await fs.rm(dir, { recursive: true, force: true });
  });

  /** Replaces the directory's content with `names` (one byte each). */
  async function holding(names: readonly string[]): Promise<void> {
    for (const n of await fs.readdir(dir)) await fs.rm(path.join(dir, n));
    for (const n of names) await fs.writeFile(path.join(dir, n), 'x');
  }

  const temps = (): string[] => [tempNameFor('0006.bin'), tempNameFor('received_0006.bin'), '0006.bin.part'];

  it('find no stored file when only temporary files and copies are there', async () => {
    await holding([...temps(), 'received_0006.bin']);
    expect(await findLocalFile(dir, '0006')).toBeUndefined();
    const { node } = testNode(config(2, [4, 5], { pingMs: 1000, dataDir: dir }));
    expect(await localFiles(node)).toEqual([]);
  });

  it('find the stored file itself beside them', async () => {
    await holding([...temps(), 'received_0006.bin', '0006.bin']);
    expect((await findLocalFile(dir, '0006'))?.path).toBe(path.join(dir, '0006.bin'));
    const { node } = testNode(config(2, [4, 5], { pingMs: 1000, dataDir: dir }));
    expect((await localFiles(node)).map((f) => path.basename(f.file.path))).toEqual(['0006.bin']);
  });
});
