/**
 * What every whole-system benchmark shares: the machine record, the result
 * file, plain statistics, invariant bookkeeping, a progress bar (on a
 * terminal only) and the "run me when I am the entry point" guard.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { packageRoot } from '../src/runtime/worker-path.js';
import { machineInfo, type MachineInfo } from '../src/runtime/machine.js';

export { machineInfo, type MachineInfo };

/** The machine and the moment a result was measured on. */

/** One benchmark's result file: the machine, the exact parameters, what was measured. */
export interface BenchResult<P, R> extends MachineInfo {
  parameters: P;
  results: R;
  /** Broken invariants (a lookup at the wrong owner, a file that differs...); empty when all held. */
  invariantFailures: string[];
  /** Wall-clock seconds the benchmark took. */
  seconds: number;
}

/** bench/results of the source tree, whether this runs compiled (dist/bench) or as TypeScript. */
export function defaultResultsDir(): string {
  return path.join(packageRoot(), 'bench', 'results');
}

/** Writes `<dir>/<name>.json` (pretty) and returns its path. */
export function writeResult(dir: string, name: string, result: unknown): string {
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `${name}.json`);
  writeFileSync(file, `${JSON.stringify(result, null, 2)}\n`);
  return file;
}

/** True when the module at `importMetaUrl` is the script node was started with. */
export function isEntryPoint(importMetaUrl: string): boolean {
  const script = process.argv[1];
  return script !== undefined && importMetaUrl === pathToFileURL(script).href;
}

/** Arithmetic mean (NaN for none). */
export function mean(xs: readonly number[]): number {
  return xs.length === 0 ? Number.NaN : xs.reduce((a, b) => a + b, 0) / xs.length;
}

/** Nearest-rank percentile p ∈ (0, 1] (NaN for none), as the routing simulator computes it. */
export function percentile(xs: readonly number[], p: number): number {
  if (xs.length === 0) return Number.NaN;
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.max(0, Math.ceil(p * sorted.length) - 1)] as number;
}

/** Median: the middle value, or the mean of the two middle values (NaN for none). */
export function median(xs: readonly number[]): number {
  if (xs.length === 0) return Number.NaN;
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
}

/** Least-squares line y = intercept + slope·x (NaN slope for fewer than two distinct x). */
export function linearFit(xs: readonly number[], ys: readonly number[]): { intercept: number; slope: number } {
  const mx = mean(xs);
  const my = mean(ys);
  let sxy = 0;
  let sxx = 0;
  xs.forEach((x, i) => {
    sxy += (x - mx) * ((ys[i] as number) - my);
    sxx += (x - mx) ** 2;
  });
  const slope = sxx === 0 ? Number.NaN : sxy / sxx;
  return { intercept: my - (Number.isNaN(slope) ? 0 : slope * mx), slope };
}

/** Collects broken invariants instead of stopping at the first, so the report shows them all. */
export class Invariants {
  readonly failures: string[] = [];

  /** Records `message` when `ok` is false; returns `ok`. */
  check(ok: boolean, message: () => string): boolean {
    if (!ok) this.failures.push(message());
    return ok;
  }
}

/**
 * A one-line progress bar on stderr, with the time left at the pace so far,
 * drawn only when stderr is a terminal (CI logs and pipes get nothing).
 * `tick` advances by one step.
 */
export class Progress {
  private done = 0;
  private readonly started = performance.now();
  // Node leaves `isTTY` undefined on a pipe or a file, though its types say boolean.
  private readonly enabled = (process.stderr as { isTTY?: boolean }).isTTY === true;

  constructor(
    private readonly label: string,
    private readonly total: number,
  ) {
    this.draw('');
  }

  /** One more step done; `detail` says what is running now. */
  tick(detail = ''): void {
    this.done = Math.min(this.total, this.done + 1);
    this.draw(detail);
  }

  /** Shows what is running without advancing. */
  note(detail: string): void {
    this.draw(detail);
  }

  /** Clears the bar. */
  end(): void {
    if (this.enabled) process.stderr.write('\r\x1b[2K');
  }

  private draw(detail: string): void {
    if (!this.enabled) return;
    const width = 20;
    const frac = this.total === 0 ? 1 : this.done / this.total;
    const fill = Math.round(frac * width);
    // Node leaves `columns` undefined when it cannot read the window size, though its types say number.
    const cols = (process.stderr as { columns?: number }).columns ?? 100;
    const eta = etaText(performance.now() - this.started, this.done, this.total);
    const line = `${this.label.padEnd(9)} [${'#'.repeat(fill)}${'.'.repeat(width - fill)}] ${String(Math.round(frac * 100)).padStart(3)}% ${eta} ${detail}`;
    process.stderr.write(`\r\x1b[2K${line.slice(0, cols - 1)}`);
  }
}

/** `ETA 1:05` from the time spent on `done` of `total` steps; `ETA --:--` before the first step ends. */
export function etaText(elapsedMs: number, done: number, total: number): string {
  if (done <= 0) return 'ETA --:--';
  const left = Math.max(0, Math.round(((total - done) * elapsedMs) / done / 1000));
  return `ETA ${Math.floor(left / 60)}:${String(left % 60).padStart(2, '0')}`;
}

/**
 * Entry-point runner of one benchmark: runs `fn`, writes `<name>.json` in
 * bench/results, prints `format(result)`, rewrites the report from every
 * result there (`report`: report.ts's writeReport, passed in so that this
 * file does not import the report, which imports it), and exits non-zero
 * when an invariant broke or the run failed.
 */
export async function runAsMain<P, R>(
  name: string,
  fn: () => Promise<BenchResult<P, R>>,
  format: (result: BenchResult<P, R>) => string,
  report?: (dir: string) => { html: string; markdown: string },
): Promise<void> {
  try {
    const result = await fn();
    const dir = defaultResultsDir();
    const file = writeResult(dir, name, result);
    console.log(format(result));
    console.log(`\nwrote ${file}`);
    if (report !== undefined) {
      const files = report(dir);
      console.log(`wrote ${files.html}\nwrote ${files.markdown}`);
    }
    if (result.invariantFailures.length > 0) {
      console.error(`\n${result.invariantFailures.length} invariant(s) broke:\n  ${result.invariantFailures.join('\n  ')}`);
      process.exitCode = 1;
    }
  } catch (err) {
    console.error(err);
    process.exitCode = 1;
  }
}

/** A number with `digits` decimals, or '—' when it is not finite. */
export function fmt(x: number, digits = 1): string {
  return Number.isFinite(x) ? x.toFixed(digits) : '—';
}

/** Bytes as KiB/MiB/GiB. */
export function formatBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB'];
  let u = 0;
  let v = bytes;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u += 1;
  }
  return `${Number.isInteger(v) ? v : v.toFixed(1)} ${units[u]!}`;
}

/** A Markdown table. */
export function markdownTable(head: readonly string[], rows: readonly (readonly string[])[]): string {
  const line = (cells: readonly string[]): string => `| ${cells.join(' | ')} |`;
  return [line(head), line(head.map((_, i) => (i === 0 ? ':---' : '---:'))), ...rows.map(line)].join('\n');
}
