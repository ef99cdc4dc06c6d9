/**
 * A peer in a child process, driven the way a person would drive it: its
 * stdin takes typed lines, its stdout and stderr are its transcript, and its
 * events (the JSON-lines stream) arrive through an extra pipe (fd 3), so a
 * driver can wait for exactly the event it needs, with a deadline. A peer of
 * another implementation (`command`) has no event stream: only its lines,
 * each stamped with the time it arrived.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { P2PError } from '../errors.js';
import type { EventKind, PeerEvent } from '../runtime/events.js';
import { binPath } from '../runtime/worker-path.js';

/** One printed line. */
export interface TranscriptLine {
  readonly stream: 'stdout' | 'stderr';
  readonly text: string;
  /** When this process read it (ms since the epoch). */
  readonly at: number;
}

/** Options of a child peer. */
export interface ChildPeerOptions {
  /** Working directory (the course's shared data directory). */
  readonly cwd: string;
  /** Extra environment. */
  readonly env?: NodeJS.ProcessEnv;
  /**
   * A command that runs the peer's `node` for it, e.g. `['ip', 'netns',
   * 'exec', 'ns1']` to start it in a network namespace. The wrapper must
   * exec node in its own process (as `ip netns exec` does), so that signals
   * and fd 3 reach the peer itself. Default: none, node is spawned directly.
   */
  readonly commandPrefix?: readonly string[];
  /**
   * A whole command to run instead of our CLI (program first), e.g. a
   * student's `python3 p2p.py init 2 4 5 1`: it gets no `--events` and no
   * fd 3, and is started in its own process group, which `kill` signals as
   * a whole (a shell and the program it started end together).
   */
  readonly command?: readonly string[];
}

type Waiter = { test: (e: PeerEvent) => boolean; resolve: (e: PeerEvent) => void };

/** A running peer process. */
export class ChildPeer {
  readonly transcript: TranscriptLine[] = [];
  readonly events: PeerEvent[] = [];
  /** Resolves with the exit code (null when killed by a signal). */
  readonly exited: Promise<number | null>;
  /** Resolves once the process has exited and its output is all read (the transcript is whole). */
  readonly closed: Promise<void>;
  private readonly proc: ChildProcess;
  private readonly waiters = new Set<Waiter>();
  private readonly lineListeners = new Set<(line: TranscriptLine) => void>();
  private readonly eventListeners = new Set<(event: PeerEvent) => void>();
  private exitCode: number | null | undefined;
  private readonly group: boolean;

  /** Starts `p2p <args> --events fd:3`. */
  constructor(
    readonly id: number,
    readonly args: readonly string[],
    opts: ChildPeerOptions,
  ) {
    const [command, ...prefixArgs] = opts.command ?? [...(opts.commandPrefix ?? []), process.execPath];
    if (command === undefined) throw new P2PError('ERR_BAD_ARGUMENT', `peer ${id}: an empty command`);
    this.group = opts.command !== undefined;
    this.proc = spawn(command, this.group ? prefixArgs : [...prefixArgs, binPath(), ...args, '--events', 'fd:3'], {
      cwd: opts.cwd,
      env: { ...process.env, ...opts.env },
      stdio: this.group ? ['pipe', 'pipe', 'pipe'] : ['pipe', 'pipe', 'pipe', 'pipe'],
      detached: this.group,
    });
    this.proc.on('error', () => undefined); // a command that cannot start exits with code -2 below
    this.proc.stdin?.on('error', () => undefined); // writes after exit are dropped
    const record = (line: TranscriptLine): void => {
      this.transcript.push(line);
      for (const listener of this.lineListeners) listener(line);
    };
    this.readLines(this.proc.stdout, (text) => record({ stream: 'stdout', text, at: Date.now() }));
    this.readLines(this.proc.stderr, (text) => record({ stream: 'stderr', text, at: Date.now() }));
    this.readLines(this.proc.stdio[3] as Readable | null, (text) => {
      let event: PeerEvent;
      try {
        event = JSON.parse(text) as PeerEvent;
      } catch {
        return;
      }
      this.events.push(event);
      for (const listener of this.eventListeners) listener(event);
      for (const w of this.waiters) {
        if (w.test(event)) {
          this.waiters.delete(w);
          w.resolve(event);
        }
      }
    });
    this.exited = new Promise((resolve) => {
      const done = (code: number | null): void => {
        if (this.exitCode !== undefined) return;
        this.exitCode = code;
        resolve(code);
      };
      this.proc.once('exit', (code) => done(code));
      this.proc.once('error', () => done(this.proc.pid === undefined ? -2 : null));
    });
    this.closed = new Promise((resolve) => this.proc.once('close', () => resolve()));
  }

