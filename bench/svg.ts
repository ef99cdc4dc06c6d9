/**
 * Inline SVG charts for the benchmark report: no library, no network. An XY
 * chart (linear or log axes; lines, dashed theory lines, markers, range bars)
 * and a horizontal bar chart. Every chart carries a title, axis labels and a
 * legend, so it reads on its own.
 */

/** One series of an XY chart. */
export interface Series {
  readonly name: string;
  readonly color: string;
  readonly points: readonly (readonly [number, number])[];
  /** Draw a line through the points (default true). */
  readonly line?: boolean;
  /** Dashed line (theory, bounds). */
  readonly dashed?: boolean;
  /** Marker at each point: filled, hollow, or none (default filled when there is no line). */
  readonly marker?: 'filled' | 'hollow' | 'none';
  /** Marker radius in px (default 3.5). */
  readonly radius?: number;
  /** Vertical range bars [x, low, high]. */
  readonly ranges?: readonly (readonly [number, number, number])[];
}

/** An XY chart. */
export interface XYChart {
  readonly title: string;
  readonly xLabel: string;
  readonly yLabel: string;
  readonly series: readonly Series[];
  readonly xLog?: boolean;
  readonly yLog?: boolean;
  /** Tick positions (default: powers of 10 on a log axis, 6 round steps otherwise). */
  readonly xTicks?: readonly number[];
  readonly yTicks?: readonly number[];
  readonly xFormat?: (x: number) => string;
  readonly yFormat?: (y: number) => string;
  /** Force the y range to include 0 (linear axis only). */
  readonly yFromZero?: boolean;
}

const W = 720;
const H = 400;
const M = { left: 70, right: 190, top: 36, bottom: 50 };
const FONT = 'system-ui, Helvetica, Arial, sans-serif';

