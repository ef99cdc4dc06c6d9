/**
 * `p2p example` as a person uses it: the interactive prompt hides the ping
 * lines until asked, `ring` shows every peer's view of its neighbours, and
 * `start` refuses an ID that is running; the walkthrough with a port taken
 * stops at once with the peer's own error and no "ok"; both leave no
 * temporary directory behind.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync } from 'node:fs';
import net from 'node:net';
import { createInterface } from 'node:readline';
import { afterAll, describe, expect, it } from 'vitest';
import { isPingLine } from '../../src/model/lines.js';
import { binPath } from '../../src/runtime/worker-path.js';
import { runCli, tempDir } from '../fixtures/network.js';

// This file's ports: 21800..21999 (the prompt's ring 21800 + ID, the walkthrough's 21900 + ID).
const PORT_BASE = 21800;
const TAKEN_PORT_BASE = 21900;
/** A ring of seven settles in a few ping intervals; this leaves room for a loaded machine. */
const DEADLINE_MS = 60_000;

/** `p2p example --interactive`, driven line by line. */
class Session {
  readonly lines: string[] = [];
  readonly exited: Promise<number | null>;
  private readonly proc: ChildProcessWithoutNullStreams;
  private readonly waiters = new Set<() => void>();

  constructor(args: readonly string[], cwd: string) {
    this.proc = spawn(process.execPath, [binPath(), 'example', '--interactive', ...args], { cwd, stdio: 'pipe' });
    this.exited = new Promise((resolve) => this.proc.once('exit', resolve));
    createInterface({ input: this.proc.stdout }).on('line', (line) => {
      // The prompt has no newline of its own: it begins the next line.
      this.lines.push(line.replace(/^(p2p> )+/, ''));
      for (const w of this.waiters) w();
    });
    this.proc.stderr.on('data', () => undefined);
  }

  type(line: string): number {
    const mark = this.lines.length;
    this.proc.stdin.write(`${line}\n`);
    return mark;
  }

  /** The first line from index `since` on that matches, within the deadline. */
  waitFor(pattern: RegExp, since: number, ms = DEADLINE_MS): Promise<string> {
    return new Promise((resolve, reject) => {
      const check = (): boolean => {
        const hit = this.lines.slice(since).find((l) => pattern.test(l));
        if (hit === undefined) return false;
        this.waiters.delete(waiter);
        clearTimeout(timer);
        resolve(hit);
        return true;
      };
      const waiter = (): void => void check();
      const timer = setTimeout(() => {
        this.waiters.delete(waiter);
        reject(new Error(`no line matching ${String(pattern)} within ${ms} ms; the last lines:\n${this.lines.slice(-20).join('\n')}`));
      }, ms);
      this.waiters.add(waiter);
      check();
    });
  }

  kill(): void {
    this.proc.kill('SIGKILL');
  }
}

const sessions: Session[] = [];
afterAll(() => {
  for (const s of sessions) s.kill();
});

describe('p2p example --interactive', () => {
  it(
    'hides ping lines until asked, shows the ring as the peers see it, refuses a running ID, and cleans up',
    async () => {
      const cwd = await tempDir();
      const session = new Session(['--port-base', String(PORT_BASE), '--ping', '0.5'], cwd);
      sessions.push(session);
      const banner = await session.waitFor(/^Example ring .* is starting \(files in (.*)\)/, 0);
      const dir = /files in (.*?)\)/.exec(banner)?.[1] ?? '';
      expect(existsSync(dir)).toBe(true);

      // Ask until every neighbour agrees and peer 19 knows both its
      // predecessors: the first answers may come before the peers have heard
      // from their predecessors (a second predecessor is learnt from its
      // pings, and the verdict checks only first predecessors).
      const row19 = '      9 14 <-  19 -> 2 4';
      const deadline = Date.now() + DEADLINE_MS;
      let verdict = '';
      let asked = 0;
      while (verdict !== 'Every neighbour agrees.' || !session.lines.slice(asked).includes(row19)) {
        expect(Date.now(), `the ring never settled:\n${session.lines.slice(-30).join('\n')}`).toBeLessThan(deadline);
        asked = session.type('ring');
        verdict = await session.waitFor(/^Every neighbour agrees\.$|^\d+ disagreements?:$/, asked);
      }
      expect(session.lines.slice(asked)).toContain(row19);
      expect(session.lines.filter(isPingLine)).toEqual([]);
      expect(session.lines.filter((l) => /\] Ping /.test(l))).toEqual([]);
      expect(session.lines.filter((l) => l.startsWith('{'))).toEqual([]); // the snapshots `ring` read

      const refused = await session.waitFor(/ERR_DUPLICATE_ID/, session.type('start 8 join 4'));
      expect(refused).toBe('p2p: peer 8 is already running: kill it or type "8> quit" first (ERR_DUPLICATE_ID)');
      expect(await session.waitFor(/^Running:/, session.type('peers'))).toBe('Running: 2 4 5 8 9 14 19');
      expect(await session.waitFor(/ERR_/, session.type('kill'))).toBe('p2p: kill takes one peer: kill 14 (ERR_BAD_COMMAND)');

      const shown = session.type('pings on');
      await session.waitFor(/^\[\d+\] Ping request message received from Peer \d+$/, shown);
      const hidden = await session.waitFor(/^Ping lines hidden\.$/, session.type('pings off'));
      expect(hidden).toBe('Ping lines hidden.');

      session.type('exit');
      expect(await session.exited).toBe(0);
      expect(existsSync(dir)).toBe(false);
    },
    2 * DEADLINE_MS,
  );
});

describe('p2p example with a port taken', () => {
  it("stops at once with the peer's own error, prints no ok, and removes its directory", async () => {
    const cwd = await tempDir();
    const holder = net.createServer();
    await new Promise<void>((resolve) => holder.listen(TAKEN_PORT_BASE + 2, '127.0.0.1', resolve));
    try {
      const run = await runCli(['example', '--port-base', String(TAKEN_PORT_BASE)], cwd, DEADLINE_MS);
      expect(run.code).toBe(1);
      expect(run.stdout).toContainEqual(
        `  FAIL p2p: peer 2 could not start: TCP port ${TAKEN_PORT_BASE + 2} on 127.0.0.1 is already in use (ERR_PORT_IN_USE)`,
      );
      expect(run.stdout.filter((l) => /^\s*ok\b/.test(l))).toEqual([]);
      expect(run.stdout.filter((l) => l.includes('lines compared'))).toEqual([]);
      const dir = /files in (\S+)$/.exec(run.stdout[0] ?? '')?.[1] ?? '';
      expect(dir).not.toBe('');
      expect(existsSync(dir)).toBe(false);
    } finally {
      await new Promise((resolve) => holder.close(resolve));
    }
  });
});
