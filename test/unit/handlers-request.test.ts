/**
 * Request (handlers/request.ts): the typing peer listens first, then sends
 * the request toward the owner with "File request for NNNN has been sent to
 * my successor"; a peer on the way says the file is not stored here and
 * passes it on; the owner sends the file straight to the requester's
 * listener with the course's three lines, or a header saying it does not
 * have it. In-process over a temporary data directory; the transfer service
 * records instead of connecting.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { requestCommand } from '../../src/handlers/request.js';
import { FILE_SENT, requestMissing, requestNotHere, requestSent, sendingFile, storedHere } from '../../src/model/lines.js';
import type { Content, RequestOf } from '../../src/protocol/types.js';
import {
  config,
  deliver,
  knowPredecessors,
  printed,
  recorded,
  recordingTransfers,
  refText,
  scratchDir,
  type RecordedNode,
  type TransferLog,
} from '../fixtures/peer-node.js';

const DIR = scratchDir('p2p-unit-request-');
const FILE = '4103'; // key 7
const BYTES = 'file 4103\n';
/** Where the requester's transfer listener stands (never bound). */
const REPLY = { host: '127.0.0.1', port: 40998 };
beforeAll(() => fs.writeFile(path.join(DIR, `${FILE}.pdf`), BYTES));

function peer(id: number, successors: readonly number[], first: number, second: number): RecordedNode & { transfers: TransferLog } {
  const transfers = recordingTransfers(REPLY, BYTES.length);
  const t = recorded(config(id, successors, { dataDir: DIR }), undefined, transfers.service);
  knowPredecessors(t.node, first, second);
  return { ...t, transfers };
}

/** Peer 2's request for `filename`, having come along `route` (2 first, the receiver last). */
function request(filename: string, route: readonly number[], extra: Content = {}): RequestOf<'request'> {
  return {
    type: 'request',
    source: route.at(-2) ?? 2,
    destination: route.at(-1) ?? 2,
    stamp: '2-r',
    content: {
      filename,
      _nodeID: '2',
      _origin: refText(2),
      _hops: String(route.length - 1),
      _path: route.join('.'),
      _replyHost: REPLY.host,
      _replyPort: String(REPLY.port),
      ...extra,
    },
  };
}

// The course's step: Request 4103 typed at 2; key 7; owner 8; 4 and 5 on the way.
describe('Request typed at a peer that does not own the key', () => {
  it('opens its listener first, then sends the request to its successor with the reply address', async () => {
    const { node, events, sent, transfers } = peer(2, [4, 5], 19, 14);
    await requestCommand(node, FILE);
    expect(transfers.receives).toEqual([{ filename: FILE, mode: 'request' }]);
    expect(printed(events)).toEqual([requestSent(FILE)]);
    expect(sent.map((s) => [s.to, s.req.type])).toEqual([[4, 'request']]);
    expect(sent[0]?.req.content).toMatchObject({
      filename: FILE,
      _nodeID: '2',
      _origin: refText(2),
      _hops: '1',
      _path: '2.4',
      _replyHost: REPLY.host,
      _replyPort: String(REPLY.port),
    });
  });
});

describe('a Request on its way', () => {
  it('is passed on by a peer that does not own the key, with the course line, its stamp kept', async () => {
    const { node, events, sent, transfers } = peer(4, [5, 8], 2, 19);
    const req = request(FILE, [2, 4]);
    await deliver(node, req);
    expect(printed(events)).toEqual([requestNotHere(FILE)]);
    expect(sent.map((s) => [s.to, s.req.stamp])).toEqual([[5, req.stamp]]);
    expect(sent[0]?.req.content).toMatchObject({ _hops: '2', _path: '2.4.5' });
    expect(transfers.sends).toEqual([]);
  });
});

describe('a Request at the owner', () => {
  it("sends the file to the requester's listener, with the course's three lines", async () => {
    const { node, events, sent, transfers } = peer(8, [9, 14], 5, 4);
    await deliver(node, request(FILE, [2, 4, 5, 8]));
    expect(printed(events)).toEqual([storedHere(FILE), sendingFile(FILE, 2), FILE_SENT]);
    expect(sent).toEqual([]);
    expect(transfers.sends).toHaveLength(1);
    const [send] = transfers.sends;
    expect(send?.to).toEqual(REPLY);
    expect(send?.path).toBe(path.join(DIR, `${FILE}.pdf`));
    expect(send?.header).toMatchObject({ type: 'transfer', source: 8, destination: 2 });
    expect(send?.header.content).toEqual({
      filename: FILE,
      status: 'found',
      _mode: 'request',
      _nodeID: '8',
      _ext: '.pdf',
      _size: String(BYTES.length),
    });
    expect(events.find((e) => e.kind === 'file-sent')?.fields).toEqual({ filename: FILE, to: 2, bytes: BYTES.length });
  });

  it('without the file: says so in one line and sends the requester a header saying so', async () => {
    const { node, events, transfers } = peer(9, [14, 19], 8, 5);
    await deliver(node, request('0777', [2, 4, 5, 8, 9])); // key 9
    expect(printed(events)).toEqual([requestMissing('0777', 2)]);
    expect(transfers.sends.map((s) => [s.header.content.status, s.path])).toEqual([['missing', undefined]]);
  });

  it('marked final by the previous hop is served whatever our own routing says', async () => {
    const { node, events, transfers } = peer(8, [9, 14], 5, 4);
    await deliver(node, request('0002', [2, 4, 5, 8], { _final: '1' })); // key 2: not 8's by its own view
    expect(printed(events)).toEqual([requestMissing('0002', 2)]);
    expect(transfers.sends).toHaveLength(1);
  });

  it('without a reply address: ERR_MISSING_FIELD, nothing sent', async () => {
    const { node, transfers } = peer(8, [9, 14], 5, 4);
    const req = request(FILE, [2, 4, 5, 8]);
    const bare: RequestOf<'request'> = { ...req, content: { ...req.content, _replyHost: undefined } };
    await expect(deliver(node, bare)).rejects.toMatchObject({ code: 'ERR_MISSING_FIELD' });
    expect(transfers.sends).toEqual([]);
  });
});