/** Escapes text for XML. */
export function esc(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** A short number: 65536 -> 65536, 0.000123 -> 1.2e-4, 1234.5 -> 1235. */
export function shortNumber(x: number): string {
  if (x === 0) return '0';
  const a = Math.abs(x);
  if (a >= 1e6 || a < 1e-2) return x.toExponential(1).replace('e+', 'e');
  if (a >= 100 || Number.isInteger(x)) return String(Math.round(x));
  return String(Number(x.toFixed(a >= 10 ? 1 : 2)));
}

function niceTicks(lo: number, hi: number, count = 6): number[] {
  const span = hi - lo || Math.abs(hi) || 1;
  const raw = span / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = ([1, 2, 2.5, 5, 10].find((f) => f * mag >= raw) ?? 10) * mag;
  const ticks: number[] = [];
  for (let t = Math.ceil(lo / step) * step; t <= hi + step * 1e-9; t += step) ticks.push(Number(t.toPrecision(12)));
  return ticks;
}

function logTicks(lo: number, hi: number): number[] {
  const ticks: number[] = [];
  for (let e = Math.floor(Math.log10(lo)); e <= Math.ceil(Math.log10(hi)); e++) {
    const t = 10 ** e;
    if (t >= lo * 0.999 && t <= hi * 1.001) ticks.push(t);
  }
  return ticks;
}

/** Maps data to pixels along one axis. */
function scale(lo: number, hi: number, log: boolean, p0: number, p1: number): (v: number) => number {
  const f = log ? Math.log10 : (v: number): number => v;
  const a = f(lo);
  const b = f(hi);
  return (v) => p0 + ((f(v) - a) / (b - a || 1)) * (p1 - p0);
}

function extent(values: readonly number[], log: boolean, fromZero: boolean): [number, number] {
  const vs = values.filter((v) => Number.isFinite(v) && (!log || v > 0));
  let lo = Math.min(...vs);
  const hi = Math.max(...vs);
  if (!Number.isFinite(lo)) return log ? [1, 10] : [0, 1];
  if (log) return [lo / 1.25, hi * 1.25];
  if (fromZero) lo = Math.min(0, lo);
  const pad = (hi - lo || Math.abs(hi) || 1) * 0.05;
  return [fromZero && lo === 0 ? 0 : lo - pad, hi + pad];
}

/** An XY chart as an <svg> element. */
export function xyChart(c: XYChart): string {
  const xs = c.series.flatMap((s) => [...s.points.map((p) => p[0]), ...(s.ranges ?? []).map((r) => r[0])]);
  const ys = c.series.flatMap((s) => [...s.points.map((p) => p[1]), ...(s.ranges ?? []).flatMap((r) => [r[1], r[2]])]);
  const [x0, x1] = extent(xs, c.xLog === true, false);
  const [y0, y1] = extent(ys, c.yLog === true, c.yFromZero === true);
  const sx = scale(x0, x1, c.xLog === true, M.left, W - M.right);
  const sy = scale(y0, y1, c.yLog === true, H - M.bottom, M.top);
  const xf = c.xFormat ?? shortNumber;
  const yf = c.yFormat ?? shortNumber;
  const xt = (c.xTicks ?? (c.xLog === true ? logTicks(x0, x1) : niceTicks(x0, x1))).filter((t) => t >= x0 && t <= x1);
  const yt = (c.yTicks ?? (c.yLog === true ? logTicks(y0, y1) : niceTicks(y0, y1))).filter((t) => t >= y0 && t <= y1);
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" role="img" aria-label="${esc(c.title)}" font-family="${FONT}">`,
    `<rect width="${W}" height="${H}" fill="#fff"/>`,
    `<text x="${M.left}" y="20" font-size="14" font-weight="bold">${esc(c.title)}</text>`,
  ];
  for (const t of xt) {
    const x = sx(t).toFixed(1);
    out.push(`<line x1="${x}" x2="${x}" y1="${M.top}" y2="${H - M.bottom}" stroke="#eee"/>`);
    out.push(`<text x="${x}" y="${H - M.bottom + 16}" font-size="11" text-anchor="middle">${esc(xf(t))}</text>`);
  }
  for (const t of yt) {
    const y = sy(t).toFixed(1);
    out.push(`<line x1="${M.left}" x2="${W - M.right}" y1="${y}" y2="${y}" stroke="#eee"/>`);
    out.push(`<text x="${M.left - 6}" y="${y}" font-size="11" text-anchor="end" dominant-baseline="middle">${esc(yf(t))}</text>`);
  }
  out.push(`<rect x="${M.left}" y="${M.top}" width="${W - M.left - M.right}" height="${H - M.top - M.bottom}" fill="none" stroke="#888"/>`);
  out.push(`<text x="${(M.left + W - M.right) / 2}" y="${H - 10}" font-size="12" text-anchor="middle">${esc(c.xLabel)}</text>`);
  out.push(
    `<text transform="translate(16 ${(M.top + H - M.bottom) / 2}) rotate(-90)" font-size="12" text-anchor="middle">${esc(c.yLabel)}</text>`,
  );
  const ok = (p: readonly [number, number]): boolean =>
    Number.isFinite(p[0]) && Number.isFinite(p[1]) && (c.xLog !== true || p[0] > 0) && (c.yLog !== true || p[1] > 0);
  c.series.forEach((s, i) => {
    const pts = s.points.filter(ok);
    const dash = s.dashed === true ? ' stroke-dasharray="6 4"' : '';
    if (s.line !== false && pts.length > 1) {
      const d = pts.map((p, k) => `${k === 0 ? 'M' : 'L'}${sx(p[0]).toFixed(1)},${sy(p[1]).toFixed(1)}`).join('');
      out.push(`<path d="${d}" fill="none" stroke="${s.color}" stroke-width="2"${dash}/>`);
    }
    for (const [x, lo, hi] of s.ranges ?? []) {
      if (!ok([x, lo]) || !ok([x, hi])) continue;
      const px = sx(x).toFixed(1);
      out.push(`<line x1="${px}" x2="${px}" y1="${sy(lo).toFixed(1)}" y2="${sy(hi).toFixed(1)}" stroke="${s.color}" stroke-width="1.5"/>`);
    }
    const marker = s.marker ?? (s.line === false ? 'filled' : 'none');
    if (marker !== 'none') {
      const fill = marker === 'filled' ? s.color : '#fff';
      const r = s.radius ?? 3.5;
      for (const p of pts)
        out.push(
          `<circle cx="${sx(p[0]).toFixed(1)}" cy="${sy(p[1]).toFixed(1)}" r="${r}" fill="${fill}" stroke="${s.color}" stroke-width="1.5"/>`,
        );
    }
    const ly = M.top + 8 + i * 18;
    const lx = W - M.right + 12;
    if (s.line !== false) out.push(`<line x1="${lx}" x2="${lx + 22}" y1="${ly}" y2="${ly}" stroke="${s.color}" stroke-width="2"${dash}/>`);
    if (marker !== 'none')
      out.push(`<circle cx="${lx + 11}" cy="${ly}" r="3.5" fill="${marker === 'filled' ? s.color : '#fff'}" stroke="${s.color}"/>`);
    out.push(`<text x="${lx + 28}" y="${ly}" font-size="11" dominant-baseline="middle">${esc(s.name)}</text>`);
  });
  out.push('</svg>');
  return out.join('\n');
}

/** A horizontal bar chart: one bar per label. */
export function barChart(c: {
  title: string;
  xLabel: string;
  bars: readonly { label: string; value: number; color: string }[];
  format?: (v: number) => string;
}): string {
  const rowH = 24;
  const left = 210;
  const right = 90;
  const height = 50 + c.bars.length * rowH + 30;
  const max = Math.max(...c.bars.map((b) => b.value), 1e-9);
  const f = c.format ?? shortNumber;
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${W} ${height}" width="${W}" height="${height}" role="img" aria-label="${esc(c.title)}" font-family="${FONT}">`,
    `<rect width="${W}" height="${height}" fill="#fff"/>`,
    `<text x="12" y="20" font-size="14" font-weight="bold">${esc(c.title)}</text>`,
  ];
  c.bars.forEach((b, i) => {
    const y = 40 + i * rowH;
    const w = ((W - left - right) * b.value) / max;
    out.push(`<text x="${left - 8}" y="${y + rowH / 2 - 2}" font-size="11" text-anchor="end" dominant-baseline="middle">${esc(b.label)}</text>`);
    out.push(`<rect x="${left}" y="${y}" width="${w.toFixed(1)}" height="${rowH - 6}" fill="${b.color}"/>`);
    out.push(
      `<text x="${(left + w + 6).toFixed(1)}" y="${y + rowH / 2 - 2}" font-size="11" dominant-baseline="middle">${esc(f(b.value))}</text>`,
    );
  });
  out.push(`<text x="${left}" y="${height - 10}" font-size="12">${esc(c.xLabel)}</text>`);
  out.push('</svg>');
  return out.join('\n');
}
