/**
 * Comparing what a peer printed with what the model says it must print.
 * Lines are compared exactly and in order, with one freedom: the owner's
 * "The file has been sent" may come later than the model puts it. When a
 * peer requests a file it owns, the sending end (the owner's) and the
 * receiving end (the requester's) of the one transfer are told by two
 * threads of that peer, so the sender's last line and the receiver's lines
 * have no fixed order; it can never come earlier than its place.
 */
import { FILE_SENT } from './lines.js';

/** True when `actual` is `expected`, up to the one freedom above. */
export function sameLines(expected: readonly string[], actual: readonly string[]): boolean {
  if (expected.length !== actual.length) return false;
  const others = (lines: readonly string[]): string[] => lines.filter((l) => l !== FILE_SENT);
  const e = others(expected);
  const a = others(actual);
  if (e.length !== a.length || e.some((l, i) => l !== a[i])) return false;
  // Each FILE_SENT of `actual` comes after at least as many other lines as its counterpart in `expected`.
  const places = (lines: readonly string[]): number[] => {
    const out: number[] = [];
    let before = 0;
    for (const l of lines) {
      if (l === FILE_SENT) out.push(before);
      else before += 1;
    }
    return out;
  };
  const pa = places(actual);
  return places(expected).every((p, i) => (pa[i] ?? -1) >= p);
}

/** A peer whose lines differ from the model's. */
export interface LineMismatch {
  readonly peer: number;
  readonly expected: readonly string[];
  readonly actual: readonly string[];
}

/**
 * Every peer whose printed lines differ from the expected ones. Peers in
 * `printed` but not in `expected` must have printed nothing; peers in
 * `expected` but not in `printed` printed nothing.
 */
export function mismatches(
  expected: Readonly<Record<number, readonly string[]>>,
  printed: Readonly<Record<number, readonly string[]>>,
): LineMismatch[] {
  const peers = [...new Set([...Object.keys(expected), ...Object.keys(printed)].map(Number))].sort((a, b) => a - b);
  const out: LineMismatch[] = [];
  for (const peer of peers) {
    const e = expected[peer] ?? [];
    const a = printed[peer] ?? [];
    if (!sameLines(e, a)) out.push({ peer, expected: e, actual: a });
  }
  return out;
}

/** One mismatch as text, for reports: the peer, then each side. */
export function formatMismatch(m: LineMismatch): string {
  return [
    `peer ${m.peer}:`,
    `  expected: ${m.expected.length === 0 ? '(nothing)' : JSON.stringify(m.expected)}`,
    `  printed:  ${m.actual.length === 0 ? '(nothing)' : JSON.stringify(m.actual)}`,
  ].join('\n');
}
