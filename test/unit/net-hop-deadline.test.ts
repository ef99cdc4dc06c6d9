/**
 * Hop deadlines (src/net/hop-deadline.ts): a frame read after its sender gave
 * up is late; clock offsets between sender and receiver cancel out.
 */
import { HOP_ACK_MARGIN_MS } from '../../src/constants.js';
import { describe, expect, it } from 'vitest';
import { HopClock, stampHop } from '../../src/net/hop-deadline.js';
import type { Request } from '../../src/protocol/types.js';

const req = (source: number): Request => ({ type: 'store', source, destination: 9, stamp: `${source}-1`, content: { key: '1234' } });

describe('stampHop', () => {
  it('adds when the frame is sent and how long the sender waits, less the margin for the close', () => {
    const stamped = stampHop(req(4), 5000, 1_000_000);
    expect(stamped.content).toEqual({ key: '1234', _sent: '1000000', _wait: String(5000 - HOP_ACK_MARGIN_MS) });
    expect(req(4).content).toEqual({ key: '1234' }); // a copy: the caller's request is unchanged
  });
});

describe('HopClock', () => {
  it('takes frames that arrive within their wait, whatever the offset between the clocks', () => {
    for (const offset of [0, 7_000, -7_000, 3_600_000]) {
      const clock = new HopClock();
      // The receiver's clock reads `offset` more than the sender's.
      for (let i = 0; i < 5; i++) {
        const sent = 1_000_000 + i * 500;
        expect(clock.lateBy(stampHop(req(4), 5000, sent), sent + offset + 2), `offset ${offset}`).toBe(0);
      }
    }
  });

  it('finds a frame that waited longer than its sender did (the receiver was frozen)', () => {
    const clock = new HopClock();
    const offset = 7_000; // clocks disagree by seconds: it does not matter
    expect(clock.lateBy(stampHop(req(4), 5000, 1_000_000), 1_000_000 + offset + 1)).toBe(0);
    // Sent at 1_001_000, read 10 s later: the sender waited 4 s, so 6 s late (less the first frame's 1 ms transit).
    expect(clock.lateBy(stampHop(req(4), 5000, 1_001_000), 1_011_000 + offset)).toBe(10_000 - 1 - (5000 - HOP_ACK_MARGIN_MS));
    // Another sender's baseline is its own: its first frame is taken.
    expect(clock.lateBy(stampHop(req(5), 5000, 1_001_000), 1_011_000 + offset)).toBe(0);
  });

  it('takes frames without a stamp (older peers, tools)', () => {
    expect(new HopClock().lateBy(req(4), 5)).toBe(0);
  });
});
