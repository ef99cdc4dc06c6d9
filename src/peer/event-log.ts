/**
 * The JSON-lines event stream of a peer: to a file (appended with
 * synchronous writes, so nothing is lost when the process exits), or to an
 * inherited descriptor given as `fd:N` (a pipe or socket set up by a parent
 * process, written as a stream and flushed before the peer exits).
 */
import fs from 'node:fs';
import net from 'node:net';
import { badArgument } from '../errors.js';
import type { PeerEvent } from '../runtime/events.js';

/** Where events go. */
export interface EventLog {
  write(event: PeerEvent): void;
  /** Flushes and closes. */
  close(): Promise<void>;
}

/** Opens `target`: a file path, or `fd:N`. */
export function openEventLog(target: string): EventLog {
  const fdMatch = /^fd:(\d+)$/.exec(target);
  if (fdMatch !== null) {
    const fd = Number(fdMatch[1]);
    let stream: net.Socket;
    try {
      stream = new net.Socket({ fd, readable: false, writable: true });
    } catch (err) {
      throw badArgument(
        `--events ${target}: descriptor ${fd} is not an open pipe or socket (${err instanceof Error ? err.message : String(err)})`,
      );
    }
    stream.on('error', () => undefined); // the reader went away: events are best effort from here
    // The events of one tick (a role posts its events in batches) go out in
    // one write: corked on the first, uncorked on the next tick.
    let corked = false;
    const uncork = (): void => {
      corked = false;
      stream.uncork();
    };
    return {
      write: (event) => {
        if (!corked) {
          corked = true;
          stream.cork();
          process.nextTick(uncork);
        }
        stream.write(`${JSON.stringify(event)}\n`);
      },
      close: () => new Promise<void>((resolve) => stream.end(() => resolve())),
    };
  }
  let fd: number;
  try {
    fd = fs.openSync(target, 'a');
  } catch (err) {
    throw badArgument(`--events ${target}: ${err instanceof Error ? err.message : String(err)}`);
  }
  return {
    write: (event) => {
      fs.writeSync(fd, `${JSON.stringify(event)}\n`);
    },
    // In the executor, a failing close rejects as it did from an async function.
    close: () =>
      new Promise<void>((resolve) => {
        fs.closeSync(fd);
        resolve();
      }),
  };
}
