/**
 * One deadline for a request and its answer: a lookup (or a file offer)
 * whose send outlasts the deadline fails once, with ERR_TIMEOUT, at the
 * deadline; the send's late failure and the answer timer are always
 * observed, never an unhandled rejection (one killed the consumer thread of
 * a peer whose next hop was stopped with SIGSTOP: issue 11). No threads, no
 * sockets: sends are promises the test settles, time is vitest's fake clock.
 * Then a find-successor's way: answered by the owner's predecessor, or
 * forwarded, and its answer settling the lookup that waits for its stamp.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { SYNC_TIMEOUT_MS } from '../../src/constants.js';
import { P2PError } from '../../src/errors.js';
import type { Endpoint } from '../../src/net/tcp.js';
import type { Request } from '../../src/protocol/types.js';
import { lookup } from '../../src/upkeep/lookup.js';
import { offer } from '../../src/upkeep/replication.js';
import {
  config,
  deferred,
  deliver,
  knowPredecessors,
  recorded,
  refOf,
  refText,
  sentSummary,
  testNode,
  turns,
  update,
  watch,
  type RecordedNode,
} from '../fixtures/peer-node.js';

const SELF = 10;
/** Not in (10, 20]: SELF forwards its lookup to its first successor, 20. */
const KEY = 100;
const DEADLINE_MS = 1000;

const unreachable = (): P2PError => new P2PError('ERR_UNREACHABLE', 'cannot deliver: no answer within 5000 ms');

let unhandled: unknown[] = [];
const onUnhandled = (reason: unknown): void => {
  unhandled.push(reason);
};

beforeEach(() => {
  unhandled = [];
  process.on('unhandledRejection', onUnhandled);
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
});

afterEach(() => {
  vi.useRealTimers();
  process.off('unhandledRejection', onUnhandled);
});

/** SELF on a ring 10, 20, 30, its sends going to `send`. */
function node(send: (to: Endpoint, req: Request) => Promise<void>) {
  return testNode(config(SELF, [20, 30], { pingMs: 1000 }), send);
}

describe('lookup', () => {
  it('rejects once, with ERR_TIMEOUT, when its forward outlasts the deadline; the late failure is observed', async () => {
    const forward = deferred();
    const sent: Request[] = [];
    const { node: n, events } = node((_to, req) => {
      sent.push(req);
      return sent.length === 1 ? forward.promise : Promise.reject(unreachable());
    });
    const result = watch(lookup(n, KEY, DEADLINE_MS));
    await vi.advanceTimersByTimeAsync(DEADLINE_MS - 1);
    expect(result.state).toBe('pending');
    await vi.advanceTimersByTimeAsync(1);
    expect(result.state).toBe('rejected');
    expect(result.error).toMatchObject({ code: 'ERR_TIMEOUT' });

    // The next hop's socket gives up later (a SIGSTOPped peer: TCP_CONNECT_TIMEOUT_MS).
    forward.reject(unreachable());
    await turns();
    expect(unhandled).toEqual([]);
    expect(result.settlements).toBe(1);
    // Nobody waits any more: the lookup is not rerouted after its deadline.
    expect(sent).toHaveLength(1);
    expect(events.filter((e) => e.kind === 'lookup-abandoned')).toHaveLength(1);
  });

  it('rejects once with the forward’s error when the forward fails first; the deadline passes unnoticed', async () => {
    const { node: n } = node(() => Promise.reject(new P2PError('ERR_TRANSFER', 'broken')));
    const result = watch(lookup(n, KEY, DEADLINE_MS));
    await turns();
    expect(result.state).toBe('rejected');
    expect(result.error).toMatchObject({ code: 'ERR_TRANSFER' });
    await vi.advanceTimersByTimeAsync(2 * DEADLINE_MS);
    await turns();
    expect(unhandled).toEqual([]);
    expect(result.settlements).toBe(1);
    expect(vi.getTimerCount()).toBe(0); // the deadline's timer is gone
  });

  it('resolves with an answer that overtakes its forward, and ignores the forward’s late failure', async () => {
    const forward = deferred();
    const sent: Request[] = [];
    const { node: n } = node((_to, req) => {
      sent.push(req);
      return forward.promise;
    });
    const result = watch(lookup(n, KEY, DEADLINE_MS));
    await turns();
    const stamp = sent[0]?.stamp ?? '';
    n.settleAnswer(stamp, { key: KEY, owner: n.refFor(100), hops: 2, path: [SELF, 20, 100] });
    await turns();
    expect(result.state).toBe('resolved');
    expect(result.value?.owner.id).toBe(100);
    forward.reject(unreachable());
    await vi.advanceTimersByTimeAsync(2 * DEADLINE_MS);
    await turns();
    expect(unhandled).toEqual([]);
    expect(result.settlements).toBe(1);
  });
});

