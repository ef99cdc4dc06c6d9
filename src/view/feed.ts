/**
 * Where the view's events come from, and where they gather: an EventHub
 * keeps every event (as its JSON line) for pages that connect later, and
 * hands new ones to the connected pages in batches. It is fed by child
 * peers started in this process (`feedChildPeer`: the example network, the
 * tests) or by tailing the JSON-lines event files of peers started with
 * `--events FILE` (`tailEvents`).
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { PeerEvent } from '../runtime/events.js';
import type { ChildPeer } from '../testnet/child-peer.js';

/** Most events kept for pages that connect later (the oldest are dropped). */
export const HUB_HISTORY_EVENTS = 200_000;
/** New events are sent to pages at most this often, in one batch (ms). */
export const HUB_BATCH_MS = 50;
/** How often tailed files (and directories, for new files) are read (ms). */
export const TAIL_POLL_MS = 200;
/** Files of a directory that are tailed: JSON lines. */
const EVENT_FILE = /\.(jsonl|ndjson|events|json)$/;

/** A page's subscription: called with batches of JSON lines. */
export type HubListener = (lines: readonly string[]) => void;

/** Every event seen, and the pages listening. */
export class EventHub {
  private readonly history: string[] = [];
  private readonly listeners = new Set<HubListener>();
  private pending: string[] = [];
  private timer: NodeJS.Timeout | undefined;

  /** Adds an event (or its JSON line, as read from a file). */
  publish(event: PeerEvent | string): void {
    const line = typeof event === 'string' ? event : JSON.stringify(event);
    this.history.push(line);
    if (this.history.length > HUB_HISTORY_EVENTS) this.history.splice(0, this.history.length - HUB_HISTORY_EVENTS);
    if (this.listeners.size === 0) return;
    this.pending.push(line);
    this.timer ??= setTimeout(() => this.flush(), HUB_BATCH_MS);
  }

  /** Events so far. */
  get size(): number {
    return this.history.length;
  }

  /**
   * Calls `listener` with every event so far (in batches of `batch`), then
   * with each later batch; returns the function that stops it.
   */
  subscribe(listener: HubListener, batch = 5000): () => void {
    this.flush(); // pending lines are in the history: send them once, to the others first
    for (let i = 0; i < this.history.length; i += batch) listener(this.history.slice(i, i + batch));
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Sends pending events now. */
  flush(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.pending.length === 0) return;
    const lines = this.pending;
    this.pending = [];
    for (const l of this.listeners) l(lines);
  }

  /** Stops the batch timer and forgets the listeners. */
  close(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.listeners.clear();
  }
}

/**
 * Feeds a child peer's events to the hub: those it has already emitted,
 * then each new one, and a 'process-exited' event when its process ends
 * (the only word a killed peer gets).
 */
export function feedChildPeer(hub: EventHub, peer: ChildPeer): void {
  for (const e of peer.events) hub.publish(e);
  peer.onEvent((e) => hub.publish(e));
  void peer.exited.then((code) => {
    hub.publish({
      peer: peer.id,
      role: 'coordinator',
      kind: 'process-exited',
      fields: code === null ? { code: null, signal: 'signal' } : { code },
      time: new Date().toISOString(),
    });
  });
}

/** A running tail. */
export interface Tail {
  /** Files followed so far. */
  readonly files: () => readonly string[];
  /** Reads once more now; resolves when done (tests and start-up use it). */
  readonly poll: () => Promise<void>;
  readonly close: () => void;
}

/**
 * Follows JSON-lines event files: each target is a file, or a directory
 * whose event files (`*.jsonl`, `*.ndjson`, `*.events`, `*.json`, new ones
 * included) are all followed. Every file is read from its start, then
 * polled for what is appended. A line that is not JSON is skipped; a
 * partial last line waits for its end.
 */
export function tailEvents(hub: EventHub, targets: readonly string[], onError: (message: string) => void = () => undefined): Tail {
  const files = new Map<string, { offset: number; rest: string }>();
  const reported = new Set<string>();
  let timer: NodeJS.Timeout | undefined;
  let closed = false;
  let running: Promise<void> | undefined;

  const report = (what: string, err: unknown): void => {
    if (reported.has(what)) return;
    reported.add(what);
    onError(`${what}: ${err instanceof Error ? err.message : String(err)}`);
  };

  const discover = async (): Promise<void> => {
    for (const target of targets) {
      let stat;
      try {
        stat = await fs.stat(target);
      } catch (err) {
        report(target, err); // not there yet: looked for again at the next poll
        continue;
      }
      if (stat.isDirectory()) {
        for (const name of (await fs.readdir(target)).sort()) {
          const full = path.join(target, name);
          if (EVENT_FILE.test(name) && !files.has(full)) files.set(full, { offset: 0, rest: '' });
        }
      } else if (!files.has(target)) {
        files.set(target, { offset: 0, rest: '' });
      }
    }
  };

  const readNew = async (file: string, state: { offset: number; rest: string }): Promise<void> => {
    const handle = await fs.open(file, 'r');
    try {
      const { size } = await handle.stat();
      if (size < state.offset) state.offset = 0; // truncated or replaced: read it again
      while (state.offset < size) {
        const buf = Buffer.alloc(Math.min(size - state.offset, 1 << 20));
        const { bytesRead } = await handle.read(buf, 0, buf.length, state.offset);
        if (bytesRead === 0) break;
        state.offset += bytesRead;
        const text = state.rest + buf.toString('utf8', 0, bytesRead);
        const lines = text.split('\n');
        state.rest = lines.pop() ?? '';
        for (const line of lines) {
          const trimmed = line.trim();
          if (trimmed.startsWith('{') && isEventLine(trimmed)) hub.publish(trimmed);
        }
      }
    } finally {
      await handle.close();
    }
  };

  const once = async (): Promise<void> => {
    await discover().catch((err: unknown) => report('reading the directory', err));
    for (const [file, state] of files) await readNew(file, state).catch((err: unknown) => report(file, err));
  };
  // One read at a time; a poll asked for during one runs after it, so that
  // it sees everything written before it was asked for.
  const poll = (): Promise<void> => {
    const next = (running ?? Promise.resolve()).then(once);
    running = next;
    return next;
  };

  const loop = (): void => {
    if (closed) return;
    void poll().finally(() => {
      if (!closed) timer = setTimeout(loop, TAIL_POLL_MS);
    });
  };
  loop();
  return {
    files: () => [...files.keys()],
    poll,
    close: () => {
      closed = true;
      clearTimeout(timer);
    },
  };
}

/** A JSON line that parses to something shaped like a PeerEvent. */
function isEventLine(line: string): boolean {
  try {
    const v = JSON.parse(line) as Partial<PeerEvent>;
    return typeof v.peer === 'number' && typeof v.kind === 'string' && typeof v.time === 'string';
  } catch {
    return false;
  }
}