  /** The process ID. */
  get pid(): number | undefined {
    return this.proc.pid;
  }

  /** Still running. */
  get running(): boolean {
    return this.exitCode === undefined;
  }

  /** Calls `listener` with every printed line from now on. */
  onLine(listener: (line: TranscriptLine) => void): void {
    this.lineListeners.add(listener);
  }

  /** Calls `listener` with every event from now on; returns the function that stops it. */
  onEvent(listener: (event: PeerEvent) => void): () => void {
    this.eventListeners.add(listener);
    return () => this.eventListeners.delete(listener);
  }

  /** Types a line into the peer. */
  type(line: string): void {
    this.proc.stdin?.write(`${line}\n`);
  }

  /** Writes raw bytes (or text, no newline added) to the peer's stdin. */
  write(data: string | Uint8Array): void {
    this.proc.stdin?.write(data);
  }

  /** Index to pass as `since` to wait only for events after now. */
  mark(): number {
    return this.events.length;
  }

  /**
   * Resolves with the first event at or after index `since` that passes
   * `test`; rejects with ERR_TIMEOUT after `timeoutMs`, naming `what`.
   */
  waitFor(test: (e: PeerEvent) => boolean, timeoutMs: number, what: string, since = 0): Promise<PeerEvent> {
    const found = this.events.slice(since).find(test);
    if (found !== undefined) return Promise.resolve(found);
    return new Promise((resolve, reject) => {
      const waiter: Waiter = {
        test,
        resolve: (e) => {
          clearTimeout(timer);
          resolve(e);
        },
      };
      // A deadline that fires with our input still unread (this process was
      // starved) first lets that input in: the event may be in it.
      const timer = setTimeout(() => {
        setImmediate(() =>
          setImmediate(() => {
            if (!this.waiters.delete(waiter)) return; // resolved meanwhile
            reject(new P2PError('ERR_TIMEOUT', `peer ${this.id}: no ${what} within ${timeoutMs} ms`));
          }),
        );
      }, timeoutMs);
      this.waiters.add(waiter);
    });
  }

  /** Waits for an event of `kind` (and optional field values). */
  waitForKind(kind: EventKind, timeoutMs: number, since = 0, fields: Record<string, unknown> = {}): Promise<PeerEvent> {
    const test = (e: PeerEvent): boolean => e.kind === kind && Object.entries(fields).every(([k, v]) => e.fields?.[k] === v);
    const detail = Object.keys(fields).length === 0 ? '' : ` ${JSON.stringify(fields)}`;
    return this.waitFor(test, timeoutMs, `${kind}${detail} event`, since);
  }

  /**
   * Sends a signal (SIGKILL: the abrupt departure of the course). A
   * `command` peer's whole process group gets it, even once its first
   * process has ended (what it started may still run).
   */
  kill(signal: NodeJS.Signals = 'SIGKILL'): void {
    const pid = this.proc.pid;
    if (this.group && pid !== undefined) {
      try {
        process.kill(-pid, signal);
      } catch {
        // ESRCH: the group is gone.
      }
      return;
    }
    if (this.running) this.proc.kill(signal);
  }

  /** The signal that ended the process, if one did. */
  get signal(): NodeJS.Signals | null {
    return this.proc.signalCode;
  }

  /** The printed stdout lines, in order. */
  lines(): string[] {
    return this.transcript.filter((l) => l.stream === 'stdout').map((l) => l.text);
  }

  private readLines(stream: Readable | null | undefined, onLine: (text: string) => void): void {
    if (stream === null || stream === undefined) return;
    createInterface({ input: stream, crlfDelay: Infinity }).on('line', onLine);
  }
}
