/**
 * The consumer's one upkeep timer (upkeep/upkeep-clock.ts): periodic tasks
 * on a shared grid, deadline tasks on the first tick past their deadline,
 * and no timer at all while no task has work. Fake timers and clock, in
 * process.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { startPredecessorExpiry } from '../../src/upkeep/membership.js';
import { UpkeepClock } from '../../src/upkeep/upkeep-clock.js';
import { predecessorSilenceMs } from '../../src/timing.js';
import { config, recorded } from '../fixtures/peer-node.js';

const INTERVAL = 1000;

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
});

afterEach(() => {
  vi.useRealTimers();
});

/** A clock on the faked Date, so that its grid and the fake timers agree. */
const clockOf = (): UpkeepClock => new UpkeepClock({ intervalMs: INTERVAL, now: () => Date.now() });

describe('UpkeepClock', () => {
  it('drives every periodic task with one timer: each at its own period, on one grid', async () => {
    const clock = clockOf();
    const runs = { a: 0, b: 0, five: 0 };
    clock.every('a', 1, () => (runs.a += 1));
    clock.every('b', 1, () => (runs.b += 1));
    clock.every('five', 5, () => (runs.five += 1));
    await vi.advanceTimersByTimeAsync(INTERVAL - 1);
    expect(runs).toEqual({ a: 0, b: 0, five: 0 });
    await vi.advanceTimersByTimeAsync(1);
    expect(runs).toEqual({ a: 1, b: 1, five: 0 });
    await vi.advanceTimersByTimeAsync(9 * INTERVAL);
    expect(runs).toEqual({ a: 10, b: 10, five: 2 });
    expect(clock.fired).toBe(10); // one wake-up per interval for all three
    expect(vi.getTimerCount()).toBe(1);
    clock.stop();
    await vi.advanceTimersByTimeAsync(10 * INTERVAL);
    expect(runs).toEqual({ a: 10, b: 10, five: 2 });
    expect(vi.getTimerCount()).toBe(0);
  });

  it('wakes only on the ticks where a periodic task is due', async () => {
    const clock = clockOf();
    let runs = 0;
    clock.every('five', 5, () => (runs += 1));
    await vi.advanceTimersByTimeAsync(20 * INTERVAL);
    expect(runs).toBe(4);
    expect(clock.fired).toBe(4);
    clock.stop();
  });

  it('runs a deadline task on the first tick at or after its deadline, and arms nothing without one', async () => {
    const clock = clockOf();
    let due: number | undefined = Date.now() + 2.5 * INTERVAL;
    const ranAt: number[] = [];
    const start = Date.now();
    clock.add({
      name: 'deadline',
      dueInMs: () => (due === undefined ? undefined : due - Date.now()),
      run: () => {
        ranAt.push(Date.now() - start);
        due = undefined;
      },
    });
    await vi.advanceTimersByTimeAsync(10 * INTERVAL);
    expect(ranAt).toEqual([3 * INTERVAL]);
    expect(clock.fired).toBe(1);
    expect(vi.getTimerCount()).toBe(0);
    due = Date.now() + INTERVAL; // a new deadline, told with reschedule
    clock.reschedule();
    await vi.advanceTimersByTimeAsync(5 * INTERVAL);
    expect(ranAt).toEqual([3 * INTERVAL, 11 * INTERVAL]);
    clock.stop();
  });

  it('reports a task that throws and keeps ticking', async () => {
    const faults: string[] = [];
    const clock = new UpkeepClock({ intervalMs: INTERVAL, now: () => Date.now(), fault: (_err, where) => faults.push(where) });
    let runs = 0;
    clock.every('bad', 1, () => {
      throw new Error('boom');
    });
    clock.every('good', 1, () => (runs += 1));
    await vi.advanceTimersByTimeAsync(3 * INTERVAL);
    expect(faults).toEqual(['bad', 'bad', 'bad']);
    expect(runs).toBe(3);
    clock.stop();
  });

  it('refuses a non-positive interval', () => {
    expect(() => new UpkeepClock({ intervalMs: 0 })).toThrow(RangeError);
  });
});

describe('startPredecessorExpiry', () => {
  it('forgets a silent predecessor on the first tick past its silence, as a check every interval did, and wakes for nothing else', async () => {
    const clock = clockOf();
    const { node, events } = recorded(config(10, [20, 30]));
    const expiry = startPredecessorExpiry(node, clock);
    node.predecessorPinged(0, node.refFor(5), undefined);
    node.predecessorPinged(1, node.refFor(1), undefined); // 1 is then killed
    const silence = predecessorSilenceMs(node.config);
    const start = Date.now();
    // 5 keeps pinging every interval; 1 never again.
    let forgottenAt: number | undefined;
    while (Date.now() - start <= silence + INTERVAL) {
      await vi.advanceTimersByTimeAsync(INTERVAL);
      if (forgottenAt === undefined && node.predecessors[1] === undefined) forgottenAt = Date.now() - start;
      node.predecessorPinged(0, node.refFor(5), undefined);
    }
    expect(node.predecessors.map((p) => p?.id)).toEqual([5, undefined]);
    const forgotten = events.find((e) => e.kind === 'predecessor-silent');
    expect(forgotten?.fields.peer).toBe(1);
    // On the first tick past the silence, as a check on every tick did: not before, not later.
    expect(forgottenAt).toBe(Math.ceil((silence + 1) / INTERVAL) * INTERVAL);
    // Far fewer wake-ups than one per interval: only where an expiry could be due.
    expect(clock.fired).toBeLessThan(Math.ceil((silence + INTERVAL) / INTERVAL));
    expiry.stop();
    clock.stop();
  });
});
