/**
 * The /proc parsers of the costs benchmark (bench/proc-sample.ts): fields
 * counted from the last ')' of a stat line, schedstat's first field, VmRSS,
 * and CPU as a share of one core. No process is timed here.
 */
import { describe, expect, it } from 'vitest';
import { cpuPercentOfCore, parseSchedstatNs, parseStatTicks, parseVmRssKiB } from '../../bench/proc-sample.js';

// A real /proc/<pid>/stat line of a node process (utime 1234, stime 567).
const STAT =
  '4242 (node) S 1 4242 4242 0 -1 4194560 12000 0 3 0 1234 567 0 0 20 0 11 0 5821 1234567890 25000 18446744073709551615 1 1 0 0 0 0 0 4096 134234626 0 0 0 17 1 0 0 0 0 0';

describe('parseStatTicks', () => {
  it('reads utime and stime (fields 14 and 15)', () => {
    expect(parseStatTicks(STAT)).toEqual({ utime: 1234, stime: 567 });
  });

  it('counts from the last parenthesis, whatever the command name holds', () => {
    const odd = STAT.replace('(node)', '(my (odd) name 1 2 3)');
    expect(parseStatTicks(odd)).toEqual({ utime: 1234, stime: 567 });
  });

  it('refuses a line that is not a stat line', () => {
    expect(() => parseStatTicks('nothing here')).toThrow(SyntaxError);
    expect(() => parseStatTicks('1 (x) S 1')).toThrow(SyntaxError);
  });
});

describe('parseSchedstatNs', () => {
  it('reads the nanoseconds on a CPU', () => {
    expect(parseSchedstatNs('123171 151985 2\n')).toBe(123171);
  });

  it('refuses garbage', () => {
    expect(() => parseSchedstatNs('x y z')).toThrow(SyntaxError);
  });
});

describe('parseVmRssKiB', () => {
  it('reads VmRSS in KiB', () => {
    expect(parseVmRssKiB('Name:\tnode\nVmPeak:\t  900000 kB\nVmRSS:\t   91234 kB\nThreads:\t11\n')).toBe(91234);
  });

  it('is NaN for a process without one (a zombie)', () => {
    expect(parseVmRssKiB('Name:\tnode\nState:\tZ (zombie)\n')).toBeNaN();
  });
});

describe('cpuPercentOfCore', () => {
  it('is the CPU time over the wall time, in % of one core', () => {
    const before = { cpuMs: 100, atMs: 1000, source: 'schedstat' as const };
    expect(cpuPercentOfCore(before, { cpuMs: 130, atMs: 21_000, source: 'schedstat' })).toBeCloseTo(0.15, 10);
    expect(cpuPercentOfCore(before, { cpuMs: 2100, atMs: 2000, source: 'schedstat' })).toBe(200); // two cores busy
  });

  it('is NaN over no time', () => {
    const s = { cpuMs: 1, atMs: 5, source: 'stat' as const };
    expect(cpuPercentOfCore(s, s)).toBeNaN();
  });
});
