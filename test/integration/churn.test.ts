/**
 * Churn: 16 peers with separate data directories store 200 files of random
 * sizes; then, while Requests keep running, peers are killed and restarted
 * (one at a time, so never r = 2 adjacent ones at once) for a bounded number
 * of rounds; afterwards every file is requested and compared byte for byte:
 * zero lost, zero corrupted. Ring and Chord routing both.
 */
import { mkdir, mkdtemp, readFile, rm, writeFile, copyFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { PeerNetwork } from '../../src/testnet/network.js';
import type { ChildPeer } from '../../src/testnet/child-peer.js';
import { ownerOf } from '../../src/routing/ids.js';
import { createPrng, type Prng } from '../../src/routing/prng.js';
import { randomMembership } from '../../src/routing/simulator.js';

const PING_S = 0.5;
const FILES = 200;
const ROUNDS = 3;
const DEADLINE_MS = 90_000;

let net: PeerNetwork | undefined;
let dir = '';
afterEach(async () => {
  await net?.stopAll();
  net = undefined;
  if (dir !== '') await rm(dir, { recursive: true, force: true });
});

const pick = <T>(prng: Prng, items: readonly T[]): T => items[prng.nextInt(items.length)] as T;

function randomBytes(prng: Prng, size: number): Buffer {
  const buf = Buffer.alloc(size);
  for (let i = 0; i < size; i++) buf[i] = prng.nextInt(256);
  return buf;
}

/** Every live peer reconciles twice after `marks` (a pass that began before the change does not count). */
async function quiesce(network: PeerNetwork, marks: ReadonlyMap<number, number>): Promise<void> {
  await Promise.all(
    network.ring().map(async (id) => {
      const peer = network.get(id);
      const first = await peer.waitForKind('reconciled', DEADLINE_MS, marks.get(id) ?? 0);
      await peer.waitForKind('reconciled', DEADLINE_MS, peer.events.indexOf(first) + 1);
    }),
  );
}

/** Requests `name` at `at`; resolves with the bytes received, or undefined when the network says it has none. */
async function fetch(peer: ChildPeer, dataDir: string, name: string): Promise<Buffer | undefined> {
  const since = peer.mark();
  peer.type(`Request ${name}`);
  const ev = await peer.waitFor(
    (e) =>
      (['file-received', 'file-missing', 'transfer-failed'].includes(e.kind) && e.fields?.filename === name) ||
      (e.kind === 'command-failed' && e.fields?.input === `Request ${name}`),
    DEADLINE_MS,
    `an answer to Request ${name}`,
    since,
  );
  if (ev.kind !== 'file-received') return undefined;
  return readFile(path.join(dataDir, `received_${name}.bin`));
}

// This file's ports: 19700..19999 (ring run) and 20000..20299 (Chord run).
async function runChurn(routing: 'ring' | 'chord', portBase: number, seed: number): Promise<void> {
  const prng = createPrng(seed);
  dir = await mkdtemp(path.join(os.tmpdir(), `p2p-churn-${routing}-`));
  const ids = randomMembership(prng, 16, 8);
  const dataDir = (id: number): string => path.join(dir, `peer-${id}`);
  for (const id of ids) await mkdir(dataDir(id));
  await mkdir(path.join(dir, 'originals'));
  const live = new PeerNetwork({ dir, portBase, pingSeconds: PING_S, extraArgs: ['--routing', routing] });
  net = live; // for afterEach to stop, should this run fail
  const start = (id: number, args: string[]): ChildPeer => live.start(id, [...args, String(PING_S), '--data-dir', dataDir(id)]);
  ids.forEach((id, i) => start(id, ['init', String(id), String(ids[(i + 1) % 16]), String(ids[(i + 2) % 16])]));
  await live.settlePings(new Map(), DEADLINE_MS);

  // 200 distinct names, random sizes (mostly small, a few of 1 MiB).
  const names = new Set<string>();
  while (names.size < FILES) names.add(String(prng.nextInt(10_000)).padStart(4, '0'));
  const originals = new Map<string, Buffer>();
  for (const name of names) {
    const size = prng.nextInt(20) === 0 ? 1 << 20 : prng.nextInt(48 * 1024);
    const bytes = randomBytes(prng, size);
    originals.set(name, bytes);
    await writeFile(path.join(dir, 'originals', `${name}.bin`), bytes);
  }
  // Store each from a random peer; once its owner has replicated it, the origin's own copy goes.
  const batch = [...names];
  while (batch.length > 0) {
    await Promise.all(
      batch.splice(0, 20).map(async (name) => {
        const origin = pick(prng, ids);
        const owner = ownerOf(ids, Number(name) % 256);
        const file = path.join(dataDir(origin), `${name}.bin`);
        await copyFile(path.join(dir, 'originals', `${name}.bin`), file);
        const since = live.get(owner).mark();
        live.get(origin).type(`Store ${name}`);
        await live.get(owner).waitForKind('replica-offered', DEADLINE_MS, since, { filename: name });
        const i = ids.indexOf(owner);
        if (origin !== owner && origin !== ids[(i + 1) % 16]) await rm(file);
      }),
    );
  }

  // Churn, with Requests running meanwhile.
  let churning = true;
  const corrupted: string[] = [];
  const background = (async () => {
    let served = 0;
    // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- the churn loop below clears it
    while (churning) {
      const at = pick(prng, live.ring());
      const name = pick(prng, [...names]);
      const got = await fetch(live.get(at), dataDir(at), name).catch(() => undefined);
      if (got !== undefined) {
        served += 1;
        if (!got.equals(originals.get(name) as Buffer)) corrupted.push(`${name} at ${at}`);
      }
    }
    return served;
  })();
  let last = -1;
  for (let round = 0; round < ROUNDS; round++) {
    const ring = live.ring();
    const candidates = ring.filter((id) => id !== last);
    const victim = pick(prng, candidates);
    last = victim;
    const i = ring.indexOf(victim);
    const pred = ring[(i - 1 + ring.length) % ring.length] as number;
    const marks = live.marks();
    live.get(victim).kill('SIGKILL');
    await live.get(victim).exited;
    live.forget(victim);
    await live.get(pred).waitForKind('peer-dead', DEADLINE_MS, marks.get(pred) ?? 0, { peer: victim });
    await quiesce(live, live.marks());
    // The same peer comes back with its data directory, through a random live peer.
    const via = pick(prng, live.ring());
    const back = start(victim, ['join', String(victim), String(via)]);
    await back.waitForKind('join-accepted', DEADLINE_MS);
    await live.settlePings(live.marks(), DEADLINE_MS);
    await quiesce(live, live.marks());
  }
  churning = false;
  const served = await background;

  // Every file, from a random peer: zero lost, zero corrupted.
  const lost: string[] = [];
  const all = [...names];
  while (all.length > 0) {
    await Promise.all(
      all.splice(0, 16).map(async (name) => {
        const at = pick(prng, live.ring());
        const got = await fetch(live.get(at), dataDir(at), name);
        if (got === undefined) lost.push(name);
        else if (!got.equals(originals.get(name) as Buffer)) corrupted.push(`${name} at ${at}`);
      }),
    );
  }
  expect({ lost, corrupted, seed }).toEqual({ lost: [], corrupted: [], seed });
  expect(served).toBeGreaterThan(0);
}

describe('churn', () => {
  it('loses and corrupts nothing under ring routing', { timeout: 600_000 }, () => runChurn('ring', 19700, 611));
  it('loses and corrupts nothing under Chord routing', { timeout: 600_000 }, () => runChurn('chord', 20000, 612));
});
