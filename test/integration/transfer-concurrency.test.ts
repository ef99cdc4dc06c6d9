/**
 * Transfers run in the piscina pool, off the consumer thread: while a large
 * file streams from its owner to the requester, both keep answering and
 * sending pings, and the file arrives byte for byte.
 */
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { once } from 'node:events';
import { afterAll, describe, expect, it } from 'vitest';
import { PeerNetwork } from '../../src/testnet/network.js';
import { createPrng } from '../../src/routing/prng.js';

// This file's ports: 20300..20599.
const PORT_BASE = 20300;
const SIZE = 256 * 1024 * 1024;
let net: PeerNetwork | undefined;
let dir = '';

afterAll(async () => {
  await net?.stopAll();
  if (dir !== '') await rm(dir, { recursive: true, force: true });
});

async function writeRandom(file: string, bytes: number, seed: number): Promise<string> {
  const prng = createPrng(seed);
  const hash = createHash('sha256');
  const out = createWriteStream(file);
  const chunk = Buffer.alloc(1 << 20);
  for (let done = 0; done < bytes; done += chunk.length) {
    for (let i = 0; i < chunk.length; i += 4) chunk.writeUInt32LE(prng.nextU32(), i);
    hash.update(chunk);
    if (!out.write(Buffer.from(chunk))) await once(out, 'drain');
  }
  out.end();
  await once(out, 'close');
  return hash.digest('hex');
}

async function sha256(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

describe('a large transfer', () => {
  it('never stalls pings or requests', { timeout: 180_000 }, async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'p2p-bigfile-'));
    // File 0005 has key 5: owned by peer 5 of the ring 2 -> 4 -> 5.
    const digest = await writeRandom(path.join(dir, '0005.bin'), SIZE, 7);
    net = new PeerNetwork({ dir, portBase: PORT_BASE, pingSeconds: 0.05 });
    net.init(2, 4, 5);
    net.init(4, 5, 2);
    net.init(5, 2, 4);
    await net.settlePings(new Map(), 30_000);
    const requester = net.get(2);
    const owner = net.get(5);
    requester.type('Request 0005');
    const sending = await owner.waitForKind('file-sending', 60_000);
    const received = await requester.waitForKind('file-received', 120_000);
    const sent = await owner.waitForKind('file-sent', 60_000);
    // Between the start and the end of the transfer both consumers kept
    // handling pings: the owner got ping requests, the requester ping answers.
    const during = (events: typeof owner.events, from: string, to: string, kind: string): number =>
      events.filter((e) => e.kind === kind && e.time >= from && e.time <= to).length;
    expect(during(owner.events, sending.time, sent.time, 'ping-request')).toBeGreaterThan(0);
    expect(during(requester.events, sending.time, received.time, 'ping-response')).toBeGreaterThan(0);
    expect(during(requester.events, sending.time, received.time, 'ping-request')).toBeGreaterThan(0);
    expect(received.fields?.bytes).toBe(SIZE);
    expect(await sha256(path.join(dir, 'received_0005.bin'))).toBe(digest);
  });
});
