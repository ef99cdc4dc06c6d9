/**
 * How a printed line is compared with the specification's: strictly (the
 * default: the very same characters), or tolerantly (`--tolerant`: case and
 * spacing aside). Either way, a line that differs only in case or spacing is
 * told apart from a wrong one, so the report can say which it was.
 */
import { FILE_SENT, isPingLine } from '../model/lines.js';

/** The line with case folded and runs of spaces made one, ends trimmed. */
export function normalize(line: string): string {
  return line.toLowerCase().replace(/\s+/g, ' ').trim();
}

/** True when `printed` is `expected`, exactly or (tolerant) up to case and spacing. */
export function sameLine(expected: string, printed: string, tolerant: boolean): boolean {
  return expected === printed || (tolerant && normalize(expected) === normalize(printed));
}

/** True when the two differ, but only in case or spacing. */
export function nearlySame(expected: string, printed: string): boolean {
  return expected !== printed && normalize(expected) === normalize(printed);
}

/** A ping line, in any case and spacing: periodic, so looked for rather than aligned. */
export function isPingish(line: string): boolean {
  return isPingLine(line) || /^ping (requests? sent to|request message received from|response received from) /.test(normalize(line));
}

/**
 * The expected lines of a step at one peer, with the specification's one
 * freedom of order: a peer that requests a file it owns tells the sending end
 * and the receiving end of one transfer from two threads, so the sender's
 * "The file has been sent" may come later than its place (never earlier).
 * When `printed` (the peer's lines from the step's start) has it later, it
 * moves there; otherwise the order stays the model's.
 */
export function fitFileSent<T extends { readonly text: string }>(expected: readonly T[], printed: readonly string[], tolerant: boolean): T[] {
  const at = expected.findIndex((e) => e.text === FILE_SENT);
  if (at < 0) return [...expected];
  const others = expected.filter((_, i) => i !== at);
  // How many of the others the peer printed, in order, before its FILE_SENT.
  let matched = 0;
  for (const line of printed) {
    if (sameLine(FILE_SENT, line, tolerant)) break;
    if (matched < others.length && sameLine((others[matched] as T).text, line, tolerant)) matched++;
  }
  const place = Math.max(at, matched);
  return [...others.slice(0, place), expected[at] as T, ...others.slice(place)];
}
