/**
 * The stdin reader (the report's commandListenerThread): reads typed lines,
 * rejects bad ones at once with a one-line explanation, and pushes good ones
 * into the ring queue as command records for the consumer.
 */
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { isP2PError } from '../errors.js';
import { parseCommand } from '../cli/commands.js';
import { encodeCommandRecord } from '../protocol/codec.js';
import type { RingQueue } from '../queue/ring-queue.js';
import type { Emit } from '../runtime/events.js';
import type { PeerState } from '../runtime/peer-state.js';

/** Longest line accepted; longer ones are refused without being parsed. */
export const MAX_COMMAND_CHARS = 1024;

/** What the stdin reader needs. */
export interface StdinReaderOptions {
  readonly input: Readable;
  readonly queue: RingQueue;
  readonly state: PeerState;
  readonly emit: Emit;
}

/** Reads lines until the input ends. */
export function startStdinReader(opts: StdinReaderOptions): { close(): void } {
  const rl = createInterface({ input: opts.input, crlfDelay: Infinity, terminal: false });
  rl.on('line', (raw) => {
    const line = raw.trim();
    if (line === '') return;
    try {
      if (line.length > MAX_COMMAND_CHARS) {
        throw new Error(`Invalid command: a line of ${line.length} characters is too long`);
      }
      parseCommand(line); // validate here, so a typo is answered at once
    } catch (err) {
      opts.state.count('stdin-reader', 'errors');
      const code = isP2PError(err) ? err.code : 'ERR_BAD_COMMAND';
      const message = err instanceof Error ? err.message : String(err);
      opts.emit('bad-command', message, { fields: { code, input: line.slice(0, 80) } });
      return;
    }
    // The stdin thread may block: it has nothing else to do while the queue is full.
    if (opts.queue.pushBlocking(encodeCommandRecord(line)) === 1) opts.state.count('stdin-reader');
  });
  return { close: () => rl.close() };
}
