/**
 * Where the view's events come from: the hub that keeps them for pages
 * connecting later and batches them to those connected, the tail of
 * JSON-lines event files (partial lines, new files in a directory, lines
 * that are not events), and `p2p view`'s arguments.
 */
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { EventHub, tailEvents, type Tail } from '../../src/view/feed.js';
import { parseViewArgs } from '../../src/view/command.js';
import type { PeerEvent } from '../../src/runtime/events.js';

const event = (peer: number, kind: PeerEvent['kind'] = 'status'): PeerEvent => ({
  peer,
  role: 'consumer',
  kind,
  time: '2026-12-01T10:00:00.000Z',
});
const line = (e: PeerEvent): string => `${JSON.stringify(e)}\n`;

const cleanup: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanup.splice(0)) await c();
});

async function tempDir(): Promise<string> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'p2p-view-'));
  cleanup.push(() => fs.rm(dir, { recursive: true, force: true }));
  return dir;
}

const peersOf = (batches: readonly (readonly string[])[]): number[] => batches.flat().map((l) => (JSON.parse(l) as PeerEvent).peer);

describe('the event hub', () => {
  it('gives a new page every event so far, then each batch', () => {
    const hub = new EventHub();
    cleanup.push(() => hub.close());
    hub.publish(event(1));
    hub.publish(line(event(2)).trim());
    const got: string[][] = [];
    hub.subscribe((lines) => got.push([...lines]), 1);
    expect(got).toHaveLength(2); // batches of one, as asked
    hub.publish(event(3));
    hub.publish(event(4));
    hub.flush();
    expect(got).toHaveLength(3);
    expect(peersOf(got)).toEqual([1, 2, 3, 4]);
  });
});

describe('tailing event files', () => {
  const follow = (hub: EventHub, targets: string[], errors: string[] = []): Tail => {
    const tail = tailEvents(hub, targets, (m) => errors.push(m));
    cleanup.push(() => tail.close());
    return tail;
  };

  it('reads a file from its start, then what is appended, a partial line once it ends', async () => {
    const dir = await tempDir();
    const file = path.join(dir, 'peer-2.jsonl');
    await fs.writeFile(file, line(event(2)) + 'not json\n' + '{"peer":"x"}\n');
    const hub = new EventHub();
    const got: string[][] = [];
    const tail = follow(hub, [file]);
    await tail.poll();
    const half = line(event(4));
    await fs.appendFile(file, half.slice(0, 10));
    await tail.poll();
    hub.subscribe((l) => got.push([...l]));
    expect(peersOf(got)).toEqual([2]);
    await fs.appendFile(file, half.slice(10));
    await tail.poll();
    hub.flush();
    expect(peersOf(got)).toEqual([2, 4]);
  });

  it('follows every event file of a directory, new ones included, and reports a missing target once', async () => {
    const dir = await tempDir();
    await fs.writeFile(path.join(dir, 'a.jsonl'), line(event(1)));
    await fs.writeFile(path.join(dir, 'notes.txt'), line(event(99)));
    const hub = new EventHub();
    const errors: string[] = [];
    const tail = follow(hub, [dir, path.join(dir, 'missing.jsonl')], errors);
    await tail.poll();
    await fs.writeFile(path.join(dir, 'b.jsonl'), line(event(2)));
    await tail.poll();
    await tail.poll();
    expect(tail.files().map((f) => path.basename(f))).toEqual(['a.jsonl', 'b.jsonl']);
    expect(hub.size).toBe(2);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toContain('missing.jsonl');
  });
});

describe('p2p view arguments', () => {
  it('takes files and directories as arguments or --events, a port and an ID width', () => {
    expect(parseViewArgs(['a.jsonl', '--events', 'dir', '--port', '8080', '--id-bits', '10'])).toEqual({
      targets: ['dir', 'a.jsonl'],
      port: 8080,
      host: '127.0.0.1',
      idBits: 10,
    });
    expect(parseViewArgs([])).toMatchObject({ targets: [], port: 0 });
  });

  it('refuses a bad port, a bad ID width and an unknown option, naming it', () => {
    expect(() => parseViewArgs(['--port', '70000'])).toThrow(/--port/);
    expect(() => parseViewArgs(['--id-bits', '0'])).toThrow(/--id-bits/);
    expect(() => parseViewArgs(['--nope'])).toThrow(/--nope/);
  });
});
