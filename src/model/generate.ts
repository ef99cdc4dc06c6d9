/**
 * Seeded random scenarios for the model-based tests: a random ring of 6 to
 * 12 peers anywhere in 0..255, then 8 to 12 random steps. The generator
 * leans on the edges: joins at the wrap (above the largest ID, below the
 * smallest), keys above every peer (owned by the smallest), keys equal to a
 * peer's ID, commands typed at the owner itself, files of 1 byte to a few
 * MiB. It keeps every scenario runnable: no Quit or kill leaves fewer than
 * three peers, a Request names only a file stored before, a Store's file is
 * in the data directory (see Scenario.files), and no ID joins twice (a
 * departed peer's transcript stays its own).
 */
import { createPrng, type Prng } from '../routing/prng.js';
import { randomMembership } from '../routing/simulator.js';
import { MODEL_ID_BITS, ownerIn, withoutPeer, withPeer, type Ring } from './ring-model.js';
import type { Scenario, ScenarioFile } from './scenario.js';
import type { ServiceStep } from './step.js';

/** Bounds of the generated scenarios. */
export interface GeneratorOptions {
  readonly minPeers: number;
  readonly maxPeers: number;
  readonly minSteps: number;
  readonly maxSteps: number;
  /** Largest file, in bytes (sizes are log-uniform from 1 byte). */
  readonly maxFileBytes: number;
  /** No Quit or kill leaves fewer peers than this. */
  readonly minPeersLeft: number;
  /** The ring to start from (sorted IDs in 0..255); undefined: a random one of minPeers to maxPeers. */
  readonly start?: Ring | undefined;
}

/** The bounds of issue 10: 6 to 12 peers, 8 to 12 steps, files up to 3 MiB, never fewer than 3 peers. */
export const DEFAULT_GENERATOR_OPTIONS: GeneratorOptions = {
  minPeers: 6,
  maxPeers: 12,
  minSteps: 8,
  maxSteps: 12,
  maxFileBytes: 3 * 1024 * 1024,
  minPeersLeft: 3,
};

/** Relative weight of each kind of step, among those possible at that point. */
const WEIGHTS: Readonly<Record<ServiceStep['kind'], number>> = { join: 4, quit: 3, kill: 3, store: 5, request: 5 };
/** Extensions files get (the course's `.pdf`, others, and none at all). */
const EXTENSIONS = ['.pdf', '.bin', '.txt', ''] as const;
const IDS = 2 ** MODEL_ID_BITS;

/** The scenario of `seed`: the same seed always gives the same scenario. */
export function generateScenario(seed: number, options: Partial<GeneratorOptions> = {}): Scenario {
  const o = { ...DEFAULT_GENERATOR_OPTIONS, ...options };
  if (o.minPeers < o.minPeersLeft + 1 || o.maxPeers < o.minPeers || o.maxSteps < o.minSteps || o.minSteps < 1) {
    throw new RangeError(`generator bounds are inconsistent: ${JSON.stringify(o)}`);
  }
  const prng = createPrng(seed);
  const start = o.start ?? randomMembership(prng, between(prng, o.minPeers, o.maxPeers), MODEL_ID_BITS);
  if (start.length <= o.minPeersLeft) throw new RangeError(`a start ring needs more than ${o.minPeersLeft} peers, got ${start.length}`);
  let ring: Ring = start;
  const ever = new Set<number>(ring);
  const files = new Map<string, ScenarioFile>();
  const stored: string[] = [];
  const steps: ServiceStep[] = [];
  const count = between(prng, o.minSteps, o.maxSteps);
  while (steps.length < count) {
    const possible = (Object.keys(WEIGHTS) as ServiceStep['kind'][]).filter((kind) => {
      if (kind === 'join') return ever.size < IDS;
      if (kind === 'quit' || kind === 'kill') return ring.length - 1 >= o.minPeersLeft;
      if (kind === 'request') return stored.length > 0;
      return true;
    });
    const kind = weighted(prng, possible);
    switch (kind) {
      case 'join': {
        const peer = joiningId(prng, ring, ever);
        steps.push({ kind, peer, via: pick(prng, ring) });
        ring = withPeer(ring, peer);
        ever.add(peer);
        break;
      }
      case 'quit':
      case 'kill': {
        const peer = pick(prng, ring);
        steps.push({ kind, peer });
        ring = withoutPeer(ring, peer);
        break;
      }
      case 'store': {
        const again = files.size > 0 && prng.float() < 0.2;
        const file = again ? pick(prng, [...files.values()]) : newFile(prng, ring, files, o.maxFileBytes);
        files.set(file.name, file);
        if (!stored.includes(file.name)) stored.push(file.name);
        steps.push({ kind, at: typingPeer(prng, ring, file.name), file: file.name });
        break;
      }
      case 'request': {
        const name = pick(prng, stored);
        steps.push({ kind, at: typingPeer(prng, ring, name), file: name });
        break;
      }
    }
  }
  return { seed, ring: start, files: [...files.values()], steps };
}

