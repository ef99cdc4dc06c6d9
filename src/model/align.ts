/**
 * Aligning a transcript with the lines expected of it: the longest common
 * subsequence of the two, so that every expected line is either matched to
 * one printed line (in order) or missing, and every printed line either
 * matches or is extra. The grader reads its evidence from the alignment
 * (which line is missing, which came late, which differs only in case or
 * spacing); a plain comparison only says whether they are equal.
 */

/** One row of an alignment: an expected line and the printed line matched to it, or either alone. */
export interface AlignedRow {
  /** Index into the expected lines, or undefined for an extra printed line. */
  readonly expected?: number | undefined;
  /** Index into the printed lines, or undefined for a missing expected line. */
  readonly actual?: number | undefined;
}

/**
 * The alignment of `expected` and `actual` that matches the most lines,
 * `matches(e, a)` saying which pairs may match: false (or 0) for none, true
 * (1) or a higher weight for a better match, the alignment of the greatest
 * total weight winning (a line printed in its step's time beats the same
 * text printed later). Rows in the order of both sequences, an extra printed
 * line placed before the missing expected lines at the same point.
 * O(|expected|·|actual|): transcripts are a few hundred lines.
 */
export function alignLines<E, A>(expected: readonly E[], actual: readonly A[], matches: (e: E, a: A) => boolean | number): AlignedRow[] {
  const weight = (e: E, a: A): number => Number(matches(e, a));
  const n = expected.length;
  const m = actual.length;
  // best[i][j]: most matches between expected[i..] and actual[j..].
  const best: Uint32Array[] = Array.from({ length: n + 1 }, () => new Uint32Array(m + 1));
  for (let i = n - 1; i >= 0; i--) {
    const row = best[i] as Uint32Array;
    const below = best[i + 1] as Uint32Array;
    for (let j = m - 1; j >= 0; j--) {
      const skip = Math.max(below[j] as number, row[j + 1] as number);
      const w = weight(expected[i] as E, actual[j] as A);
      row[j] = w > 0 ? Math.max(skip, (below[j + 1] as number) + w) : skip;
    }
  }
  const rows: AlignedRow[] = [];
  let i = 0;
  let j = 0;
  while (i < n || j < m) {
    const here = i < n ? ((best[i] as Uint32Array)[j] as number) : 0;
    const w = i < n && j < m ? weight(expected[i] as E, actual[j] as A) : 0;
    if (w > 0 && here === ((best[i + 1] as Uint32Array)[j + 1] as number) + w) {
      rows.push({ expected: i++, actual: j++ });
    } else if (j < m && (i === n || here === ((best[i] as Uint32Array)[j + 1] as number))) {
      rows.push({ actual: j++ });
    } else {
      rows.push({ expected: i++ });
    }
  }
  return rows;
}
