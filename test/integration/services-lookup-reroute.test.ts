/**
 * A lookup step whose closest preceding finger points at a killed peer
 * (nothing listens on its port): the peer forgets the finger, says so with
 * a 'rerouted' event like Store's and Request's, and forwards the lookup to
 * the next closest finger. One in-process peer on real sockets; the next
 * finger is a fake peer that records what it receives.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { sendRequest } from '../../src/net/tcp.js';
import type { RequestOf } from '../../src/protocol/types.js';
import { onFindSuccessor } from '../../src/upkeep/lookup.js';
import { initConfig } from '../fixtures/config.js';
import { FakePeer } from '../fixtures/fake-peer.js';
import { testNode } from '../fixtures/peer-node.js';
import { portsFree } from '../fixtures/ports.js';

// This file's ports: 26600..26899.
const PORT_BASE = 26600;
const SELF = 10;
const ALIVE = 80;
const KILLED = 100;
const KEY = 150;

let fake: FakePeer | undefined;
afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

describe('a lookup meeting a finger at a killed peer', () => {
  it('forgets the finger, emits rerouted and forwards to the next closest finger', async () => {
    expect(await portsFree(PORT_BASE + KILLED), `port ${PORT_BASE + KILLED} must be free: it stands for the killed peer`).toBe(true);
    fake = await FakePeer.start({ id: ALIVE, port: PORT_BASE + ALIVE });
    const config = { ...initConfig(SELF, [20, 30], PORT_BASE, 1000), routing: 'chord' as const };
    const { node, events } = testNode(config, sendRequest);
    // Fingers of 10 on a ring 10, 20, 30, 80, 100, ...: KILLED is the closest before KEY.
    [20, 20, 20, 20, 30, 80, 80, KILLED].forEach((id, i) => node.setFinger(i, node.refFor(id)));
    const req = node.request('update', SELF, {
      reason: 'find-successor',
      key: String(KEY),
      _nodeID: '5',
      _origin: `5@127.0.0.1:${PORT_BASE + 5}`,
      _hops: '1',
      _path: `5.${SELF}`,
    }) as RequestOf<'update'>;

    await onFindSuccessor(node, req);

    expect(events.find((e) => e.kind === 'rerouted')?.fields).toEqual({ unreachable: KILLED, key: KEY, request: 'lookup' });
    expect(node.fingers.map((f) => f?.id)).not.toContain(KILLED);
    const forwarded = await fake.waitForRequest((r) => r.content.reason === 'find-successor', 5000, 'the rerouted lookup');
    expect(forwarded.stamp).toBe(req.stamp);
    expect(forwarded.content).toMatchObject({ key: String(KEY), _hops: '2', _path: `5.${SELF}.${ALIVE}` });
  });
});