/**
 * The bytes of `file` in the scenario of `seed`: pseudo-random, the same on
 * every run, so a received copy is checked against them and not only against
 * the file on disk.
 */
export function fileContent(seed: number, file: ScenarioFile): Uint8Array {
  const prng = createPrng((seed ^ Math.imul(Number(file.name) + 1, 0x9e3779b1)) >>> 0);
  const bytes = new Uint8Array(file.size);
  const words = new DataView(bytes.buffer);
  let i = 0;
  for (; i + 4 <= bytes.length; i += 4) words.setUint32(i, prng.nextU32());
  for (; i < bytes.length; i++) bytes[i] = prng.nextInt(256);
  return bytes;
}

/** Uniform integer in [lo, hi]. */
function between(prng: Prng, lo: number, hi: number): number {
  return lo + prng.nextInt(hi - lo + 1);
}

/** A uniform entry of a non-empty list. */
function pick<T>(prng: Prng, list: readonly T[]): T {
  return list[prng.nextInt(list.length)] as T;
}

/** A kind among `possible` (non-empty), by WEIGHTS. */
function weighted(prng: Prng, possible: readonly ServiceStep['kind'][]): ServiceStep['kind'] {
  let roll = prng.nextInt(possible.reduce((sum, k) => sum + WEIGHTS[k], 0));
  for (const kind of possible) {
    roll -= WEIGHTS[kind];
    if (roll < 0) return kind;
  }
  return possible[possible.length - 1] as ServiceStep['kind'];
}

/** A new ID: a third of the time above the largest, a third below the smallest (when free), else anywhere free. */
function joiningId(prng: Prng, ring: Ring, ever: ReadonlySet<number>): number {
  const free = (lo: number, hi: number): number[] =>
    Array.from({ length: Math.max(0, hi - lo + 1) }, (_, i) => lo + i).filter((id) => !ever.has(id));
  const max = ring[ring.length - 1] as number;
  const min = ring[0] as number;
  const roll = prng.nextInt(3);
  const above = free(max + 1, IDS - 1);
  const below = free(0, min - 1);
  if (roll === 0 && above.length > 0) return pick(prng, above);
  if (roll === 1 && below.length > 0) return pick(prng, below);
  return pick(prng, free(0, IDS - 1));
}

/** A file not stored before, its key leaning on the wrap of the ring and on peer IDs. */
function newFile(prng: Prng, ring: Ring, files: ReadonlyMap<string, ScenarioFile>, maxBytes: number): ScenarioFile {
  for (;;) {
    const key = fileKey(prng, ring);
    const name = String(key + 256 * prng.nextInt(Math.floor((9999 - key) / 256) + 1)).padStart(4, '0');
    if (files.has(name)) continue;
    // Log-uniform sizes from 1 byte: as many tiny files as large ones.
    const size = prng.float() < 0.1 ? 1 : Math.max(1, Math.floor(Math.exp(prng.float() * Math.log(maxBytes))));
    return { name, ext: pick(prng, EXTENSIONS), size };
  }
}

/** A key: above every peer (the wrap), equal to a peer's ID, at or below the smallest, or anywhere. */
function fileKey(prng: Prng, ring: Ring): number {
  const max = ring[ring.length - 1] as number;
  const min = ring[0] as number;
  const roll = prng.float();
  if (roll < 0.3 && max < IDS - 1) return between(prng, max + 1, IDS - 1);
  if (roll < 0.45) return pick(prng, ring);
  if (roll < 0.6) return between(prng, 0, min);
  return prng.nextInt(IDS);
}

/** Where a command is typed: a sixth of the time at the owner of the file's key, else at any peer. */
function typingPeer(prng: Prng, ring: Ring, file: string): number {
  return prng.float() < 1 / 6 ? ownerIn(ring, Number(file) % IDS) : pick(prng, ring);
}
