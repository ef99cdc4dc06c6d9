/**
 * Store (handlers/store.ts): a Store for a key this peer owns is accepted
 * with the course's line and replicated to its successor; one it does not
 * own is forwarded with "Store NNNN request forwarded to my successor",
 * around a next hop that cannot be reached. The owner pulls the bytes when
 * the origin keeps another directory. In-process over a temporary data
 * directory; no sockets.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { MAX_REROUTES } from '../../src/constants.js';
import { P2PError } from '../../src/errors.js';
import { storeCommand } from '../../src/handlers/store.js';
import { storeAccepted, storeForwarded } from '../../src/model/lines.js';
import type { Content, Request, RequestOf } from '../../src/protocol/types.js';
import {
  config,
  deliver,
  knowPredecessors,
  printed,
  recorded,
  recordingTransfers,
  refText,
  scratchDir,
  sentSummary,
  type ConfigOptions,
  type RecordedNode,
  type TransferLog,
} from '../fixtures/peer-node.js';

const DIR = scratchDir('p2p-unit-store-');
const FILE = '2067'; // key 19
const BYTES = 'file 2067\n';
beforeAll(() => fs.writeFile(path.join(DIR, `${FILE}.pdf`), BYTES));

/**
 * Peer `id` of the course ring over DIR, answering every file offer it
 * makes with `have` (as a successor that holds the file would); sends to
 * the peers in `unreachable` fail with ERR_UNREACHABLE.
 */
function peer(
  id: number,
  successors: readonly number[],
  opts: { unreachable?: readonly number[]; over?: ConfigOptions } = {},
): RecordedNode & { transfers: TransferLog } {
  const transfers = recordingTransfers();
  const holder: { node?: RecordedNode['node'] } = {};
  const t = recorded(
    config(id, successors, { dataDir: DIR, ...opts.over }),
    (to, req) => {
      if (opts.unreachable?.includes(to) === true) return Promise.reject(new P2PError('ERR_UNREACHABLE', `Peer ${to} is down`));
      if (req.content._sync !== undefined) holder.node?.settleAnswer(req.stamp, 'have');
      return Promise.resolve();
    },
    transfers.service,
  );
  holder.node = t.node;
  return { ...t, transfers };
}

/** A Store of FILE from origin `origin`, arriving at `at` from `from`. */
function store(origin: number, from: number, at: number, extra: Content = {}): RequestOf<'store'> {
  return {
    type: 'store',
    source: from,
    destination: at,
    stamp: `${origin}-s`,
    content: { filename: FILE, _nodeID: String(origin), _origin: refText(origin), _hops: '1', _path: `${origin}.${at}`, ...extra },
  };
}

const offers = (sent: readonly { to: number; req: Request }[]): string[] =>
  sent.filter((s) => s.req.content._sync !== undefined).map((s) => `${s.to} ${s.req.content._sync ?? ''} ${s.req.content.filename ?? ''}`);

describe('a Store for a key this peer owns', () => {
  it("is accepted with the course's line, and the file is offered to our successor as a replica", async () => {
    const { node, events, sent } = peer(19, [2, 4]);
    knowPredecessors(node, 14, 9);
    await deliver(node, store(8, 14, 19));
    expect(printed(events)).toEqual([storeAccepted(FILE)]);
    expect(events.find((e) => e.kind === 'store-accepted')?.fields).toEqual({ filename: FILE, key: 19, origin: 8 });
    expect(offers(sent)).toEqual([`2 replica ${FILE}`]);
    expect(sent.find((s) => s.req.content._sync !== undefined)?.req.content).toMatchObject({
      _final: '1',
      _ext: '.pdf',
      _size: String(BYTES.length),
    });
  });

  it('is accepted where the previous hop says it is final, whatever our own routing says', async () => {
    const { node, events, sent } = peer(19, [2, 4]);
    // Key 3: by its own routing 19 would forward it to 2; the previous hop knows better.
    await deliver(node, { ...store(8, 14, 19), content: { ...store(8, 14, 19).content, filename: '0003', _final: '1' } });
    expect(printed(events)).toEqual([storeAccepted('0003')]);
    expect(sent.filter((s) => s.req.type === 'store' && s.req.content._sync === undefined)).toEqual([]);
  });

  it('from an origin with another directory: the owner pulls the bytes into its transfer pool', async () => {
    const { node, sent, transfers } = peer(19, [2, 4]);
    knowPredecessors(node, 14, 9);
    await deliver(node, store(8, 14, 19, { _dir: '/elsewhere', _ext: '.pdf', _size: '10' }));
    expect(transfers.receives).toEqual([{ filename: FILE, mode: 'store' }]);
    expect(sentSummary(sent)).toEqual(['8 transfer:']);
    expect(sent[0]?.req.content).toMatchObject({ filename: FILE, _pull: '1', _nodeID: '19', _replyHost: '127.0.0.1', _replyPort: '40999' });
    expect(offers(sent)).toEqual([]); // replicated once the bytes are here
  });

  it('from an origin sharing our directory on our host: nothing to pull, the file is replicated at once', async () => {
    const { node, sent, transfers } = peer(19, [2, 4]);
    knowPredecessors(node, 14, 9);
    await deliver(node, store(8, 14, 19, { _dir: path.resolve(DIR), _ext: '.pdf', _size: String(BYTES.length) }));
    expect(transfers.receives).toEqual([]);
    expect(offers(sent)).toEqual([`2 replica ${FILE}`]);
  });

  it('typed at the owner itself: only the accepted line', async () => {
    const { node, events } = peer(19, [2, 4]);
    knowPredecessors(node, 14, 9);
    await storeCommand(node, FILE);
    expect(printed(events)).toEqual([storeAccepted(FILE)]);
  });
});

