/**
 * CPU time and resident memory of a process, read from Linux's /proc: what
 * the costs benchmark samples at both ends of an idle window, for a peer
 * and for its floor process alike.
 *
 * CPU time is the sum over the process's threads of /proc/<pid>/task/<tid>/schedstat
 * (nanoseconds on a CPU, exact), or, where the kernel has no schedstat, of
 * utime + stime from /proc/<pid>/stat (clock ticks, 10 ms each: over a 20 s
 * window one tick is 0.05% of a core). Threads that end inside a window are
 * lost from the sum; a peer's five workers and a floor's five live as long
 * as the process, so an idle window loses none.
 *
 * The parsers are pure (test/unit/bench-proc-sample.test.ts); the readers
 * return undefined for a process that has gone.
 */
import { readdirSync, readFileSync } from 'node:fs';

/** Clock ticks per second of /proc/<pid>/stat (USER_HZ; 100 on every Linux Node supports). */
export const CLOCK_TICKS_PER_SECOND = 100;

/** utime and stime (fields 14 and 15) of a /proc/<pid>/stat line, in clock ticks. */
export function parseStatTicks(line: string): { utime: number; stime: number } {
  // The command name (field 2) is in parentheses and may hold spaces and
  // parentheses of its own: count fields from the last ')'.
  const close = line.lastIndexOf(')');
  if (close < 0) throw new SyntaxError(`not a /proc stat line: ${line.slice(0, 60)}`);
  const rest = line
    .slice(close + 1)
    .trim()
    .split(/\s+/);
  // rest[0] is field 3 (state), so field k is rest[k - 3].
  const utime = Number(rest[14 - 3]);
  const stime = Number(rest[15 - 3]);
  if (!Number.isFinite(utime) || !Number.isFinite(stime)) throw new SyntaxError(`no utime/stime in: ${line.slice(0, 60)}`);
  return { utime, stime };
}

/** Nanoseconds on a CPU: the first field of a /proc/.../schedstat line. */
export function parseSchedstatNs(line: string): number {
  const ns = Number(line.trim().split(/\s+/)[0]);
  if (!Number.isFinite(ns)) throw new SyntaxError(`not a schedstat line: ${line.slice(0, 60)}`);
  return ns;
}

/** VmRSS of a /proc/<pid>/status text, in KiB (NaN when absent, as for a zombie). */
export function parseVmRssKiB(status: string): number {
  const m = /^VmRSS:\s+(\d+)\s+kB/m.exec(status);
  return m === null ? Number.NaN : Number(m[1]);
}

/** One reading of a process's CPU time. */
export interface CpuSample {
  /** CPU time of every thread so far, in ms. */
  cpuMs: number;
  /** When it was read (performance.now()), in ms. */
  atMs: number;
  /** Where the CPU time came from. */
  source: 'schedstat' | 'stat';
}

/** CPU used between two samples of one process, as a percentage of one core over the wall time between them. */
export function cpuPercentOfCore(before: CpuSample, after: CpuSample): number {
  const wall = after.atMs - before.atMs;
  return wall <= 0 ? Number.NaN : (100 * (after.cpuMs - before.cpuMs)) / wall;
}

const readText = (file: string): string | undefined => {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
};

/** Whether this kernel keeps schedstat (CONFIG_SCHED_INFO); checked once, so both ends of a window read the same source. */
const HAS_SCHEDSTAT = readText('/proc/self/schedstat') !== undefined;

/** The CPU time of process `pid` now, every thread summed; undefined when it has gone. */
export function sampleCpu(pid: number): CpuSample | undefined {
  const atMs = performance.now();
  if (!HAS_SCHEDSTAT) {
    const stat = readText(`/proc/${pid}/stat`);
    if (stat === undefined) return undefined;
    const { utime, stime } = parseStatTicks(stat);
    return { cpuMs: ((utime + stime) * 1000) / CLOCK_TICKS_PER_SECOND, atMs, source: 'stat' };
  }
  let tids: string[];
  try {
    tids = readdirSync(`/proc/${pid}/task`);
  } catch {
    return undefined;
  }
  let ns = 0;
  for (const tid of tids) {
    const text = readText(`/proc/${pid}/task/${tid}/schedstat`);
    if (text !== undefined) ns += parseSchedstatNs(text); // undefined: the thread ended since readdir
  }
  return { cpuMs: ns / 1e6, atMs, source: 'schedstat' };
}

/** Resident memory of process `pid` now, in KiB; undefined when it has gone. */
export function sampleRssKiB(pid: number): number | undefined {
  const status = readText(`/proc/${pid}/status`);
  return status === undefined ? undefined : parseVmRssKiB(status);
}
