/**
 * The course walkthrough end to end, in both orders of the specification
 * (section 4): seven child peers, every step's lines compared line for line,
 * and the requested file compared byte for byte.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { prepareDirectory } from '../../src/example/example.js';
import { runWalkthrough, type PeerNetwork, type WalkthroughResult } from '../../src/example/network.js';
import type { Order } from '../../src/example/walkthrough.js';
import { describeNetwork, stopNetworks, tempDir } from '../fixtures/network.js';

// This file's ports: 14000..14299; each order has its own 100 (peer IDs stay below 20).
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

/** Tries of a walkthrough that fails its ping check because of the ping sender's startup race. */
const ATTEMPTS = 3;

/**
 * Runs the walkthrough. A run whose first step (the ping check, before
 * anything has changed the ring) saw a peer declared dead met the ping
 * sender's startup race (a known bug: see services-late-successors.test.ts),
 * a failure to set up rather than of a step: it is run again.
 */
async function walkthrough(order: Order, portBase: number): Promise<WalkthroughResult> {
  for (let attempt = 1; ; attempt++) {
    const dir = await prepareDirectory(await tempDir());
    const result = await runWalkthrough({ dir, portBase, pingSeconds: 0.5, order });
    running.add(result.network);
    const startupRace =
      result.steps.length === 0 && result.network.history.some((p) => p.events.some((e) => e.kind === 'ping-dead'));
    if (!startupRace || attempt >= ATTEMPTS) return result;
    console.warn(`walkthrough (${order}): a peer was declared dead during the ping check (startup race); running it again`);
    await result.network.stopAll();
    running.delete(result.network);
  }
}

describe('the course walkthrough', () => {
  const orders: readonly (readonly [Order, number])[] = [
    ['walkthrough', PORT_BASE],
    ['marking', PORT_BASE + 100],
  ];
  for (const [order, portBase] of orders) {
    it(`runs in the ${order} order with the exact lines and an identical file`, async () => {
      const result = await walkthrough(order, portBase);
      const problems = report(result);
      expect(problems, problems).toBe('');
      expect(result.steps.length).toBeGreaterThan(0);
      expect(result.steps.every((s) => s.mismatches.length === 0)).toBe(true);
      expect(result.fileIdentical).toBe(true);
      expect(result.ok).toBe(true);
    }, 150_000); // three tries at most, each well under a minute even on a loaded machine
  }

  it.todo('runs both orders with --routing chord (Chord routing is still being built)');
});
