/**
 * Unexpected errors of a role thread: reported with a code, and survived.
 *
 * Every failure the runtime expects (a peer that cannot be reached, an
 * answer that never comes, a bad frame) is handled where it happens. What
 * escapes that — a bug, or a failure nobody foresaw — used to end the thread
 * (Node's default for an unhandled rejection or an uncaught exception), and
 * with it the whole peer (issue 11: a lookup's answer timer rejected while
 * its forward was still pending, and killed the consumer). Here such an
 * error becomes an `internal-error` event, a stderr line with code
 * ERR_INTERNAL, and the thread carries on serving: a peer that keeps its
 * ring and its files is worth more than one that stops at the first bug.
 * (Node's documentation warns that state after an uncaught exception may be
 * inconsistent; the roles keep their state in plain data updated between
 * awaits, and a role whose loop itself breaks still says `fatal`, which ends
 * the peer loudly.)
 *
 * The lines are rate-limited: the first error of a quiet spell is printed at
 * once, later ones are counted, and a flood prints one summary line per
 * FAULT_REPORT_INTERVAL_MS, never a line per error.
 */
import { FAULT_REPORT_INTERVAL_MS } from '../constants.js';
import { errorLine, isP2PError } from '../errors.js';
import type { Emit } from './events.js';

/** Reports an unexpected error and where it was caught ("unhandled rejection", "chord round"...). */
export type Fault = (err: unknown, where: string) => void;

/** What a fault reporter needs. */
export interface FaultReporterOptions {
  /** Peer ID, for the line. */
  readonly peer: number;
  /** Thread name, for the line ("consumer"). */
  readonly role: string;
  readonly emit: Emit;
  /** Counts one error in the role's counters (shown by `status`). */
  readonly count?: () => void;
  /** Length of a reporting interval (ms). */
  readonly intervalMs?: number;
}

/** The code and message of anything thrown. */
function describeError(err: unknown): { cause: string; message: string } {
  if (isP2PError(err)) return { cause: err.code, message: err.message };
  if (err instanceof Error) {
    const code = (err as { code?: unknown }).code;
    return { cause: typeof code === 'string' ? code : err.name, message: err.message };
  }
  return { cause: 'non-error', message: String(err) };
}

/** Rate-limited reporting of one thread's unexpected errors. */
export class FaultReporter {
  /** Errors reported in all. */
  total = 0;
  private readonly intervalMs: number;
  /** Set while an interval is open: errors are counted, not printed. */
  private timer: NodeJS.Timeout | undefined;
  private counted = 0;
  private last: { where: string; cause: string; message: string } | undefined;

  constructor(private readonly opts: FaultReporterOptions) {
    this.intervalMs = opts.intervalMs ?? FAULT_REPORT_INTERVAL_MS;
  }

  /** Reports one error; never throws. */
  readonly report: Fault = (err, where) => {
    this.total += 1;
    try {
      this.opts.count?.();
      const { cause, message } = describeError(err);
      if (this.timer === undefined) {
        this.print(`an unexpected error: ${where}: ${cause}: ${message}`, { where, cause, message, count: 1 });
        this.open();
        return;
      }
      this.counted += 1;
      this.last = { where, cause, message };
    } catch {
      // Reporting must never become the next uncaught exception.
    }
  };

  /** Prints what is still counted and stops the interval timer. */
  close(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.summarize();
  }

  private open(): void {
    this.timer = setTimeout(() => this.tick(), this.intervalMs);
    this.timer.unref(); // never what keeps a thread alive
  }

  // End of an interval: a summary when errors came, and another interval;
  // after a quiet one, the next error is printed at once.
  private tick(): void {
    this.timer = undefined;
    if (this.summarize()) this.open();
  }

  private summarize(): boolean {
    const last = this.last;
    if (this.counted === 0 || last === undefined) return false;
    const n = this.counted;
    this.counted = 0;
    this.last = undefined;
    const seconds = this.intervalMs / 1000;
    this.print(`${n} more unexpected error${n === 1 ? '' : 's'} within ${seconds} s; the last: ${last.where}: ${last.cause}: ${last.message}`, {
      ...last,
      count: n,
    });
    return true;
  }

  private print(text: string, fields: { where: string; cause: string; message: string; count: number }): void {
    const { peer, role } = this.opts;
    try {
      this.opts.emit('internal-error', errorLine(`peer ${peer}: the ${role} thread carries on after ${text}`, 'ERR_INTERNAL'), {
        stream: 'stderr',
        fields: { code: 'ERR_INTERNAL', role, ...fields },
      });
    } catch {
      // The coordinator's port is gone (the peer is stopping): nobody to tell.
    }
  }
}

/** The events of `process` the guard listens to (an EventEmitter in tests). */
export interface FaultSource {
  on(event: 'unhandledRejection' | 'uncaughtException', listener: (err: unknown) => void): unknown;
  off(event: 'unhandledRejection' | 'uncaughtException', listener: (err: unknown) => void): unknown;
}

/**
 * The last resort of a thread: unhandled rejections and uncaught exceptions
 * go to `fault` instead of ending the thread. Returns the uninstaller.
 */
export function installFaultGuard(source: FaultSource, fault: Fault): () => void {
  const onRejection = (reason: unknown): void => fault(reason, 'unhandled rejection');
  const onException = (err: unknown): void => fault(err, 'uncaught exception');
  source.on('unhandledRejection', onRejection);
  source.on('uncaughtException', onException);
  return () => {
    source.off('unhandledRejection', onRejection);
    source.off('uncaughtException', onException);
  };
}

/**
 * Runs `task` without waiting for it (a timer's round, a command): a
 * rejection, or a synchronous throw, goes to `onError`. The one way to start
 * background work: `void task()` leaves its failure to the last resort.
 */
export function detach(task: () => unknown, onError: (err: unknown) => void): void {
  const fail = (err: unknown): void => {
    try {
      onError(err);
    } catch {
      // onError reports; a report that fails has nowhere left to go.
    }
  };
  try {
    const result = task();
    if (result instanceof Promise) result.catch(fail);
  } catch (err) {
    fail(err);
  }
}
