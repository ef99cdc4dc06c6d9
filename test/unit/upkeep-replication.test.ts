/**
 * Replication (upkeep/replication.ts): an owner offers its files to its r-1
 * successors; a peer holding a file it neither owns nor replicates hands it
 * to the owner; a quitting peer hands everything to its successor. An offer
 * is answered `have` at once when the file is there, or after a pull of its
 * bytes; each offer is one exchange with one deadline. No course lines, only
 * events. In-process over temporary data directories; sends are recorded and
 * answered by the test, the transfer service records instead of connecting.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { PeerNode } from '../../src/node/peer-node.js';
import type { Content, Request, RequestOf } from '../../src/protocol/types.js';
import { HANDOVER_TRIES } from '../../src/constants.js';
import { pullBytes } from '../../src/transfer/pull.js';
import { handOverAll, offer, onBytesStored, reconcile, replicate, startReplication, type OfferOutcome } from '../../src/upkeep/replication.js';
import {
  config,
  deliver,
  knowPredecessors,
  printed,
  recorded,
  recordingTransfers,
  refOf,
  refText,
  scratchDir,
  sentSummary,
  turns,
  update,
  type ConfigOptions,
  type RecordedNode,
  type TransferLog,
} from '../fixtures/peer-node.js';

/** Peer 8's directory: 0007.txt (key 7, its own), 0005.txt (key 5, its first predecessor's: a replica), 0012.txt (key 12, Peer 14's). */
const DIR = scratchDir('p2p-unit-replication-');
/** A directory of another peer, empty. */
const OTHER = scratchDir('p2p-unit-replication-other-');
const FILES = { '0007.txt': 'seven\n', '0005.txt': 'five\n', '0012.txt': 'twelve\n' } as const;
beforeAll(() => Promise.all(Object.entries(FILES).map(([name, text]) => fs.writeFile(path.join(DIR, name), text))));

interface Answers {
  /** Each offer's answer (default `have`; undefined: no answer). */
  offer?: (to: number, req: Request) => OfferOutcome | undefined;
  /** Peers whose sends fail. */
  down?: readonly number[];
}

/**
 * Peer `id` over `dataDir`, the ring around it answering as told: offers
 * (`_sync`) with `have`, lookups with the owner 14 (the only owner these
 * tests look up).
 */
function peer(
  id: number,
  successors: readonly number[],
  over: ConfigOptions = {},
  answers: Answers = {},
): RecordedNode & { transfers: TransferLog } {
  const transfers = recordingTransfers();
  const holder: { node?: PeerNode } = {};
  const t = recorded(
    config(id, successors, { dataDir: DIR, ...over }),
    (to, req) => {
      if (answers.down?.includes(to) === true) return Promise.reject(new Error(`Peer ${to} is down`));
      const n = holder.node as PeerNode;
      if (req.content._sync !== undefined) {
        const outcome = answers.offer === undefined ? 'have' : answers.offer(to, req);
        if (outcome !== undefined) n.settleAnswer(req.stamp, outcome);
      } else if (req.content.reason === 'find-successor') {
        n.settleAnswer(req.stamp, { key: Number(req.content.key), owner: refOf(14), hops: 2, path: [id, to, 14] });
      }
      return Promise.resolve();
    },
    transfers.service,
  );
  holder.node = t.node;
  return { ...t, transfers };
}

/** `to kind filename` of every offer sent. */
const offers = (sent: readonly { to: number; req: Request }[]): string[] =>
  sent.filter((s) => s.req.content._sync !== undefined).map((s) => `${s.to} ${s.req.content._sync ?? ''} ${s.req.content.filename ?? ''}`);

/** An offer of `filename` from `from` to `to`. */
function offerFrom(from: number, to: number, filename: string, extra: Content = {}): RequestOf<'store'> {
  return {
    type: 'store',
    source: from,
    destination: to,
    stamp: `${from}-o${filename}`,
    content: {
      filename,
      _sync: 'replica',
      _final: '1',
      _nodeID: String(from),
      _origin: refText(from),
      _dir: '/elsewhere',
      _ext: '.txt',
      _size: '6',
      ...extra,
    },
  };
}

afterEach(() => {
  vi.useRealTimers();
});

