/**
 * `transfer` records (handlers/transfer.ts): the requester's course lines
 * for a file's header and its end, a clear line when the owner does not
 * have it, a failure reported with the pool's own code; a Store's bytes
 * received quietly and then replicated; and a store owner's pull, answered
 * by sending the file. In-process; the transfer service records instead of
 * connecting.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { fileMissing, fileReceived, hadFile, receivingFile } from '../../src/model/lines.js';
import type { Content, RequestOf } from '../../src/protocol/types.js';
import {
  config,
  deliver,
  knowPredecessors,
  printed,
  recorded,
  recordingTransfers,
  scratchDir,
  sentSummary,
  type RecordedNode,
  type TransferLog,
} from '../fixtures/peer-node.js';

const DIR = scratchDir('p2p-unit-transfer-');
const FILE = '4103'; // key 7
const BYTES = 'file 4103\n';
beforeAll(() => fs.writeFile(path.join(DIR, `${FILE}.pdf`), BYTES));

/** A record from `from` (the pool's records come through the queue with the sender as source). */
function transfer(from: number, to: number, content: Content): RequestOf<'transfer'> {
  return { type: 'transfer', source: from, destination: to, stamp: `${from}-t`, content };
}

function peer(id: number, successors: readonly number[]): RecordedNode & { transfers: TransferLog } {
  const transfers = recordingTransfers(undefined, BYTES.length);
  const t = recorded(config(id, successors, { dataDir: DIR }), undefined, transfers.service);
  return { ...t, transfers };
}

describe("a requested file's records", () => {
  it("found: the header prints the course's two lines, the end the third", async () => {
    const { node, events } = peer(2, [4, 5]);
    await deliver(node, transfer(8, 2, { filename: FILE, status: 'found', _mode: 'request', _phase: 'header', _size: '10' }));
    expect(printed(events)).toEqual([hadFile(8, FILE), receivingFile(FILE, 8)]);
    expect(events.find((e) => e.kind === 'file-receiving')?.fields).toEqual({ filename: FILE, from: 8, bytes: 10 });
    await deliver(node, transfer(8, 2, { filename: FILE, _mode: 'request', _phase: 'done', _bytes: '10', _file: '/d/received_4103.pdf' }));
    expect(printed(events)).toEqual([hadFile(8, FILE), receivingFile(FILE, 8), fileReceived(FILE)]);
    expect(events.find((e) => e.kind === 'file-received')?.fields).toEqual({ filename: FILE, from: 8, bytes: 10, path: '/d/received_4103.pdf' });
  });

  it('missing: one clear line naming the owner', async () => {
    const { node, events } = peer(2, [4, 5]);
    await deliver(node, transfer(9, 2, { filename: '0777', status: 'missing', _mode: 'request', _phase: 'header' }));
    expect(printed(events)).toEqual([fileMissing('0777', 9)]);
  });

  it("failed: reported on stderr with the pool's own code, or ERR_TRANSFER when it gave none", async () => {
    const { node, events } = peer(2, [4, 5]);
    await deliver(node, transfer(8, 2, { filename: FILE, _mode: 'request', _phase: 'failed', _error: 'ERR_TIMEOUT: no bytes for 5000 ms' }));
    await deliver(node, transfer(8, 2, { filename: FILE, _mode: 'request', _phase: 'failed', _error: 'disk full' }));
    const failed = events.filter((e) => e.kind === 'transfer-failed');
    expect(failed.map((e) => [e.stream, e.fields.code, e.fields.message])).toEqual([
      ['stderr', 'ERR_TIMEOUT', 'no bytes for 5000 ms'],
      ['stderr', 'ERR_TRANSFER', 'disk full'],
    ]);
    expect(printed(events)).toEqual([]);
  });

  it('neither a pull nor a phase: ERR_MISSING_FIELD', async () => {
    const { node } = peer(2, [4, 5]);
    await expect(deliver(node, transfer(8, 2, { filename: FILE }))).rejects.toMatchObject({ code: 'ERR_MISSING_FIELD' });
  });
});

describe("a Store's bytes", () => {
  it('arrive quietly, and once written are offered to our successor as a replica', async () => {
    const { node, events, sent } = peer(8, [9, 14]);
    knowPredecessors(node, 5, 4);
    await deliver(node, transfer(2, 8, { filename: FILE, status: 'found', _mode: 'store', _phase: 'header' }));
    expect(events.map((e) => e.kind)).toContain('store-bytes-incoming');
    const done = deliver(node, transfer(2, 8, { filename: FILE, _mode: 'store', _phase: 'done', _bytes: String(BYTES.length) }));
    // The offer follows a look at the disk (the thread pool): wait for it, not for a number of turns.
    await vi.waitFor(() => expect(sent.find((s) => s.req.content._sync === 'replica')).toBeDefined(), { timeout: 20_000 });
    const offer = sent.find((s) => s.req.content._sync === 'replica');
    expect(offer?.to).toBe(9);
    node.settleAnswer(offer?.req.stamp ?? '', 'have'); // as a successor that has the file would answer
    await done;
    expect(printed(events)).toEqual([]);
    expect(events.find((e) => e.kind === 'replica-offered')?.fields).toEqual({ filename: FILE, to: 9, outcome: 'have' });
  });

  it('that failed to arrive are reported, and nothing is offered', async () => {
    const { node, events, sent } = peer(8, [9, 14]);
    knowPredecessors(node, 5, 4);
    await deliver(node, transfer(2, 8, { filename: FILE, _mode: 'store', _phase: 'failed', _error: 'ERR_TRANSFER: reset' }));
    expect(events.find((e) => e.kind === 'transfer-failed')?.fields.code).toBe('ERR_TRANSFER');
    expect(sent).toEqual([]);
  });
});

describe("a store owner's pull", () => {
  it('is answered by sending the file to the address it gives', async () => {
    const { node, events, sent, transfers } = peer(2, [4, 5]);
    await deliver(node, transfer(8, 2, { filename: FILE, _pull: '1', _nodeID: '8', _replyHost: '127.0.0.1', _replyPort: '40997' }));
    expect(sentSummary(sent)).toEqual([]);
    expect(transfers.sends).toHaveLength(1);
    const [s] = transfers.sends;
    expect(s?.to).toEqual({ host: '127.0.0.1', port: 40997 });
    expect(s?.path).toBe(path.join(DIR, `${FILE}.pdf`));
    expect(s?.header).toMatchObject({ type: 'transfer', source: 2, destination: 8 });
    expect(s?.header.content).toEqual({
      filename: FILE,
      status: 'found',
      _mode: 'store',
      _nodeID: '2',
      _ext: '.pdf',
      _size: String(BYTES.length),
    });
    expect(events.find((e) => e.kind === 'store-bytes-sent')?.fields).toEqual({ filename: FILE, to: 8, bytes: BYTES.length });
  });

  it('for a file this peer no longer has: a header saying it is missing, and no bytes', async () => {
    const { node, transfers } = peer(2, [4, 5]);
    await deliver(node, transfer(8, 2, { filename: '0555', _pull: '1', _replyHost: '127.0.0.1', _replyPort: '40997' }));
    expect(transfers.sends.map((s) => [s.header.content.status, s.path])).toEqual([['missing', undefined]]);
  });

  it('without a reply address: ERR_MISSING_FIELD, nothing sent', async () => {
    const { node, transfers } = peer(2, [4, 5]);
    await expect(deliver(node, transfer(8, 2, { filename: FILE, _pull: '1' }))).rejects.toMatchObject({ code: 'ERR_MISSING_FIELD' });
    expect(transfers.sends).toEqual([]);
  });
});
