/**
 * The stdin reader (the report's commandListenerThread): reads typed lines,
 * rejects bad ones at once with a one-line explanation, and pushes good ones
 * into the ring queue as command records for the consumer.
 *
 * Standard input may carry anything (a pasted binary, a runaway script), so
 * lines are split here rather than by readline, whose line buffer has no
 * limit: at most MAX_LINE_BYTES of a line are held, the rest is counted and
 * dropped, and the whole line gets one explanation. Explanations quote what
 * was typed with control and format characters replaced by `?` and cut to
 * MAX_EXPLANATION_CHARS, so that echoing garbage can neither move the
 * terminal's cursor nor spill over several lines.
 */
import { MAX_COMMAND_CHARS, MAX_EXPLANATION_CHARS, MAX_LINE_BYTES } from '../constants.js';
import type { Readable } from 'node:stream';
import { isP2PError, P2PError } from '../errors.js';
import { parseCommand, parseHostLine } from '../protocol/commands.js';
import { encodeCommandRecord } from '../protocol/codec.js';
import type { RingQueue } from '../queue/ring-queue.js';
import type { Emit } from '../runtime/events.js';
import type { PeerState } from '../runtime/peer-state.js';

/** What the stdin reader needs. */
export interface StdinReaderOptions {
  readonly input: Readable;
  readonly queue: RingQueue;
  readonly state: PeerState;
  readonly emit: Emit;
  /**
   * A host of many peers (`p2p host`): the IDs running now, and where lines
   * for the host itself go. Lines are then `ID> COMMAND` and the host's own
   * (protocol/commands.ts, parseHostLine). Undefined for a lone peer.
   */
  readonly host?: { readonly peers: ReadonlySet<number>; readonly command: (line: string) => void } | undefined;
}

/** One line split from the input: its text, or only its length when it was too long to keep. */
export type SplitLine = { readonly kind: 'line'; readonly text: string } | { readonly kind: 'too-long'; readonly bytes: number };

const NEWLINE = 0x0a;
// Not fatal: invalid UTF-8 becomes U+FFFD, and the line is explained like any other.
const decoder = new TextDecoder('utf-8');

/**
 * Splits a byte stream into lines at `\n` (a `\r` before it is dropped),
 * holding at most `maxBytes` of the line in progress. Splitting bytes before
 * decoding keeps a character cut across two chunks whole.
 */
export class LineSplitter {
  private parts: Uint8Array[] = [];
  private held = 0;
  /** Bytes of the current line beyond maxBytes, counted and dropped. */
  private dropped = 0;

  constructor(private readonly maxBytes: number) {}

  /** The lines that `chunk` completes, in order. */
  push(chunk: Uint8Array): SplitLine[] {
    const out: SplitLine[] = [];
    for (let start = 0; ;) {
      const nl = chunk.indexOf(NEWLINE, start);
      this.keep(chunk.subarray(start, nl < 0 ? chunk.length : nl));
      if (nl < 0) return out;
      out.push(this.finish());
      start = nl + 1;
    }
  }

  /** The last line, when the input ends without a newline. */
  end(): SplitLine | undefined {
    return this.held + this.dropped > 0 ? this.finish() : undefined;
  }

  private keep(bytes: Uint8Array): void {
    const room = this.maxBytes - this.held;
    const kept = bytes.length <= room ? bytes : bytes.subarray(0, room);
    if (kept.length > 0) this.parts.push(kept);
    this.held += kept.length;
    this.dropped += bytes.length - kept.length;
  }

  private finish(): SplitLine {
    const bytes = this.held + this.dropped;
    const joined = Buffer.concat(this.parts, this.held);
    const dropped = this.dropped;
    this.parts = [];
    this.held = 0;
    this.dropped = 0;
    if (dropped > 0) return { kind: 'too-long', bytes };
    const text = decoder.decode(joined);
    return { kind: 'line', text: text.endsWith('\r') ? text.slice(0, -1) : text };
  }
}

/** Text safe to print on one line: control, format and line-separator characters become `?`, cut to `max`. */
export function printable(text: string, max = MAX_EXPLANATION_CHARS): string {
  const safe = text.replace(/[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/gu, '?');
  return safe.length > max ? `${safe.slice(0, max - 3)}...` : safe;
}

/** Reads lines until the input ends. */
export function startStdinReader(opts: StdinReaderOptions): { close(): void } {
  const lines = new LineSplitter(MAX_LINE_BYTES);
  const refuse = (err: unknown, input: string): void => {
    opts.state.count('stdin-reader', 'errors');
    const code = isP2PError(err) ? err.code : 'ERR_BAD_COMMAND';
    const message = printable(err instanceof Error ? err.message : String(err));
    opts.emit('bad-command', message, { fields: { code, input: printable(input, 80) } });
  };
  const handle = (split: SplitLine): void => {
    if (split.kind === 'too-long') {
      refuse(new Error(`Invalid command: a line of ${split.bytes} bytes is too long (at most ${MAX_COMMAND_CHARS} characters)`), '');
      return;
    }
    const line = split.text.trim();
    if (line === '') return;
    let record: Uint8Array;
    try {
      if (line.length > MAX_COMMAND_CHARS) {
        throw new Error(`Invalid command: a line of ${line.length} characters is too long (at most ${MAX_COMMAND_CHARS})`);
      }
      if (opts.host === undefined) {
        parseCommand(line); // validate here, so a typo is answered at once
        record = encodeCommandRecord(line);
      } else {
        const parsed = parseHostLine(line);
        if (parsed.kind === 'host') {
          opts.state.count('stdin-reader');
          opts.host.command(parsed.line);
          return;
        }
        if (!opts.host.peers.has(parsed.peer)) {
          throw new P2PError('ERR_BAD_COMMAND', `Invalid command "${line}": peer ${parsed.peer} is not running in this host (peers lists them)`);
        }
        record = encodeCommandRecord(parsed.line, parsed.peer);
      }
    } catch (err) {
      refuse(err, line);
      return;
    }
    // The stdin thread may block: it has nothing else to do while the queue is full.
    if (opts.queue.pushBlocking(record) === 1) opts.state.count('stdin-reader');
  };
  const onData = (chunk: Buffer | string): void => {
    for (const split of lines.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk)) handle(split);
  };
  const onEnd = (): void => {
    const last = lines.end();
    if (last !== undefined) handle(last);
  };
  opts.input.on('data', onData);
  opts.input.once('end', onEnd);
  return {
    close: () => {
      opts.input.off('data', onData);
      opts.input.off('end', onEnd);
      opts.input.pause();
    },
  };
}