describe('an owner replicates', () => {
  it('offers a file to its r-1 successors, with what they need to pull it', async () => {
    const { node, sent, events } = peer(8, [9, 14, 19], { successors: 3 });
    await replicate(node, '0007');
    expect(offers(sent)).toEqual(['9 replica 0007', '14 replica 0007']);
    expect(sent[0]?.req.content).toMatchObject({
      _final: '1',
      _nodeID: '8',
      _origin: refText(8),
      _dir: path.resolve(DIR),
      _ext: '.txt',
      _size: '6',
    });
    expect(events.filter((e) => e.kind === 'replica-offered').map((e) => e.fields)).toEqual([
      { filename: '0007', to: 9, outcome: 'have' },
      { filename: '0007', to: 14, outcome: 'have' },
    ]);
    expect(printed(events)).toEqual([]);
  });

  it('offers nothing with r = 1, nor a file it does not have', async () => {
    const alone = peer(8, [9], { successors: 1 });
    await replicate(alone.node, '0007');
    const without = peer(8, [9, 14]);
    await replicate(without.node, '0999');
    expect([...alone.sent, ...without.sent]).toEqual([]);
  });

  it('an offer to itself is had at once, with nothing sent', async () => {
    const { node, sent } = peer(8, [9, 14]);
    expect(await offer(node, '0007', { path: path.join(DIR, '0007.txt'), ext: '.txt', size: 6 }, refOf(8), 'replica')).toBe('have');
    expect(sent).toEqual([]);
  });

  it("an offer is settled by the target's sync-ack, delivered as an update", async () => {
    const { node, sent } = peer(8, [9, 14], {}, { offer: () => undefined });
    const outcome = offer(node, '0007', { path: path.join(DIR, '0007.txt'), ext: '.txt', size: 6 }, refOf(9), 'replica');
    await turns();
    await deliver(node, update(9, 8, { reason: 'sync-ack', filename: '0007', status: 'pulled', _answers: sent[0]?.req.stamp ?? '' }));
    expect(await outcome).toBe('pulled');
  });

  it('an offer whose send fails is failed at once, with the error noted', async () => {
    const { node, events } = peer(8, [9, 14], {}, { down: [9] });
    expect(await offer(node, '0007', { path: path.join(DIR, '0007.txt'), ext: '.txt', size: 6 }, refOf(9), 'handover')).toBe('failed');
    expect(events.find((e) => e.kind === 'handover-failed')?.fields).toMatchObject({ filename: '0007', to: 9, message: 'Peer 9 is down' });
  });
});

describe('an offer received', () => {
  it('is answered have at once when a file of that name and size is here', async () => {
    const { node, sent, transfers } = peer(9, [14, 19]);
    const req = offerFrom(8, 9, '0007'); // 0007.txt, 6 bytes, is in DIR
    await deliver(node, req);
    expect(sentSummary(sent)).toEqual(['8 update:sync-ack']);
    expect(sent[0]?.req.content).toEqual({ reason: 'sync-ack', filename: '0007', status: 'have', _answers: req.stamp });
    expect(transfers.receives).toEqual([]);
  });

  it('is answered have when the offerer keeps its files in our directory, on our host', async () => {
    const { node, sent, transfers } = peer(9, [14, 19], { dataDir: OTHER });
    await deliver(node, offerFrom(8, 9, '0007', { _dir: path.resolve(OTHER) }));
    expect(sent.map((s) => s.req.content.status)).toEqual(['have']);
    expect(transfers.receives).toEqual([]);
  });

  it('otherwise pulls the bytes once, however many offers come, and answers each when they land', async () => {
    const { node, sent, transfers, events } = peer(9, [14, 19], { dataDir: OTHER });
    const first = offerFrom(8, 9, '0007');
    const second = { ...offerFrom(5, 9, '0007'), stamp: '5-again' };
    await deliver(node, first);
    await deliver(node, second);
    expect(transfers.receives).toEqual([{ filename: '0007', mode: 'store' }]);
    expect(sentSummary(sent)).toEqual(['8 transfer:']);
    expect(sent[0]?.req.content).toMatchObject({ filename: '0007', _pull: '1', _replyPort: '40999' });
    expect(events.filter((e) => e.kind === 'replica-pulling')).toHaveLength(2);
    await onBytesStored(node, '0007', true);
    expect(sent.slice(1).map((s) => [s.to, s.req.content.status, s.req.content._answers])).toEqual([
      [8, 'pulled', first.stamp],
      [5, 'pulled', second.stamp],
    ]);
  });

  it('is answered failed at once when the pull cannot even start', async () => {
    const t = recorded(config(9, [14, 19], { dataDir: OTHER })); // its transfer service cannot listen
    const req = offerFrom(8, 9, '0007');
    await deliver(t.node, req);
    expect(t.sent.map((s) => [s.to, s.req.content.reason, s.req.content.status])).toEqual([[8, 'sync-ack', 'failed']]);
    expect(t.events.find((e) => e.kind === 'store-pull-failed')?.stream).toBe('stderr');
  });
});

describe('bytes stored with no offer waiting (a Store)', () => {
  it('are replicated when this peer owns the key, and not otherwise', async () => {
    const owner = peer(8, [9, 14]);
    knowPredecessors(owner.node, 5, 4);
    await onBytesStored(owner.node, '0007', true);
    expect(offers(owner.sent)).toEqual(['9 replica 0007']);
    await onBytesStored(owner.node, '0012', true); // key 12 is 14's
    await onBytesStored(owner.node, '0007', false); // the bytes never came
    expect(offers(owner.sent)).toEqual(['9 replica 0007']);
  });
});

