/**
 * One timer for all of the consumer's periodic upkeep.
 *
 * Chord's round (stabilize and fix-fingers), the successor-list pull, the
 * periodic reconcile of replication and the expiry of silent predecessors
 * each used to own a timer, each with its own phase: under Chord a peer's
 * consumer woke twice per ping interval for them, and under the ring once
 * per interval for an expiry check that almost never found anything. They
 * now share one clock whose ticks fall on one grid, `origin + k × interval`,
 * and whose single timer is armed only for the next tick at which some task
 * has work:
 *
 * - a periodic task (`every`) runs every n ticks, as its own setInterval
 *   started at the origin did (a late tick delays the task's next run the
 *   way a late setInterval callback does);
 * - a task with a deadline (`add`, e.g. a predecessor's expiry) runs at the
 *   first tick at or after its deadline. A check on a tick before that would
 *   have found nothing, so the task runs on exactly the ticks where the old
 *   once-per-interval check could act. Its deadline is read again after each
 *   run and whenever `reschedule` is called (the predecessors changed).
 *
 * So the protocol's timings (src/timing.ts) are those of the old timers, and
 * an idle ring peer's consumer wakes for upkeep only when a task is due.
 *
 * Time is the monotonic clock (performance.now), so that a wall-clock jump
 * never stretches or skips a tick; deadlines are given as delays from now.
 */
import { performance } from 'node:perf_hooks';

/** A task of the clock. */
export interface UpkeepTask {
  /** For fault reports. */
  readonly name: string;
  /**
   * Milliseconds from now until the task has something to do (≤ 0: now),
   * or undefined when it has nothing to do until `reschedule` is called.
   */
  dueInMs(): number | undefined;
  /** Runs the task; must not throw (a rejection is the task's to handle). */
  run(): void;
}

/** Options of the clock. */
export interface UpkeepClockOptions {
  /** The grid's spacing: the ping interval. */
  readonly intervalMs: number;
  /** Called on every tick the timer fires (counted by tests and `status`). */
  readonly onTick?: () => void;
  /** Reports a task that threw. */
  readonly fault?: (err: unknown, where: string) => void;
  /** The monotonic clock, in ms (tests may inject one). */
  readonly now?: () => number;
}

/** One timer per interval for every periodic task of the consumer. */
export class UpkeepClock {
  private readonly tasks = new Map<UpkeepTask, number | undefined>();
  private readonly now: () => number;
  private readonly origin: number;
  private timer: NodeJS.Timeout | undefined;
  /** The tick the timer is armed for. */
  private armedTick = Infinity;
  /** The last tick that fired: a task is never due again on it. */
  private lastTick = 0;
  private stopped = false;
  private ticks = 0;

  constructor(private readonly opts: UpkeepClockOptions) {
    if (!(opts.intervalMs > 0)) throw new RangeError(`intervalMs must be positive, got ${opts.intervalMs}`);
    this.now = opts.now ?? (() => performance.now());
    this.origin = this.now();
  }

  /** Ticks the timer has fired so far. */
  get fired(): number {
    return this.ticks;
  }

  /** Adds a task with a deadline (see UpkeepTask.dueInMs); returns its remover. */
  add(task: UpkeepTask): () => void {
    this.tasks.set(task, undefined);
    this.reschedule();
    return () => {
      this.tasks.delete(task);
      this.reschedule();
    };
  }

  /**
   * Adds a task that runs every `ticks` ticks, the first time on tick
   * `ticks` (one period after the clock started, as setInterval would).
   */
  every(name: string, ticks: number, run: () => void): () => void {
    if (!Number.isInteger(ticks) || ticks < 1) throw new RangeError(`ticks must be a positive integer, got ${ticks}`);
    let next = ticks;
    const task: UpkeepTask = {
      name,
      dueInMs: () => this.tickTime(next) - this.now(),
      run: () => {
        next = this.lastTick + ticks;
        run();
      },
    };
    return this.add(task);
  }

  /** Reads every task's deadline again and arms the timer for the earliest tick that has work. */
  reschedule(): void {
    if (this.stopped) return;
    const now = this.now();
    let want = Infinity;
    for (const task of this.tasks.keys()) {
      const tick = this.tickFor(task, now);
      this.tasks.set(task, tick);
      want = Math.min(want, tick ?? Infinity);
    }
    if (want === this.armedTick) return;
    clearTimeout(this.timer);
    this.timer = undefined;
    this.armedTick = want;
    if (want === Infinity) return;
    this.timer = setTimeout(() => this.fire(), Math.max(0, this.tickTime(want) - now));
  }

  /** Stops the timer; no task runs after this. */
  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  private fire(): void {
    this.timer = undefined;
    if (this.stopped) return;
    // A timer that fires late (a loaded machine) counts as the tick it is
    // in now, so a periodic task is not run twice to catch up.
    const tick = Math.max(this.armedTick, Math.floor((this.now() - this.origin) / this.opts.intervalMs));
    this.armedTick = Infinity;
    this.lastTick = tick;
    this.ticks += 1;
    this.opts.onTick?.();
    for (const [task, due] of this.tasks) {
      if (due === undefined || due > tick) continue;
      try {
        task.run();
      } catch (err) {
        this.opts.fault?.(err, task.name);
      }
    }
    this.reschedule();
  }

  /** The first tick after the last fired one at or after the task's deadline. */
  private tickFor(task: UpkeepTask, now: number): number | undefined {
    const inMs = task.dueInMs();
    if (inMs === undefined) return undefined;
    // Less a hair: a deadline on a tick (a periodic task's) is that tick, whatever the rounding.
    const at = Math.ceil((now + Math.max(0, inMs) - this.origin) / this.opts.intervalMs - 1e-6);
    return Math.max(at, this.lastTick + 1);
  }

  private tickTime(tick: number): number {
    return this.origin + tick * this.opts.intervalMs;
  }
}
