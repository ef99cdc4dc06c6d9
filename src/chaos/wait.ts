/**
 * Waiting for a state of several peers at once: a condition over their
 * events is checked again at each event any of them reports, until it holds
 * or the deadline passes. A peer reports ping events every interval, so a
 * condition that depends on the harness too (who runs) is seen within one.
 */
import { P2PError } from '../errors.js';
import type { ChildPeer } from '../testnet/child-peer.js';

/**
 * Resolves once `holds()` is true (checked now, then at every event of
 * `peers`); rejects with ERR_TIMEOUT after `timeoutMs`, with `why()` (what
 * is still wrong) in the message.
 */
export function waitForState(
  peers: readonly ChildPeer[],
  holds: () => boolean,
  timeoutMs: number,
  what: string,
  why: () => string = () => '',
): Promise<void> {
  if (holds()) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const stops: (() => void)[] = [];
    const end = (): void => {
      clearTimeout(timer);
      for (const stop of stops) stop();
    };
    const timer = setTimeout(() => {
      end();
      const detail = why();
      reject(new P2PError('ERR_TIMEOUT', `no ${what} within ${timeoutMs} ms${detail === '' ? '' : `: ${detail}`}`));
    }, timeoutMs);
    for (const peer of peers) {
      stops.push(
        peer.onEvent(() => {
          if (!holds()) return;
          end();
          resolve();
        }),
      );
    }
  });
}

/** Resolves after `ms`: the length of a fault (a freeze, the pause before a restart), never a wait for a state. */
export function pause(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
