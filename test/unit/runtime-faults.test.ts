/**
 * A thread's last resort (runtime/faults.ts): unhandled rejections and
 * uncaught exceptions become ERR_INTERNAL reports; a flood prints one line
 * per interval, never one per error; background work started with `detach`
 * never leaves a rejection unobserved. No threads: `process` is stood in for
 * by an EventEmitter, time by vitest's fake clock.
 */
import { EventEmitter } from 'node:events';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { P2PError } from '../../src/errors.js';
import type { EventDetails } from '../../src/runtime/events.js';
import { detach, FaultReporter, installFaultGuard } from '../../src/runtime/faults.js';

const INTERVAL_MS = 1000;

interface Line {
  readonly kind: string;
  readonly line: string | undefined;
  readonly details: EventDetails | undefined;
}

function reporter(): { faults: FaultReporter; lines: Line[]; counted: () => number } {
  const lines: Line[] = [];
  let n = 0;
  const faults = new FaultReporter({
    peer: 29,
    role: 'consumer',
    emit: (kind, line, details) => lines.push({ kind, line, details }),
    count: () => (n += 1),
    intervalMs: INTERVAL_MS,
  });
  return { faults, lines, counted: () => n };
}

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
});
afterEach(() => {
  vi.useRealTimers();
});

describe('installFaultGuard', () => {
  it('turns unhandled rejections and uncaught exceptions into reports, until uninstalled', () => {
    const source = new EventEmitter();
    const seen: [unknown, string][] = [];
    const uninstall = installFaultGuard(source, (err, where) => seen.push([err, where]));
    const timeout = new P2PError('ERR_TIMEOUT', 'no answer to 29-264 within 4000 ms');
    source.emit('unhandledRejection', timeout);
    source.emit('uncaughtException', new TypeError('x is undefined'));
    expect(seen.map(([, where]) => where)).toEqual(['unhandled rejection', 'uncaught exception']);
    expect(seen[0]?.[0]).toBe(timeout);
    uninstall();
    expect(source.listenerCount('unhandledRejection')).toBe(0);
    expect(source.listenerCount('uncaughtException')).toBe(0);
  });
});

describe('FaultReporter', () => {
  it('prints the first error at once, on stderr, with ERR_INTERNAL and the error’s own code', () => {
    const { faults, lines, counted } = reporter();
    faults.report(new P2PError('ERR_TIMEOUT', 'no answer to 29-264 within 4000 ms'), 'unhandled rejection');
    expect(lines).toHaveLength(1);
    expect(lines[0]?.kind).toBe('internal-error');
    expect(lines[0]?.details?.stream).toBe('stderr');
    expect(lines[0]?.line).toBe(
      'p2p: peer 29: the consumer thread carries on after an unexpected error: unhandled rejection: ERR_TIMEOUT: no answer to 29-264 within 4000 ms (ERR_INTERNAL)',
    );
    expect(lines[0]?.details?.fields).toMatchObject({ code: 'ERR_INTERNAL', cause: 'ERR_TIMEOUT', where: 'unhandled rejection', count: 1 });
    expect(counted()).toBe(1);
    faults.close();
  });

  it('prints a flood as one count per interval, never a line per error', async () => {
    const { faults, lines, counted } = reporter();
    for (let i = 0; i < 1000; i++) faults.report(new Error(`boom ${i}`), 'uncaught exception');
    expect(lines).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(INTERVAL_MS);
    expect(lines).toHaveLength(2);
    expect(lines[1]?.line).toBe(
      'p2p: peer 29: the consumer thread carries on after 999 more unexpected errors within 1 s; the last: uncaught exception: Error: boom 999 (ERR_INTERNAL)',
    );
    expect(lines[1]?.details?.fields).toMatchObject({ code: 'ERR_INTERNAL', count: 999 });
    // The flood goes on: one more line per interval.
    for (let i = 0; i < 500; i++) faults.report(new Error('again'), 'uncaught exception');
    await vi.advanceTimersByTimeAsync(INTERVAL_MS);
    expect(lines).toHaveLength(3);
    expect(lines[2]?.details?.fields).toMatchObject({ count: 500 });
    // A quiet interval closes the window: the next error is printed at once.
    await vi.advanceTimersByTimeAsync(INTERVAL_MS);
    expect(lines).toHaveLength(3);
    faults.report('not an Error', 'unhandled rejection');
    expect(lines).toHaveLength(4);
    expect(lines[3]?.details?.fields).toMatchObject({ cause: 'non-error', count: 1 });
    expect(counted()).toBe(1501);
    expect(faults.total).toBe(1501);
    faults.close();
    expect(vi.getTimerCount()).toBe(0);
  });

  it('prints what it still counts when closed', () => {
    const { faults, lines } = reporter();
    faults.report(new Error('one'), 'here');
    faults.report(new Error('two'), 'there');
    faults.close();
    expect(lines.map((l) => l.details?.fields?.count)).toEqual([1, 1]);
    expect(lines[1]?.line).toContain('1 more unexpected error within');
  });

  it('never throws, even when its emitter does', () => {
    const faults = new FaultReporter({
      peer: 1,
      role: 'consumer',
      emit: () => {
        throw new Error('port closed');
      },
    });
    expect(() => faults.report(new Error('x'), 'here')).not.toThrow();
    faults.close();
  });
});

describe('detach', () => {
  it('hands a rejection, or a synchronous throw, to onError', async () => {
    const errors: unknown[] = [];
    detach(
      () => Promise.reject(new Error('later')),
      (err) => errors.push(err),
    );
    detach(
      () => {
        throw new Error('at once');
      },
      (err) => errors.push(err),
    );
    detach(
      () => 42,
      (err) => errors.push(err),
    );
    expect(errors.map((e) => (e as Error).message)).toEqual(['at once']);
    await Promise.resolve();
    await Promise.resolve();
    expect(errors.map((e) => (e as Error).message)).toEqual(['at once', 'later']);
  });

  it('leaves no unhandled rejection when onError itself throws', async () => {
    const unhandled: unknown[] = [];
    const spy = (reason: unknown): void => {
      unhandled.push(reason);
    };
    process.on('unhandledRejection', spy);
    try {
      detach(
        () => Promise.reject(new Error('later')),
        () => {
          throw new Error('reporting failed');
        },
      );
      for (let i = 0; i < 3; i++) await new Promise<void>((resolve) => setImmediate(resolve));
      expect(unhandled).toEqual([]);
    } finally {
      process.off('unhandledRejection', spy);
    }
  });
});