describe('offer', () => {
  const file = { path: '/nowhere/0100', ext: '', size: 1 };

  it('fails once, with ERR_TIMEOUT, when its send outlasts the deadline; the late failure is observed', async () => {
    const send = deferred();
    const { node: n, events } = node(() => send.promise);
    const result = watch(offer(n, '0100', file, n.refFor(20), 'replica'));
    await vi.advanceTimersByTimeAsync(SYNC_TIMEOUT_MS);
    expect(result.state).toBe('resolved');
    expect(result.value).toBe('failed');
    const failed = events.filter((e) => e.kind === 'replica-failed');
    expect(failed).toHaveLength(1);
    expect(failed[0]?.fields).toMatchObject({ to: 20, code: 'ERR_TIMEOUT' });

    send.reject(unreachable());
    await turns();
    expect(unhandled).toEqual([]);
    expect(events.filter((e) => e.kind === 'replica-failed')).toHaveLength(1);
  });

  it('fails at once with ERR_UNREACHABLE when the send fails first; the deadline passes unnoticed', async () => {
    const { node: n, events } = node(() => Promise.reject(unreachable()));
    const result = watch(offer(n, '0100', file, n.refFor(20), 'handover'));
    await turns();
    expect(result.value).toBe('failed');
    expect(events.find((e) => e.kind === 'handover-failed')?.fields).toMatchObject({ code: 'ERR_UNREACHABLE' });
    await vi.advanceTimersByTimeAsync(SYNC_TIMEOUT_MS);
    await turns();
    expect(unhandled).toEqual([]);
    expect(vi.getTimerCount()).toBe(0);
  });
});

describe('find-successor, in process (ring 5 -> 10 -> 20 -> 30)', () => {
  /** A lookup of `key` from Peer 5, arriving at SELF as its second hop. */
  const find = (key: number, extra: Record<string, string> = {}) =>
    update(5, SELF, { reason: 'find-successor', key: String(key), _nodeID: '5', _origin: refText(5), _hops: '1', _path: `5.${SELF}`, ...extra });

  function self(): RecordedNode {
    const t = recorded(config(SELF, [20, 30]));
    knowPredecessors(t.node, 5);
    return t;
  }

  it('a key of our first successor: the answer goes straight to the origin, naming the owner and the whole trail', async () => {
    const { node, sent } = self();
    const req = find(15);
    await deliver(node, req);
    expect(sentSummary(sent)).toEqual(['5 update:found']);
    expect(sent[0]?.req.content).toEqual({
      reason: 'found',
      key: '15',
      owner: refText(20),
      _hops: '2',
      _path: `5.${SELF}.20`,
      _answers: req.stamp,
    });
  });

  it('a key of ours, or one the previous hop marked final: we are the owner', async () => {
    const { node, sent } = self();
    await deliver(node, find(7));
    await deliver(node, find(99, { _final: '1' }));
    expect(sent.map((s) => [s.req.content.key, s.req.content.owner, s.req.content._path])).toEqual([
      ['7', refText(SELF), `5.${SELF}`],
      ['99', refText(SELF), `5.${SELF}`],
    ]);
  });

  it('a key farther on: forwarded to our successor with its stamp, one more hop on its trail', async () => {
    const { node, sent, events } = self();
    const req = find(KEY);
    await deliver(node, req);
    expect(sent.map((s) => [s.to, s.req.stamp, s.req.content._hops, s.req.content._path])).toEqual([[20, req.stamp, '2', `5.${SELF}.20`]]);
    expect(events.find((e) => e.kind === 'lookup-forwarded')?.fields).toEqual({ key: KEY, to: 20 });
  });

  it('someone else’s lookup whose next hops stay unreachable: dropped here with a note, not printed as this peer’s error', async () => {
    const { node, sent, events } = (() => {
      const t = recorded(config(SELF, [20, 30]), () => Promise.reject(unreachable()));
      knowPredecessors(t.node, 5);
      return t;
    })();
    await deliver(node, find(KEY));
    await turns();
    expect(sent.length).toBeGreaterThan(1); // rerouted before it gave up
    expect(events.filter((e) => e.stream === 'stderr')).toEqual([]);
    expect(events.filter((e) => e.kind === 'lookup-abandoned').map((e) => e.fields['relay'])).toEqual([true]);
  });

  it('found: settles the lookup waiting for that stamp, and nothing else', async () => {
    const { node } = self();
    const result = watch(node.exchange('10-9', 60_000, () => Promise.resolve()));
    await deliver(
      node,
      update(30, SELF, { reason: 'found', key: '25', owner: refText(30), _hops: '2', _path: `${SELF}.20.30`, _answers: '10-8' }),
    );
    await turns();
    expect(result.state).toBe('pending');
    await deliver(
      node,
      update(30, SELF, { reason: 'found', key: '25', owner: refText(30), _hops: '2', _path: `${SELF}.20.30`, _answers: '10-9' }),
    );
    await turns();
    expect(result.value).toEqual({ key: 25, owner: refOf(30), hops: 2, path: [SELF, 20, 30] });
  });
});