describe('reconcile', () => {
  it('replicates what it owns, keeps its replicas, and hands the rest to its owner, once', async () => {
    const { node, sent, events } = peer(8, [9, 14]);
    knowPredecessors(node, 5, 4);
    await reconcile(node);
    expect(offers(sent).sort()).toEqual(['14 handover 0012', '9 replica 0007']);
    expect(events.find((e) => e.kind === 'reconciled')?.fields).toEqual({ files: 3, owned: 1, handedOver: 1 });
    sent.length = 0;
    await reconcile(node);
    expect(offers(sent)).toEqual(['9 replica 0007']); // 0012 was acknowledged: not offered again
  });

  it('hands nothing away while it does not know both predecessors (it cannot tell a replica)', async () => {
    const { node, sent } = peer(8, [9, 14]);
    knowPredecessors(node, 5);
    await reconcile(node);
    expect(offers(sent)).toEqual(['9 replica 0007']);
  });

  it('offers a handover again next time when it failed', async () => {
    let refuse = true;
    const { node, sent } = peer(8, [9, 14], {}, { offer: (to) => (to === 14 && refuse ? 'failed' : 'have') });
    knowPredecessors(node, 5, 4);
    await reconcile(node);
    refuse = false;
    await reconcile(node);
    expect(offers(sent).filter((o) => o.includes('handover'))).toEqual(['14 handover 0012', '14 handover 0012']);
  });
});

describe('a quitting peer hands over all it holds', () => {
  it('every file, its own and its replicas, to its first successor; counting those taken', async () => {
    const { node, sent } = peer(8, [9, 14], {}, { offer: (_to, req) => (req.content.filename === '0012' ? 'failed' : 'have') });
    knowPredecessors(node, 5, 4);
    expect(await handOverAll(node)).toBe(2);
    // 0012 is offered HANDOVER_TRIES times: the quitter leaves for good, with its copy.
    expect(offers(sent).sort()).toEqual(['9 handover 0005', '9 handover 0007', ...Array<string>(HANDOVER_TRIES).fill('9 handover 0012')]);
  });

  it('offers a file again when its successor failed to take it in time', async () => {
    let failures = HANDOVER_TRIES - 1;
    const { node, sent } = peer(
      8,
      [9, 14],
      {},
      { offer: (_to, req) => (req.content.filename === '0012' && failures-- > 0 ? 'failed' : 'have') },
    );
    knowPredecessors(node, 5, 4);
    expect(await handOverAll(node)).toBe(3);
    expect(offers(sent).filter((o) => o.endsWith('0012'))).toHaveLength(HANDOVER_TRIES);
  });

  it('waits for a file still on its way here, and hands it over too', async () => {
    const dir = scratchDir('p2p-unit-replication-quit-');
    await fs.writeFile(path.join(dir, '0007.txt'), 'seven\n');
    const { node, sent } = peer(8, [9, 14], { dataDir: dir }, { offer: () => 'have' });
    knowPredecessors(node, 5, 4);
    // A replica of 0006 is being pulled from Peer 5 when the Quit comes.
    expect(await pullBytes(node, { _origin: refText(5), _nodeID: '5' }, '0006')).toBe(true);
    const quitting = handOverAll(node);
    await turns();
    expect(offers(sent).filter((o) => o.includes('handover'))).toEqual([]); // not listed yet: 0006 is not here
    await fs.writeFile(path.join(dir, '0006.txt'), 'six\n');
    await onBytesStored(node, '0006', true);
    expect(await quitting).toBe(2);
    expect(
      offers(sent)
        .filter((o) => o.includes('handover'))
        .sort(),
    ).toEqual(['9 handover 0006', '9 handover 0007']);
  });

  it('nothing without a successor', async () => {
    const { node, sent } = peer(8, []);
    expect(await handOverAll(node)).toBe(0);
    expect(sent).toEqual([]);
  });
});

describe('startReplication', () => {
  it('reconciles one ping interval after a membership change, and no more once stopped', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval'] });
    const { node, events } = peer(8, [9, 14]);
    const upkeep = startReplication(node);
    knowPredecessors(node, 5, 4); // a change
    await vi.advanceTimersByTimeAsync(node.config.pingIntervalMs - 1);
    expect(events.filter((e) => e.kind === 'reconciled')).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(1);
    // (vi.waitFor advances the fake clock as it polls: on a slow machine the
    // periodic reconcile may come too, so count what came before the stop.)
    await vi.waitFor(() => expect(events.filter((e) => e.kind === 'reconciled').length).toBeGreaterThanOrEqual(1), { timeout: 20_000 });
    upkeep.stop();
    await turns(10);
    const before = events.filter((e) => e.kind === 'reconciled').length;
    node.adoptSuccessors([node.refFor(9)]); // another change, after the stop
    await vi.advanceTimersByTimeAsync(20 * node.config.pingIntervalMs);
    await turns(10);
    expect(events.filter((e) => e.kind === 'reconciled')).toHaveLength(before);
  });
});
