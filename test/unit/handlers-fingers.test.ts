/**
 * `fingers` (handlers/fingers.ts): the routing table as a person reads it:
 * under Chord each finger's start and successor ('?' where unknown), under
 * the ring a line saying there are none; the successor list and the
 * predecessor, or what is not known yet.
 */
import { describe, expect, it } from 'vitest';
import { runCommand } from '../../src/handlers/dispatch.js';
import { formatFingers } from '../../src/handlers/fingers.js';
import { config, IDLE_DISPATCH, knowPredecessors, recorded, testNode } from '../fixtures/peer-node.js';

describe('formatFingers', () => {
  it('under the ring: no fingers, the successor list and the first predecessor', () => {
    const { node } = testNode(config(10, [20, 30]));
    knowPredecessors(node, 5, 1);
    expect(formatFingers(node).split('\n')).toEqual([
      'Peer 10: ring routing, 8-bit IDs',
      'Fingers: none (ring routing uses the first successor only)',
      'Successor list: 20, 30',
      'Predecessor: 5',
    ]);
  });

  it('under Chord: every finger, its start (self + 2^i mod 2^m) and its successor, ? where unknown', () => {
    const { node } = testNode(config(250, [3, 20], { routing: 'chord' }));
    [3, 3, 3, 20, 20, undefined, 40, 130].forEach((id, i) => {
      if (id !== undefined) node.setFinger(i, node.refFor(id));
    });
    const lines = formatFingers(node).split('\n');
    expect(lines[0]).toBe('Peer 250: chord routing, 8-bit IDs');
    expect(lines[1]).toBe('Fingers (start -> successor):');
    expect(lines.slice(2, 10)).toEqual([
      '   0         251 -> 3',
      '   1         252 -> 3',
      '   2         254 -> 3',
      '   3           2 -> 20',
      '   4          10 -> 20',
      '   5          26 -> ?',
      '   6          58 -> 40',
      '   7         122 -> 130',
    ]);
    expect(lines.slice(10)).toEqual(['Successor list: 3, 20', 'Predecessor: unknown']);
  });

  it('before a joining peer has successors: says so', () => {
    const { node } = testNode(config(15, []));
    expect(formatFingers(node).split('\n').slice(-2)).toEqual(['Successor list: none yet', 'Predecessor: unknown']);
  });
});

describe('the fingers command', () => {
  it('prints the table as one event, fingers, on stdout', async () => {
    const { node, events } = recorded(config(10, [20, 30]));
    await runCommand(node, IDLE_DISPATCH, 'fingers');
    const e = events.find((x) => x.kind === 'fingers');
    expect(e?.line).toBe(formatFingers(node));
    expect(e?.stream).toBeUndefined();
  });
});
