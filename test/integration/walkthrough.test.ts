/**
 * The course walkthrough end to end, in both orders of the specification
 * (section 4): seven child peers, every step's lines compared line for line,
 * and the requested file compared byte for byte.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { prepareDirectory } from '../../src/example/example.js';
import { runWalkthrough, type PeerNetwork, type WalkthroughResult } from '../../src/testnet/network.js';
import type { Order } from '../../src/model/walkthrough.js';
import type { RoutingMode } from '../../src/routing/types.js';
import { describeNetwork, stopNetworks, tempDir } from '../fixtures/network.js';

// This file's ports: 14000..14299.
const PORT_BASE = 14000;

const running = new Set<PeerNetwork>();
afterEach(async () => {
  await Promise.all([...running].map((n) => n.stopAll()));
  running.clear();
  await stopNetworks();
});

/** Every mismatch and the early stop, if any, as text for the failure message. */
function report(result: WalkthroughResult): string {
  const lines = result.steps.flatMap((s) =>
    s.mismatches.map(
      (m) => `${s.step.title}, peer ${m.peer}:\n  expected: ${JSON.stringify(m.expected)}\n  printed:  ${JSON.stringify(m.actual)}`,
    ),
  );
  if (result.error !== undefined) lines.push(`stopped early: ${result.error.message}`);
  if (!result.fileIdentical) lines.push('received_4103.pdf is missing or differs from 4103.pdf');
  if (lines.length > 0) lines.push(describeNetwork(result.network));
  return lines.join('\n');
}

/** Runs the walkthrough in a fresh directory; the network is stopped after the test. */
async function walkthrough(order: Order, portBase: number, routing: RoutingMode): Promise<WalkthroughResult> {
  const dir = await prepareDirectory(await tempDir());
  const result = await runWalkthrough({ dir, portBase, pingSeconds: 0.5, order, routing });
  running.add(result.network);
  return result;
}

describe('the course walkthrough', () => {
  // Peer IDs stay below 20: each run has its own 50 ports.
  const runs: readonly (readonly [Order, RoutingMode, number])[] = [
    ['walkthrough', 'ring', PORT_BASE],
    ['marking', 'ring', PORT_BASE + 50],
    ['walkthrough', 'chord', PORT_BASE + 100],
    ['marking', 'chord', PORT_BASE + 150],
  ];
  for (const [order, routing, portBase] of runs) {
    it(`runs in the ${order} order under ${routing} routing with the exact lines and an identical file`, async () => {
      const result = await walkthrough(order, portBase, routing);
      const problems = report(result);
      expect(problems, problems).toBe('');
      expect(result.steps.length).toBeGreaterThan(0);
      expect(result.steps.every((s) => s.mismatches.length === 0)).toBe(true);
      expect(result.fileIdentical).toBe(true);
      expect(result.ok).toBe(true);
    }, 150_000);
  }
});
