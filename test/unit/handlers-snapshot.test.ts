/**
 * `status`'s stored keys on one in-process peer over a real data directory:
 * computed from the files there and the ring as the peer sees it (its own
 * keys, and its first predecessor's as a replica), never received copies,
 * partial or temporary files. And a Store of a file the peer does not have
 * is refused where typed: one line, nothing sent.
 */
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { servedFiles } from '../../src/upkeep/replication.js';
import { formatSnapshot, snapshotOf } from '../../src/handlers/snapshot.js';
import { storeCommand } from '../../src/handlers/store.js';
import { noFile } from '../fixtures/lines.js';
import { config, IDLE_QUEUE as QUEUE, knowPredecessors as know, recorded, type RecordedNode } from '../fixtures/peer-node.js';

/**
 * Peer 5 of the ring 2 -> 4 -> 5 -> 8: it owns keys 5 (4, 5], and with
 * r = 2 holds replicas of its first predecessor's keys (2, 4].
 */
function peer5(dataDir: string, successors = 2): RecordedNode {
  return recorded(config(5, [8, 2], { dataDir, successors }));
}

/** Peer 5 learns its predecessors 4 and 2. */
const knowPredecessors = (node: RecordedNode['node']): void => know(node, 4, 2);

describe("status's stored keys", () => {
  let dir: string;
  beforeAll(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'p2p-status-'));
    const files = [
      '0003.txt', // key 3: replica
      '0004.pdf', // key 4: replica
      '0005', // key 5: own, no extension
      '0261.bin', // key 5: own
      '0006.txt', // key 6: Peer 8's
      '0019.pdf', // key 19: Peer 2's
      'received_0005.txt', // a Request's copy
      '0005.txt.part', // a transfer under way (0005 itself is there)
      '0004.pdf.part',
      '0007.part', // a transfer under way, nothing else of 0007
      '.0260.incoming', // a file being written aside
      '12345.txt',
      'notes.txt',
    ];
    await Promise.all(files.map((f) => fs.writeFile(path.join(dir, f), f)));
    await fs.mkdir(path.join(dir, '0009')); // key 9 would not be ours anyway; a directory is no file
    await fs.mkdir(path.join(dir, '0002.d')); // key 2: replica range, but a directory
  });
  afterAll(() => fs.rm(dir, { recursive: true, force: true }));

  it('lists the files whose key the peer owns or replicates, by key, each once', async () => {
    const { node } = peer5(dir);
    knowPredecessors(node);
    expect(await servedFiles(node)).toEqual([
      { filename: '0003', key: 3, role: 'replica' },
      { filename: '0004', key: 4, role: 'replica' },
      { filename: '0005', key: 5, role: 'owner' },
      { filename: '0261', key: 5, role: 'owner' },
    ]);
  });

  it('prints replicas marked, and owned keys plain', async () => {
    const { node } = peer5(dir);
    knowPredecessors(node);
    const text = formatSnapshot(await snapshotOf(node, QUEUE));
    expect(text.split('\n')).toContain('Stored keys: 0003 (key 3, replica), 0004 (key 4, replica), 0005 (key 5), 0261 (key 5)');
  });

  it('claims no replica before it knows its predecessors, and none without replication (r = 1)', async () => {
    const early = peer5(dir).node; // a peer that knows no predecessor owns only its own ID
    expect(await servedFiles(early)).toEqual([
      { filename: '0005', key: 5, role: 'owner' },
      { filename: '0261', key: 5, role: 'owner' },
    ]);
    const alone = peer5(dir, 1).node;
    knowPredecessors(alone);
    expect((await servedFiles(alone)).map((f) => f.role)).toEqual(['owner', 'owner']);
  });

  it('says "none" for an empty or missing directory', async () => {
    const { node } = peer5(path.join(dir, 'no-such-directory'));
    knowPredecessors(node);
    const snap = await snapshotOf(node, QUEUE);
    expect(snap.storedKeys).toEqual([]);
    expect(formatSnapshot(snap).split('\n')).toContain('Stored keys: none');
  });

  it('a Store of a file that is not in the directory is refused in one line, and nothing is sent', async () => {
    const { node, events, sent } = peer5(dir);
    knowPredecessors(node);
    await storeCommand(node, '0260'); // only being written aside
    await storeCommand(node, '0007'); // only a .part
    expect(events.filter((e) => e.kind.startsWith('store-'))).toEqual([
      { kind: 'store-no-file', line: noFile('0260'), fields: { filename: '0260' } },
      { kind: 'store-no-file', line: noFile('0007'), fields: { filename: '0007' } },
    ]);
    expect(sent).toEqual([]);
  });

  it('a Store of a file that is there is sent toward its owner, with its size', async () => {
    const { node, events, sent } = peer5(dir);
    knowPredecessors(node);
    await storeCommand(node, '0019'); // key 19: Peer 2's, by way of Peer 8
    expect(events.map((e) => e.kind)).toContain('store-forwarded');
    expect(events.map((e) => e.kind)).not.toContain('store-no-file');
    expect(sent.map(({ req: r }) => [r.type, r.destination, r.content.filename, r.content._size])).toEqual([
      ['store', 8, '0019', String('0019.pdf'.length)],
    ]);
  });
});
