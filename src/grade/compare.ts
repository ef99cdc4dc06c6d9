/**
 * How a printed line is compared with the specification's: strictly (the
 * default: the very same characters), or tolerantly (`--tolerant`: case and
 * spacing aside). Either way, a line that differs only in case or spacing is
 * told apart from a wrong one, so the report can say which it was.
 */
import { isPingLine } from '../model/lines.js';

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
