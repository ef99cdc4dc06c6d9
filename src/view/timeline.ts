/**
 * The page's timeline: every event received, in time order, and a model
 * built from those up to a cursor. Live, the cursor follows the newest
 * event; paused, it stays; replayed or scrubbed, it moves to a time, the
 * model rebuilt from the first event when it moves back (no DOM, no Node:
 * the page and the unit tests share it).
 */
import type { PeerEvent } from '../runtime/events.js';
import { ViewModel } from './model.js';

/** Events in time order, and the model of the first `cursor` of them. */
export class Timeline {
  private readonly events: PeerEvent[] = [];
  private readonly times: number[] = [];
  /** Events applied to `model`. */
  cursor = 0;
  model: ViewModel;

  constructor(private readonly idBits?: number) {
    this.model = new ViewModel(idBits);
  }

  /** Events held. */
  get size(): number {
    return this.events.length;
  }

  /** Time of the first event (ms), or NaN when there is none. */
  get start(): number {
    return this.times[0] ?? NaN;
  }

  /** Time of the last event (ms), or NaN. */
  get end(): number {
    return this.times.at(-1) ?? NaN;
  }

  /** The event at `i` (in time order). */
  at(i: number): PeerEvent | undefined {
    return this.events[i];
  }

  /**
   * Adds events. One older than the last goes in its place by time (peers'
   * streams interleave); one that lands before the cursor is applied at
   * once, a little out of order, rather than rebuilding the model.
   */
  add(events: readonly PeerEvent[], follow: boolean): void {
    for (const e of events) {
      const t = Date.parse(e.time);
      const time = Number.isFinite(t) ? t : (this.times.at(-1) ?? 0);
      let i = this.times.length;
      while (i > 0 && this.times[i - 1]! > time) i--;
      this.events.splice(i, 0, e);
      this.times.splice(i, 0, time);
      if (i < this.cursor) {
        this.model.apply(e);
        this.cursor++;
      }
    }
    if (follow) this.advanceTo(Infinity);
  }

  /** Applies the events up to and including time `t` (ms). */
  advanceTo(t: number): void {
    while (this.cursor < this.events.length && this.times[this.cursor]! <= t) this.model.apply(this.events[this.cursor++]!);
  }

  /** Applies one more event; false at the end. */
  step(): boolean {
    const e = this.events[this.cursor];
    if (e === undefined) return false;
    this.model.apply(e);
    this.cursor++;
    return true;
  }

  /** Moves the cursor to time `t`: forward by applying, back by rebuilding from the first event. */
  seek(t: number): void {
    if (this.cursor > 0 && this.times[this.cursor - 1]! > t) {
      this.model = new ViewModel(this.idBits ?? this.model.idBits);
      this.cursor = 0;
    }
    this.advanceTo(t);
  }

  /** Forgets every event (a new source). */
  clear(): void {
    this.events.length = 0;
    this.times.length = 0;
    this.cursor = 0;
    this.model = new ViewModel(this.idBits);
  }
}

/** Parses a JSON-lines text into events, skipping lines that are not events. */
export function parseEventLines(text: string): PeerEvent[] {
  const out: PeerEvent[] = [];
  for (const line of text.split('\n')) {
    const s = line.trim();
    if (!s.startsWith('{')) continue;
    try {
      const v = JSON.parse(s) as Partial<PeerEvent>;
      if (typeof v.peer === 'number' && typeof v.kind === 'string' && typeof v.time === 'string') out.push(v as PeerEvent);
    } catch {
      // not an event line: skipped
    }
  }
  return out;
}
