/**
 * The checks after the ring has settled: every steady peer looks up a
 * sample of keys and must name the true owner of the running membership;
 * every stored file is requested from a random steady peer and must arrive
 * byte for byte (a Request that fails, or times out, is tried once more
 * from another peer before the file counts as lost).
 */
import path from 'node:path';
import { ownerOf } from '../routing/ids.js';
import type { Prng } from '../routing/prng.js';
import type { ChaosNetwork } from './peers.js';
import { FILE_EXT } from './payload.js';
import { fetchFile, lookupAt, mayRequest, type Fetch, type Lookup } from './probes.js';
import type { ChaosTiming } from './timing.js';
import { FETCH_BATCH, ID_BITS, LOOKUP_SAMPLE } from './constants.js';

/** A lookup that did not name the true owner. */
export interface WrongLookup extends Lookup {
  readonly want: number;
}

/** The sample: random keys, and the edges of the ring (a member's ID, and the key just after it). */
export function sampleKeys(prng: Prng, ring: readonly number[], n = LOOKUP_SAMPLE): number[] {
  const size = 2 ** ID_BITS;
  const keys = new Set<number>();
  const edges = Math.floor(n / 2);
  for (let i = 0; i < edges && ring.length > 0; i++) {
    const id = ring[prng.nextInt(ring.length)] as number;
    keys.add(prng.nextInt(2) === 0 ? id : (id + 1) % size);
  }
  while (keys.size < n) keys.add(prng.nextInt(size));
  return [...keys].sort((a, b) => a - b);
}

/** Every steady peer looks up every key (one at a time per peer, peers at once). */
export async function checkLookups(
  cnet: ChaosNetwork,
  keys: readonly number[],
  timing: ChaosTiming,
): Promise<{ total: number; wrong: WrongLookup[] }> {
  const ring = cnet.ring();
  const peers = cnet.steady();
  const wrong: WrongLookup[] = [];
  await Promise.all(
    peers.map(async (id) => {
      for (const key of keys) {
        const l = await lookupAt(cnet.get(id), key, timing.lookupMs(ring.length));
        const want = ownerOf(ring, key);
        if (l.owner !== want) wrong.push({ ...l, want });
      }
    }),
  );
  return { total: peers.length * keys.length, wrong };
}

/** Every name requested from a random steady peer; a failure or timeout is retried once elsewhere. */
export async function checkFiles(
  cnet: ChaosNetwork,
  names: readonly string[],
  originals: string,
  prng: Prng,
  timing: ChaosTiming,
): Promise<{ ok: number; lost: Fetch[]; corrupted: Fetch[] }> {
  const lost: Fetch[] = [];
  const corrupted: Fetch[] = [];
  let ok = 0;
  const once = async (name: string, not: number | undefined): Promise<Fetch | undefined> => {
    const steady = cnet.steady().filter((id) => id !== not && mayRequest(cnet.get(id), name));
    if (steady.length === 0) return undefined;
    const at = steady[prng.nextInt(steady.length)] as number;
    const original = path.join(originals, `${name}${FILE_EXT}`);
    return fetchFile(cnet.get(at), cnet.dataDir(at), name, original, timing.eventMs(cnet.ring().length));
  };
  const queue = [...names];
  while (queue.length > 0) {
    await Promise.all(
      queue.splice(0, FETCH_BATCH).map(async (name) => {
        let f = await once(name, undefined);
        if (f !== undefined && (f.outcome === 'failed' || f.outcome === 'timeout' || f.outcome === 'gone')) {
          f = (await once(name, f.at)) ?? f;
        }
        if (f === undefined) lost.push({ at: -1, name, outcome: 'failed', detail: 'no steady peer to ask' });
        else if (f.outcome === 'ok') ok += 1;
        else if (f.outcome === 'corrupted') corrupted.push(f);
        else lost.push(f);
      }),
    );
  }
  return { ok, lost, corrupted };
}
