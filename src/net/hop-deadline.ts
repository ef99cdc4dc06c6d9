/**
 * Hop deadlines: a request that its sender has given up on is never obeyed.
 *
 * `sendRequest` waits a bounded time for the receiver to read a frame; when
 * that passes, the sender takes the hop as failed and routes around the
 * receiver (or reports the peer unreachable). A receiver that was frozen
 * (SIGSTOP) or starved has its kernel accept the connection and buffer the
 * frame all the same, and reads it when it resumes. Obeying it then would
 * handle the request twice: once on the way the sender chose instead, and
 * once here.
 *
 * So each frame says when it was sent (`_sent`, the sender's clock, ms) and
 * how long the sender waits for it (`_wait`, ms: its timeout less a margin
 * for the receiver's close to travel back). The receiver drops a frame that
 * took longer than `_wait` to reach it. Clocks need not agree: the transit
 * is measured against the fastest frame seen from the same sender (as NTP's
 * minimum-delay filter does), which cancels the offset between the two
 * clocks. A frame from a sender never seen before is taken: the first frame
 * fixes the baseline. Dropped frames are counted and noted, never printed.
 */
import { HOP_ACK_MARGIN_MS, HOP_MAX_SENDERS } from '../constants.js';
import type { Request } from '../protocol/types.js';

/** The pairs that stamp a hop: sent now, waited on for `timeoutMs` by the caller (encodeRequest's `extra`). */
export function hopStamp(timeoutMs: number, now = Date.now()): { _sent: string; _wait: string } {
  return { _sent: String(now), _wait: String(Math.max(0, timeoutMs - HOP_ACK_MARGIN_MS)) };
}

/** `req` with its hop stamped (a copy; the sender encodes hopStamp's pairs instead). */
export function stampHop(req: Request, timeoutMs: number, now = Date.now()): Request {
  return { ...req, content: { ...req.content, ...hopStamp(timeoutMs, now) } };
}

/** Transit baselines by sender: decides whether a frame came too late. */
export class HopClock {
  /** sender ID -> smallest (receipt - sent) seen, ms: transit plus clock offset. */
  private readonly fastest = new Map<number, number>();

  /**
   * How late `req` is (ms past its sender's wait), or 0 when it is on time
   * or carries no stamp. Updates the sender's baseline.
   */
  lateBy(req: Request, now = Date.now()): number {
    const sent = Number(req.content._sent);
    const wait = Number(req.content._wait);
    if (req.content._sent === undefined || req.content._wait === undefined || !Number.isFinite(sent) || !Number.isFinite(wait)) return 0;
    const seen = now - sent;
    const base = this.fastest.get(req.source);
    const fastest = base === undefined ? seen : Math.min(base, seen);
    // Re-insert: the map's order is then least recently heard first.
    this.fastest.delete(req.source);
    this.fastest.set(req.source, fastest);
    if (this.fastest.size > HOP_MAX_SENDERS) this.fastest.delete(this.fastest.keys().next().value as number);
    const transit = seen - fastest;
    return transit > wait ? transit - wait : 0;
  }
}