describe('a Store for a key this peer does not own', () => {
  it('is forwarded to our successor with the course line, one more hop on its trail, its stamp kept', async () => {
    const { node, events, sent } = peer(8, [9, 14]);
    knowPredecessors(node, 5, 4);
    const req = store(2, 5, 8);
    await deliver(node, req);
    expect(printed(events)).toEqual([storeForwarded(FILE)]);
    expect(events.find((e) => e.kind === 'store-forwarded')?.fields).toEqual({ filename: FILE, key: 19, to: 9 });
    expect(sent.map((s) => [s.to, s.req.type, s.req.stamp])).toEqual([[9, 'store', req.stamp]]);
    expect(sent[0]?.req.content).toMatchObject({ _hops: '2', _path: '2.8.9', _nodeID: '2' });
  });

  it('typed here: sent with the file’s size, extension and directory, so that the owner can fetch it', async () => {
    const { node, events, sent } = peer(8, [9, 14]);
    knowPredecessors(node, 5, 4);
    await storeCommand(node, FILE);
    expect(printed(events)).toEqual([storeForwarded(FILE)]);
    expect(sent[0]?.req.content).toMatchObject({
      filename: FILE,
      _nodeID: '8',
      _origin: refText(8),
      _hops: '1',
      _path: '8.9',
      _dir: path.resolve(DIR),
      _ext: '.pdf',
      _size: String(BYTES.length),
    });
  });

  it('goes round a next hop that cannot be reached (ring-list routing), and says so', async () => {
    const { node, events, sent } = peer(8, [9, 14], { unreachable: [14], over: { routing: 'ring-list' } });
    knowPredecessors(node, 5, 4);
    await deliver(node, store(2, 5, 8));
    expect(sent.map((s) => s.to)).toEqual([14, 9]);
    expect(events.find((e) => e.kind === 'rerouted')?.fields).toEqual({ unreachable: 14, key: 19, request: 'store' });
  });

  it(`under ring routing, fails with ERR_UNREACHABLE after ${MAX_REROUTES} reroutes to its only next hop`, async () => {
    const { node, events, sent } = peer(8, [9, 14], { unreachable: [9] });
    knowPredecessors(node, 5, 4);
    await expect(deliver(node, store(2, 5, 8))).rejects.toMatchObject({ code: 'ERR_UNREACHABLE' });
    expect(sent.map((s) => s.to)).toEqual(Array.from({ length: MAX_REROUTES + 1 }, () => 9));
    expect(events.filter((e) => e.kind === 'rerouted')).toHaveLength(MAX_REROUTES);
    expect(printed(events)).toEqual([storeForwarded(FILE)]);
  });
});

describe('a Store that is refused', () => {
  it('with a file name that is not four digits: ERR_BAD_FILENAME, nothing printed or sent', async () => {
    const { node, events, sent } = peer(8, [9, 14]);
    await expect(deliver(node, { ...store(2, 5, 8), content: { filename: '20670' } })).rejects.toMatchObject({ code: 'ERR_BAD_FILENAME' });
    expect(printed(events)).toEqual([]);
    expect(sent).toEqual([]);
  });
});
